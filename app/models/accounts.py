"""Accounts, the roles they hold, and participants' profiles."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import passwords
from app.extensions import db
from app.models.types import (
    AccountStatus,
    Channel,
    DigestFrequency,
    StaffLevel,
    TextSize,
    TokenPurpose,
    UTCDateTime,
    enum_column,
    utcnow,
)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Account(UserMixin, db.Model):
    """One sign-in, identified by an e-mail address.

    The same account may be a participant and an organisation's staff member at
    once; municipal and Tokyo staff hold a ``Staff`` row.
    """

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so one address can only ever hold one account; NULL
    # once the account is withdrawn so the address can register again.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[AccountStatus] = mapped_column(
        enum_column(AccountStatus, name="account_status"),
        default=AccountStatus.UNCONFIRMED,
    )
    # Changing this token signs out every other session of the account.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff two-factor sign-in: the TOTP secret, when enrolment finished, and
    # the last time step accepted so that a code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # When the terms of use and the privacy policy were accepted.
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(sa.String(5), default="ja")
    # Display settings live on the account so they follow the person.
    text_size: Mapped[TextSize] = mapped_column(
        enum_column(TextSize, name="text_size"), default=TextSize.STANDARD
    )
    high_contrast: Mapped[bool] = mapped_column(default=False)
    show_furigana: Mapped[bool] = mapped_column(default=False)
    digest_frequency: Mapped[DigestFrequency] = mapped_column(
        enum_column(DigestFrequency, name="digest_frequency"),
        default=DigestFrequency.WEEKLY,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped["Staff | None"] = relationship(
        back_populates="account", uselist=False, foreign_keys="Staff.account_id"
    )
    participant: Mapped["Participant | None"] = relationship(
        back_populates="account", uselist=False, foreign_keys="Participant.account_id"
    )
    memberships: Mapped[list["OrganisationMember"]] = relationship(  # noqa: F821
        back_populates="account", cascade="all, delete-orphan"
    )
    notification_preferences: Mapped[list["NotificationPreference"]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.email or f"#{self.id}"

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE

    @property
    def is_staff(self) -> bool:
        return self.staff is not None and not self.staff.disabled

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        """Verify a password, upgrading the stored hash if its parameters aged."""
        if not self.password_hash:
            passwords.burn_time()
            return False
        if not passwords.verify_password(self.password_hash, password):
            return False
        if passwords.needs_rehash(self.password_hash):
            self.password_hash = passwords.hash_password(password)
        return True


class AccountSession(db.Model):
    """One signed-in browser, so that signing out ends it on the server too.

    The cookie holds a random token; only its hash is stored. A session is
    over when revoked, or when the account's ``session_token`` has changed
    since it began (a password change signs out every device at once).
    """

    __tablename__ = "account_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    generation: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    account: Mapped["Account"] = relationship()


class AccountToken(db.Model):
    """A secret sent in a link: e-mail confirmation, password reset, invitation.

    Only a hash of the secret is stored; a token works once and until it
    expires. Invitations may name an address that has no account yet.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        enum_column(TokenPurpose, name="purpose"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # Purpose-specific details, such as the organisation and role of an invitation.
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped["Account | None"] = relationship(foreign_keys=[account_id])


class RecoveryCode(db.Model):
    """A one-time code that stands in for a lost two-factor device."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Staff(db.Model):
    """Municipal or Tokyo staff rights held by an account."""

    __tablename__ = "staff"
    __table_args__ = (
        # Tokyo staff act everywhere; municipal staff belong to exactly one
        # municipality.
        sa.CheckConstraint(
            "(level = 'tokyo' AND municipality_id IS NULL)"
            " OR (level <> 'tokyo' AND municipality_id IS NOT NULL)",
            name="scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), unique=True)
    level: Mapped[StaffLevel] = mapped_column(enum_column(StaffLevel, name="level"))
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    department: Mapped[str | None] = mapped_column(sa.String(100))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(
        back_populates="staff", foreign_keys=[account_id]
    )
    municipality: Mapped["Municipality | None"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return self.name

    @property
    def is_tokyo(self) -> bool:
        return self.level == StaffLevel.TOKYO


participant_interest = sa.Table(
    "participant_interest",
    db.Model.metadata,
    sa.Column(
        "participant_id",
        sa.ForeignKey("participant.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("category_id", sa.ForeignKey("category.id"), primary_key=True),
)


class Participant(db.Model):
    """A resident who takes part in activities.

    Staff may register a resident who has no e-mail address, so the profile can
    exist without an account.
    """

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id"), unique=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    furigana: Mapped[str] = mapped_column(sa.String(100))
    birth_year: Mapped[int | None] = mapped_column(sa.SmallInteger)
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True
    )
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    introduction: Mapped[str | None] = mapped_column(sa.Text)
    # Set when a coordinator registered the resident at a counter or by phone.
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Personal data is erased on withdrawal; the row stays so that statistics
    # keep their counts.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account | None] = relationship(
        back_populates="participant", foreign_keys=[account_id]
    )
    municipality: Mapped["Municipality"] = relationship()  # noqa: F821
    interests: Mapped[list["Category"]] = relationship(  # noqa: F821
        secondary=participant_interest
    )
    availability: Mapped[list["Availability"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan"
    )
    load_limits: Mapped[list["LoadLimit"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class Availability(db.Model):
    """A weekday and part of the day when a participant is free."""

    __tablename__ = "availability"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        sa.CheckConstraint("period IN ('morning', 'afternoon', 'evening')", "period"),
    )

    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    # Monday is 0, as in Python's date.weekday().
    weekday: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(10), primary_key=True)

    participant: Mapped[Participant] = relationship(back_populates="availability")


class LoadLimit(db.Model):
    """The highest level of a physical-load attribute a participant accepts."""

    __tablename__ = "load_limit"

    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    attribute_code: Mapped[str] = mapped_column(
        sa.ForeignKey("load_attribute.code"), primary_key=True
    )
    max_value: Mapped[int] = mapped_column(sa.SmallInteger)

    participant: Mapped[Participant] = relationship(back_populates="load_limits")
    attribute: Mapped["LoadAttribute"] = relationship()  # noqa: F821


class NotificationPreference(db.Model):
    """Whether an account wants a topic on a channel."""

    __tablename__ = "notification_preference"

    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    channel: Mapped[Channel] = mapped_column(
        enum_column(Channel, name="channel"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=True)

    account: Mapped[Account] = relationship(back_populates="notification_preferences")
