"""The approval state shared by everything a municipality reviews."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.extensions import db
from app.models.types import (
    ReviewState,
    RevisionState,
    UTCDateTime,
    enum_column,
    utcnow,
)


class Reviewable:
    """Columns for a record that is public only after its municipality approves.

    A published record keeps its approved values; a later edit is held as a
    pending ``Revision`` until it too is approved.
    """

    review_state: Mapped[ReviewState] = mapped_column(
        enum_column(ReviewState, name="review_state"),
        default=ReviewState.DRAFT,
        index=True,
    )
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    @declared_attr
    def reviewed_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("account.id"))

    @property
    def is_published(self) -> bool:
        return self.review_state == ReviewState.PUBLISHED


class Revision(db.Model):
    """A proposed change to a published record, waiting for approval.

    ``changes`` maps field names to their proposed values, including nested
    lists such as an activity's sessions, so the approved version stays
    visible until a reviewer accepts the whole change at once.
    """

    __tablename__ = "revision"
    __table_args__ = (sa.Index("ix_revision_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(sa.String(30))
    target_id: Mapped[int]
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    changes: Mapped[dict] = mapped_column(sa.JSON)
    state: Mapped[RevisionState] = mapped_column(
        enum_column(RevisionState, name="revision_state"),
        default=RevisionState.PENDING,
        index=True,
    )
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    municipality: Mapped["Municipality"] = relationship()  # noqa: F821
