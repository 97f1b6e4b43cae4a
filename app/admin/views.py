"""Console views. Every model view is scoped to the staff member's municipality."""

import logging
import re
from collections import OrderedDict
from datetime import date, datetime, time
from enum import Enum

import sqlalchemy as sa
from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app import accounts, audit, labels, organisations, schedules
from app.admin.access import StaffOnly, console_staff, scope_municipality_id
from app.extensions import db
from app.models import (
    Activity,
    Introduction,
    Municipality,
    Organisation,
    Participant,
    Revision,
    Story,
)
from app.models.types import OrganisationKind, ReviewState, RevisionState, StaffLevel
from app.templating import (
    era_year,
    format_clock,
    format_day,
    format_moment,
    format_span,
    format_yen,
)

logger = logging.getLogger(__name__)

#: The largest id a record can have: primary keys are 32-bit integers.
MAX_ID = 2**31 - 1

#: The furthest a list may be paged. Far beyond any table here, and well
#: inside what PostgreSQL accepts as an OFFSET.
MAX_OFFSET = 2**31 - 1

_DIGITS = re.compile(r"[0-9]{1,10}")


def record_id(value) -> int | None:
    """The id written in ``value`` (from an address or a form), or None.

    Anything a primary key cannot be (``abc``, ``1.5``, blank, or a number
    past the column's range) is None, so it reads as a record that does not
    exist rather than an error from the database.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not _DIGITS.fullmatch(text):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def safe_page(page: int | None, page_size: int, first: int = 0) -> int:
    """``page`` kept between the first page and the last one an OFFSET allows."""
    last = first + MAX_OFFSET // max(page_size, 1)
    return min(max(page or first, first), last)


# --- how values are shown -----------------------------------------------------


def _in_japanese() -> bool:
    return str(get_locale() or "ja").startswith("ja")


def _with_era(text: str, value: date) -> str:
    # Municipal paperwork counts years by era (令和8年); staff see both.
    if not _in_japanese():
        return text
    return f"{text}（{era_year(value)}）"


def _empty(view, value, name) -> str:
    return ""


def _yes_no(view, value, name) -> str:
    return _("Yes") if value else _("No")


def _moment(view, value, name) -> str:
    return format_moment(value)


def _day(view, value, name) -> str:
    return format_day(value)


def _clock(view, value, name) -> str:
    return format_clock(value)


def _moment_with_era(view, value, name) -> str:
    return _with_era(format_moment(value), value)


def _day_with_era(view, value, name) -> str:
    return _with_era(format_day(value), value)


def _enum(view, value, name) -> str:
    return labels.describe(value)


def _formatters(moment, day) -> dict:
    """Flask-Admin's formatters with the console's in front.

    Flask-Admin takes the first type the value is an instance of, so a
    datetime must come before a date, and a bool before anything else.
    """
    formatters = {
        type(None): _empty,
        bool: _yes_no,
        datetime: moment,
        date: day,
        time: _clock,
        Enum: _enum,
    }
    for kind, formatter in DEFAULT_FORMATTERS.items():
        formatters.setdefault(kind, formatter)
    return formatters


LIST_FORMATTERS = _formatters(_moment, _day)
DETAIL_FORMATTERS = _formatters(_moment_with_era, _day_with_era)


def _recurrence(view, context, model, name) -> str:
    """毎週火・木曜 10:00〜12:00, or the rule as stored if it cannot be worded."""
    rule = model.recurrence_rule
    if not rule:
        return ""
    described = schedules.describe_recurrence(
        rule,
        model.recurrence_starts_on,
        model.recurrence_start_time,
        model.recurrence_end_time,
    )
    return described or rule


def _sessions(view, context, model, name) -> Markup:
    spans = [format_span(s.starts_at, s.ends_at, s.all_day) for s in model.sessions]
    if not spans:
        return Markup("")
    items = Markup("").join(Markup("<li>%s</li>") % span for span in spans)
    return Markup('<ul class="list-unstyled mb-0">%s</ul>') % items


def _yen(view, context, model, name) -> str:
    value = getattr(model, name)
    return "" if value is None else format_yen(value)


def _organisation_kind(view, context, model, name) -> str:
    # Stored as a code; older rows may hold a code no longer offered.
    try:
        return labels.describe(OrganisationKind(model.kind))
    except ValueError:
        return model.kind or ""


# --- filters --------------------------------------------------------------------


class ChoiceFilter(FilterEqual):
    """Equal to one of a fixed list of stored values, chosen from a list."""

    def clean(self, value):
        # A value from outside the list would reach the database as an
        # unknown state; refuse it as Flask-Admin refuses any bad filter.
        if value not in {str(code) for code, _label in self.options}:
            raise ValueError(value)
        return value


def _state_filter(column, name, mapping: dict) -> ChoiceFilter:
    return ChoiceFilter(
        column=column,
        name=name,
        options=[(state.value, label) for state, label in mapping.items()],
    )


class MunicipalityFilter(IntEqualFilter):
    """One of the 62 municipalities, chosen by name; for Tokyo staff only."""

    def __init__(self, column) -> None:
        super().__init__(column, _l("Municipality"))

    def get_options(self, view):
        # The names are read when a list is shown: while the views are built
        # there is no database to read them from.
        if not has_request_context():
            return None
        rows = db.session.execute(
            sa.select(Municipality.id, Municipality.name).order_by(Municipality.code)
        )
        return [(str(row.id), row.name) for row in rows]

    def clean(self, value) -> int:
        number = record_id(value)
        if number is None:
            raise ValueError(value)
        return number


# --- the views --------------------------------------------------------------------


class ConsoleIndexView(StaffOnly, AdminIndexView):
    """The console's front page: what waits for this staff member's decision."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The lists a count links to, by model; ``init_admin`` adds them once
        # the views exist.
        self.lists: dict[type, ScopedModelView] = {}

    @expose("/")
    def index(self):
        scope = scope_municipality_id()
        queues = []
        for label, model in (
            (_l("Residents waiting for approval"), Participant),
            (_l("Organisations"), Organisation),
            (_l("Activities"), Activity),
            (_l("Experience stories"), Story),
            (_l("Activity introductions"), Introduction),
        ):
            query = sa.select(sa.func.count()).select_from(model)
            if model is Participant:
                query = query.where(accounts.awaiting_approval())
            else:
                query = query.where(model.review_state == ReviewState.PENDING)
            if scope is not None:
                query = query.where(model.municipality_id == scope)
            view = self.lists.get(model)
            url = view.pending_url() if view is not None else None
            queues.append((label, db.session.scalar(query), url))
        revisions = sa.select(sa.func.count()).where(
            Revision.state == RevisionState.PENDING
        )
        if scope is not None:
            revisions = revisions.where(Revision.municipality_id == scope)
        queues.append(
            (_l("Changes to published records"), db.session.scalar(revisions), None)
        )
        return self.render(
            "admin/console_index.html", staff=console_staff(), queues=queues
        )


class ScopedModelView(StaffOnly, ModelView):
    """A model view confined to the staff member's municipality.

    The list, the count and single-record lookups all go through the same
    filter, so a municipal member cannot reach another area's record by
    guessing its id. Municipal staff only ever see their own municipality, so
    its column and filter are shown to Tokyo staff alone.
    """

    municipality_column = "municipality_id"
    #: List columns that only tell municipalities apart.
    area_columns = ("municipality",)
    can_set_page_size = True
    page_size = 50
    column_type_formatters = LIST_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS
    list_template = "admin/console_list.html"

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
        number = record_id(id)
        if number is None:
            return None
        return self.get_query().filter(self.model.id == number).one_or_none()

    def pending_url(self) -> str | None:
        """The list narrowed to records waiting for a decision, if it can be."""
        return None

    def filtered_url(self, flt, value) -> str:
        """The list with one of this view's filters applied."""
        index = self._filters.index(flt)
        arg = self.get_filter_arg(index, flt)
        return url_for(f"{self.endpoint}.index_view", **{f"flt0_{arg}": value})

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        # ?page= comes straight from the address; past the last page an
        # OFFSET allows, PostgreSQL refuses the whole query.
        page_size = self.get_safe_page_size(args.page_size)
        args.page = safe_page(args.page, page_size)
        return args

    def _shown_list_columns(self):
        if scope_municipality_id() is None:
            return self._list_columns
        return [(c, n) for c, n in self._list_columns if c not in self.area_columns]

    def _get_column_by_idx(self, idx):
        # Sort links number the columns as shown, so read them back the same way.
        columns = self._shown_list_columns()
        if idx is None or not 0 <= idx < len(columns):
            return None
        return columns[idx]

    def _get_list_filter_args(self):
        filters = super()._get_list_filter_args()
        if not filters or scope_municipality_id() is None:
            return filters
        # A municipality filter in an old link means nothing to municipal
        # staff, whose lists are confined to their own area already.
        return [
            active
            for active in filters
            if not isinstance(self._filters[active[0]], MunicipalityFilter)
        ]

    def _get_filter_groups(self):
        groups = super()._get_filter_groups()
        if not groups:
            return groups
        tokyo = scope_municipality_id() is None
        shown = OrderedDict()
        for label, items in groups.items():
            kept = []
            for item in items:
                flt = self._filters[item["index"]]
                if isinstance(flt, MunicipalityFilter):
                    if not tokyo:
                        continue
                    item["options"] = flt.get_options(self)
                kept.append(item)
            if kept:
                shown[label] = kept
        return shown or None

    def render(self, template, **kwargs):
        if "list_columns" in kwargs:
            kwargs["list_columns"] = self._shown_list_columns()
            # With every filter hidden, the list has no filter menu at all.
            if not kwargs.get("filter_groups"):
                kwargs["filters"] = None
        return super().render(template, **kwargs)


class ReadOnlyScopedView(ScopedModelView):
    # Approval and editing screens are separate; these lists only show.
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True


class ReviewedView(ReadOnlyScopedView):
    """A list of records the municipality reviews, with a review-state filter."""

    review_filter: ChoiceFilter

    def pending_url(self) -> str:
        return self.filtered_url(self.review_filter, ReviewState.PENDING.value)


# Labels of the columns every reviewed record has.
_REVIEW_LABELS = {
    "municipality": _l("Municipality"),
    "review_state": _l("Review state"),
    "submitted_at": _l("Submitted"),
    "reviewed_at": _l("Decided on"),
    "published_at": _l("Published on"),
    "rejection_reason": _l("Reason for returning"),
    "closed_at": _l("Closed on"),
    "created_at": _l("Created on"),
    "updated_at": _l("Last changed on"),
}


class OrganisationView(ReviewedView):
    review_filter = _state_filter(
        Organisation.review_state, _l("Review state"), labels.REVIEW_STATES
    )
    column_list = ("name", "municipality", "review_state", "submitted_at", "phone")
    column_details_list = (
        "name",
        "name_kana",
        "kind",
        "municipality",
        "review_state",
        "submitted_at",
        "reviewed_at",
        "published_at",
        "rejection_reason",
        "representative",
        "contact_name",
        "postal_code",
        "address",
        "phone",
        "email",
        "website",
        "description",
        "closed_at",
        "created_at",
        "updated_at",
    )
    column_searchable_list = ("name", "name_kana")
    column_filters = (MunicipalityFilter(Organisation.municipality_id), review_filter)
    column_formatters = {"kind": _organisation_kind}
    column_default_sort = ("id", True)
    column_labels = {
        **_REVIEW_LABELS,
        "name": _l("Name"),
        "name_kana": _l("Reading of the name (katakana)"),
        "kind": _l("Kind of organisation"),
        "representative": _l("Representative"),
        "contact_name": _l("Person in charge"),
        "postal_code": _l("Postal code"),
        "address": _l("Address"),
        "phone": _l("Phone"),
        "email": _l("E-mail address"),
        "website": _l("Website"),
        "description": _l("About the organisation"),
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
        organisation = self.get_one(request.form.get("id", ""))
        if organisation is None:
            abort(404)
        if organisation.review_state != ReviewState.PENDING:
            abort(409)
        return organisation


class ActivityView(ReviewedView):
    review_filter = _state_filter(
        Activity.review_state, _l("Review state"), labels.REVIEW_STATES
    )
    column_list = (
        "title",
        "organisation",
        "municipality",
        "review_state",
        "schedule_kind",
        "application_deadline",
    )
    column_details_list = (
        "title",
        "organisation",
        "municipality",
        "review_state",
        "submitted_at",
        "reviewed_at",
        "published_at",
        "rejection_reason",
        "summary",
        "description",
        "categories",
        "schedule_kind",
        "sessions",
        "recurrence_rule",
        "recurrence_starts_on",
        "recurrence_ends_on",
        "skips_public_holidays",
        "skips_year_end",
        "schedule_note",
        "is_online",
        "venue_name",
        "address",
        "nearest_station",
        "walk_minutes",
        "capacity",
        "cost_yen",
        "cost_note",
        "pay_note",
        "what_to_bring",
        "application_deadline",
        "requires_interview",
        "contact_name",
        "contact_phone",
        "contact_email",
        "external_url",
        "closed_at",
        "created_at",
        "updated_at",
    )
    column_searchable_list = ("title",)
    column_filters = (
        MunicipalityFilter(Activity.municipality_id),
        review_filter,
        _state_filter(Activity.schedule_kind, _l("Schedule"), labels.SCHEDULE_KINDS),
    )
    column_formatters = {
        "sessions": _sessions,
        "recurrence_rule": _recurrence,
        "cost_yen": _yen,
    }
    column_default_sort = ("id", True)
    column_labels = {
        **_REVIEW_LABELS,
        "title": _l("Title"),
        "organisation": _l("Organisation"),
        "summary": _l("Summary"),
        "description": _l("Details of the activity"),
        "categories": _l("Categories"),
        "schedule_kind": _l("Schedule"),
        "sessions": _l("Dates"),
        "recurrence_rule": _l("Regular meetings"),
        "recurrence_starts_on": _l("Meetings start on"),
        "recurrence_ends_on": _l("Meetings end on"),
        "skips_public_holidays": _l("No meetings on public holidays"),
        "skips_year_end": _l("No meetings over the New Year"),
        "schedule_note": _l("About the schedule"),
        "is_online": _l("Online"),
        "venue_name": _l("Venue"),
        "address": _l("Address"),
        "nearest_station": _l("Nearest station"),
        "walk_minutes": _l("Minutes on foot from the station"),
        "capacity": _l("Places"),
        "cost_yen": _l("Cost"),
        "cost_note": _l("About the cost"),
        "pay_note": _l("Payment to participants"),
        "what_to_bring": _l("What to bring"),
        "application_deadline": _l("Application deadline"),
        "requires_interview": _l("Interview or visit"),
        "contact_name": _l("Person in charge"),
        "contact_phone": _l("Contact phone"),
        "contact_email": _l("Contact e-mail address"),
        "external_url": _l("Page on another site"),
    }


class MunicipalityView(ScopedModelView):
    """Each municipality's settings: switched on, and approval of residents.

    Tokyo staff switch a municipality on when it joins; a municipal lead
    decides whether its residents need approval after confirming their
    address. Everyone else only reads.
    """

    municipality_column = "id"
    area_columns = ()
    can_create = False
    can_delete = False
    can_view_details = False
    column_list = ("code", "name", "kind", "is_active", "requires_participant_approval")
    column_default_sort = "code"
    column_searchable_list = ("name", "kana")
    column_labels = {
        "code": _l("Code"),
        "name": _l("Municipality"),
        "kind": _l("Kind"),
        "is_active": _l("Switched on"),
        "requires_participant_approval": _l("Residents need approval"),
    }
    column_formatters = {"kind": lambda v, c, m, n: MUNICIPALITY_KINDS.get(m.kind)}
    form_columns = ("is_active", "requires_participant_approval")

    @property
    def can_edit(self) -> bool:
        staff = console_staff()
        return staff is not None and (
            staff.is_tokyo or staff.level == StaffLevel.MUNICIPAL_LEAD
        )

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if not console_staff().is_tokyo:
            # Joining the platform is Tokyo's decision, not the municipality's.
            del form.is_active
        return form

    def update_model(self, form, model):
        if not self.can_edit:
            abort(403)
        return super().update_model(form, model)

    def after_model_change(self, form, model, is_created):
        audit.record(
            "municipality_settings_changed",
            model,
            actor=current_user._get_current_object(),
            municipality_id=model.id,
            is_active=model.is_active,
            requires_participant_approval=model.requires_participant_approval,
        )
        db.session.commit()
        logger.info(
            "settings of municipality %s changed by account %s",
            model.code,
            current_user.id,
        )


MUNICIPALITY_KINDS = {
    "ward": _l("Special ward"),
    "city": _l("City"),
    "town": _l("Town"),
    "village": _l("Village"),
}
