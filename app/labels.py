"""Words shown to people for the states and kinds stored in the database."""

import enum

from flask_babel import lazy_gettext as _l

from app.models.types import (
    ApplicationState,
    MemberRole,
    OrganisationKind,
    ReviewState,
    ScheduleKind,
)

REVIEW_STATES = {
    ReviewState.DRAFT: _l("Draft"),
    ReviewState.PENDING: _l("Waiting for approval"),
    ReviewState.PUBLISHED: _l("Published"),
    ReviewState.REJECTED: _l("Returned with a reason"),
    ReviewState.WITHDRAWN: _l("Withdrawn"),
}

APPLICATION_STATES = {
    ApplicationState.APPLIED: _l("Applied"),
    ApplicationState.INTERVIEW_OFFERED: _l("Interview offered"),
    ApplicationState.INTERVIEW_BOOKED: _l("Interview booked"),
    ApplicationState.ACCEPTED: _l("Accepted"),
    ApplicationState.DECLINED: _l("Declined"),
    ApplicationState.WAITLISTED: _l("On the waiting list"),
    ApplicationState.CANCELLED: _l("Cancelled"),
    ApplicationState.ATTENDED: _l("Attended"),
    ApplicationState.NO_SHOW: _l("Did not attend"),
}

SCHEDULE_KINDS = {
    ScheduleKind.SINGLE: _l("One date"),
    ScheduleKind.SESSIONS: _l("Several dates"),
    ScheduleKind.RECURRING: _l("Regularly"),
}

MEMBER_ROLES = {
    MemberRole.OWNER: _l("Owner"),
    MemberRole.MEMBER: _l("Member"),
}

ORGANISATION_KINDS = {
    OrganisationKind.NPO: _l("NPO corporation"),
    OrganisationKind.SOCIAL_WELFARE_COUNCIL: _l("Social welfare council"),
    OrganisationKind.NEIGHBOURHOOD_ASSOCIATION: _l(
        "Neighbourhood or residents' association"
    ),
    OrganisationKind.VOLUNTARY_GROUP: _l("Voluntary group or circle"),
    OrganisationKind.COMPANY: _l("Company"),
    OrganisationKind.OTHER: _l("Other"),
}

# Each stored kind with its words, keyed by class: two kinds may share a value
# ("pending"), and a StrEnum member equals its plain string.
_LABELS_BY_KIND = {
    ReviewState: REVIEW_STATES,
    ApplicationState: APPLICATION_STATES,
    ScheduleKind: SCHEDULE_KINDS,
    MemberRole: MEMBER_ROLES,
    OrganisationKind: ORGANISATION_KINDS,
}


def describe(value: enum.Enum) -> str:
    """The word shown for a stored state or kind; its stored value if it has none."""
    words = _LABELS_BY_KIND.get(type(value), {})
    return str(words.get(value, value.value))
