"""Organisations that run activities, and the accounts that act for them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.review import Reviewable
from app.models.types import MemberRole, UTCDateTime, enum_column, utcnow


class Organisation(Reviewable, db.Model):
    """A 社会参加活動団体: approved by the municipality of its registered address."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    name_kana: Mapped[str | None] = mapped_column(sa.String(200))
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    kind: Mapped[str | None] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    postal_code: Mapped[str | None] = mapped_column(sa.String(8))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    representative: Mapped[str | None] = mapped_column(sa.String(100))
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    logo_path: Mapped[str | None] = mapped_column(sa.String(200))
    # Set when the organisation closes; its open activities close with it.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    municipality: Mapped["Municipality"] = relationship()  # noqa: F821
    members: Mapped[list["OrganisationMember"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    activities: Mapped[list["Activity"]] = relationship(  # noqa: F821
        back_populates="organisation"
    )

    def __str__(self) -> str:
        return self.name


class OrganisationMember(db.Model):
    """An account that acts for an organisation, as its owner or a member."""

    __tablename__ = "organisation_member"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole, name="member_role"), default=MemberRole.MEMBER
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    account: Mapped["Account"] = relationship(  # noqa: F821
        back_populates="memberships"
    )
