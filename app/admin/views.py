"""Console views. Every model view is scoped to the staff member's municipality."""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import organisations
from app.admin.access import StaffOnly, console_staff, scope_municipality_id
from app.extensions import db
from app.labels import REVIEW_STATES, SCHEDULE_KINDS
from app.models import Activity, Introduction, Organisation, Revision, Story
from app.models.types import ReviewState, RevisionState


class ConsoleIndexView(StaffOnly, AdminIndexView):
    """The console's front page: what waits for this staff member's decision."""

    @expose("/")
    def index(self):
        scope = scope_municipality_id()
        queues = []
        for label, model in (
            (_l("Organisations"), Organisation),
            (_l("Activities"), Activity),
            (_l("Experience stories"), Story),
            (_l("Activity introductions"), Introduction),
        ):
            query = sa.select(sa.func.count()).select_from(model)
            query = query.where(model.review_state == ReviewState.PENDING)
            if scope is not None:
                query = query.where(model.municipality_id == scope)
            queues.append((label, db.session.scalar(query)))
        revisions = sa.select(sa.func.count()).where(
            Revision.state == RevisionState.PENDING
        )
        if scope is not None:
            revisions = revisions.where(Revision.municipality_id == scope)
        queues.append(
            (_l("Changes to published records"), db.session.scalar(revisions))
        )
        return self.render(
            "admin/console_index.html", staff=console_staff(), queues=queues
        )


class ScopedModelView(StaffOnly, ModelView):
    """A model view confined to the staff member's municipality.

    The list, the count and single-record lookups all go through the same
    filter, so a municipal member cannot reach another area's record by
    guessing its id.
    """

    municipality_column = "municipality_id"
    can_set_page_size = True
    page_size = 50

    def _scoped(self, query):
        scope = scope_municipality_id()
        if scope is None:
            return query
        return query.filter(getattr(self.model, self.municipality_column) == scope)

    def get_query(self):
        return self._scoped(super().get_query())

    def get_count_query(self):
        return self._scoped(super().get_count_query())

    def get_one(self, id):
        return self.get_query().filter(self.model.id == int(id)).one_or_none()


def _label(mapping: dict, attribute: str):
    """A list-column formatter showing the Japanese word for a stored state."""

    def format_value(view, context, model, name):
        return mapping[getattr(model, attribute)]

    return format_value


def _state_filter(column, name, mapping: dict) -> FilterEqual:
    return FilterEqual(
        column=column,
        name=name,
        options=[(state.value, label) for state, label in mapping.items()],
    )


class ReadOnlyScopedView(ScopedModelView):
    # Approval and editing screens are separate; these lists only show.
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True


class OrganisationView(ReadOnlyScopedView):
    column_list = ("name", "municipality", "review_state", "submitted_at", "phone")
    column_searchable_list = ("name", "name_kana")
    column_filters = (
        "municipality.name",
        _state_filter(Organisation.review_state, _l("Review state"), REVIEW_STATES),
    )
    column_formatters = {"review_state": _label(REVIEW_STATES, "review_state")}
    column_default_sort = ("id", True)
    column_labels = {
        "name": _l("Name"),
        "municipality": _l("Municipality"),
        "municipality.name": _l("Municipality"),
        "review_state": _l("Review state"),
        "submitted_at": _l("Submitted"),
        "phone": _l("Phone"),
    }
    # The details page carries the approve and return buttons.
    details_template = "admin/organisation_details.html"

    @expose("/approve/", methods=["POST"])
    def approve_view(self):
        organisation = self._reviewed_organisation()
        organisations.approve_organisation(organisation, current_user)
        flash(_("%(name)s has been approved.", name=organisation.name), "success")
        return redirect(url_for(".details_view", id=organisation.id), 303)

    @expose("/reject/", methods=["POST"])
    def reject_view(self):
        organisation = self._reviewed_organisation()
        reason = request.form.get("reason", "").strip()
        if not reason:
            flash(_("Write the reason for returning the application."), "error")
        else:
            organisations.reject_organisation(organisation, current_user, reason)
            flash(_("%(name)s has been returned.", name=organisation.name), "success")
        return redirect(url_for(".details_view", id=organisation.id), 303)

    def _reviewed_organisation(self) -> Organisation:
        """The pending organisation named in the form, within this staff's scope."""
        organisation = self.get_one(request.form.get("id", type=int) or 0)
        if organisation is None:
            abort(404)
        if organisation.review_state != ReviewState.PENDING:
            abort(409)
        return organisation


class ActivityView(ReadOnlyScopedView):
    column_list = (
        "title",
        "organisation",
        "municipality",
        "review_state",
        "schedule_kind",
        "application_deadline",
    )
    column_searchable_list = ("title",)
    column_filters = (
        "municipality.name",
        _state_filter(Activity.review_state, _l("Review state"), REVIEW_STATES),
        _state_filter(Activity.schedule_kind, _l("Schedule"), SCHEDULE_KINDS),
    )
    column_formatters = {
        "review_state": _label(REVIEW_STATES, "review_state"),
        "schedule_kind": _label(SCHEDULE_KINDS, "schedule_kind"),
    }
    column_default_sort = ("id", True)
    column_labels = {
        "title": _l("Title"),
        "organisation": _l("Organisation"),
        "municipality": _l("Municipality"),
        "municipality.name": _l("Municipality"),
        "review_state": _l("Review state"),
        "schedule_kind": _l("Schedule"),
        "application_deadline": _l("Application deadline"),
    }
