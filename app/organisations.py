"""Organisations' life: registration, review, staff and closing.

The organisation portal, the console and the workers all change organisations
through these functions, so each change is audited, logged and announced by
e-mail the same way wherever it starts. Functions that change state commit
and only then send mail, so nobody is told about a change that was not kept.
"""

import logging
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import accounts, audit, emails, tokens
from app.extensions import db
from app.models import (
    Account,
    Activity,
    Application,
    Municipality,
    Organisation,
    OrganisationMember,
    Participant,
    Staff,
)
from app.models.types import (
    AccountStatus,
    ApplicationState,
    MemberRole,
    ReviewState,
    TokenPurpose,
    utcnow,
)
from app.text import (
    normalise_email,
)

logger = logging.getLogger(__name__)

#: Applications that are still waiting for something to happen; closing an
#: organisation cancels them. Accepted and past ones keep their state.
OPEN_APPLICATION_STATES = (
    ApplicationState.APPLIED,
    ApplicationState.INTERVIEW_OFFERED,
    ApplicationState.INTERVIEW_BOOKED,
    ApplicationState.WAITLISTED,
)

#: States in which the owners may still edit the application form.
EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.PENDING, ReviewState.REJECTED)


class ReviewError(ValueError):
    """The organisation is not in a state that allows this decision."""


class MemberError(ValueError):
    """A change to an organisation's staff that the rules do not allow."""


@dataclass
class OrganisationDetails:
    """What the registration form says about the organisation itself."""

    name: str
    name_kana: str
    kind: str
    postal_code: str
    address: str
    municipality_id: int
    representative: str
    phone: str
    email: str
    description: str

    def apply_to(self, organisation: Organisation) -> None:
        for name, value in vars(self).items():
            setattr(organisation, name, value)


# --- reading forms ----------------------------------------------------------


def _comparable(text: str) -> str:
    # 青ヶ島村 is also written 青ケ島村 and 青が島村.
    return unicodedata.normalize("NFKC", text).replace("ヶ", "ケ").replace("が", "ケ")


def _municipality_names() -> tuple[tuple[str, str], ...]:
    rows = db.session.execute(sa.select(Municipality.name)).scalars().all()
    return tuple((_comparable(name), name) for name in rows)


def municipality_from_address(address: str | None) -> Municipality | None:
    """The municipality named in an address: 東京都世田谷区太子堂… gives 世田谷区.

    The name that starts earliest wins, so that a later part of the address
    that happens to contain another municipality's name (a building called
    新宿区民ビル, say) cannot outvote the one written first; among names
    starting at the same place the longest wins.
    """
    text = _comparable(address or "").replace(" ", "").replace("\u3000", "")
    text = text.removeprefix("東京都")
    best: tuple[int, int, str] | None = None
    for comparable, name in _municipality_names():
        position = text.find(comparable)
        if position < 0:
            continue
        candidate = (position, -len(comparable), name)
        if best is None or candidate < best:
            best = candidate
    if best is None:
        return None
    return db.session.scalar(sa.select(Municipality).filter_by(name=best[2]))


# --- who is who -------------------------------------------------------------


def find_account(email: str) -> Account | None:
    return db.session.scalar(
        sa.select(Account).where(Account.email == normalise_email(email))
    )


def owners(organisation: Organisation) -> list[OrganisationMember]:
    return [m for m in organisation.members if m.role == MemberRole.OWNER]


def _owner_addresses(organisation: Organisation) -> list[tuple[str, str]]:
    """(address, locale) of every owner and of the organisation, once each."""
    found: dict[str, str] = {}
    for member in owners(organisation):
        account = member.account
        if account.email and account.status == AccountStatus.ACTIVE:
            found.setdefault(account.email, account.locale)
    if organisation.email:
        found.setdefault(normalise_email(organisation.email), "ja")
    return list(found.items())


def _reviewers(organisation: Organisation) -> list[Account]:
    """The active staff accounts of the organisation's municipality."""
    return db.session.scalars(
        sa.select(Account)
        .join(Staff, Staff.account_id == Account.id)
        .where(
            Staff.municipality_id == organisation.municipality_id,
            Staff.disabled.is_(False),
            Account.status == AccountStatus.ACTIVE,
            Account.email.is_not(None),
        )
        .order_by(Account.id)
    ).all()


def can_review(account: Account, organisation: Organisation) -> bool:
    """Tokyo staff review everywhere; municipal staff only in their own area."""
    staff = account.staff
    if staff is None or staff.disabled or account.status != AccountStatus.ACTIVE:
        return False
    return staff.is_tokyo or staff.municipality_id == organisation.municipality_id


# --- registration -----------------------------------------------------------


def register_with_new_account(
    details: OrganisationDetails, *, staff_name: str, email: str, password: str
) -> tuple[Organisation, Account]:
    """Create an unconfirmed account and a draft organisation it owns.

    The organisation waits as a draft until the address is confirmed, so that
    municipal staff never review an application nobody can answer for.
    """
    now = utcnow()
    account = Account(
        email=normalise_email(email),
        status=AccountStatus.UNCONFIRMED,
        consented_at=now,
    )
    account.set_password(password)
    organisation = _new_organisation(details, account, staff_name)
    db.session.add_all([account, organisation])
    db.session.flush()
    audit.record("organisation.register", organisation, actor=account)
    secret = tokens.issue(
        TokenPurpose.CONFIRM_EMAIL, account=account, email=account.email
    )
    db.session.commit()
    logger.info(
        "organisation %s registered as a draft by new account %s",
        organisation.id,
        account.id,
    )
    emails.send(
        account.email,
        "organisation_confirm",
        account.locale,
        person_name=staff_name,
        organisation_name=organisation.name,
        url=emails.absolute_url("orgs.confirm", token=secret),
    )
    return organisation, account


def register_for_account(
    details: OrganisationDetails, account: Account, *, staff_name: str
) -> Organisation:
    """Register an organisation owned by an account that is already confirmed."""
    organisation = _new_organisation(details, account, staff_name)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.register", organisation, actor=account)
    _submit(organisation, account)
    db.session.commit()
    logger.info("organisation %s registered by account %s", organisation.id, account.id)
    _tell_reviewers(organisation)
    return organisation


def _new_organisation(
    details: OrganisationDetails, account: Account, staff_name: str
) -> Organisation:
    organisation = Organisation(review_state=ReviewState.DRAFT, contact_name=staff_name)
    details.apply_to(organisation)
    organisation.members.append(
        OrganisationMember(account=account, role=MemberRole.OWNER, name=staff_name)
    )
    return organisation


def confirmation_is_live(secret: str) -> bool:
    return tokens.find(TokenPurpose.CONFIRM_EMAIL, secret) is not None


def confirm_account(secret: str) -> Account | None:
    """Confirm the address the link was sent to and submit its draft organisations.

    Confirming itself follows the participants' rules in ``app.accounts``;
    returns None when the link is unknown, used or expired.
    """
    account = accounts.confirm_email(secret)
    if account is None:
        return None
    submit_drafts(account)
    return account


def submit_drafts(account: Account) -> list[Organisation]:
    """Send the account's draft organisations for review, once it is active.

    Also reached from the portal, for an owner who confirmed the address
    through another link (a resent confirmation, for one).
    """
    if account.status != AccountStatus.ACTIVE:
        return []
    drafts = db.session.scalars(
        sa.select(Organisation)
        .join(OrganisationMember)
        .where(
            OrganisationMember.account_id == account.id,
            OrganisationMember.role == MemberRole.OWNER,
            Organisation.review_state == ReviewState.DRAFT,
            Organisation.closed_at.is_(None),
        )
        .order_by(Organisation.id)
    ).all()
    for organisation in drafts:
        _submit(organisation, account)
    db.session.commit()
    for organisation in drafts:
        _tell_reviewers(organisation)
    return drafts


def update_application(
    organisation: Organisation, details: OrganisationDetails, actor: Account
) -> None:
    """Save an edit of the application; a returned one goes back for review."""
    if organisation.review_state not in EDITABLE_STATES:
        raise ReviewError(
            f"organisation {organisation.id} is {organisation.review_state}"
        )
    details.apply_to(organisation)
    resubmitted = organisation.review_state == ReviewState.REJECTED
    audit.record("organisation.edit_application", organisation, actor=actor)
    if resubmitted:
        _submit(organisation, actor)
    db.session.commit()
    logger.info(
        "organisation %s application edited by account %s", organisation.id, actor.id
    )
    if resubmitted:
        _tell_reviewers(organisation)


def _submit(organisation: Organisation, actor: Account) -> None:
    organisation.review_state = ReviewState.PENDING
    organisation.submitted_at = utcnow()
    organisation.rejection_reason = None
    audit.record("organisation.submit", organisation, actor=actor)
    logger.info(
        "organisation %s submitted for review in municipality %s by account %s",
        organisation.id,
        organisation.municipality_id,
        actor.id,
    )


def _tell_reviewers(organisation: Organisation) -> None:
    url = emails.absolute_url("organisations.details_view", id=organisation.id)
    for account in _reviewers(organisation):
        emails.send(
            account.email,
            "organisation_submitted",
            account.locale,
            organisation_name=organisation.name,
            municipality_name=organisation.municipality.name,
            url=url,
        )


# --- review -----------------------------------------------------------------


def approve_organisation(organisation: Organisation, staff_account: Account) -> None:
    """Publish a pending organisation and tell its owners."""
    _check_review(organisation, staff_account)
    now = utcnow()
    organisation.review_state = ReviewState.PUBLISHED
    organisation.reviewed_at = now
    organisation.reviewed_by_id = staff_account.id
    organisation.published_at = now
    organisation.rejection_reason = None
    audit.record("organisation.approve", organisation, actor=staff_account)
    db.session.commit()
    logger.info(
        "organisation %s approved by account %s", organisation.id, staff_account.id
    )
    for address, locale in _owner_addresses(organisation):
        emails.send(
            address,
            "organisation_approved",
            locale,
            organisation_name=organisation.name,
            url=emails.absolute_url("orgs.dashboard"),
        )


def reject_organisation(
    organisation: Organisation, staff_account: Account, reason: str
) -> None:
    """Return a pending organisation with a reason the owners are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("a returned organisation needs a reason")
    _check_review(organisation, staff_account)
    organisation.review_state = ReviewState.REJECTED
    organisation.reviewed_at = utcnow()
    organisation.reviewed_by_id = staff_account.id
    organisation.published_at = None
    organisation.rejection_reason = reason
    audit.record(
        "organisation.reject", organisation, actor=staff_account, reason=reason
    )
    db.session.commit()
    logger.info(
        "organisation %s returned by account %s", organisation.id, staff_account.id
    )
    for address, locale in _owner_addresses(organisation):
        emails.send(
            address,
            "organisation_rejected",
            locale,
            organisation_name=organisation.name,
            reason=reason,
            url=emails.absolute_url(
                "orgs.edit_application", organisation_id=organisation.id
            ),
        )


def _check_review(organisation: Organisation, staff_account: Account) -> None:
    if not can_review(staff_account, organisation):
        raise PermissionError(
            f"account {staff_account.id} may not review organisation {organisation.id}"
        )
    if organisation.review_state != ReviewState.PENDING:
        raise ReviewError(
            f"organisation {organisation.id} is {organisation.review_state}"
        )


# --- staff of an organisation -----------------------------------------------


def invite_member(
    organisation: Organisation,
    *,
    email: str,
    role: MemberRole,
    invited_by: Account,
    inviter_name: str,
) -> None:
    """Send an invitation link that makes its holder a member of the organisation."""
    address = normalise_email(email)
    if any(m.account.email == address for m in organisation.members):
        raise MemberError("already a member")
    secret = tokens.issue(
        TokenPurpose.MEMBER_INVITATION,
        email=address,
        payload={"organisation_id": organisation.id, "role": role.value},
        created_by=invited_by,
    )
    audit.record(
        "organisation.invite_member",
        organisation,
        actor=invited_by,
        email=address,
        role=role.value,
    )
    db.session.commit()
    logger.info(
        "organisation %s invited %s as %s, by account %s",
        organisation.id,
        address,
        role.value,
        invited_by.id,
    )
    emails.send(
        address,
        "organisation_invitation",
        "ja",
        organisation_name=organisation.name,
        inviter_name=inviter_name,
        url=emails.absolute_url("orgs.invitation", token=secret),
    )


@dataclass
class Invitation:
    """A live invitation link and what it leads to."""

    email: str
    role: MemberRole
    organisation: Organisation


def find_invitation(secret: str | None) -> Invitation | None:
    """The invitation behind a link, or None when it cannot be used any more."""
    token = tokens.find(TokenPurpose.MEMBER_INVITATION, secret)
    if token is None or not token.email:
        return None
    organisation = db.session.get(Organisation, token.payload.get("organisation_id", 0))
    if organisation is None or organisation.closed_at is not None:
        return None
    return Invitation(token.email, MemberRole(token.payload["role"]), organisation)


def accept_invitation(
    secret: str, account: Account, *, name: str
) -> Organisation | None:
    """Make ``account`` a member as the invitation says; None if the link is dead.

    Only the account holding the invited address may accept, so a forwarded
    link cannot hand the organisation to someone else.
    """
    invitation = find_invitation(secret)
    if invitation is None or invitation.email != account.email:
        return None
    if tokens.consume(TokenPurpose.MEMBER_INVITATION, secret) is None:
        return None
    organisation = invitation.organisation
    member = db.session.get(OrganisationMember, (organisation.id, account.id))
    if member is None:
        member = OrganisationMember(
            organisation=organisation,
            account=account,
            role=invitation.role,
            name=name,
        )
        db.session.add(member)
        audit.record(
            "organisation.add_member",
            organisation,
            actor=account,
            account_id=account.id,
            role=invitation.role.value,
        )
        logger.info(
            "account %s joined organisation %s as %s",
            account.id,
            organisation.id,
            invitation.role.value,
        )
    db.session.commit()
    return organisation


def accept_invitation_with_new_account(
    secret: str, *, name: str, password: str
) -> Account | None:
    """Create the invited person's account and membership; None if the link is dead.

    The account is active at once: the invitation reached the address, which
    is what a confirmation link would prove.
    """
    invitation = find_invitation(secret)
    if invitation is None or find_account(invitation.email) is not None:
        return None
    now = utcnow()
    account = Account(
        email=invitation.email,
        status=AccountStatus.ACTIVE,
        email_confirmed_at=now,
        consented_at=now,
    )
    account.set_password(password)
    db.session.add(account)
    db.session.flush()
    audit.record("account.register", account, actor=account, via="invitation")
    logger.info("account %s created from an invitation", account.id)
    if accept_invitation(secret, account, name=name) is None:
        db.session.rollback()
        return None
    return account


def remove_member(
    organisation: Organisation, member: OrganisationMember, actor: Account
) -> None:
    """Take an account off the organisation's staff; the last owner stays."""
    if member.role == MemberRole.OWNER and len(owners(organisation)) <= 1:
        raise MemberError("the last owner cannot be removed")
    account_id = member.account_id
    db.session.delete(member)
    audit.record(
        "organisation.remove_member",
        organisation,
        actor=actor,
        account_id=account_id,
        role=member.role.value,
    )
    db.session.commit()
    logger.info(
        "account %s removed from organisation %s by account %s",
        account_id,
        organisation.id,
        actor.id,
    )


# --- closing ----------------------------------------------------------------


@dataclass
class ClosingSummary:
    activities: int
    applications: int


def closing_summary(organisation: Organisation) -> ClosingSummary:
    """How many open activities and waiting applications closing would end."""
    activities = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            _open_activities(organisation).subquery()
        )
    )
    applications = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Application)
        .join(Activity)
        .where(
            Activity.organisation_id == organisation.id,
            Activity.closed_at.is_(None),
            Application.state.in_(OPEN_APPLICATION_STATES),
        )
    )
    return ClosingSummary(activities, applications)


def _open_activities(organisation: Organisation) -> sa.Select:
    return sa.select(Activity).where(
        Activity.organisation_id == organisation.id, Activity.closed_at.is_(None)
    )


def close_organisation(organisation: Organisation, actor: Account) -> ClosingSummary:
    """Close the organisation and its open activities; tell waiting applicants."""
    now = utcnow()
    organisation.closed_at = now
    activities = db.session.scalars(
        _open_activities(organisation).options(selectinload(Activity.organisation))
    ).all()
    cancelled = db.session.scalars(
        sa.select(Application)
        .where(
            Application.activity_id.in_([a.id for a in activities]),
            Application.state.in_(OPEN_APPLICATION_STATES),
        )
        .options(
            selectinload(Application.activity),
            selectinload(Application.participant).selectinload(Participant.account),
        )
        .order_by(Application.id)
    ).all()
    for activity in activities:
        activity.closed_at = now
        audit.record(
            "activity.close", activity, actor=actor, reason="organisation_closed"
        )
    for application in cancelled:
        application.state = ApplicationState.CANCELLED
        application.cancelled_at = now
        audit.record(
            "application.cancel",
            application,
            actor=actor,
            municipality_id=application.activity.municipality_id,
            reason="organisation_closed",
        )
    audit.record(
        "organisation.close",
        organisation,
        actor=actor,
        activities=len(activities),
        applications=len(cancelled),
    )
    db.session.commit()
    logger.info(
        "organisation %s closed by account %s: %d activities closed, "
        "%d applications cancelled",
        organisation.id,
        actor.id,
        len(activities),
        len(cancelled),
    )
    for application in cancelled:
        account = application.participant.account
        # Residents registered at a counter have no address; their
        # coordinator sees the cancellation in the console.
        if account is None or not account.email:
            continue
        emails.send(
            account.email,
            "activity_cancelled",
            account.locale,
            person_name=application.participant.name,
            activity_title=application.activity.title,
            organisation_name=organisation.name,
            url=emails.absolute_url("public.activities"),
        )
    return ClosingSummary(len(activities), len(cancelled))
