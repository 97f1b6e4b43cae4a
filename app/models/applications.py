"""Applications to activities, interviews, follow-ups and favourites."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import ApplicationState, UTCDateTime, enum_column, utcnow


class Application(db.Model):
    """A participant's request to join an activity, and where it stands."""

    __tablename__ = "application"
    __table_args__ = (sa.UniqueConstraint("activity_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"), index=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id"), index=True
    )
    state: Mapped[ApplicationState] = mapped_column(
        enum_column(ApplicationState, name="application_state"),
        default=ApplicationState.APPLIED,
        index=True,
    )
    message: Mapped[str | None] = mapped_column(sa.Text)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    # A coordinator who applied on the participant's behalf.
    applied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped["Activity"] = relationship()  # noqa: F821
    participant: Mapped["Participant"] = relationship()  # noqa: F821
    interview_slots: Mapped[list["InterviewSlot"]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="InterviewSlot.starts_at",
    )
    follow_up: Mapped["FollowUp | None"] = relationship(
        back_populates="application", uselist=False
    )
    attendances: Mapped[list["Attendance"]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="Attendance.occurs_on",
    )


class InterviewSlot(db.Model):
    """A time an organisation offers for an interview or visit (面接・見学)."""

    __tablename__ = "interview_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(sa.String(200))
    is_online: Mapped[bool] = mapped_column(default=False)
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="interview_slots")


class Attendance(db.Model):
    """Whether an accepted participant came to one meeting of an activity.

    Recurring and multi-session activities meet many times; continuation
    statistics count the meetings each participant actually attended.
    """

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("application_id", "occurs_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    # The meeting's date in Tokyo; dated sessions also name the session.
    occurs_on: Mapped[date] = mapped_column(sa.Date, index=True)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity_session.id", ondelete="SET NULL")
    )
    attended: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attendances")


class FollowUp(db.Model):
    """The short check some days after a first participation."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[int | None] = mapped_column(sa.SmallInteger)
    will_continue: Mapped[bool | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)

    application: Mapped[Application] = relationship(back_populates="follow_up")


class Favourite(db.Model):
    __tablename__ = "favourite"

    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped["Participant"] = relationship()  # noqa: F821
    activity: Mapped["Activity"] = relationship()  # noqa: F821
