"""Notifications, their deliveries per channel, push subscriptions and campaigns."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import (
    CampaignStatus,
    Channel,
    DeliveryStatus,
    UTCDateTime,
    enum_column,
    utcnow,
)


class Notification(db.Model):
    """Something the platform tells one account, shown in its in-app inbox.

    ``dedupe_key`` names the event (for example ``application:12:accepted``)
    so that a job which runs twice creates one notification, not two.
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(sa.String(40))
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str | None] = mapped_column(sa.String(500))
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaign.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="notification", cascade="all, delete-orphan"
    )


class Delivery(db.Model):
    """One attempt path of a notification: e-mail, web push or the inbox."""

    __tablename__ = "delivery"
    __table_args__ = (sa.UniqueConstraint("notification_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("notification.id", ondelete="CASCADE")
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, name="channel"))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, name="delivery_status"),
        default=DeliveryStatus.QUEUED,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")


class PushSubscription(db.Model):
    """A browser's Web Push endpoint and keys for one account."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(200))
    auth: Mapped[str] = mapped_column(sa.String(100))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_count: Mapped[int] = mapped_column(default=0)


class Campaign(db.Model):
    """A recommendation broadcast from staff to a chosen group of participants."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.String(500))
    # Who receives it: municipalities, age bands, interests and the like.
    audience: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    channels: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Campaigns by municipal staff reach only their own residents.
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column(CampaignStatus, name="campaign_status"),
        default=CampaignStatus.DRAFT,
    )
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.title
