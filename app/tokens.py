"""Secrets sent in links: issued once, stored hashed, used once, expiring."""

import hashlib
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Account, AccountToken
from app.models.types import TokenPurpose, utcnow

logger = logging.getLogger(__name__)

# 32 random bytes: 256 bits, well over the 128 bits a guessable link needs.
TOKEN_BYTES = 32

LIFETIMES = {
    TokenPurpose.CONFIRM_EMAIL: timedelta(days=7),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.CHANGE_EMAIL: timedelta(days=1),
    TokenPurpose.STAFF_INVITATION: timedelta(days=7),
    TokenPurpose.MEMBER_INVITATION: timedelta(days=7),
}


def _digest(secret: str) -> str:
    # The secret has full entropy, so a plain SHA-256 is enough: nothing to
    # brute-force, unlike a password.
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    purpose: TokenPurpose,
    *,
    account: Account | None = None,
    email: str | None = None,
    payload: dict | None = None,
    created_by: Account | None = None,
) -> str:
    """Store a new token and return the secret to put in the link.

    Earlier unused tokens of the same purpose for the same account stop
    working, so only the newest link in someone's mailbox is live.
    """
    if account is not None:
        revoke(account, purpose)
    elif email is not None:
        _revoke_for_address(purpose, email, payload or {})
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        AccountToken(
            purpose=purpose,
            token_hash=_digest(secret),
            account=account,
            email=email,
            payload=payload or {},
            created_by_id=created_by.id if created_by else None,
            expires_at=utcnow() + LIFETIMES[purpose],
        )
    )
    db.session.flush()
    logger.info(
        "issued %s token for account %s",
        purpose.value,
        account.id if account else email,
    )
    return secret


def find(purpose: TokenPurpose, secret: str | None) -> AccountToken | None:
    """The live token for this secret, or None if unknown, used or expired."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == _digest(secret),
            AccountToken.purpose == purpose,
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def consume(purpose: TokenPurpose, secret: str | None) -> AccountToken | None:
    """Mark the token used and return it; a second use finds nothing.

    The update is conditional on ``used_at`` still being empty, so two
    requests racing with the same link cannot both succeed.
    """
    token = find(purpose, secret)
    if token is None:
        return None
    used = db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return None
    db.session.refresh(token)
    logger.info("used %s token %s", purpose.value, token.id)
    return token


def _revoke_for_address(purpose: TokenPurpose, email: str, payload: dict) -> None:
    """Retire earlier unused invitations to the same address for the same thing."""
    earlier = db.session.scalars(
        sa.select(AccountToken).where(
            AccountToken.purpose == purpose,
            AccountToken.email == email,
            AccountToken.used_at.is_(None),
        )
    )
    for token in earlier:
        if token.payload == payload or (
            "organisation_id" in payload
            and token.payload.get("organisation_id") == payload["organisation_id"]
        ):
            token.used_at = utcnow()


def revoke(account: Account, *purposes: TokenPurpose) -> None:
    """Make the account's outstanding tokens of these purposes unusable."""
    if account.id is None:
        return
    db.session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose.in_(purposes),
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
