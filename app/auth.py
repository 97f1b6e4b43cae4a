"""Loading the signed-in account for Flask-Login."""

from app.extensions import db
from app.models import Account
from app.models.types import AccountStatus


def load_account(session_token: str) -> Account | None:
    """Find the account whose current session token the cookie carries.

    Keying sessions by a token rather than the id means a password change or
    a withdrawal, which replace the token, ends every other session.
    """
    return db.session.scalar(
        db.select(Account).where(
            Account.session_token == session_token,
            Account.status == AccountStatus.ACTIVE,
        )
    )
