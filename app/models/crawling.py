"""Partner sites the platform ingests listings from, and what it found there."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import SourceHealth, SourceKind, UTCDateTime, enum_column, utcnow


class Source(db.Model):
    """A partner feed, page or open-data file owned by one municipality."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(1000))
    kind: Mapped[SourceKind] = mapped_column(
        enum_column(SourceKind, name="source_kind")
    )
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    default_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id")
    )
    # CSS selectors for HTML list pages, keyed by the field they find.
    selectors: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Maps the source's own category words to category codes.
    category_mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Title patterns (regular expressions) of items to leave out, such as ads.
    exclusion_patterns: Mapped[list] = mapped_column(sa.JSON, default=list)
    fetch_interval_minutes: Mapped[int] = mapped_column(default=360)
    is_active: Mapped[bool] = mapped_column(default=True)
    health: Mapped[SourceHealth] = mapped_column(
        enum_column(SourceHealth, name="source_health"), default=SourceHealth.UNKNOWN
    )
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    etag: Mapped[str | None] = mapped_column(sa.String(200))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    # SHA-256 of the last body stored, so a site that ignores the validators
    # but sends the same bytes is not parsed again.
    last_body_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped["Municipality"] = relationship()  # noqa: F821
    items: Mapped[list["CrawledItem"]] = relationship(back_populates="source")

    def __str__(self) -> str:
        return self.name


class CrawledItem(db.Model):
    """One listing seen at a source, linked to the draft activity made from it."""

    __tablename__ = "crawled_item"
    __table_args__ = (sa.UniqueConstraint("source_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("source.id"), index=True)
    # The source's own identifier: a guid, rdf:about, or a stable URL.
    external_id: Mapped[str] = mapped_column(sa.String(1000))
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    title: Mapped[str] = mapped_column(sa.String(300))
    raw_text: Mapped[str] = mapped_column(sa.Text)
    # What the ingester understood, in activity field names.
    extracted: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # The hash a reviewer last approved, and what changed since then.
    approved_hash: Mapped[str | None] = mapped_column(sa.String(64))
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id"), index=True
    )
    excluded: Mapped[bool] = mapped_column(default=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[Source] = relationship(back_populates="items")
    activity: Mapped["Activity | None"] = relationship()  # noqa: F821
