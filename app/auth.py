"""Server-side sign-in sessions behind Flask-Login.

Flask-Login keeps an identifier in the signed session cookie. Here that
identifier is the token of an ``AccountSession`` row, so a session can be
ended on the server: signing out revokes the row, and a copied cookie stops
working at once.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request, session
from flask_login import user_logged_in, user_logged_out

from app.extensions import db
from app.models import Account, AccountSession
from app.models.types import AccountStatus, utcnow

logger = logging.getLogger(__name__)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_app(app: Flask) -> None:
    user_logged_in.connect(_on_sign_in, app)
    user_logged_out.connect(_on_sign_out, app)


def open_session(account: Account) -> str:
    """Record a new signed-in session for the account; return its token."""
    token = secrets.token_urlsafe(32)
    row = AccountSession(
        account_id=account.id,
        token_hash=_digest(token),
        generation=account.session_token,
    )
    if has_request_context():
        row.user_agent = (request.user_agent.string or "")[:300] or None
        row.ip_address = request.remote_addr
    db.session.add(row)
    db.session.commit()
    g.account_session = row
    return token


def load_account(token: str) -> Account | None:
    """The account of a live session, for Flask-Login's user loader."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        sa.select(AccountSession)
        .join(AccountSession.account)
        .where(
            AccountSession.token_hash == _digest(token),
            AccountSession.revoked_at.is_(None),
            AccountSession.generation == Account.session_token,
            Account.status == AccountStatus.ACTIVE,
        )
    )
    if row is None:
        return None
    g.account_session = row
    return row.account


def _on_sign_in(app, user, **extra) -> None:
    # login_user has just stored the account's id; replace it with the token
    # of a new server-side session (the remember-me cookie copies it too).
    session["_user_id"] = open_session(user)
    logger.info("account %s opened session %s", user.id, g.account_session.id)


def _on_sign_out(app, user, **extra) -> None:
    row = g.pop("account_session", None)
    if row is None:
        return
    db.session.execute(
        sa.update(AccountSession)
        .where(AccountSession.id == row.id)
        .values(revoked_at=utcnow())
    )
    db.session.commit()
    logger.info("account %s ended session %s", user.id, row.id)


def prune_sessions(older_than: timedelta) -> int:
    """Delete session records that ended, or began, longer ago than that.

    A remember-me cookie lasts 14 days, so a month-old session is over either
    way; the records hold network addresses and should not pile up.
    """
    cutoff = utcnow() - older_than
    result = db.session.execute(
        sa.delete(AccountSession).where(
            sa.or_(
                AccountSession.revoked_at < cutoff,
                AccountSession.created_at < cutoff,
            )
        )
    )
    db.session.commit()
    logger.info("pruned %d old sessions", result.rowcount)
    return result.rowcount
