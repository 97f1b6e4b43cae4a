"""Column types and enumerations shared by the models."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware datetime.

    SQLite keeps no zone, so values are normalised to UTC on the way in and
    marked as UTC on the way out; PostgreSQL stores them as timestamptz.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> sa.Enum:
    """Store an enum by its value as a short string with a CHECK constraint.

    Strings rather than native PostgreSQL enums let a state be added by an
    ordinary migration on either database.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
        **kwargs,
    )


class ReviewState(enum.StrEnum):
    """Where a record stands in its municipality's approval queue."""

    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RevisionState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class AccountStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    DISABLED = "disabled"
    WITHDRAWN = "withdrawn"


class StaffLevel(enum.StrEnum):
    MUNICIPAL_MEMBER = "municipal_member"
    MUNICIPAL_LEAD = "municipal_lead"
    TOKYO = "tokyo"


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class OrganisationKind(enum.StrEnum):
    """The legal or social form of an organisation, stored as a stable code."""

    NPO = "npo"
    SOCIAL_WELFARE_COUNCIL = "social_welfare_council"
    NEIGHBOURHOOD_ASSOCIATION = "neighbourhood_association"
    VOLUNTARY_GROUP = "voluntary_group"
    COMPANY = "company"
    OTHER = "other"


class ScheduleKind(enum.StrEnum):
    SINGLE = "single"
    SESSIONS = "sessions"
    RECURRING = "recurring"


class ApplicationState(enum.StrEnum):
    APPLIED = "applied"
    INTERVIEW_OFFERED = "interview_offered"
    INTERVIEW_BOOKED = "interview_booked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class ThreadSide(enum.StrEnum):
    PARTICIPANT = "participant"
    ORGANISATION = "organisation"
    PLATFORM = "platform"


class ContentKind(enum.StrEnum):
    NEWS = "news"
    FEATURE = "feature"
    FAQ = "faq"
    PAGE = "page"


class ContentStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class InquiryStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


class Channel(enum.StrEnum):
    EMAIL = "email"
    PUSH = "push"
    IN_APP = "in_app"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class DigestFrequency(enum.StrEnum):
    NEVER = "never"
    DAILY = "daily"
    WEEKLY = "weekly"


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


class SourceKind(enum.StrEnum):
    FEED = "feed"
    HTML_LIST = "html_list"
    JSONLD_PAGE = "jsonld_page"
    # One activity whose details are label rows in a table or list.
    DETAILS_PAGE = "details_page"
    OPENDATA_CSV = "opendata_csv"


class SourceHealth(enum.StrEnum):
    UNKNOWN = "unknown"
    OK = "ok"
    FAILING = "failing"


class TextSize(enum.StrEnum):
    STANDARD = "standard"
    LARGE = "large"
    LARGEST = "largest"


class TokenPurpose(enum.StrEnum):
    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"
    STAFF_INVITATION = "staff_invitation"
    MEMBER_INVITATION = "member_invitation"
