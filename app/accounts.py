"""Signing accounts in: the rules every portal shares."""

import logging
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import Account
from app.models.types import AccountStatus, utcnow

logger = logging.getLogger(__name__)


@cache
def _unused_hash() -> str:
    # Checked when no account has the address, so that a wrong address takes
    # as long to refuse as a wrong password and does not reveal who is
    # registered. Made on first use: hashing is deliberately slow.
    return generate_password_hash("no account has this password")


def authenticate(email: str, password: str) -> Account | None:
    """The active account with this address and password, or None."""
    address = (email or "").strip().lower()
    account = db.session.scalar(db.select(Account).where(Account.email == address))
    if account is None:
        check_password_hash(_unused_hash(), password)
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
