"""Test data: each factory adds a valid record, flushes it and returns it.

Every argument has a sensible default, so a test names only what it is about::

    organisation = make_organisation(municipality="三鷹市")
    activity = make_activity(organisation=organisation, capacity=5)
    application = make_application(activity=activity)

Reference data (municipalities, categories, load attributes) is loaded once
for the whole run, so a municipality is looked up by name, not created.
"""

import functools
import itertools
from datetime import UTC, datetime, timedelta

from app import passwords
from app.extensions import db
from app.models import (
    Account,
    Activity,
    ActivitySession,
    Application,
    Category,
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
    StaffLevel,
)

#: The password every factory-made account signs in with.
PASSWORD = "correct horse battery staple"

#: A pilot municipality, switched on by the reference data.
DEFAULT_MUNICIPALITY = "世田谷区"

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


@functools.cache
def _password_hash(password: str) -> str:
    # Hashing is slow on purpose; one hash per password serves every account.
    return passwords.hash_password(password)


def _save(record):
    db.session.add(record)
    db.session.flush()
    return record


def find_municipality(name: str | Municipality = DEFAULT_MUNICIPALITY) -> Municipality:
    """One of the 62 municipalities, by its Japanese name."""
    if isinstance(name, Municipality):
        return name
    found = db.session.scalar(db.select(Municipality).filter_by(name=name))
    if found is None:
        raise LookupError(f"no municipality named {name!r} in the reference data")
    return found


def find_category(code: str = "community") -> Category:
    found = db.session.scalar(db.select(Category).filter_by(code=code))
    if found is None:
        raise LookupError(f"no category {code!r} in the reference data")
    return found


def make_account(
    email: str | None = None,
    password: str | None = PASSWORD,
    status: AccountStatus = AccountStatus.ACTIVE,
    **fields,
) -> Account:
    """An active account with a confirmed address that signs in with PASSWORD."""
    now = datetime.now(UTC)
    record = Account(
        email=email or f"user{_next()}@example.jp",
        status=status,
        email_confirmed_at=now if status == AccountStatus.ACTIVE else None,
        **fields,
    )
    if password is not None:
        record.password_hash = _password_hash(password)
        record.password_changed_at = now
    return _save(record)


def make_participant(
    account: Account | None = None,
    municipality: str | Municipality = DEFAULT_MUNICIPALITY,
    with_account: bool = True,
    **fields,
) -> Participant:
    """An approved participant; ``with_account=False`` for a resident whom staff
    registered without an e-mail address."""
    number = _next()
    fields.setdefault("name", f"参加 太郎{number}")
    fields.setdefault("furigana", f"さんか たろう{number}")
    fields.setdefault("birth_year", 1958)
    fields.setdefault("approved_at", datetime.now(UTC))
    if account is None and with_account:
        account = make_account()
    return _save(
        Participant(
            account=account, municipality=find_municipality(municipality), **fields
        )
    )


def make_municipal_staff(
    municipality: str | Municipality = DEFAULT_MUNICIPALITY,
    account: Account | None = None,
    level: StaffLevel = StaffLevel.MUNICIPAL_MEMBER,
    **fields,
) -> Staff:
    fields.setdefault("name", f"職員 花子{_next()}")
    return _save(
        Staff(
            account=account or make_account(),
            level=level,
            municipality=find_municipality(municipality),
            **fields,
        )
    )


def make_tokyo_staff(account: Account | None = None, **fields) -> Staff:
    fields.setdefault("name", f"都職員 一郎{_next()}")
    return _save(
        Staff(account=account or make_account(), level=StaffLevel.TOKYO, **fields)
    )


def make_organisation(
    municipality: str | Municipality = DEFAULT_MUNICIPALITY,
    owner: Account | None = None,
    review_state: ReviewState = ReviewState.PUBLISHED,
    **fields,
) -> Organisation:
    """An organisation, approved unless told otherwise, with an owner account."""
    number = _next()
    fields.setdefault("name", f"つながりサークル{number}")
    fields.setdefault("description", "地域で活動する団体です。")
    fields.setdefault("email", f"org{number}@example.jp")
    if review_state == ReviewState.PUBLISHED:
        _mark_published(fields)
    record = _save(
        Organisation(
            municipality=find_municipality(municipality),
            review_state=review_state,
            **fields,
        )
    )
    make_member(record, owner, role=MemberRole.OWNER)
    return record


def make_member(
    organisation: Organisation,
    account: Account | None = None,
    role: MemberRole = MemberRole.MEMBER,
    **fields,
) -> OrganisationMember:
    fields.setdefault("name", f"団体 次郎{_next()}")
    return _save(
        OrganisationMember(
            organisation=organisation,
            account=account or make_account(),
            role=role,
            **fields,
        )
    )


def make_activity(
    organisation: Organisation | None = None,
    municipality: str | Municipality | None = None,
    review_state: ReviewState = ReviewState.PUBLISHED,
    starts_at: datetime | None = None,
    categories: tuple[str, ...] = ("community",),
    **fields,
) -> Activity:
    """A published activity with one two-hour session a week from now.

    It takes place in its organisation's municipality unless told otherwise.
    Pass ``starts_at`` to move the session, or ``sessions=[]`` for none.
    """
    organisation = organisation or make_organisation()
    fields.setdefault("title", f"公園の花壇づくり{_next()}")
    fields.setdefault("summary", "季節の花を一緒に植えましょう。")
    fields.setdefault("description", "軍手と飲み物をお持ちください。")
    fields.setdefault("venue_name", "区民センター")
    fields.setdefault("capacity", 10)
    fields.setdefault("cost_yen", 0)
    if review_state == ReviewState.PUBLISHED:
        _mark_published(fields)
    if "sessions" not in fields:
        # On the hour, so the time shown on a page is predictable.
        start = starts_at or (datetime.now(UTC) + timedelta(days=7)).replace(
            minute=0, second=0, microsecond=0
        )
        fields["sessions"] = [
            ActivitySession(starts_at=start, ends_at=start + timedelta(hours=2))
        ]
    return _save(
        Activity(
            organisation=organisation,
            municipality=find_municipality(municipality or organisation.municipality),
            review_state=review_state,
            categories=[find_category(code) for code in categories],
            **fields,
        )
    )


def make_application(
    activity: Activity | None = None,
    participant: Participant | None = None,
    state: ApplicationState = ApplicationState.APPLIED,
    **fields,
) -> Application:
    return _save(
        Application(
            activity=activity or make_activity(),
            participant=participant or make_participant(),
            state=state,
            **fields,
        )
    )


def _mark_published(fields: dict) -> None:
    now = datetime.now(UTC)
    for name in ("submitted_at", "reviewed_at", "published_at"):
        fields.setdefault(name, now)
