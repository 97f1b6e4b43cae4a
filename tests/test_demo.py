"""The demonstration data behind ``flask seed demo`` and ``flask seed signins``."""

from collections import Counter
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app import demo
from app.extensions import db
from app.models import (
    Account,
    Activity,
    ActivityLoad,
    Application,
    LoadAttribute,
    Message,
    Municipality,
    Organisation,
    OrganisationMember,
    Participant,
    Revision,
    Staff,
    Story,
)
from app.models.types import (
    AccountStatus,
    ApplicationState,
    ReviewState,
    ScheduleKind,
    StaffLevel,
)

# A fixed day keeps runs that are compared with each other on the same dates,
# even when a test happens to run across midnight.
SOME_DAY = date(2027, 4, 12)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _account(email: str) -> Account:
    return db.session.scalars(sa.select(Account).where(Account.email == email)).one()


def _in_order(column) -> list:
    # Ids differ between runs, as sequences are not rolled back; their order
    # is the order of creation.
    return list(db.session.scalars(sa.select(column).order_by(column.class_.id)))


@pytest.fixture
def seeded(app):
    return demo.seed_demo()


def test_the_demo_has_the_promised_numbers_of_everything(seeded):
    assert _count(Organisation) >= 40
    assert _count(Activity) == 300
    assert _count(Participant) == 60

    with_organisations = set(
        db.session.scalars(
            sa.select(Municipality.name).join(
                Organisation, Organisation.municipality_id == Municipality.id
            )
        )
    )
    assert len(with_organisations) >= 10
    assert set(demo.PILOT_MUNICIPALITIES) <= with_organisations
    switched_off = db.session.scalars(
        sa.select(Municipality.name)
        .join(Activity, Activity.municipality_id == Municipality.id)
        .where(~Municipality.is_active)
    ).all()
    assert switched_off == []


def test_the_demo_shows_every_state_an_application_or_activity_can_be_in(seeded):
    application_states = set(db.session.scalars(sa.select(Application.state)))
    schedule_kinds = set(db.session.scalars(sa.select(Activity.schedule_kind)))
    review_states = set(db.session.scalars(sa.select(Activity.review_state)))
    organisation_states = set(db.session.scalars(sa.select(Organisation.review_state)))

    assert application_states == set(ApplicationState)
    assert schedule_kinds == set(ScheduleKind)
    assert review_states == set(ReviewState)
    assert {ReviewState.PUBLISHED, ReviewState.PENDING, ReviewState.REJECTED} <= (
        organisation_states
    )
    assert _count(Revision) >= 1
    story_states = set(db.session.scalars(sa.select(Story.review_state)))
    assert {ReviewState.PUBLISHED, ReviewState.PENDING} <= story_states


def test_every_activity_has_a_place_a_schedule_and_every_physical_load(seeded):
    attributes = _count(LoadAttribute)
    loads = Counter(db.session.scalars(sa.select(ActivityLoad.activity_id)))
    for activity in db.session.scalars(sa.select(Activity)):
        assert loads[activity.id] == attributes, activity.title
        assert activity.is_online or activity.nearest_station, activity.title
        if activity.schedule_kind == ScheduleKind.RECURRING:
            assert activity.recurrence_rule and activity.recurrence_starts_on
            assert activity.recurrence_start_time is not None
        else:
            assert activity.sessions, activity.title
        assert 1 <= len(activity.categories) <= 3


def test_the_printed_sign_ins_have_their_roles_and_the_demo_password(seeded):
    participant = _account(demo.PARTICIPANT_EMAIL)
    organisation = _account(demo.ORGANISATION_EMAIL)
    setagaya = _account(demo.SETAGAYA_EMAIL)
    tokyo = _account(demo.TOKYO_EMAIL)

    for account in (participant, organisation, setagaya, tokyo):
        assert account.status == AccountStatus.ACTIVE
        assert account.check_password(demo.PASSWORD)
    assert participant.participant is not None and not participant.is_staff
    assert participant.memberships == []
    (membership,) = organisation.memberships
    assert membership.organisation.review_state == ReviewState.PUBLISHED
    assert setagaya.staff.level != StaffLevel.TOKYO
    assert setagaya.staff.municipality.name == "世田谷区"
    assert tokyo.staff.level == StaffLevel.TOKYO


def test_the_demo_has_the_people_staff_deal_with(seeded):
    # Someone who takes part and also runs an organisation's activities.
    both = db.session.scalars(
        sa.select(Participant).join(
            OrganisationMember,
            OrganisationMember.account_id == Participant.account_id,
        )
    ).all()
    assert both
    # Someone registered at a counter, who has no e-mail address.
    registered = db.session.scalars(
        sa.select(Participant).where(Participant.account_id.is_(None))
    ).one()
    assert registered.registered_by_id is not None
    # Municipal staff in every pilot municipality, a lead and a member each.
    levels = Counter(
        db.session.execute(
            sa.select(Municipality.name, Staff.level).join(Staff.municipality)
        ).all()
    )
    for name in demo.PILOT_MUNICIPALITIES:
        assert levels[(name, StaffLevel.MUNICIPAL_LEAD)] >= 1
        assert levels[(name, StaffLevel.MUNICIPAL_MEMBER)] >= 1


def test_nothing_in_the_demo_happened_later_than_now(seeded):
    now = datetime.now(UTC)
    for column in (
        Application.created_at,
        Application.decided_at,
        Application.attended_at,
        Message.created_at,
        Activity.published_at,
        Activity.closed_at,
        Account.created_at,
    ):
        assert db.session.scalar(sa.select(sa.func.max(column))) <= now, column


def test_seeding_again_creates_nothing_and_says_so(seeded, caplog):
    before = {model: _count(model) for model in (Account, Activity, Application)}

    assert demo.seed_demo() is None

    assert {model: _count(model) for model in before} == before
    assert "already loaded" in caplog.text


def test_two_runs_on_fresh_databases_create_the_same_activities(app):
    # A savepoint of our own brings the database back to its fresh state
    # between the runs; the seeder's commit only ends its inner savepoint.
    connection = db.session.get_bind()
    db.session.close()
    fresh = connection.begin_nested()
    demo.seed_demo(today=SOME_DAY)
    first = _in_order(Activity.title)
    first_people = _in_order(Participant.name)
    db.session.close()
    fresh.rollback()
    assert _count(Activity) == 0

    demo.seed_demo(today=SOME_DAY)

    assert _in_order(Activity.title) == first
    assert _in_order(Participant.name) == first_people
    assert len(set(first)) > 250


def test_signins_says_so_when_the_demo_is_not_loaded(app):
    result = app.test_cli_runner().invoke(args=["seed", "signins"])

    assert result.exit_code == 1
    assert "seed demo" in result.output


def test_seed_demo_prints_where_to_sign_in_for_each_role(app):
    runner = app.test_cli_runner()

    loaded = runner.invoke(args=["seed", "demo", "--base-url", "http://demo.test"])
    again = runner.invoke(args=["seed", "signins", "--base-url", "http://demo.test/"])

    assert loaded.exit_code == 0, loaded.output
    assert "デモデータを読み込みました。" in loaded.output
    assert again.exit_code == 0
    for output in (loaded.output, again.output):
        for url in ("http://demo.test/\n", "/orgs/", "/admin/"):
            assert url in output
        for sign_in in demo.SIGN_INS:
            assert sign_in.email in output
            assert sign_in.label_ja in output and sign_in.label_en in output
        assert demo.PASSWORD in output
    assert "読み込み済み" in runner.invoke(args=["seed", "demo"]).output
