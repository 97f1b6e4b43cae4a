"""Staff accounts: who may manage whom, invitations, disabling, two-factor resets.

Tokyo staff manage every staff account; a municipal lead manages the members
and leads of their own municipality; members manage none. Nobody changes
their own staff account here. Every rule is checked again on each change,
whatever the screen offered.
"""

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit, emails, tokens, two_factor
from app.extensions import db
from app.models import Account, Staff
from app.models.accounts import new_session_token
from app.models.types import AccountStatus, StaffLevel, TokenPurpose, utcnow
from app.text import normalise_email

logger = logging.getLogger(__name__)

MANAGING_LEVELS = (StaffLevel.TOKYO, StaffLevel.MUNICIPAL_LEAD)


class StaffError(Exception):
    """A change that cannot be made, with a message for the person asking."""


def can_manage_staff(actor: Staff | None) -> bool:
    return actor is not None and not actor.disabled and actor.level in MANAGING_LEVELS


def manageable(actor: Staff) -> sa.Select:
    """The staff rows ``actor`` may see and change; none for a member."""
    query = sa.select(Staff)
    if not can_manage_staff(actor):
        return query.where(sa.false())
    if actor.is_tokyo:
        return query
    return query.where(
        Staff.municipality_id == actor.municipality_id,
        Staff.level != StaffLevel.TOKYO,
    )


def get_manageable(actor: Staff, staff_id: int) -> Staff | None:
    """One staff row, only if it is within ``actor``'s reach."""
    return db.session.scalar(manageable(actor).where(Staff.id == staff_id))


def creatable_levels(actor: Staff) -> list[StaffLevel]:
    if not can_manage_staff(actor):
        return []
    if actor.is_tokyo:
        return list(StaffLevel)
    return [StaffLevel.MUNICIPAL_MEMBER, StaffLevel.MUNICIPAL_LEAD]


def may_create(actor: Staff, level: StaffLevel, municipality_id: int | None) -> bool:
    if level not in creatable_levels(actor):
        return False
    if level == StaffLevel.TOKYO:
        return municipality_id is None
    if municipality_id is None:
        return False
    return actor.is_tokyo or municipality_id == actor.municipality_id


def may_change(actor: Staff, target: Staff) -> bool:
    """Whether ``actor`` may disable, enable or reset ``target``."""
    if target.id == actor.id:
        return False
    return get_manageable(actor, target.id) is not None


def invite(
    actor: Staff,
    *,
    email: str,
    name: str,
    level: StaffLevel,
    municipality_id: int | None,
    department: str | None = None,
) -> Staff:
    """Create a staff account and e-mail it a link to choose a password.

    The account cannot sign in until the password is set; the second factor
    is enrolled at its first console sign-in.
    """
    if not may_create(actor, level, municipality_id):
        raise PermissionError(f"account {actor.account_id} may not create {level}")
    address = normalise_email(email)
    taken = db.session.scalar(sa.select(Account.id).where(Account.email == address))
    if taken is not None:
        raise StaffError(_l("An account with this e-mail address already exists."))

    account = Account(email=address, status=AccountStatus.UNCONFIRMED)
    staff = Staff(
        account=account,
        level=level,
        municipality_id=municipality_id,
        name=name.strip(),
        department=(department or "").strip() or None,
        created_by_id=actor.account_id,
    )
    db.session.add(staff)
    db.session.flush()
    secret = tokens.issue(
        TokenPurpose.STAFF_INVITATION,
        account=account,
        email=address,
        payload={"staff_id": staff.id},
        created_by=actor.account,
    )
    audit.record(
        "staff_created", staff, actor=actor.account, level=level.value, email=address
    )
    db.session.commit()
    logger.info(
        "staff %s (%s) created by account %s", staff.id, level.value, actor.account_id
    )

    _send_invitation(actor, staff, secret)
    return staff


def resend_invitation(actor: Staff, target: Staff) -> None:
    """A new link for someone who has not chosen a password yet; the old one dies."""
    _check(actor, target)
    if target.account.password_hash is not None:
        raise StaffError(_l("This staff member has already chosen a password."))
    secret = tokens.issue(
        TokenPurpose.STAFF_INVITATION,
        account=target.account,
        email=target.account.email,
        payload={"staff_id": target.id},
        created_by=actor.account,
    )
    audit.record("staff_invitation_resent", target, actor=actor.account)
    db.session.commit()
    logger.info(
        "invitation of staff %s sent again by account %s", target.id, actor.account_id
    )
    _send_invitation(actor, target, secret)


def _send_invitation(actor: Staff, staff: Staff, secret: str) -> None:
    emails.send(
        staff.account.email,
        "staff_invitation",
        staff.account.locale,
        staff_name=staff.name,
        inviter=actor.name,
        municipality=staff.municipality.name if staff.municipality else None,
        url=emails.absolute_url("console_auth.invitation", token=secret),
        days=tokens.LIFETIMES[TokenPurpose.STAFF_INVITATION].days,
    )


def _check(actor: Staff, target: Staff) -> None:
    if not may_change(actor, target):
        raise PermissionError(
            f"account {actor.account_id} may not change staff {target.id}"
        )


def disable(actor: Staff, target: Staff) -> None:
    _check(actor, target)
    target.disabled = True
    audit.record("staff_disabled", target, actor=actor.account)
    db.session.commit()
    logger.info("staff %s disabled by account %s", target.id, actor.account_id)


def enable(actor: Staff, target: Staff) -> None:
    _check(actor, target)
    target.disabled = False
    audit.record("staff_enabled", target, actor=actor.account)
    db.session.commit()
    logger.info("staff %s enabled by account %s", target.id, actor.account_id)


def reset_two_factor(actor: Staff, target: Staff) -> None:
    """For a lost phone: the next sign-in enrols a new device."""
    _check(actor, target)
    two_factor.reset(target.account)
    # Whoever holds the lost phone may be signed in: end every session.
    target.account.session_token = new_session_token()
    audit.record("staff_two_factor_reset", target, actor=actor.account)
    db.session.commit()
    logger.info(
        "two-factor sign-in of staff %s reset by account %s",
        target.id,
        actor.account_id,
    )


def find_invitation(secret: str | None):
    """The live invitation for this link, if its staff account is still enabled."""
    token = tokens.find(TokenPurpose.STAFF_INVITATION, secret)
    if token is None or token.account is None:
        return None
    staff = token.account.staff
    if staff is None or staff.disabled:
        return None
    return token


def accept_invitation(secret: str, password: str) -> Account | None:
    """Set the invited account's password and open it; None if the link is dead.

    The caller has checked the password against the policy.
    """
    if find_invitation(secret) is None:
        return None
    token = tokens.consume(TokenPurpose.STAFF_INVITATION, secret)
    if token is None:
        return None
    account = token.account
    account.set_password(password)
    account.status = AccountStatus.ACTIVE
    account.email_confirmed_at = account.email_confirmed_at or utcnow()
    audit.record("staff_invitation_accepted", account.staff, actor=account)
    db.session.commit()
    logger.info("account %s accepted its staff invitation", account.id)
    return account
