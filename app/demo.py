"""Demonstration data: a believable, repeatable slice of Tokyo.

``seed_demo`` fills a database that holds only reference data with
organisations, activities, participants, applications, messages, posts and
content, drawn from the ``demo_*.toml`` files in ``app/data``. A fixed random
seed makes every run create the same records; only the dates move: they are
placed relative to today in Tokyo so that the demo always looks current.

Every timestamp that stands for something that already happened falls on
yesterday or earlier, so nothing in the demo claims to have happened later
today.
"""

import logging
import random
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask import current_app

from app.extensions import db
from app.models import (
    Account,
    Activity,
    ActivityLoad,
    ActivitySession,
    Application,
    AuditEntry,
    Availability,
    Category,
    ContentPage,
    Favourite,
    FollowUp,
    Inquiry,
    InquiryReply,
    InterviewSlot,
    Introduction,
    LoadAttribute,
    LoadLimit,
    Message,
    MessageThread,
    Municipality,
    Organisation,
    OrganisationMember,
    Participant,
    Revision,
    Source,
    Staff,
    Story,
)
from app.models.types import (
    AccountStatus,
    ApplicationState,
    ContentKind,
    ContentStatus,
    DigestFrequency,
    InquiryStatus,
    MemberRole,
    OrganisationKind,
    ReviewState,
    RevisionState,
    ScheduleKind,
    SourceHealth,
    SourceKind,
    StaffLevel,
    TextSize,
    ThreadSide,
)
from app.reference import load_reference_data
from app.text import hiragana_to_katakana

# The demo's own words for what an organisation is, as the stored kinds.
DEMO_KINDS = {
    "NPO法人": OrganisationKind.NPO,
    "公益社団法人": OrganisationKind.OTHER,
    "社会福祉協議会": OrganisationKind.SOCIAL_WELFARE_COUNCIL,
    "町会・自治会": OrganisationKind.NEIGHBOURHOOD_ASSOCIATION,
    "サークル・同好会": OrganisationKind.VOLUNTARY_GROUP,
    "任意団体": OrganisationKind.VOLUNTARY_GROUP,
    "子ども食堂": OrganisationKind.VOLUNTARY_GROUP,
    "株式会社": OrganisationKind.COMPANY,
}
logger = logging.getLogger(__name__)

TOKYO = ZoneInfo("Asia/Tokyo")

# Changing the seed reshuffles every name, title and choice in the demo.
SEED = 20250418

PASSWORD = "demo-pass-2026"
EMAIL_DOMAIN = "demo.example.jp"
SITE_NAME = "東京つながりナビ"

PILOT_MUNICIPALITIES = ("世田谷区", "渋谷区", "杉並区", "三鷹市", "小平市")
ACTIVITY_COUNT = 300
PARTICIPANT_COUNT = 60

# The organisation the printed organisation sign-in acts for, and the one whose
# staff includes a participant.
MAIN_ORGANISATION = "sasaeai-setagaya"
NEIGHBOURHOOD_ORGANISATION = "taishido2-chokai"


@dataclass(frozen=True)
class SignIn:
    label_ja: str
    label_en: str
    email: str
    path: str


SIGN_INS = (
    SignIn("利用者", "Participant", f"participant@{EMAIL_DOMAIN}", "/"),
    SignIn("団体スタッフ", "Organisation staff", f"org@{EMAIL_DOMAIN}", "/orgs/"),
    SignIn(
        "区市町村の職員（世田谷区）",
        "Municipal staff (Setagaya)",
        f"setagaya@{EMAIL_DOMAIN}",
        "/admin/",
    ),
    SignIn("東京都の職員", "Tokyo staff", f"tokyo@{EMAIL_DOMAIN}", "/admin/"),
)
PARTICIPANT_EMAIL, ORGANISATION_EMAIL, SETAGAYA_EMAIL, TOKYO_EMAIL = (
    sign_in.email for sign_in in SIGN_INS
)

# What the organisation sign-in's first activities are doing; the first three
# ask for an interview, the next three do not.
MAIN_TIMINGS = (
    "upcoming",
    "ongoing",
    "upcoming",
    "upcoming",
    "ongoing",
    "upcoming",
    "past",
)

# Review states of stories and introductions in the order they are handed
# out, so that even a handful of posts shows every state.
POST_STATES = (
    ReviewState.PUBLISHED,
    ReviewState.PENDING,
    ReviewState.PUBLISHED,
    ReviewState.REJECTED,
    ReviewState.PUBLISHED,
    ReviewState.DRAFT,
    ReviewState.PENDING,
    ReviewState.PUBLISHED,
    ReviewState.WITHDRAWN,
    *[ReviewState.PUBLISHED] * 10,
)

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_JA = "月火水木金土日"


# -- Public entry points -----------------------------------------------------


def demo_is_loaded() -> bool:
    """Whether the demo is in the database, judged by its Tokyo staff account."""
    found = db.session.scalar(db.select(Account.id).where(Account.email == TOKYO_EMAIL))
    return found is not None


def seed_demo(today: date | None = None) -> dict[str, int] | None:
    """Load reference data, then the demo unless it is already there.

    Returns how many records of each kind were created, or None when the demo
    was already loaded. ``today`` defaults to today's date in Tokyo.
    """
    load_reference_data()
    if demo_is_loaded():
        logger.info("demo data already loaded; nothing created")
        return None
    today = today or datetime.now(TOKYO).date()
    counts = _Builder(today).build()
    db.session.commit()
    logger.info(
        "demo data created: %s",
        ", ".join(f"{count} {name}" for name, count in counts.items()),
    )
    return counts


def sign_in_text(base_url: str) -> str:
    """Where to open the demo and one sign-in per role, in Japanese and English."""
    base = base_url.rstrip("/")
    lines = [
        f"{SITE_NAME} デモ / Demo",
        f"  利用者向けサイト / Public site:        {base}/",
        f"  団体向けページ / Organisation portal:  {base}/orgs/",
        f"  管理画面 / Staff console:              {base}/admin/",
        "",
        "サインイン / Sign-ins",
    ]
    for sign_in in SIGN_INS:
        lines += [
            f"  {sign_in.label_ja} / {sign_in.label_en}",
            f"    メールアドレス / E-mail:  {sign_in.email}",
            f"    パスワード / Password:    {PASSWORD}",
            f"    開く / Open:              {base}{sign_in.path}",
        ]
    return "\n".join(lines)


# -- Reading the data files --------------------------------------------------


def _read(name: str) -> dict:
    text = resources.files("app.data").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@dataclass(frozen=True)
class Town:
    name: str
    kana: str
    postal_code: str
    station: str


@dataclass(frozen=True)
class Place:
    """A named outdoor place: a park, a riverbank, a green path."""

    name: str
    town: str
    station: str
    walk_minutes: int


@dataclass(frozen=True)
class Venue:
    kind: str
    name: str | None
    address: str | None
    station: str | None
    walk_minutes: int | None
    # What the title says about where: the town, park or オンライン.
    label: str


@dataclass
class Area:
    municipality: Municipality
    romaji: str
    phone: str
    hall: str
    department: str
    towns: list[Town]
    parks: list[Place]
    requires_participant_approval: bool = False
    staff: list[Account] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.municipality.name

    @property
    def is_ward(self) -> bool:
        return self.name.endswith("区")

    def town(self, name: str) -> Town:
        return next(town for town in self.towns if town.name == name)


@dataclass
class OrgInfo:
    spec: dict
    organisation: Organisation
    area: Area
    town: Town
    owner: Account
    owner_name: str
    published_day: int | None


@dataclass
class ActInfo:
    """An activity and the facts about it the later steps need."""

    activity: Activity
    org: OrgInfo
    template: dict
    # "past": over; "ongoing": has met and meets again; "upcoming": not yet met.
    timing: str
    first_day: int
    published_day: int | None
    start: time
    applicants: int = 0
    taken: int = 0


@dataclass
class Person:
    participant: Participant
    account: Account | None
    area: Area
    town: Town
    age: int
    female: bool


# -- The builder -------------------------------------------------------------


class _Builder:
    def __init__(self, today: date):
        self.today = today
        self.rng = random.Random(SEED)
        self.places = _read("demo_places.toml")
        self.people = _read("demo_people.toml")
        self.counts: Counter[str] = Counter()
        self.audit: list[tuple] = []
        self.threads: list[tuple] = []
        self.phone_serial = 1000
        self.used_names: set[str] = set()

        # Hashing is deliberately slow, so every demo account shares one hash.
        probe = Account()
        probe.set_password(PASSWORD)
        self.password_hash = probe.password_hash

    def build(self) -> dict[str, int]:
        self.load_reference()
        self.create_staff()
        db.session.flush()
        self.create_organisations()
        self.create_participants()
        db.session.flush()
        self.create_activities()
        db.session.flush()
        self.create_revisions()
        self.create_applications()
        db.session.flush()
        self.create_threads()
        self.create_favourites()
        self.create_posts()
        self.create_content()
        self.create_inquiries()
        self.create_sources()
        db.session.flush()
        self.create_audit_entries()
        db.session.flush()
        return dict(self.counts)

    # -- Time ----------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def at(self, offset: int, hour: int = 10, minute: int = 0) -> datetime:
        """A Tokyo wall-clock time ``offset`` days from today, as aware UTC."""
        local = datetime.combine(self.day(offset), time(hour, minute), TOKYO)
        return local.astimezone(UTC)

    def when(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, TOKYO).astimezone(UTC)

    def offset(self, day: date) -> int:
        return (day - self.today).days

    def jp_date(self, day: date) -> str:
        return f"{day.month}月{day.day}日（{WEEKDAY_JA[day.weekday()]}）"

    # -- Small helpers ---------------------------------------------------------

    def index(self, length: int) -> int:
        """A random index that uses one draw whatever ``length`` is.

        Lengths that depend on today's date (how many meetings a rule has had)
        must not change how many numbers the generator consumes, or the
        records created afterwards would differ from day to day.
        """
        return min(int(self.rng.random() * length), length - 1)

    def phone(self, area: Area) -> str:
        self.phone_serial += 1
        return f"{area.phone}-{self.phone_serial:04d}"

    def street_address(self, area: Area, town: Town, building: str = "") -> str:
        block = self.rng.randint(1, 5)
        lot = self.rng.randint(1, 30)
        number = self.rng.randint(1, 20)
        address = f"東京都{area.name}{town.name}{block}-{lot}-{number}"
        return f"{address} {building}" if building else address

    def name(self, female: bool) -> tuple[str, str]:
        """A full name and its reading, never one already used in the demo."""
        given_names = self.people["female_names" if female else "male_names"]
        while True:
            family, family_kana = self.rng.choice(self.people["family_names"])
            given, given_kana = self.rng.choice(given_names)
            full = f"{family} {given}"
            if full not in self.used_names:
                self.used_names.add(full)
                return full, f"{family_kana} {given_kana}"

    def account(
        self,
        email: str,
        created_day: int,
        status: AccountStatus = AccountStatus.ACTIVE,
    ) -> Account:
        created = self.at(min(created_day, -1), self.rng.randint(9, 20))
        confirmed = status != AccountStatus.UNCONFIRMED
        account = Account(
            email=email.lower(),
            status=status,
            password_hash=self.password_hash,
            password_changed_at=created,
            email_confirmed_at=created + timedelta(minutes=12) if confirmed else None,
            created_at=created,
        )
        if status == AccountStatus.ACTIVE:
            account.last_sign_in_at = self.at(-self.rng.randint(1, 20), 19)
        db.session.add(account)
        self.counts["accounts"] += 1
        return account

    def reviewer(self, area: Area) -> Account:
        return self.rng.choice(area.staff)

    def record(self, action, target, area, actor, at, detail=None, on_behalf=None):
        """Remember an audit entry; ids exist only after the final flush."""
        self.audit.append((action, target, area, actor, at, detail or {}, on_behalf))

    def review(self, record, state: ReviewState, area: Area, created_day: int):
        """Fill the approval columns of a reviewable record for ``state``.

        Returns the day it was published, if it was.
        """
        record.review_state = state
        if state == ReviewState.DRAFT:
            return None
        submitted_day = min(created_day + 1, -1)
        submitted_hour = self.rng.randint(9, 15)
        record.submitted_at = self.at(submitted_day, submitted_hour)
        if state == ReviewState.PENDING:
            return None
        reviewed_day = min(submitted_day + self.rng.randint(1, 4), -1)
        reviewed_hour = self.rng.randint(10, 17)
        if reviewed_day == submitted_day:
            reviewed_hour = submitted_hour + 2
        reviewer = self.reviewer(area)
        record.reviewed_at = self.at(reviewed_day, reviewed_hour)
        record.reviewed_by_id = reviewer.id
        if state == ReviewState.REJECTED:
            self.record(
                "reject",
                record,
                area,
                reviewer,
                record.reviewed_at,
                {"reason": record.rejection_reason},
            )
            return None
        record.published_at = record.reviewed_at
        self.record("approve", record, area, reviewer, record.reviewed_at)
        return reviewed_day

    # -- Reference data and municipalities ---------------------------------

    def load_reference(self) -> None:
        municipalities = {
            m.name: m for m in db.session.scalars(db.select(Municipality))
        }
        self.categories = {c.code: c for c in db.session.scalars(db.select(Category))}
        attributes = db.session.scalars(
            db.select(LoadAttribute).order_by(LoadAttribute.sort_order)
        ).all()
        self.load_codes = [attribute.code for attribute in attributes]
        self.load_max = {
            attribute.code: max(level.value for level in attribute.levels)
            for attribute in attributes
        }

        self.areas: dict[str, Area] = {}
        for spec in self.places["areas"]:
            municipality = municipalities[spec["name"]]
            # Everything a demo municipality holds should be visible.
            municipality.is_active = True
            approval = spec.get("requires_participant_approval", False)
            municipality.requires_participant_approval = approval
            self.areas[spec["name"]] = Area(
                municipality=municipality,
                romaji=spec["romaji"],
                phone=spec["phone"],
                hall=spec["hall"],
                department=spec["department"],
                towns=[Town(*town) for town in spec["towns"]],
                parks=[Place(*park) for park in spec["parks"]],
                requires_participant_approval=approval,
            )
        self.counts["municipalities"] = len(self.areas)

    # -- Staff ---------------------------------------------------------------

    def create_staff(self) -> None:
        fixed = self.people["fixed"]
        tokyo_name, tokyo_department = fixed["tokyo_staff"], fixed["tokyo_department"]
        self.used_names.add(tokyo_name)
        self.tokyo = self.account(TOKYO_EMAIL, -400)
        self.add_staff(self.tokyo, StaffLevel.TOKYO, None, tokyo_name, tokyo_department)
        colleague = self.account(f"tokyo-2@{EMAIL_DOMAIN}", -380)
        self.add_staff(
            colleague,
            StaffLevel.TOKYO,
            None,
            self.name(self.rng.random() < 0.5)[0],
            tokyo_department,
        )

        for area in self.areas.values():
            pilot = area.name in PILOT_MUNICIPALITIES
            lead = self.account(f"{area.romaji}@{EMAIL_DOMAIN}", -300 if pilot else -60)
            if lead.email == SETAGAYA_EMAIL:
                lead_name = fixed["setagaya_staff"]
                self.used_names.add(lead_name)
            else:
                lead_name = self.name(self.rng.random() < 0.5)[0]
            self.add_staff(lead, StaffLevel.MUNICIPAL_LEAD, area, lead_name)
            area.staff.append(lead)
            if pilot:
                member = self.account(f"{area.romaji}-2@{EMAIL_DOMAIN}", -280)
                member_name = self.name(self.rng.random() < 0.6)[0]
                self.add_staff(member, StaffLevel.MUNICIPAL_MEMBER, area, member_name)
                area.staff.append(member)
        # The Setagaya member helps residents at the ward office counter.
        self.coordinator = self.areas["世田谷区"].staff[1]

    def add_staff(self, account, level, area, name, department=None) -> None:
        staff = Staff(
            account=account,
            level=level,
            municipality=area.municipality if area else None,
            name=name,
            department=department or (area.department if area else None),
            created_at=account.created_at,
        )
        db.session.add(staff)
        self.counts["staff"] += 1

    # -- Organisations ---------------------------------------------------------

    def create_organisations(self) -> None:
        specs = _read("demo_organisations.toml")["organisations"]
        fixed = self.people["fixed"]
        self.orgs: list[OrgInfo] = []
        self.orgs_by_slug: dict[str, OrgInfo] = {}
        for number, spec in enumerate(specs, start=1):
            area = self.areas[spec["area"]]
            town = area.town(spec["town"])
            state = ReviewState(spec.get("state", "published"))
            if spec["slug"] == MAIN_ORGANISATION:
                owner_email = ORGANISATION_EMAIL
                owner_name = fixed["organisation_owner"]
                self.used_names.add(owner_name)
            else:
                owner_email = f"org-{number:02d}@{EMAIL_DOMAIN}"
                owner_name = self.name(self.rng.random() < 0.55)[0]
            slug = spec["slug"]
            organisation = Organisation(
                name=spec["name"],
                name_kana=hiragana_to_katakana(spec["kana"]),
                municipality=area.municipality,
                kind=DEMO_KINDS[spec["kind"]],
                description=spec["description"],
                postal_code=town.postal_code,
                address=self.street_address(area, town, spec.get("building", "")),
                contact_name=owner_name,
                phone=self.phone(area),
                email=f"info@{slug}.example.jp",
                rejection_reason=spec.get("rejection_reason"),
            )
            if self.rng.random() < 0.5:
                organisation.website = f"https://{slug}.example.jp/"

            if state == ReviewState.PUBLISHED:
                created_day = -self.rng.randint(200, 900)
            else:
                created_day = -self.rng.randint(3, 30)
            organisation.created_at = self.at(created_day, 11)
            published_day = self.review(organisation, state, area, created_day)
            organisation.updated_at = (
                organisation.reviewed_at or organisation.created_at
            )

            owner = self.account(owner_email, created_day)
            organisation.members.append(
                OrganisationMember(
                    account=owner,
                    role=MemberRole.OWNER,
                    name=owner_name,
                    created_at=owner.created_at,
                )
            )
            extra_members = 2 if slug == MAIN_ORGANISATION else 0
            if slug != MAIN_ORGANISATION and self.rng.random() < 0.35:
                extra_members = 1
            for extra in range(2, extra_members + 2):
                member_name = self.name(self.rng.random() < 0.5)[0]
                member = self.account(
                    f"org-{number:02d}-{extra}@{EMAIL_DOMAIN}", created_day + 30
                )
                organisation.members.append(
                    OrganisationMember(
                        account=member,
                        role=MemberRole.MEMBER,
                        name=member_name,
                        created_at=member.created_at,
                    )
                )
            db.session.add(organisation)
            info = OrgInfo(
                spec, organisation, area, town, owner, owner_name, published_day
            )
            self.orgs.append(info)
            self.orgs_by_slug[slug] = info
            self.counts["organisations"] += 1

    # -- Participants ----------------------------------------------------------

    def create_participants(self) -> None:
        fixed = self.people["fixed"]
        setagaya = self.areas["世田谷区"]
        self.persons: list[Person] = []

        main = self.add_person(
            setagaya,
            setagaya.town("経堂"),
            fixed["participant"],
            email=PARTICIPANT_EMAIL,
        )
        main.account.text_size = TextSize.LARGE
        main.account.show_furigana = True
        main.participant.interests = [
            self.categories[code] for code in ("welfare", "health", "culture")
        ]
        main.participant.availability = [
            Availability(weekday=1, period="morning"),
            Availability(weekday=3, period="morning"),
            Availability(weekday=5, period="afternoon"),
        ]
        main.participant.load_limits = [
            LoadLimit(attribute_code="standing", max_value=2),
            LoadLimit(attribute_code="walking", max_value=2),
        ]
        self.main = main

        both = self.add_person(
            setagaya,
            setagaya.town("太子堂"),
            fixed["participant_and_staff"],
            email=f"participant-01@{EMAIL_DOMAIN}",
        )
        self.orgs_by_slug[NEIGHBOURHOOD_ORGANISATION].organisation.members.append(
            OrganisationMember(
                account=both.account,
                role=MemberRole.MEMBER,
                name=both.participant.name,
                created_at=both.account.created_at,
            )
        )

        self.without_account = self.add_person(
            setagaya, setagaya.town("太子堂"), fixed["without_account"], email=None
        )
        registered = self.without_account.participant
        registered.registered_by_id = self.coordinator.id
        registered.approved_by_id = self.coordinator.id
        registered.phone = self.phone(setagaya)
        self.record(
            "register_participant",
            registered,
            setagaya,
            self.coordinator,
            registered.created_at,
            {"channel": "counter"},
            on_behalf=registered,
        )

        # Spread the others over the demo municipalities, most in the pilots.
        spread = {"世田谷区": 8, "渋谷区": 6, "杉並区": 8, "三鷹市": 6, "小平市": 6}
        homes = []
        for name, area in self.areas.items():
            homes += [area] * spread.get(name, 2 if name != "練馬区" else 3)
        homes = homes[: PARTICIPANT_COUNT - len(self.persons)]
        self.rng.shuffle(homes)
        pending_left = 2
        unconfirmed_left = 1
        for number, area in enumerate(homes, start=2):
            status = AccountStatus.ACTIVE
            if area.requires_participant_approval and pending_left:
                status = AccountStatus.PENDING_APPROVAL
                pending_left -= 1
            elif area.name == "杉並区" and unconfirmed_left:
                status = AccountStatus.UNCONFIRMED
                unconfirmed_left -= 1
            self.add_person(
                area,
                self.rng.choice(area.towns),
                None,
                email=f"participant-{number:02d}@{EMAIL_DOMAIN}",
                status=status,
            )

    def add_person(self, area, town, fixed, *, email, status=AccountStatus.ACTIVE):
        """Create a participant, from a fixed entry or made up."""
        if fixed:
            name, reading, age, sex = fixed
            female = sex == "female"
            self.used_names.add(name)
        else:
            female = self.rng.random() < 0.6
            name, reading = self.name(female)
            age = self.rng.randint(50, 85)
        created_day = -self.rng.randint(10, 300)
        account = self.account(email, created_day, status) if email else None
        participant = Participant(
            account=account,
            name=name,
            furigana=hiragana_to_katakana(reading),
            birth_year=self.today.year - age,
            municipality=area.municipality,
            created_at=self.at(created_day, 10),
        )
        if self.rng.random() < 0.4:
            participant.phone = f"090-0000-{self.rng.randint(1000, 9999)}"
        if self.rng.random() < 0.5:
            participant.introduction = self.rng.choice(
                self.people["participant_introductions"]
            )
        if status == AccountStatus.ACTIVE:
            participant.approved_at = self.at(created_day, 15)
            if area.requires_participant_approval:
                approver = self.reviewer(area)
                participant.approved_at = self.at(min(created_day + 1, -1), 11)
                participant.approved_by_id = approver.id
                self.record(
                    "approve", participant, area, approver, participant.approved_at
                )
        self.fill_profile(participant, account)
        db.session.add(participant)
        person = Person(participant, account, area, town, age, female)
        self.persons.append(person)
        self.counts["participants"] += 1
        return person

    def fill_profile(self, participant: Participant, account: Account | None) -> None:
        codes = list(self.categories)
        participant.interests = [
            self.categories[code]
            for code in self.rng.sample(codes, self.rng.randint(1, 4))
        ]
        slots = [
            (weekday, period)
            for weekday in range(7)
            for period in ("morning", "afternoon", "evening")
        ]
        participant.availability = [
            Availability(weekday=weekday, period=period)
            for weekday, period in sorted(
                self.rng.sample(slots, self.rng.randint(2, 7))
            )
        ]
        if self.rng.random() < 0.35:
            limited = ("standing", "walking", "stairs", "outdoors")
            participant.load_limits = [
                LoadLimit(
                    attribute_code=code,
                    max_value=self.rng.randint(0, self.load_max[code] - 1),
                )
                for code in self.rng.sample(limited, self.rng.randint(1, 3))
            ]
        if account is None:
            return
        account.text_size = self.rng.choices(
            [TextSize.STANDARD, TextSize.LARGE, TextSize.LARGEST], [6, 3, 1]
        )[0]
        account.high_contrast = self.rng.random() < 0.1
        account.show_furigana = self.rng.random() < 0.2
        account.digest_frequency = self.rng.choice(list(DigestFrequency))

    # -- Activities ----------------------------------------------------------

    def create_activities(self) -> None:
        templates = _read("demo_activities.toml")["templates"]
        self.activities: list[ActInfo] = []
        states = self.review_states()
        quotas = self.activity_quotas()
        for org in self.orgs:
            quota = quotas.get(org.spec["slug"], 0)
            if not quota:
                continue
            chosen = self.choose_templates(org, templates, quota)
            titles: Counter[str] = Counter()
            for number, template in enumerate(chosen):
                if org.organisation.review_state != ReviewState.PUBLISHED:
                    # Nothing is published before the organisation is approved.
                    state = (ReviewState.DRAFT, ReviewState.PENDING)[number % 2]
                    timing = "upcoming"
                elif org.spec["slug"] == MAIN_ORGANISATION and number < 7:
                    # The organisation sign-in needs live activities to manage,
                    # with and without interviews, and one that is over.
                    state = ReviewState.PUBLISHED
                    timing = MAIN_TIMINGS[number]
                else:
                    timing = self.rng.choices(
                        ["past", "ongoing", "upcoming"], [12, 40, 48]
                    )[0]
                    state = ReviewState.PUBLISHED if timing == "past" else states.pop()
                    if state != ReviewState.PUBLISHED and timing == "ongoing":
                        # Only approved activities can have met already.
                        timing = "upcoming"
                self.activities.append(
                    self.create_activity(org, template, state, timing, titles)
                )

    def review_states(self) -> list[ReviewState]:
        """Review states for activities that have not happened, as a shuffled pool."""
        pool = (
            [ReviewState.PENDING] * 22
            + [ReviewState.DRAFT] * 14
            + [ReviewState.REJECTED] * 6
            + [ReviewState.WITHDRAWN] * 4
        )
        pool += [ReviewState.PUBLISHED] * (ACTIVITY_COUNT - len(pool))
        self.rng.shuffle(pool)
        return pool

    def activity_quotas(self) -> dict[str, int]:
        """How many activities each organisation runs, adding up to 300."""
        quotas = {}
        for org in self.orgs:
            state = org.organisation.review_state
            if state == ReviewState.REJECTED:
                continue
            if state == ReviewState.PENDING:
                quotas[org.spec["slug"]] = 2
            elif org.spec["slug"] == MAIN_ORGANISATION:
                quotas[org.spec["slug"]] = 12
            elif org.spec["kind"] == "社会福祉協議会":
                quotas[org.spec["slug"]] = 9
            elif org.area.name in PILOT_MUNICIPALITIES:
                quotas[org.spec["slug"]] = 6
            else:
                quotas[org.spec["slug"]] = 5
        adjustable = [
            org.spec["slug"]
            for org in self.orgs
            if org.organisation.review_state == ReviewState.PUBLISHED
            and org.spec["slug"] != MAIN_ORGANISATION
        ]
        step = 1 if sum(quotas.values()) < ACTIVITY_COUNT else -1
        position = 0
        while sum(quotas.values()) != ACTIVITY_COUNT:
            quotas[adjustable[position % len(adjustable)]] += step
            position += 1
        return quotas

    def choose_templates(self, org: OrgInfo, templates, quota: int) -> list[dict]:
        categories = set(org.spec["categories"])
        # Paid work is offered only by organisations that arrange work.
        usable = [
            template
            for template in templates
            if "work" not in template["categories"] or "work" in categories
        ]
        # Mostly what the organisation is about; related kinds only to fill up.
        own = [t for t in usable if t["categories"][0] in categories]
        related = [
            t for t in usable if t not in own and categories & set(t["categories"])
        ]
        self.rng.shuffle(own)
        self.rng.shuffle(related)
        if org.spec["slug"] == MAIN_ORGANISATION:
            interview = [template for template in own if template["interview"]]
            plain = [template for template in own if not template["interview"]]
            rest = interview[3:] + plain[3:]
            self.rng.shuffle(rest)
            own = interview[:3] + plain[:3] + rest
        pool = own + related
        chosen = pool[:quota]
        while len(chosen) < quota:
            chosen.append(self.rng.choice(pool))
        return chosen

    def create_activity(self, org, template, state, timing, titles) -> ActInfo:
        area = org.area
        town = org.town if self.rng.random() < 0.6 else self.rng.choice(area.towns)
        venue = self.venue(template["venue"], org, town)
        online = template.get("online")
        is_online = online == "only" or (online == "hybrid" and self.rng.random() < 0.6)

        # Listings lead with where, as leaflets do: 【経堂】, 【砧公園】.
        where = area.name if online == "only" else venue.label
        title = f"【{where}】{template['title']}"
        titles[title] += 1
        if titles[title] == 2:
            title = f"{title}（追加募集）"
        elif titles[title] > 2:
            title = f"{title}（第{titles[title]}期）"

        categories = list(template["categories"])
        primary = org.spec["categories"][0]
        if (
            primary not in categories
            and len(categories) < 3
            and self.rng.random() < 0.25
        ):
            categories.append(primary)

        description = template["description"].format(
            venue=venue.name or "オンライン",
            town=town.name,
            municipality=area.name,
            organisation=org.organisation.name,
        )
        closing = self.rng.choice(
            [
                "見学だけでも歓迎します。",
                "ご不明な点は、お気軽にお問い合わせください。",
                "初めての方も、どうぞ安心してご参加ください。",
                "",
            ]
        )
        if closing == "見学だけでも歓迎します。" and not template["interview"]:
            # The page says no visit is needed first; keep the same draw and
            # use words that do not contradict it.
            closing = "当日いきなりの参加も歓迎します。"
        if closing:
            description = f"{description}\n\n{closing}"

        contact_name = org.owner_name
        if len(org.organisation.members) > 1 and self.rng.random() < 0.4:
            contact_name = org.organisation.members[1].name
        activity = Activity(
            organisation=org.organisation,
            municipality=area.municipality,
            title=title,
            summary=template["summary"],
            description=description,
            is_online=is_online,
            capacity=template.get("capacity"),
            cost_yen=self.rng.choice(template["costs"]),
            cost_note=template.get("cost_note"),
            what_to_bring=template["bring"],
            requires_interview=template["interview"],
            contact_name=contact_name,
            contact_phone=org.organisation.phone,
            contact_email=org.organisation.email,
            created_by_id=org.owner.id,
            categories=[self.categories[code] for code in categories[:3]],
        )
        if online != "only":
            activity.venue_name = venue.name
            activity.address = venue.address
            activity.nearest_station = venue.station
            activity.walk_minutes = venue.walk_minutes
        activity.loads = self.loads(
            template, venue.kind, is_online and online == "only"
        )

        start, end = (_clock(text) for text in template["time"])
        kind = {"1": ScheduleKind.SINGLE, "S": ScheduleKind.SESSIONS}.get(
            self.rng.choice(template["schedules"]), ScheduleKind.RECURRING
        )
        first_day = self.schedule(activity, kind, timing, start, end, template)
        if kind == ScheduleKind.SINGLE and timing == "ongoing":
            timing = "upcoming"

        # Listed a while before it starts; past ones well before they met.
        if timing == "past":
            created_day = first_day - self.rng.randint(20, 60)
        elif timing == "ongoing":
            created_day = -self.rng.randint(45, 400)
        else:
            created_day = -self.rng.randint(15, 60)
        activity.created_at = self.at(created_day, self.rng.randint(9, 18))
        if state == ReviewState.REJECTED:
            activity.rejection_reason = self.rng.choice(
                self.people["rejection_reasons"]
            )
        published_day = self.review(activity, state, area, created_day)
        if state == ReviewState.WITHDRAWN:
            # Published once, then taken down by the organisation.
            published_day = None
            activity.closed_at = self.at(-self.rng.randint(1, 5), 16)
        elif (
            timing != "past"
            and state == ReviewState.PUBLISHED
            and self.rng.random() < 0.06
        ):
            # Full: the organisation stopped taking applicants.
            activity.closed_at = self.at(-self.rng.randint(1, 4), 17)
        activity.updated_at = activity.reviewed_at or activity.created_at

        db.session.add(activity)
        self.counts["activities"] += 1
        return ActInfo(
            activity,
            org,
            template,
            timing,
            first_day,
            published_day,
            start,
        )

    def schedule(self, activity, kind, timing, start, end, template) -> int:
        """Set the activity's schedule; return the day offset of its first meeting.

        An activity that is over is closed the day after its last meeting.
        """
        activity.schedule_kind = kind
        outdoors = template["loads"][self.load_codes.index("outdoors")] == 2
        weekend = (
            template["venue"] in {"school", "shop"}
            or "events" in (template["categories"])
        )
        if kind == ScheduleKind.SINGLE:
            offset = (
                -self.rng.randint(3, 60)
                if timing == "past"
                else self.rng.randint(3, 75)
            )
            day = self.day(offset)
            if weekend:
                # Festivals and drills are held on Saturdays: the next one for
                # an event to come, the one before for an event that is over.
                shift = (5 - day.weekday()) % 7
                if timing == "past" and shift:
                    shift -= 7
                day += timedelta(days=shift)
            session = ActivitySession(
                starts_at=self.when(day, start), ends_at=self.when(day, end)
            )
            if timing != "past" and self.rng.random() < 0.05:
                session.all_day = True
                activity.schedule_note = "時間は決まりしだいお知らせします。"
            activity.sessions = [session]
            if outdoors and not activity.schedule_note:
                activity.schedule_note = (
                    "雨天中止です。中止のときは前日までにご連絡します。"
                )
            self.deadline(activity, timing, day)
            self.close_if_over(activity, timing, day)
            return self.offset(day)

        if kind == ScheduleKind.SESSIONS:
            count = self.rng.randint(3, 6)
            gap = self.rng.choice([7, 7, 14])
            if timing == "past":
                first = -(count * gap + self.rng.randint(3, 30))
            elif timing == "ongoing":
                first = -gap * self.rng.randint(1, count - 1) + self.rng.randint(1, 3)
            else:
                first = self.rng.randint(5, 40)
            days = [self.day(first + gap * n) for n in range(count)]
            activity.sessions = [
                ActivitySession(
                    starts_at=self.when(day, start), ends_at=self.when(day, end)
                )
                for day in days
            ]
            activity.schedule_note = self.rng.choice(
                [
                    f"全{count}回の連続講座です。できるだけ全回ご参加ください。",
                    "ご都合のよい回だけの参加もできます。",
                ]
            )
            self.deadline(activity, timing, days[0])
            self.close_if_over(activity, timing, days[-1])
            return first

        activity.recurrence_rule = self.rule(template)
        activity.recurrence_start_time = start
        activity.recurrence_end_time = end
        if timing == "past":
            starts = -self.rng.randint(200, 500)
            activity.recurrence_ends_on = self.day(-self.rng.randint(7, 60))
        elif timing == "ongoing":
            starts = -self.rng.randint(20, 400)
            if self.rng.random() < 0.2:
                activity.recurrence_ends_on = self.day(self.rng.randint(60, 180))
        else:
            starts = self.rng.randint(5, 35)
            if self.rng.random() < 0.5:
                activity.application_deadline = self.day(starts - 2)
        activity.recurrence_starts_on = self.day(starts)
        # The same draws as before, so the rest of the demo stays as it was;
        # holiday closures are now flags the schedule itself honours.
        notes = [
            "holidays",
            "夏休みの期間は、日程が変わることがあります。",
            "year_end",
            None,
        ]
        note = "雨天中止です。" if outdoors else self.rng.choice(notes)
        activity.skips_public_holidays = note == "holidays"
        activity.skips_year_end = note == "year_end"
        activity.schedule_note = None if note in ("holidays", "year_end") else note
        if activity.recurrence_ends_on:
            self.close_if_over(activity, timing, activity.recurrence_ends_on)
        return starts

    def rule(self, template) -> str:
        if template.get("rule"):
            return template["rule"]
        # Evening activities meet on weekdays; the rest also on Saturdays.
        evening = _clock(template["time"][0]) >= time(17)
        weekday_choices = list(range(5 if evening else 6))
        if self.rng.random() < 0.6:
            days = sorted(self.rng.sample(weekday_choices, self.rng.choice([1, 1, 2])))
            codes = ",".join(WEEKDAY_CODES[day] for day in days)
            interval = ";INTERVAL=2" if self.rng.random() < 0.1 else ""
            return f"FREQ=WEEKLY{interval};BYDAY={codes}"
        code = WEEKDAY_CODES[self.rng.choice(weekday_choices)]
        pattern = self.rng.choice(["1", "2", "3", "4", "1,3", "2,4", "2,4"])
        return "FREQ=MONTHLY;BYDAY=" + ",".join(
            f"{n}{code}" for n in pattern.split(",")
        )

    def close_if_over(self, activity, timing, last: date) -> None:
        if timing == "past":
            activity.closed_at = self.at(min(self.offset(last) + 1, -1), 18)

    def deadline(self, activity, timing, first: date) -> None:
        lead = self.rng.randint(1, 7)
        if timing == "past":
            activity.application_deadline = first - timedelta(days=lead)
        elif timing == "upcoming" and self.rng.random() < 0.8:
            # Keep the deadline ahead of today so that the activity is open.
            activity.application_deadline = self.day(max(self.offset(first) - lead, 1))

    def loads(self, template, venue_kind, at_home) -> list[ActivityLoad]:
        values = dict(zip(self.load_codes, template["loads"], strict=True))
        if at_home:
            values.update(standing=0, walking=0, stairs=0, outdoors=0, toilet=0)
        elif venue_kind in {"hall", "library", "children"}:
            # Older halls often have no lift; most have an accessible toilet.
            if values["stairs"] == 0 and self.rng.random() < 0.3:
                values["stairs"] = 1
            values["toilet"] = min(values["toilet"], self.rng.choice([0, 0, 1]))
        return [
            ActivityLoad(attribute_code=code, value=min(value, self.load_max[code]))
            for code, value in values.items()
        ]

    def venue(self, kind: str, org: OrgInfo, town: Town) -> Venue:
        area = org.area
        walk = self.rng.randint(2, 15)
        name = None
        if kind == "online":
            return Venue(kind, None, None, None, None, "オンライン")
        if kind == "park":
            if org.spec.get("place"):
                place = Place(*org.spec["place"])
            else:
                place = self.rng.choice(area.parks)
            return Venue(
                kind,
                place.name,
                f"東京都{area.name}{place.town}",
                place.station,
                place.walk_minutes,
                place.name,
            )
        if kind == "hall":
            if org.spec["kind"] == "町会・自治会":
                name = f"{org.town.name}町会会館"
                town = org.town
            else:
                name = area.hall.format(town=town.name)
        elif kind == "welfare":
            name = self.rng.choice(self.places["venues"]["welfare"])
        elif kind == "office":
            town = org.town
            return Venue(
                kind,
                office_name(org),
                org.organisation.address,
                town.station,
                walk,
                town.name,
            )
        elif kind == "kitchen":
            name = self.rng.choice(self.places["venues"]["kitchen"]).format(
                town=town.name
            )
        elif kind == "library":
            name = f"{area.name}立{town.name}図書館"
        elif kind == "children":
            name = f"{town.name}児童館"
        elif kind == "school":
            name = f"{area.name}立{town.name}小学校"
        elif kind == "farm":
            name = f"{town.name}{'区民' if area.is_ward else '市民'}農園"
        elif kind == "shop":
            name = f"{town.name}商店街"
            walk = self.rng.randint(1, 3)
        elif kind == "bicycle":
            name = f"{town.station}前 自転車駐車場"
            walk = 1
        return Venue(
            kind, name, self.street_address(area, town), town.station, walk, town.name
        )

    # -- Pending changes to published activities -----------------------------

    def create_revisions(self) -> None:
        candidates = [
            info
            for info in self.activities
            if info.activity.review_state == ReviewState.PUBLISHED
            and info.timing != "past"
            and info.activity.closed_at is None
        ]
        chosen = [candidates[self.index(len(candidates))] for _ in range(6)]
        seen = set()
        for number, info in enumerate(chosen):
            activity = info.activity
            if activity.id in seen:
                continue
            seen.add(activity.id)
            changes = {
                "description": activity.description
                + "\n\n参加された方の声を受けて、休憩の時間を増やしました。",
            }
            if activity.capacity:
                changes["capacity"] = activity.capacity + 5
            if activity.schedule_kind == ScheduleKind.SINGLE:
                session = activity.sessions[0]
                moved = timedelta(days=7)
                changes["sessions"] = [
                    {
                        "starts_at": (session.starts_at + moved).isoformat(),
                        "ends_at": (session.ends_at + moved).isoformat()
                        if session.ends_at
                        else None,
                        "all_day": session.all_day,
                    }
                ]
            revision = Revision(
                target_type="activity",
                target_id=activity.id,
                municipality=activity.municipality,
                changes=changes,
                submitted_by_id=info.org.owner.id,
                submitted_at=self.at(-self.rng.randint(1, 4), 15),
            )
            if number == len(chosen) - 1:
                # One earlier change, approved soon after publication.
                reviewer = self.reviewer(info.org.area)
                submitted = min(info.published_day + 3, -3)
                revision.state = RevisionState.APPROVED
                revision.changes = {"what_to_bring": activity.what_to_bring}
                revision.submitted_at = self.at(submitted, 10)
                revision.reviewed_at = self.at(submitted + 2, 14)
                revision.reviewed_by_id = reviewer.id
            db.session.add(revision)
            self.counts["revisions"] += 1

    # -- Applications ----------------------------------------------------------

    def create_applications(self) -> None:
        self.applications: list[tuple[Application, ActInfo, Person]] = []
        self.pairs: set[tuple[int, int]] = set()
        open_ = [
            info
            for info in self.activities
            if info.activity.review_state == ReviewState.PUBLISHED
        ]
        self.showcase(open_)
        eligible = [
            person
            for person in self.persons
            if person.account is not None
            and person.account.status == AccountStatus.ACTIVE
            and person is not self.main
        ]
        by_area = defaultdict(list)
        for person in eligible:
            by_area[person.area.name].append(person)

        for info in open_:
            if info.applicants:
                continue
            wanted = self.rng.choices(range(7), [22, 24, 20, 14, 10, 6, 4])[0]
            for _ in range(wanted):
                neighbours = by_area[info.org.area.name]
                if neighbours and self.rng.random() < 0.7:
                    person = self.rng.choice(neighbours)
                else:
                    person = self.rng.choice(eligible)
                self.apply(info, person, self.pick_state(info))

    def pick_state(self, info: ActInfo) -> ApplicationState:
        state = ApplicationState
        if info.timing == "past":
            choices = {
                state.ATTENDED: 70,
                state.NO_SHOW: 8,
                state.CANCELLED: 10,
                state.DECLINED: 7,
            }
        elif info.timing == "ongoing":
            choices = {
                state.ATTENDED: 35,
                state.ACCEPTED: 25,
                state.APPLIED: 12,
                state.CANCELLED: 6,
                state.WAITLISTED: 4,
                state.DECLINED: 4,
            }
        else:
            choices = {
                state.APPLIED: 30,
                state.ACCEPTED: 35,
                state.WAITLISTED: 8,
                state.CANCELLED: 8,
                state.DECLINED: 6,
            }
        if info.timing != "past" and info.activity.requires_interview:
            choices[state.INTERVIEW_OFFERED] = 12
            choices[state.INTERVIEW_BOOKED] = 12
        if info.activity.closed_at is not None:
            # A closed activity has stopped taking new applicants.
            choices.pop(state.APPLIED, None)
        picked = self.rng.choices(list(choices), list(choices.values()))[0]
        capacity = info.activity.capacity
        if (
            picked in {state.ACCEPTED, state.ATTENDED}
            and capacity
            and info.taken >= capacity
        ):
            picked = state.WAITLISTED if info.timing != "past" else state.DECLINED
        return picked

    def showcase(self, open_: list[ActInfo]) -> None:
        """Applications that every sign-in's first screen should show."""
        state = ApplicationState
        setagaya = self.areas["世田谷区"]
        main_org = self.orgs_by_slug[MAIN_ORGANISATION]
        others = [
            p for p in self.persons[3:] if p.account.status == AccountStatus.ACTIVE
        ]
        others.sort(key=lambda person: person.area is not setagaya)

        visited: set[int] = {id(main_org)}

        def find(**want):
            # Ask for less until something fits: first any group, then any area.
            for loosen in ((), ("elsewhere",), ("elsewhere", "area")):
                found = search({k: v for k, v in want.items() if k not in loosen})
                if found:
                    visited.add(id(found.org))
                    return found
            raise LookupError(f"the demo has no activity with {sorted(want)}")

        def search(want):
            for info in open_:
                if info.applicants:
                    continue
                if "org" in want and info.org is not want["org"]:
                    continue
                # The participant's own activities come from different groups.
                if want.get("elsewhere") and id(info.org) in visited:
                    continue
                if "area" in want and info.org.area is not want["area"]:
                    continue
                if "timing" in want and info.timing not in want["timing"]:
                    continue
                if "interview" in want and (
                    info.activity.requires_interview != want["interview"]
                ):
                    continue
                if info.activity.closed_at is not None and info.timing != "past":
                    continue
                return info
            return None

        live = ("upcoming", "ongoing")
        interviewing = find(org=main_org, timing=live, interview=True)
        self.apply(interviewing, self.main, state.INTERVIEW_BOOKED, message=True)
        for person, wanted in zip(
            others,
            [state.APPLIED, state.INTERVIEW_OFFERED, state.ACCEPTED, state.DECLINED],
            strict=False,
        ):
            self.apply(interviewing, person, wanted, message=True)

        regular = find(org=main_org, timing=live, interview=False)
        for person, wanted in zip(
            others[4:],
            [state.ACCEPTED, state.WAITLISTED, state.CANCELLED, state.APPLIED],
            strict=False,
        ):
            self.apply(regular, person, wanted)

        over = find(org=main_org, timing=("past",))
        for person, wanted in zip(
            others[8:],
            [state.ATTENDED, state.ATTENDED, state.ATTENDED, state.NO_SHOW],
            strict=False,
        ):
            self.apply(over, person, wanted)

        # The participant sign-in: one of everything a participant lives through.
        mine = [
            (dict(area=setagaya, timing=live, interview=False), state.ACCEPTED),
            (dict(area=setagaya, timing=("upcoming",)), state.APPLIED),
            (dict(timing=live, interview=True), state.INTERVIEW_OFFERED),
            (dict(timing=("upcoming",), interview=False), state.WAITLISTED),
            (dict(area=setagaya, timing=("past",)), state.ATTENDED),
            (dict(timing=("ongoing",), interview=False), state.ATTENDED),
            (dict(timing=live, interview=False), state.CANCELLED),
        ]
        for want, wanted in mine:
            self.apply(find(elsewhere=True, **want), self.main, wanted, message=True)

        # A coordinator applies for the resident who has no account.
        counter = find(area=setagaya, timing=live, interview=False)
        application = self.apply(
            counter, self.without_account, state.ACCEPTED, applied_by=self.coordinator
        )
        self.record(
            "apply_on_behalf",
            application,
            setagaya,
            self.coordinator,
            application.created_at,
            on_behalf=self.without_account.participant,
        )

    def apply(self, info, person, state, *, message=None, applied_by=None):
        activity, participant = info.activity, person.participant
        if (activity.id, id(participant)) in self.pairs:
            return None
        self.pairs.add((activity.id, id(participant)))
        info.applicants += 1

        # Days relative to today: applied, decided, attended. Someone who has
        # already taken part applied long enough ago for a meeting to follow.
        took_part = state in {ApplicationState.ATTENDED, ApplicationState.NO_SHOW}
        if info.timing == "past":
            applied = info.first_day - self.rng.randint(6, 12)
        elif took_part:
            applied = -self.rng.randint(40, 70)
        else:
            applied = -self.rng.randint(6, 30)
        if info.published_day is not None:
            applied = max(applied, info.published_day + 1)
        decided = applied + 4
        attended = self.attendance_day(info, decided) if took_part else None
        if took_part and attended is None:
            # No meeting since the decision: the applicant is still waiting.
            state = ApplicationState.ACCEPTED
        interview = activity.requires_interview

        text = None
        if message or (message is None and self.rng.random() < 0.55):
            text = self.rng.choice(self.people["application_messages"]).format(
                town=person.town.name, name=participant.name
            )
        application = Application(
            activity=activity,
            participant=participant,
            state=state,
            message=text,
            applied_by_id=applied_by.id if applied_by else None,
            created_at=self.at(applied, self.rng.randint(8, 12)),
        )
        decider = info.org.owner
        replies = self.people["replies"]
        talk: list[tuple[int, ThreadSide, str]] = []
        if text:
            talk.append((applied, ThreadSide.PARTICIPANT, text))

        slot_place = office_name(info.org)
        if state in {
            ApplicationState.INTERVIEW_OFFERED,
            ApplicationState.INTERVIEW_BOOKED,
        }:
            talk.append(
                (applied + 1, ThreadSide.ORGANISATION, replies["interview_offered"])
            )
            slots = self.slots(application, slot_place, ahead=True)
            if state == ApplicationState.INTERVIEW_BOOKED:
                chosen = slots[self.index(len(slots))]
                chosen.chosen_at = self.at(applied + 2, 9)
                when = self.slot_words(chosen)
                talk.append(
                    (
                        applied + 2,
                        ThreadSide.PARTICIPANT,
                        replies["interview_chosen"].format(date=when),
                    )
                )
                talk.append(
                    (
                        applied + 2,
                        ThreadSide.ORGANISATION,
                        replies["interview_confirmed"].format(
                            date=when,
                            place="オンライン（Zoom）"
                            if chosen.is_online
                            else slot_place,
                        ),
                    )
                )
        elif state != ApplicationState.APPLIED and interview:
            # Decided after an interview that already took place.
            talk.append(
                (applied + 1, ThreadSide.ORGANISATION, replies["interview_offered"])
            )
            slots = self.slots(application, slot_place, ahead=False, day=applied + 3)
            slots[0].chosen_at = self.at(applied + 2, 9)
            slots[0].reminder_sent_at = self.at(applied + 2, 18)
        elif state == ApplicationState.APPLIED and text and self.rng.random() < 0.5:
            talk.append(
                (
                    applied + 1,
                    ThreadSide.ORGANISATION,
                    replies["received"].format(
                        organisation=info.org.organisation.name,
                        staff=info.org.owner_name,
                    ),
                )
            )

        decided_states = {
            ApplicationState.ACCEPTED,
            ApplicationState.DECLINED,
            ApplicationState.WAITLISTED,
            ApplicationState.ATTENDED,
            ApplicationState.NO_SHOW,
        }
        if state in decided_states:
            application.decided_at = self.at(decided, 17)
            application.decided_by_id = decider.id
        if state in {
            ApplicationState.ACCEPTED,
            ApplicationState.ATTENDED,
            ApplicationState.NO_SHOW,
        }:
            info.taken += 1
            talk.append(
                (
                    decided,
                    ThreadSide.ORGANISATION,
                    replies["accepted"].format(
                        time=self.first_meeting_words(info, decided),
                        venue=info.activity.venue_name or "オンライン",
                    ),
                )
            )
            if self.rng.random() < 0.6:
                talk.append(
                    (decided, ThreadSide.PARTICIPANT, replies["accepted_thanks"])
                )
        elif state == ApplicationState.DECLINED:
            note = self.rng.choice(self.people["decline_notes"])
            application.decision_note = f"{note}。"
            talk.append(
                (
                    decided,
                    ThreadSide.ORGANISATION,
                    replies["declined"].format(note=note),
                )
            )
        elif state == ApplicationState.WAITLISTED:
            talk.append((decided, ThreadSide.ORGANISATION, replies["waitlisted"]))
        elif state == ApplicationState.CANCELLED:
            application.cancelled_at = self.at(applied + 2, 20)
            talk.append((applied + 2, ThreadSide.PARTICIPANT, replies["cancelled"]))
            talk.append((applied + 3, ThreadSide.ORGANISATION, replies["cancel_ack"]))

        if attended is not None:
            if state == ApplicationState.ATTENDED:
                application.attended_at = self.when(self.day(attended), info.start)
                self.follow_up(application, attended)
                if self.rng.random() < 0.5 and attended + 1 <= -1:
                    talk.append(
                        (attended + 1, ThreadSide.ORGANISATION, replies["attended"])
                    )
                    talk.append(
                        (
                            attended + 1,
                            ThreadSide.PARTICIPANT,
                            replies["attended_reply"],
                        )
                    )
            elif attended + 1 <= -1:
                talk.append((attended + 1, ThreadSide.ORGANISATION, replies["no_show"]))

        application.updated_at = max(
            stamp
            for stamp in (
                application.created_at,
                application.decided_at,
                application.cancelled_at,
                application.attended_at,
            )
            if stamp is not None
        )
        db.session.add(application)
        self.applications.append((application, info, person))
        self.counts["applications"] += 1
        if talk:
            self.threads.append((application, info, person, talk))
        return application

    def slots(self, application, place, *, ahead, day=None) -> list[InterviewSlot]:
        """Interview times offered to an applicant, ahead of today or on ``day``."""
        online = self.rng.random() < 0.2
        days = sorted(self.rng.sample(range(2, 11), 3)) if ahead else [day, day + 1]
        slots = []
        for offset in days:
            hour = self.rng.choice([10, 14, 15])
            # Interviews are held on weekdays, when the office is open.
            offset += {5: -1, 6: 1}.get(self.day(offset).weekday(), 0)
            slot = InterviewSlot(
                starts_at=self.at(offset, hour),
                ends_at=self.at(offset, hour, 30),
                place=None if online else place,
                is_online=online,
            )
            application.interview_slots.append(slot)
            slots.append(slot)
        self.counts["interview slots"] += len(slots)
        return slots

    def slot_words(self, slot: InterviewSlot) -> str:
        local = slot.starts_at.astimezone(TOKYO)
        return f"{self.jp_date(local.date())}{local.hour}時"

    def meetings(self, activity: Activity, until: date) -> list[date]:
        """Days the activity met or meets, from its start through ``until``."""
        if activity.schedule_kind != ScheduleKind.RECURRING:
            return [
                session.starts_at.astimezone(TOKYO).date()
                for session in activity.sessions
                if session.starts_at.astimezone(TOKYO).date() <= until
            ]
        start = datetime.combine(activity.recurrence_starts_on, time())
        end = datetime.combine(min(until, activity.recurrence_ends_on or until), time())
        rule = rrulestr(activity.recurrence_rule, dtstart=start)
        return [moment.date() for moment in rule.between(start, end, inc=True)]

    def attendance_day(self, info: ActInfo, decided: int) -> int | None:
        """The first meeting after the decision, if one took place before today."""
        for day in self.meetings(info.activity, self.day(-1)):
            if self.offset(day) > decided:
                return self.offset(day)
        return None

    def first_meeting_words(self, info: ActInfo, decided: int) -> str:
        clock = f"{info.start.hour}時" + (
            f"{info.start.minute}分" if info.start.minute else ""
        )
        horizon = self.day(max(decided, 0) + 120)
        for day in self.meetings(info.activity, horizon):
            if self.offset(day) > decided:
                return f"{self.jp_date(day)}の{clock}"
        return f"次の活動日の{clock}"

    def follow_up(self, application: Application, attended: int) -> None:
        if attended + 3 > -1 or self.rng.random() < 0.3:
            return
        follow_up = FollowUp(sent_at=self.at(attended + 3, 10))
        if attended + 4 <= -1 and self.rng.random() < 0.7:
            follow_up.answered_at = self.at(attended + 4, 20)
            follow_up.satisfaction = self.rng.choice([3, 4, 4, 5, 5, 5])
            follow_up.will_continue = self.rng.random() < 0.8
            if self.rng.random() < 0.6:
                follow_up.comment = self.rng.choice(self.people["follow_up_comments"])
        application.follow_up = follow_up
        self.counts["follow-ups"] += 1

    # -- Message threads -------------------------------------------------------

    def create_threads(self) -> None:
        for application, info, person, talk in self.threads:
            talk = sorted(
                ((min(day, -1), side, body) for day, side, body in talk),
                key=lambda item: item[0],
            )
            thread = MessageThread(
                subject=f"「{info.activity.title}」について",
                participant=person.participant,
                organisation=info.org.organisation,
                activity_id=info.activity.id,
                application_id=application.id,
            )
            # Messages follow the moments they belong to: the application, the
            # decision, the cancellation; other days start in the morning.
            starts = {}
            for stamp in (
                application.cancelled_at,
                application.decided_at,
                application.created_at,
            ):
                if stamp is not None:
                    local = stamp.astimezone(TOKYO)
                    starts[self.offset(local.date())] = local.hour
            per_day: Counter[int] = Counter()
            for day, side, body in talk:
                hour = min(starts.get(day, 9) + per_day[day], 22)
                per_day[day] += 1
                sender = info.org.owner
                if side == ThreadSide.PARTICIPANT:
                    # Only the resident registered at the counter has no
                    # account; the coordinator writes for them.
                    sender = person.account or self.coordinator
                thread.messages.append(
                    Message(
                        side=side,
                        sender_id=sender.id,
                        body=body,
                        created_at=self.at(day, hour, self.rng.randint(0, 59)),
                    )
                )
            thread.created_at = thread.messages[0].created_at
            thread.last_message_at = thread.messages[-1].created_at
            if self.rng.random() < 0.75:
                thread.participant_read_at = thread.last_message_at
            if self.rng.random() < 0.8:
                thread.organisation_read_at = thread.last_message_at
            db.session.add(thread)
            self.counts["message threads"] += 1
            self.counts["messages"] += len(thread.messages)
        self.welcome_thread()

    def welcome_thread(self) -> None:
        """A message from the ward office to the participant sign-in."""
        setagaya = self.areas["世田谷区"]
        subject, welcome, answer = self.people["platform_welcome"]
        lead = setagaya.staff[0]
        thread = MessageThread(subject=subject, participant=self.main.participant)
        body = welcome.format(
            municipality=setagaya.name,
            department=setagaya.department,
            staff=self.people["fixed"]["setagaya_staff"],
            office="区役所",
        )
        created = self.main.participant.created_at + timedelta(days=1)
        thread.messages = [
            Message(
                side=ThreadSide.PLATFORM,
                sender_id=lead.id,
                body=body,
                created_at=created,
            ),
            Message(
                side=ThreadSide.PARTICIPANT,
                sender_id=self.main.account.id,
                body=answer,
                created_at=created + timedelta(hours=5),
            ),
        ]
        thread.created_at = created
        thread.last_message_at = created + timedelta(hours=5)
        thread.participant_read_at = thread.last_message_at
        db.session.add(thread)
        self.counts["message threads"] += 1
        self.counts["messages"] += 2

    # -- Favourites ------------------------------------------------------------

    def create_favourites(self) -> None:
        listed = [
            info.activity
            for info in self.activities
            if info.activity.review_state == ReviewState.PUBLISHED
            and info.timing != "past"
        ]
        for person in self.persons:
            if person.account is None:
                continue
            count = 4 if person is self.main else self.rng.choice([0, 0, 1, 2, 3, 5])
            for activity in self.rng.sample(listed, count):
                db.session.add(
                    Favourite(
                        participant_id=person.participant.id,
                        activity=activity,
                        created_at=self.at(-self.rng.randint(1, 30), 21),
                    )
                )
                self.counts["favourites"] += 1

    # -- Stories and introductions ------------------------------------------

    def create_posts(self) -> None:
        posts = _read("demo_posts.toml")
        self.create_stories(posts["stories"])
        self.create_introductions(posts["introductions"])

    @staticmethod
    def fits(text: dict, info: ActInfo, person: Person | None = None) -> bool:
        """Whether a text was written about this kind of activity and writer."""
        if info.template["title"] not in text["templates"]:
            return False
        writer = text.get("writer")
        return writer is None or person is None or (writer == "female") == person.female

    def match_texts(
        self, texts, candidates, used, *, taken, key, fits=None, limit=None
    ):
        """Pair texts with candidates: specific texts first, then general ones.

        ``key`` names what may be used only once (a writer, an organisation);
        ``taken`` holds the keys already used; at most ``limit`` pairs are made.
        """
        fits = fits or (lambda text, item: self.fits(text, item[1]))
        pairs = []
        for specific in (True, False):
            for number, text in enumerate(texts):
                if number in used or bool(text.get("templates")) != specific:
                    continue
                for item in candidates:
                    if key(item) in taken or (specific and not fits(text, item)):
                        continue
                    used.add(number)
                    taken.add(key(item))
                    pairs.append((item, text))
                    if len(pairs) == limit:
                        return pairs
                    break
        return pairs

    def create_stories(self, texts: list[dict]) -> None:
        attended = [
            (application, info, person)
            for application, info, person in self.applications
            if application.state == ApplicationState.ATTENDED
            and person.account is not None
        ]
        used: set[int] = set()
        mine = [item for item in attended if item[2] is self.main]
        others = [item for item in attended if item[2] is not self.main]
        self.rng.shuffle(others)

        def fits(text, item):
            return self.fits(text, item[1], item[2])

        # The participant sign-in has one published story and one draft.
        plan = []
        for item, state in zip(
            mine, [ReviewState.PUBLISHED, ReviewState.DRAFT], strict=False
        ):
            pair = self.match_texts(
                texts, [item], used, taken=set(), key=id, fits=fits, limit=1
            )
            plan += [(*pair[0], state)] if pair else []
        pairs = self.match_texts(
            texts, others, used, taken=set(), key=lambda item: id(item[2]), fits=fits
        )
        plan += [
            (*pair, state) for pair, state in zip(pairs, POST_STATES, strict=False)
        ]

        for (application, info, person), text, state in plan:
            decade = person.age // 10 * 10
            story = Story(
                participant=person.participant,
                activity=info.activity,
                municipality=info.activity.municipality,
                title=text["title"],
                body=text["body"],
                pen_name=f"{decade}代・{'女性' if person.female else '男性'}",
            )
            attended_day = self.offset(application.attended_at.astimezone(TOKYO).date())
            created_day = min(attended_day + self.rng.randint(2, 10), -2)
            story.created_at = self.at(created_day, 20)
            if state == ReviewState.REJECTED:
                story.rejection_reason = self.people["story_rejection"]
            self.review(story, state, info.org.area, created_day)
            db.session.add(story)
            self.counts["stories"] += 1

    def create_introductions(self, texts: list[dict]) -> None:
        published = [
            info
            for info in self.activities
            if info.activity.review_state == ReviewState.PUBLISHED
        ]
        main = [
            info for info in published if info.org.spec["slug"] == MAIN_ORGANISATION
        ]
        others = [info for info in published if info not in main]
        self.rng.shuffle(others)
        used: set[int] = set()

        # The organisation sign-in has one published introduction and one
        # waiting for approval.
        plan = []
        for state in (ReviewState.PUBLISHED, ReviewState.PENDING):
            pair = self.match_texts(
                texts,
                [(None, info) for info in main],
                used,
                taken=set(),
                key=lambda item: id(item[1]),
                limit=1,
            )
            plan += [(pair[0][0][1], pair[0][1], state)] if pair else []
        pairs = self.match_texts(
            texts,
            [(None, info) for info in others],
            used,
            taken={id(main[0].org)},
            key=lambda item: id(item[1].org),
        )
        plan += [
            (item[1], text, state)
            for (item, text), state in zip(pairs, POST_STATES, strict=False)
        ]

        for info, text, state in plan:
            org = info.org
            introduction = Introduction(
                organisation=org.organisation,
                activity=info.activity,
                municipality=org.organisation.municipality,
                title=text["title"],
                body=text["body"],
                created_by_id=org.owner.id,
            )
            created_day = -self.rng.randint(3, 60)
            introduction.created_at = self.at(created_day, 16)
            if state == ReviewState.REJECTED:
                introduction.rejection_reason = self.people["introduction_rejection"]
            self.review(introduction, state, org.area, created_day)
            db.session.add(introduction)
            self.counts["introductions"] += 1

    # -- Content, inquiries and partner sources -----------------------------

    def create_content(self) -> None:
        content = _read("demo_content.toml")
        self.content = content
        taken = set(db.session.scalars(db.select(ContentPage.slug)))
        for page in content["pages"]:
            if page["slug"] in taken:
                continue
            days = page.get("days", -100)
            scheduled = days > 0
            created_day = min(days, 0) - 2
            db.session.add(
                ContentPage(
                    kind=ContentKind(page["kind"]),
                    slug=page["slug"],
                    title=page["title"],
                    body=page["body"],
                    status=ContentStatus.SCHEDULED
                    if scheduled
                    else ContentStatus.PUBLISHED,
                    publish_at=self.at(days, 9),
                    is_featured=page.get("featured", False),
                    sort_order=page.get("order", 0),
                    created_by_id=self.tokyo.id,
                    created_at=self.at(created_day, 15),
                    updated_at=self.at(created_day, 15),
                )
            )
            self.counts["content pages"] += 1

    def create_inquiries(self) -> None:
        for spec in self.content["inquiries"]:
            area = self.areas.get(spec.get("area", ""))
            status = InquiryStatus(spec["status"])
            inquiry = Inquiry(
                name=spec["name"],
                email=spec["email"],
                municipality=area.municipality if area else None,
                topic=spec["topic"],
                subject=spec["subject"],
                body=spec["body"],
                status=status,
                created_at=self.at(spec["days"], 13),
            )
            handler = area.staff[0] if area else self.tokyo
            if status != InquiryStatus.NEW:
                inquiry.assigned_to_id = handler.id
            if spec.get("reply"):
                replied = self.at(min(spec["days"] + 1, -1), 11)
                inquiry.replies.append(
                    InquiryReply(
                        staff_account_id=handler.id,
                        body=spec["reply"],
                        created_at=replied,
                        sent_at=replied,
                    )
                )
            db.session.add(inquiry)
            self.counts["inquiries"] += 1

    def create_sources(self) -> None:
        for spec in self.content["sources"]:
            area = self.areas[spec["area"]]
            kind = SourceKind(spec["kind"])
            source = Source(
                name=spec["name"],
                url=spec["url"],
                kind=kind,
                municipality=area.municipality,
                default_organisation_id=self.orgs_by_slug[
                    spec["organisation"]
                ].organisation.id,
                category_mapping={
                    "高齢者": "welfare",
                    "子ども": "children",
                    "環境": "environment",
                    "イベント": "events",
                },
                exclusion_patterns=["^【PR】", "^広告"],
                # Paused until someone tests it: the addresses are examples.
                is_active=False,
                health=SourceHealth.UNKNOWN,
                created_at=self.at(-14, 10),
            )
            if kind == SourceKind.HTML_LIST:
                source.selectors = {
                    "item": "ul.volunteer-list > li",
                    "title": "h3 a",
                    "link": "h3 a",
                    "published": ".posted",
                    "summary": ".summary",
                }
            db.session.add(source)
            self.counts["sources"] += 1
        # One source the demonstration can really read: a feed the site serves
        # itself, so `flask --app wsgi ingest run` fills 世田谷区's queue.
        base_url = current_app.config["BASE_URL"]
        db.session.add(
            Source(
                name="せたがや地域ボランティア情報（デモ、このサイトが配信）",
                url=f"{base_url}/static/demo/partner-feed.xml",
                kind=SourceKind.FEED,
                municipality=self.areas["世田谷区"].municipality,
                exclusion_patterns=["^【PR】"],
                fetch_interval_minutes=60,
                is_active=True,
                health=SourceHealth.UNKNOWN,
                created_at=self.at(-1, 9),
            )
        )
        self.counts["sources"] += 1

    # -- Audit log -------------------------------------------------------------

    def create_audit_entries(self) -> None:
        for action, target, area, actor, at, detail, on_behalf in self.audit:
            db.session.add(
                AuditEntry(
                    at=at,
                    actor_id=actor.id,
                    on_behalf_of_participant_id=on_behalf.id if on_behalf else None,
                    action=action,
                    object_type=target.__tablename__,
                    object_id=target.id,
                    municipality_id=area.municipality.id,
                    detail=detail,
                )
            )
            self.counts["audit entries"] += 1


def office_name(org: OrgInfo) -> str:
    """The organisation's own premises: a centre, or an office."""
    name = org.organisation.name
    return name if org.spec["kind"] == "社会福祉協議会" else f"{name} 事務所"
