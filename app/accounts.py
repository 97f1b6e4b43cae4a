"""Signing accounts in: the rules every portal shares."""

import logging

from app import audit, passwords
from app.extensions import db
from app.models import Account
from app.models.accounts import new_session_token
from app.models.types import AccountStatus, utcnow

logger = logging.getLogger(__name__)


def authenticate(email: str, password: str) -> Account | None:
    """The active account with this address and password, or None."""
    address = (email or "").strip().lower()
    account = db.session.scalar(db.select(Account).where(Account.email == address))
    if account is None:
        passwords.burn_time()
        _record_failure(None, address, "unknown address")
        return None
    if not account.check_password(password):
        logger.info("sign-in refused for account %s: wrong password", account.id)
        _record_failure(account, address, "wrong password")
        return None
    if account.status != AccountStatus.ACTIVE:
        logger.info(
            "sign-in refused for account %s: status %s", account.id, account.status
        )
        _record_failure(account, address, f"status {account.status.value}")
        return None
    return account


def _record_failure(account: Account | None, address: str, reason: str) -> None:
    audit.record(
        "sign_in_failed",
        object_type="account",
        object_id=account.id if account else None,
        email=address[:254],
        reason=reason,
    )
    db.session.commit()


def record_sign_in(account: Account, *, surface: str = "public") -> None:
    account.last_sign_in_at = utcnow()
    audit.record("sign_in", account, actor=account, surface=surface)
    db.session.commit()
    logger.info("account %s signed in on the %s site", account.id, surface)


def sign_out_everywhere(account: Account) -> None:
    """End every session of the account, on every device."""
    account.session_token = new_session_token()
    audit.record("sign_out_everywhere", account, actor=account)
    db.session.commit()
    logger.info("account %s signed out everywhere", account.id)
