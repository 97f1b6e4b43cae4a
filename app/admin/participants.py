"""Residents whose municipality approves each registration before they can sign in.

Some municipalities check that a resident lives in the area before the
account opens. The list holds only residents waiting for that decision, in
the staff member's own municipality; a decided one drops off it.
"""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import accounts
from app.admin.views import MunicipalityFilter, ReadOnlyScopedView
from app.models import Participant


class PendingParticipantView(ReadOnlyScopedView):
    column_list = ("name", "furigana", "birth_year", "municipality", "created_at")
    column_details_list = (
        "name",
        "furigana",
        "birth_year",
        "municipality",
        "phone",
        "account.email",
        "created_at",
        "account.email_confirmed_at",
    )
    column_searchable_list = ("name", "furigana")
    column_filters = (MunicipalityFilter(Participant.municipality_id),)
    # The longest-waiting first.
    column_default_sort = ("created_at", False)
    column_labels = {
        "name": _l("Name"),
        "furigana": _l("Furigana"),
        "birth_year": _l("Year of birth"),
        "municipality": _l("Municipality"),
        "phone": _l("Phone"),
        "account.email": _l("E-mail address"),
        "created_at": _l("Registered on"),
        "account.email_confirmed_at": _l("Address confirmed on"),
    }
    # The details page carries the approve and refuse buttons.
    details_template = "admin/participant_details.html"

    def get_query(self):
        return super().get_query().filter(accounts.awaiting_approval())

    def get_count_query(self):
        return super().get_count_query().filter(accounts.awaiting_approval())

    def pending_url(self) -> str:
        # Everyone on this list is waiting.
        return url_for(f"{self.endpoint}.index_view")

    @expose("/approve/", methods=["POST"])
    def approve_view(self):
        participant = self._pending_participant()
        accounts.approve_participant(participant, current_user)
        flash(
            _(
                "%(name)s has been approved and told by e-mail.",
                name=participant.name,
            ),
            "success",
        )
        return redirect(url_for(".index_view"), 303)

    @expose("/reject/", methods=["POST"])
    def reject_view(self):
        participant = self._pending_participant()
        reason = request.form.get("reason", "").strip()
        if not reason:
            flash(_("Write the reason for not approving the registration."), "error")
            return redirect(url_for(".details_view", id=participant.id), 303)
        accounts.reject_participant(participant, current_user, reason)
        flash(
            _(
                "The registration of %(name)s was not approved. They were told"
                " the reason by e-mail.",
                name=participant.name,
            ),
            "success",
        )
        return redirect(url_for(".index_view"), 303)

    def _pending_participant(self) -> Participant:
        """The waiting resident named in the form, within this staff's scope."""
        participant = self.get_one(request.form.get("id", ""))
        if participant is None:
            abort(404)
        return participant
