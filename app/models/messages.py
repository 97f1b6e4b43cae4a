"""Message threads between participants, organisations and the platform."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import ThreadSide, UTCDateTime, enum_column, utcnow


class MessageThread(db.Model):
    """A conversation between two of: a participant, an organisation, the platform.

    The platform side is municipal or Tokyo staff; ``municipality_id`` names
    the municipality whose staff may read and answer such a thread.
    """

    __tablename__ = "message_thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participant.id"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id"))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    participant_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    organisation_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participant: Mapped["Participant | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    activity: Mapped["Activity | None"] = relationship()  # noqa: F821
    application: Mapped["Application | None"] = relationship()  # noqa: F821
    messages: Mapped[list["Message"]] = relationship(
        back_populates="thread",
        cascade="all, delete-orphan",
        order_by="Message.created_at",
    )


class Message(db.Model):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message_thread.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[ThreadSide] = mapped_column(enum_column(ThreadSide, name="side"))
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
