"""Reference data: municipalities, categories and physical-load attributes."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Municipality(db.Model):
    """One of Tokyo's 62 区市町村, identified by its local-government code."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(5), unique=True)
    code6: Mapped[str] = mapped_column(sa.String(6), unique=True)
    name: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kana: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(10))
    region: Mapped[str] = mapped_column(sa.String(20))
    is_pilot: Mapped[bool] = mapped_column(default=False)
    # A municipality is switched on when it joins; until then nothing is
    # published in its area.
    is_active: Mapped[bool] = mapped_column(default=False)
    # Whether residents need a staff approval after confirming their e-mail.
    requires_participant_approval: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return self.name


class Category(db.Model):
    """A kind of activity, shown as a large button on the portal."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(60))
    sort_order: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.name


class LoadAttribute(db.Model):
    """A physical-load or access attribute such as standing time or stairs.

    Each attribute has ordered levels: a higher value asks more of the body,
    so a participant's limit is the highest level they accept.
    """

    __tablename__ = "load_attribute"

    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(60))
    sort_order: Mapped[int] = mapped_column(default=0)

    levels: Mapped[list["LoadLevel"]] = relationship(
        back_populates="attribute", order_by="LoadLevel.value"
    )

    def __str__(self) -> str:
        return self.name


class LoadLevel(db.Model):
    __tablename__ = "load_level"

    attribute_code: Mapped[str] = mapped_column(
        sa.ForeignKey("load_attribute.code"), primary_key=True
    )
    value: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(40))
    label_en: Mapped[str] = mapped_column(sa.String(60))

    attribute: Mapped[LoadAttribute] = relationship(back_populates="levels")

    def __str__(self) -> str:
        return self.label
