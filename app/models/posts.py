"""Experience stories by participants and activity introductions by organisations."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.review import Reviewable
from app.models.types import UTCDateTime, utcnow


class Story(Reviewable, db.Model):
    """An experience story (体験談) written by a participant after taking part."""

    __tablename__ = "story"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id"), index=True
    )
    # The municipality that reviews the story: the activity's, or else the
    # participant's own.
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    # Shown instead of the participant's name, e.g. 「70代・女性」.
    pen_name: Mapped[str | None] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped["Participant"] = relationship()  # noqa: F821
    activity: Mapped["Activity | None"] = relationship()  # noqa: F821
    municipality: Mapped["Municipality"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return self.title


class Introduction(Reviewable, db.Model):
    """An activity introduction (活動紹介) posted by an organisation."""

    __tablename__ = "introduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    image_path: Mapped[str | None] = mapped_column(sa.String(200))
    image_alt: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    activity: Mapped["Activity | None"] = relationship()  # noqa: F821
    municipality: Mapped["Municipality"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return self.title
