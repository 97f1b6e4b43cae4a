"""Activities, their schedules, images and physical-load attributes."""

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.review import Reviewable
from app.models.types import ScheduleKind, UTCDateTime, enum_column, utcnow

activity_category = sa.Table(
    "activity_category",
    db.Model.metadata,
    sa.Column(
        "activity_id",
        sa.ForeignKey("activity.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "category_id", sa.ForeignKey("category.id"), primary_key=True, index=True
    ),
)


class Activity(Reviewable, db.Model):
    """Something a participant can join, approved by the municipality it is in."""

    __tablename__ = "activity"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        sa.CheckConstraint("cost_yen IS NULL OR cost_yen >= 0", name="cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    # Where: a venue, an online meeting, or both.
    is_online: Mapped[bool] = mapped_column(default=False)
    venue_name: Mapped[str | None] = mapped_column(sa.String(120))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    nearest_station: Mapped[str | None] = mapped_column(sa.String(60))
    walk_minutes: Mapped[int | None] = mapped_column(sa.SmallInteger)

    # When: dated sessions, or an iCalendar RRULE for regular meetings such as
    # 毎週火・木曜 (FREQ=WEEKLY;BYDAY=TU,TH) or 第2・4土曜
    # (FREQ=MONTHLY;BYDAY=2SA,4SA). Rule times are Tokyo wall-clock times.
    schedule_kind: Mapped[ScheduleKind] = mapped_column(
        enum_column(ScheduleKind, name="schedule_kind"), default=ScheduleKind.SINGLE
    )
    recurrence_rule: Mapped[str | None] = mapped_column(sa.String(200))
    recurrence_start_time: Mapped[time | None] = mapped_column(sa.Time)
    recurrence_end_time: Mapped[time | None] = mapped_column(sa.Time)
    recurrence_starts_on: Mapped[date | None] = mapped_column(sa.Date)
    recurrence_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    # Many groups rest on public holidays and over the New Year (12/29-1/3,
    # when public buildings close); those dates are left out of the rule.
    skips_public_holidays: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    skips_year_end: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    schedule_note: Mapped[str | None] = mapped_column(sa.String(200))

    capacity: Mapped[int | None] = mapped_column(sa.Integer)
    cost_yen: Mapped[int | None] = mapped_column(sa.Integer)
    cost_note: Mapped[str | None] = mapped_column(sa.String(200))
    # Light paid work (謝礼, 配分金) pays the participant; cost is what they pay.
    pay_note: Mapped[str | None] = mapped_column(sa.String(200))
    what_to_bring: Mapped[str | None] = mapped_column(sa.String(300))
    application_deadline: Mapped[date | None] = mapped_column(sa.Date, index=True)
    requires_interview: Mapped[bool] = mapped_column(default=False)
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    external_url: Mapped[str | None] = mapped_column(sa.String(500))

    # Recruiting ends when the organisation closes it or the deadline passes.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The activity this one was duplicated from, for "same again, new date".
    copied_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    organisation: Mapped["Organisation | None"] = relationship(  # noqa: F821
        back_populates="activities"
    )
    municipality: Mapped["Municipality"] = relationship()  # noqa: F821
    categories: Mapped[list["Category"]] = relationship(  # noqa: F821
        secondary=activity_category, order_by="Category.sort_order"
    )
    sessions: Mapped[list["ActivitySession"]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        order_by="ActivitySession.starts_at",
    )
    images: Mapped[list["ActivityImage"]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        order_by="ActivityImage.sort_order",
    )
    loads: Mapped[list["ActivityLoad"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return not self.cost_yen


class ActivitySession(db.Model):
    """One dated meeting of an activity."""

    __tablename__ = "activity_session"
    __table_args__ = (
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A session announced by date only (no time yet) is shown without a time.
    all_day: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(sa.String(200))

    activity: Mapped[Activity] = relationship(back_populates="sessions")


class ActivityImage(db.Model):
    __tablename__ = "activity_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(sa.String(200))
    alt_text: Mapped[str] = mapped_column(sa.String(200))
    sort_order: Mapped[int] = mapped_column(default=0)

    activity: Mapped[Activity] = relationship(back_populates="images")


class ActivityLoad(db.Model):
    """The level of one physical-load or access attribute for an activity."""

    __tablename__ = "activity_load"

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    attribute_code: Mapped[str] = mapped_column(
        sa.ForeignKey("load_attribute.code"), primary_key=True
    )
    value: Mapped[int] = mapped_column(sa.SmallInteger)

    activity: Mapped[Activity] = relationship(back_populates="loads")
    attribute: Mapped["LoadAttribute"] = relationship()  # noqa: F821
