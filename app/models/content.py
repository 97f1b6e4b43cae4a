"""Staff-written content pages and inquiries from the public."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import (
    ContentKind,
    ContentStatus,
    InquiryStatus,
    UTCDateTime,
    enum_column,
    utcnow,
)


class ContentPage(db.Model):
    """News, feature articles, FAQ entries and fixed pages."""

    __tablename__ = "content_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ContentKind] = mapped_column(
        enum_column(ContentKind, name="content_kind"), index=True
    )
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus, name="content_status"),
        default=ContentStatus.DRAFT,
        index=True,
    )
    # A scheduled page becomes public at this time.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set for content about one municipality; Tokyo-wide content has none.
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id")
    )
    is_featured: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    municipality: Mapped["Municipality | None"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return self.title


class Inquiry(db.Model):
    """A question sent to the platform (お問い合わせ), answered from the console."""

    __tablename__ = "inquiry"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    topic: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[InquiryStatus] = mapped_column(
        enum_column(InquiryStatus, name="inquiry_status"),
        default=InquiryStatus.NEW,
        index=True,
    )
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped["Municipality | None"] = relationship()  # noqa: F821
    replies: Mapped[list["InquiryReply"]] = relationship(
        back_populates="inquiry",
        cascade="all, delete-orphan",
        order_by="InquiryReply.created_at",
    )

    def __str__(self) -> str:
        return self.subject


class InquiryReply(db.Model):
    __tablename__ = "inquiry_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inquiry.id", ondelete="CASCADE"), index=True
    )
    staff_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    inquiry: Mapped[Inquiry] = relationship(back_populates="replies")
