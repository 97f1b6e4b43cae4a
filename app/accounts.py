"""Accounts: signing in, and the life of a participant's own account.

Registering, confirming the address, resetting and changing the password,
changing the address and withdrawing all live here, so the portal, the
console and the scheduled commands share one set of rules.
"""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import audit, emails, passwords, schedules, tokens
from app.extensions import db
from app.models import (
    Account,
    AccountSession,
    AccountToken,
    Activity,
    Application,
    AuditEntry,
    Favourite,
    Message,
    MessageThread,
    NotificationPreference,
    Organisation,
    OrganisationMember,
    Participant,
)
from app.models.accounts import new_session_token
from app.models.types import (
    AccountStatus,
    ApplicationState,
    MemberRole,
    ReviewState,
    ScheduleKind,
    ThreadSide,
    TokenPurpose,
    utcnow,
)
from app.text import normalise_email, to_katakana

logger = logging.getLogger(__name__)


class NotYetActive(Exception):
    """The password was right, but the account still waits for confirmation of
    its address or for its municipality's approval."""

    def __init__(self, account: Account):
        super().__init__(account.status.value)
        self.account = account


def authenticate(email: str, password: str) -> Account | None:
    """The active account with this address and password, or None.

    Raises NotYetActive when the password is right but the account is still
    unconfirmed or waiting for approval: telling that person why reveals
    nothing to anyone who does not know the password.
    """
    address = normalise_email(email)
    account = db.session.scalar(db.select(Account).where(Account.email == address))
    if account is None:
        passwords.burn_time()
        _record_failure(None, address, "unknown address")
        return None
    if not account.check_password(password):
        logger.info("sign-in refused for account %s: wrong password", account.id)
        _record_failure(account, address, "wrong password")
        return None
    if account.status != AccountStatus.ACTIVE:
        logger.info(
            "sign-in refused for account %s: status %s", account.id, account.status
        )
        _record_failure(account, address, f"status {account.status.value}")
        if account.status in (
            AccountStatus.UNCONFIRMED,
            AccountStatus.PENDING_APPROVAL,
        ):
            raise NotYetActive(account)
        return None
    return account


def is_staff_only(account: Account) -> bool:
    """A staff account that is neither a participant nor an organisation's staff."""
    return account.is_staff and account.participant is None and not account.memberships


def _record_failure(account: Account | None, address: str, reason: str) -> None:
    audit.record(
        "sign_in_failed",
        object_type="account",
        object_id=account.id if account else None,
        email=address[:254],
        reason=reason,
    )
    db.session.commit()


def record_sign_in(account: Account, *, surface: str = "public") -> None:
    account.last_sign_in_at = utcnow()
    audit.record("sign_in", account, actor=account, surface=surface)
    db.session.commit()
    logger.info("account %s signed in on the %s site", account.id, surface)


def sign_out_everywhere(account: Account) -> None:
    """End every session of the account, on every device."""
    account.session_token = new_session_token()
    # Someone who had a session may also have asked for an address change.
    tokens.revoke(account, TokenPurpose.CHANGE_EMAIL)
    audit.record("sign_out_everywhere", account, actor=account)
    db.session.commit()
    logger.info("account %s signed out everywhere", account.id)


# -- Participants' own accounts -------------------------------------------------

#: Stored in place of what a withdrawn participant wrote in messages.
ERASED_MESSAGE = "（退会した利用者のメッセージは削除されました）"

#: Stored in place of the name of a participant who withdrew; the row stays so
#: that statistics keep their counts.
WITHDRAWN_NAME = "退会した利用者"

#: Applications still open when a participant withdraws; accepted ones count
#: only while the activity has a meeting ahead.
OPEN_APPLICATION_STATES = (
    ApplicationState.APPLIED,
    ApplicationState.INTERVIEW_OFFERED,
    ApplicationState.INTERVIEW_BOOKED,
    ApplicationState.WAITLISTED,
)


class WithdrawalRefused(Exception):
    """The account is the only owner of these organisations."""

    def __init__(self, organisations: list[Organisation]) -> None:
        super().__init__(", ".join(o.name for o in organisations))
        self.organisations = organisations


def find_by_email(email: str | None) -> Account | None:
    address = normalise_email(email)
    if not address:
        return None
    return db.session.scalar(db.select(Account).where(Account.email == address))


def register_participant(
    *,
    name: str,
    furigana: str,
    email: str,
    password: str,
    birth_year: int,
    municipality_id: int,
    locale: str = "ja",
) -> Account | None:
    """Create an unconfirmed account with its profile and send the link.

    An address that already has an account gets a note instead, and None is
    returned; callers answer exactly as for a new address, so the form never
    reveals who is registered.
    """
    address = normalise_email(email)
    if find_by_email(address) is not None:
        _tell_owner_of_registration_attempt(address)
        return None

    account = Account(
        email=address,
        status=AccountStatus.UNCONFIRMED,
        consented_at=utcnow(),
        locale=locale,
    )
    account.set_password(password)
    participant = Participant(
        account=account,
        name=name.strip(),
        furigana=to_katakana(furigana),
        birth_year=birth_year,
        municipality_id=municipality_id,
    )
    try:
        # A savepoint, so that losing a race for the address to another
        # registration leaves the session usable.
        with db.session.begin_nested():
            db.session.add(participant)
    except IntegrityError:
        logger.info("registration for a taken address lost a race")
        _tell_owner_of_registration_attempt(address)
        return None
    secret = tokens.issue(TokenPurpose.CONFIRM_EMAIL, account=account)
    # Nobody is signed in yet: the visitor registering is the actor.
    audit.record("account.registered", account, municipality_id=municipality_id)
    db.session.commit()
    logger.info("participant %s registered with account %s", participant.id, account.id)
    _send_confirmation(account, secret, "confirm_email")
    return account


def tell_owner_of_registration_attempt(address: str) -> None:
    """E-mail the owner of a taken address that someone tried to register it.

    Forms answer a taken address exactly as a new one; only its owner learns
    of the attempt, with links to sign in or reset the password.
    """
    _tell_owner_of_registration_attempt(normalise_email(address))


def _tell_owner_of_registration_attempt(address: str) -> None:
    # Registering takes a password hash; so does this, so the answer for a
    # taken address does not come back measurably sooner.
    passwords.burn_time()
    account = find_by_email(address)
    if account is None:
        return
    logger.info("registration attempted for the address of account %s", account.id)
    emails.send(
        account.email,
        "registration_attempt",
        account.locale,
        sign_in_url=emails.absolute_url("public.sign_in"),
        forgot_url=emails.absolute_url("public.forgot_password"),
    )


def _send_confirmation(account: Account, secret: str, template: str) -> None:
    emails.send(
        account.email,
        template,
        account.locale,
        person_name=account.participant.name if account.participant else "",
        confirm_url=emails.absolute_url("public.confirm", token=secret),
        days=tokens.LIFETIMES[TokenPurpose.CONFIRM_EMAIL].days,
    )


def confirm_email(secret: str) -> Account | None:
    """Use a confirmation link; the account becomes active or awaits approval.

    Returns None when the link is unknown, used or expired.
    """
    token = tokens.consume(TokenPurpose.CONFIRM_EMAIL, secret)
    if token is None or token.account is None:
        db.session.rollback()
        return None
    account = token.account
    if account.status != AccountStatus.UNCONFIRMED:
        db.session.commit()
        return account
    now = utcnow()
    account.email_confirmed_at = now
    participant = account.participant
    if (
        participant is not None
        and participant.municipality.requires_participant_approval
    ):
        account.status = AccountStatus.PENDING_APPROVAL
    else:
        account.status = AccountStatus.ACTIVE
        if participant is not None:
            participant.approved_at = now
    audit.record(
        "account.confirmed",
        account,
        actor=account,
        municipality_id=participant.municipality_id if participant else None,
        status=account.status.value,
    )
    db.session.commit()
    logger.info("account %s confirmed its address: %s", account.id, account.status)
    return account


def resend_confirmation(email: str) -> None:
    """Send a new link if an unconfirmed account has the address; else nothing."""
    account = find_by_email(email)
    if account is None or account.status != AccountStatus.UNCONFIRMED:
        logger.info("no confirmation link resent: no unconfirmed account")
        return
    secret = tokens.issue(TokenPurpose.CONFIRM_EMAIL, account=account)
    db.session.commit()
    logger.info("confirmation link resent to account %s", account.id)
    _send_confirmation(account, secret, "confirm_email")


def remind_unconfirmed(after: timedelta, now: datetime | None = None) -> int:
    """Send one reminder, with a fresh link, to each account left unconfirmed.

    ``confirmation_reminded_at`` is set in the same commit as the new link, so
    a second run finds nobody to remind. Returns how many were reminded.
    """
    now = now or utcnow()
    waiting = db.session.scalars(
        db.select(Account).where(
            Account.status == AccountStatus.UNCONFIRMED,
            Account.confirmation_reminded_at.is_(None),
            Account.email.is_not(None),
            Account.created_at < now - after,
        )
    ).all()
    for account in waiting:
        secret = tokens.issue(TokenPurpose.CONFIRM_EMAIL, account=account)
        account.confirmation_reminded_at = now
        db.session.commit()
        _send_confirmation(account, secret, "confirm_reminder")
        logger.info("reminded account %s to confirm its address", account.id)
    return len(waiting)


def remove_unconfirmed(after: timedelta, now: datetime | None = None) -> int:
    """Delete accounts never confirmed, with their profiles and tokens."""
    now = now or utcnow()
    stale = db.session.scalars(
        db.select(Account).where(
            Account.status == AccountStatus.UNCONFIRMED,
            Account.created_at < now - after,
        )
    ).all()
    for account in stale:
        account_id = account.id
        participant = account.participant
        if participant is not None:
            db.session.delete(participant)
        _remove_unconfirmed_memberships(account)
        db.session.execute(
            sa.delete(AccountToken).where(AccountToken.account_id == account_id)
        )
        db.session.execute(
            sa.delete(AccountSession).where(AccountSession.account_id == account_id)
        )
        db.session.delete(account)
        audit.record(
            "account.removed_unconfirmed",
            object_type="account",
            object_id=account_id,
        )
        logger.info("removed unconfirmed account %s", account_id)
    db.session.commit()
    return len(stale)


def _remove_unconfirmed_memberships(account: Account) -> None:
    """Drop an unconfirmed account's memberships, and organisations only it made.

    An organisation registered with an address that was never confirmed never
    reached its municipality (it is still a draft) and has no one else.
    """
    for membership in list(account.memberships):
        organisation = membership.organisation
        organisation.members.remove(membership)
        account.memberships.remove(membership)
        others = organisation.members
        if organisation.review_state == ReviewState.DRAFT and not others:
            db.session.delete(organisation)
            logger.info("removed unconfirmed draft organisation %s", organisation.id)
    db.session.flush()


def request_password_reset(email: str) -> None:
    """E-mail a one-hour reset link if the address has an account.

    Whoever asks gets the same answer; an unconfirmed account gets its
    confirmation link again instead, since it has nothing to reset yet.
    """
    account = find_by_email(email)
    if account is None or account.status in (
        AccountStatus.DISABLED,
        AccountStatus.WITHDRAWN,
    ):
        logger.info("password reset asked for an address without a usable account")
        return
    if account.status == AccountStatus.UNCONFIRMED:
        resend_confirmation(account.email)
        return
    secret = tokens.issue(TokenPurpose.RESET_PASSWORD, account=account)
    db.session.commit()
    logger.info("password reset link sent to account %s", account.id)
    emails.send(
        account.email,
        "reset_password",
        account.locale,
        reset_url=emails.absolute_url("public.reset_password", token=secret),
        minutes=int(tokens.LIFETIMES[TokenPurpose.RESET_PASSWORD].total_seconds())
        // 60,
    )


def reset_password(secret: str, password: str) -> Account | None:
    """Use a reset link to set a new password, ending every session.

    Returns None when the link is unknown, used or expired.
    """
    token = tokens.consume(TokenPurpose.RESET_PASSWORD, secret)
    if token is None or token.account is None:
        db.session.rollback()
        return None
    account = token.account
    _replace_password(account, password)
    # A pending address change may come from whoever knew the old password.
    tokens.revoke(account, TokenPurpose.RESET_PASSWORD, TokenPurpose.CHANGE_EMAIL)
    audit.record("account.password_reset", account, actor=account)
    db.session.commit()
    logger.info("account %s reset its password", account.id)
    _send_password_changed(account)
    return account


def change_password(account: Account, password: str) -> None:
    """Set a new password; every session of the account ends.

    The caller signs its own session in again with the new session token.
    """
    _replace_password(account, password)
    # A pending address change may come from whoever knew the old password.
    tokens.revoke(account, TokenPurpose.RESET_PASSWORD, TokenPurpose.CHANGE_EMAIL)
    audit.record("account.password_changed", account, actor=account)
    db.session.commit()
    logger.info("account %s changed its password", account.id)
    _send_password_changed(account)


def _replace_password(account: Account, password: str) -> None:
    account.set_password(password)
    account.session_token = new_session_token()


def _send_password_changed(account: Account) -> None:
    emails.send(
        account.email,
        "password_changed",
        account.locale,
        forgot_url=emails.absolute_url("public.forgot_password"),
    )


def request_email_change(account: Account, new_email: str) -> None:
    """Send a confirmation link to the new address.

    An address that already has an account gets nothing, but the caller
    answers as if a link went out, so nobody learns whose address it is.
    """
    address = normalise_email(new_email)
    if address == account.email:
        return
    if find_by_email(address) is not None:
        logger.info("account %s asked for an address already in use", account.id)
        return
    secret = tokens.issue(
        TokenPurpose.CHANGE_EMAIL,
        account=account,
        email=address,
        payload={"new_email": address},
    )
    audit.record("account.email_change_requested", account, actor=account)
    db.session.commit()
    logger.info("account %s asked to change its address", account.id)
    emails.send(
        address,
        "confirm_new_email",
        account.locale,
        confirm_url=emails.absolute_url("public.confirm_email_change", token=secret),
        hours=int(tokens.LIFETIMES[TokenPurpose.CHANGE_EMAIL].total_seconds()) // 3600,
    )


def confirm_email_change(secret: str) -> Account | None:
    """Use a change link: the address changes and the old one is told.

    Reset links sent to the old address stop working. Returns None when the
    link is unknown, used or expired, or the address was taken meanwhile.
    """
    token = tokens.consume(TokenPurpose.CHANGE_EMAIL, secret)
    if token is None or token.account is None:
        db.session.rollback()
        return None
    account = token.account
    new_address = normalise_email(token.payload.get("new_email"))
    if account.status == AccountStatus.WITHDRAWN or find_by_email(new_address):
        db.session.commit()
        logger.info("address change of account %s refused", account.id)
        return None
    old_address = account.email
    account.email = new_address
    account.email_confirmed_at = utcnow()
    tokens.revoke(account, TokenPurpose.RESET_PASSWORD, TokenPurpose.CHANGE_EMAIL)
    # Sessions opened under the old address end; the person signs in again.
    account.session_token = new_session_token()
    audit.record("account.email_changed", account, actor=account)
    db.session.commit()
    logger.info("account %s changed its address", account.id)
    if old_address:
        emails.send(
            old_address,
            "email_changed",
            account.locale,
            new_email=new_address,
            forgot_url=emails.absolute_url("public.forgot_password"),
        )
    return account


def sole_owned_organisations(account: Account) -> list[Organisation]:
    """Organisations that would be left without an owner if the account left."""
    owned = [m.organisation for m in account.memberships if m.role == MemberRole.OWNER]
    alone = []
    for organisation in owned:
        other_owners = db.session.scalar(
            db.select(sa.func.count())
            .select_from(OrganisationMember)
            .join(Account, OrganisationMember.account_id == Account.id)
            .where(
                OrganisationMember.organisation_id == organisation.id,
                OrganisationMember.role == MemberRole.OWNER,
                OrganisationMember.account_id != account.id,
                Account.status == AccountStatus.ACTIVE,
            )
        )
        if not other_owners:
            alone.append(organisation)
    return alone


def withdraw(account: Account) -> None:
    """Close the account: cancel open applications, erase personal data.

    The participant row stays, anonymised, with its birth year and
    municipality for statistics; the address is freed for a new registration.
    Raises WithdrawalRefused when an organisation would be left without owner.
    """
    alone = sole_owned_organisations(account)
    if alone:
        raise WithdrawalRefused(alone)
    now = utcnow()
    participant = account.participant
    cancelled = []
    if participant is not None:
        for application in _open_applications(participant, now):
            application.state = ApplicationState.CANCELLED
            application.cancelled_at = now
            cancelled.append(application)
            audit.record(
                "application.cancelled",
                application,
                actor=account,
                municipality_id=application.activity.municipality_id,
                reason="withdrawal",
            )
        notices = [
            (application.activity, participant.name) for application in cancelled
        ]
        _anonymise(participant, now)
    else:
        notices = []

    for membership in list(account.memberships):
        db.session.delete(membership)
    db.session.execute(
        sa.delete(NotificationPreference).where(
            NotificationPreference.account_id == account.id
        )
    )
    _erase_traces(account, participant)
    account.email = None
    account.password_hash = None
    account.totp_secret = None
    account.totp_enabled_at = None
    account.status = AccountStatus.WITHDRAWN
    account.withdrawn_at = now
    account.session_token = new_session_token()
    audit.record(
        "account.withdrawn",
        account,
        actor=account,
        municipality_id=participant.municipality_id if participant else None,
        cancelled_applications=[a.id for a in cancelled],
    )
    db.session.commit()
    logger.info(
        "account %s withdrew; %d applications cancelled", account.id, len(cancelled)
    )
    for activity, name in notices:
        organisation = activity.organisation
        if organisation is None or not organisation.email:
            continue
        emails.send(
            organisation.email,
            "application_cancelled_on_withdrawal",
            "ja",
            organisation_name=organisation.name,
            activity_title=activity.title,
            participant_name=name,
        )


def _open_applications(participant: Participant, now: datetime) -> list[Application]:
    applications = db.session.scalars(
        db.select(Application).where(
            Application.participant_id == participant.id,
            Application.state.in_(
                (*OPEN_APPLICATION_STATES, ApplicationState.ACCEPTED)
            ),
        )
    ).all()
    return [
        a
        for a in applications
        if a.state != ApplicationState.ACCEPTED or _meets_again(a.activity, now)
    ]


def _meets_again(activity: Activity, now: datetime) -> bool:
    """Whether the activity has a meeting that has not ended yet."""
    if activity.schedule_kind == ScheduleKind.RECURRING:
        ends_on = activity.recurrence_ends_on
        return ends_on is None or ends_on >= now.date()
    return schedules.next_session(activity.sessions, now) is not None


def _erase_traces(account: Account, participant: Participant | None) -> None:
    """Remove personal data kept beside the account's own columns.

    Messages and application notes can hold names, addresses and health
    details; sessions hold network addresses; tokens hold pending addresses.
    Counts in statistics do not depend on any of these.
    """
    db.session.execute(
        sa.delete(AccountToken).where(AccountToken.account_id == account.id)
    )
    db.session.execute(
        sa.delete(AccountSession).where(AccountSession.account_id == account.id)
    )
    failures = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "sign_in_failed",
            AuditEntry.object_id == account.id,
        )
    )
    for entry in failures:
        entry.detail = {**entry.detail, "email": None}
    if participant is None:
        return
    db.session.execute(
        sa.delete(Favourite).where(Favourite.participant_id == participant.id)
    )
    db.session.execute(
        sa.update(Application)
        .where(Application.participant_id == participant.id)
        .values(message=None)
    )
    threads = sa.select(MessageThread.id).where(
        MessageThread.participant_id == participant.id
    )
    db.session.execute(
        sa.update(Message)
        .where(Message.thread_id.in_(threads), Message.side == ThreadSide.PARTICIPANT)
        .values(body=ERASED_MESSAGE)
    )


def _anonymise(participant: Participant, now: datetime) -> None:
    participant.name = WITHDRAWN_NAME
    participant.furigana = ""
    participant.phone = None
    participant.introduction = None
    participant.interests = []
    participant.availability = []
    participant.load_limits = []
    participant.anonymised_at = now


# -- Staff approval of participants ----------------------------------------------


class ApprovalError(ValueError):
    """The participant is not waiting for approval, or a refusal has no reason."""


def awaiting_approval() -> sa.ColumnElement[bool]:
    """Participants whose municipality has yet to approve their account."""
    return Participant.account.has(Account.status == AccountStatus.PENDING_APPROVAL)


def approve_participant(participant: Participant, staff_account: Account) -> None:
    """Let a resident waiting for approval sign in, and tell them so."""
    account = _awaiting_decision(participant, staff_account)
    account.status = AccountStatus.ACTIVE
    participant.approved_at = utcnow()
    participant.approved_by_id = staff_account.id
    audit.record("participant.approve", participant, actor=staff_account)
    db.session.commit()
    logger.info(
        "participant %s approved by account %s", participant.id, staff_account.id
    )
    emails.send(
        account.email,
        "participant_approved",
        account.locale,
        person_name=participant.name,
        municipality_name=participant.municipality.name,
        url=emails.absolute_url("public.sign_in"),
    )


def reject_participant(
    participant: Participant, staff_account: Account, reason: str
) -> None:
    """Refuse a resident's registration, telling them why; they cannot sign in."""
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError("a refused registration needs a reason")
    account = _awaiting_decision(participant, staff_account)
    account.status = AccountStatus.DISABLED
    audit.record("participant.reject", participant, actor=staff_account, reason=reason)
    db.session.commit()
    logger.info(
        "participant %s refused by account %s", participant.id, staff_account.id
    )
    emails.send(
        account.email,
        "participant_rejected",
        account.locale,
        person_name=participant.name,
        municipality_name=participant.municipality.name,
        reason=reason,
    )


def _awaiting_decision(participant: Participant, staff_account: Account) -> Account:
    """The participant's account, checked to be pending and within the staff's area."""
    staff = staff_account.staff
    if (
        staff is None
        or staff.disabled
        or staff_account.status != AccountStatus.ACTIVE
        or not (staff.is_tokyo or staff.municipality_id == participant.municipality_id)
    ):
        raise PermissionError(
            f"account {staff_account.id} may not decide on participant {participant.id}"
        )
    account = participant.account
    if account is None or account.status != AccountStatus.PENDING_APPROVAL:
        raise ApprovalError(f"participant {participant.id} is not awaiting approval")
    return account
