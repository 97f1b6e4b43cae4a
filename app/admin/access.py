"""Who may use the console, and which municipality's records they see.

Being signed in to the site is not enough: the console needs its own sign-in
with a second factor, kept in the session under the ``staff_*`` keys below,
and it ends after 30 minutes without a console request or 12 hours in all.
"""

import logging
import time
from datetime import timedelta

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.display import current_display, keep_in_session
from app.i18n import LANGUAGE_SESSION_KEY

logger = logging.getLogger(__name__)

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)

# The account whose second factor was checked; the console session belongs to
# it alone, even if another account signs in on the public site afterwards.
ACCOUNT_KEY = "staff_account_id"
VERIFIED_KEY = "staff_2fa_at"
SIGNED_IN_KEY = "staff_signed_in_at"
LAST_SEEN_KEY = "staff_last_seen_at"
CONSOLE_KEYS = (ACCOUNT_KEY, VERIFIED_KEY, SIGNED_IN_KEY, LAST_SEEN_KEY)


def signed_in_staff():
    """The signed-in account's active staff row, or None."""
    if not current_user.is_authenticated:
        return None
    staff = current_user.staff
    if staff is None or staff.disabled:
        return None
    return staff


def console_session_values(account, now: float | None = None) -> dict:
    """The session entries of a console sign-in that passed both factors."""
    now = int(now if now is not None else time.time())
    return {
        ACCOUNT_KEY: account.id,
        VERIFIED_KEY: now,
        SIGNED_IN_KEY: now,
        LAST_SEEN_KEY: now,
    }


def start_console_session(account) -> None:
    session.update(console_session_values(account))


def console_staff():
    """The staff row behind a live console session, or None.

    Checked once per request (the menu asks every view whether it is
    accessible); a live session's idle clock is restarted on the way.
    """
    if "console_staff" not in g:
        g.console_staff = _check_console_session()
    return g.console_staff


def _check_console_session():
    staff = signed_in_staff()
    if staff is None:
        return None
    if session.get(ACCOUNT_KEY) != current_user.id or not session.get(VERIFIED_KEY):
        return None
    now = time.time()
    signed_in = session.get(SIGNED_IN_KEY) or 0
    last_seen = session.get(LAST_SEEN_KEY) or 0
    if now - signed_in > ABSOLUTE_LIMIT.total_seconds():
        g.console_expired = "absolute"
        return None
    if now - last_seen > IDLE_LIMIT.total_seconds():
        g.console_expired = "idle"
        return None
    session[LAST_SEEN_KEY] = int(now)
    return staff


def scope_municipality_id() -> int | None:
    """The municipality the current staff member is confined to.

    Tokyo staff are confined to none and get ``None``; callers must have
    checked ``console_staff()`` first.
    """
    staff = console_staff()
    if staff is None:
        abort(403)
    return None if staff.is_tokyo else staff.municipality_id


def refuse_or_redirect():
    """The answer for a request that has no live console session.

    Visitors are sent to the console sign-in; a signed-in participant or
    organisation account is refused outright so it cannot probe the console.
    Staff whose console session timed out are signed out and told why.
    """
    if not current_user.is_authenticated:
        return _to_sign_in()
    if signed_in_staff() is None:
        abort(403)
    if console_staff() is not None:
        return None
    expired = g.get("console_expired")
    if expired:
        account_id = current_user.id
        end_session()
        logger.info("console session of account %s expired (%s)", account_id, expired)
        if expired == "idle":
            flash(
                _("You were signed out after 30 minutes without activity."), "warning"
            )
        else:
            flash(_("You were signed out because 12 hours have passed."), "warning")
    return _to_sign_in()


def end_session() -> None:
    """Sign out, keeping only the screen's language and display settings."""
    display = current_display()
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    # After clearing, so that Flask-Login's note to delete a remember-me
    # cookie survives and the browser is not signed straight back in.
    logout_user()
    keep_in_session(display)
    if language:
        session[LANGUAGE_SESSION_KEY] = language


def _to_sign_in():
    # full_path ends in a bare "?" when there is no query; drop it.
    target = request.full_path.rstrip("?")
    return redirect(url_for("console_auth.sign_in", next=target))


class StaffOnly:
    """Mixin for every console view: staff with a live console session only."""

    def is_accessible(self) -> bool:
        return console_staff() is not None

    def inaccessible_callback(self, name, **kwargs):
        # A live session reaching this point lacks the rights for this view.
        return refuse_or_redirect() or abort(403)
