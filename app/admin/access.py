"""Who may use the console, and which municipality's records they see."""

from flask import abort, redirect, request, url_for
from flask_login import current_user


def signed_in_staff():
    """The signed-in account's active staff row, or None."""
    if not current_user.is_authenticated:
        return None
    staff = current_user.staff
    if staff is None or staff.disabled:
        return None
    return staff


def scope_municipality_id() -> int | None:
    """The municipality the current staff member is confined to.

    Tokyo staff are confined to none and get ``None``; callers must have
    checked ``signed_in_staff()`` first.
    """
    staff = signed_in_staff()
    if staff is None:
        abort(403)
    return None if staff.is_tokyo else staff.municipality_id


class StaffOnly:
    """Mixin for every console view: signed-in, active staff accounts only."""

    def is_accessible(self) -> bool:
        return signed_in_staff() is not None

    def inaccessible_callback(self, name, **kwargs):
        # Visitors are sent to sign in; a signed-in participant or organisation
        # account is refused outright so it cannot probe the console.
        if not current_user.is_authenticated:
            return redirect(url_for("public.sign_in", next=request.full_path))
        abort(403)
