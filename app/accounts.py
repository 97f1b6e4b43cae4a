"""Signing accounts in: the rules every portal shares."""

import logging

from app import passwords
from app.extensions import db
from app.models import Account
from app.models.types import AccountStatus, utcnow

logger = logging.getLogger(__name__)


def authenticate(email: str, password: str) -> Account | None:
    """The active account with this address and password, or None."""
    address = (email or "").strip().lower()
    account = db.session.scalar(db.select(Account).where(Account.email == address))
    if account is None:
        passwords.burn_time()
        return None
    if not account.check_password(password):
        logger.info("sign-in refused for account %s: wrong password", account.id)
        return None
    if account.status != AccountStatus.ACTIVE:
        logger.info(
            "sign-in refused for account %s: status %s", account.id, account.status
        )
        return None
    return account


def record_sign_in(account: Account) -> None:
    account.last_sign_in_at = utcnow()
    db.session.commit()
    logger.info("account %s signed in", account.id)
