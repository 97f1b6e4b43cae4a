"""Storing what a partner site published: drafts, revisions, and source health."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Activity,
    ActivitySession,
    AuditEntry,
    CrawledItem,
    Revision,
    Source,
)
from app.models.types import (
    ReviewState,
    RevisionState,
    ScheduleKind,
    SourceHealth,
    SourceKind,
)
from app.workers.ingest.dates import TOKYO, ParsedDate, Recurrence
from app.workers.ingest.decoding import decode
from app.workers.ingest.extract import extract
from app.workers.ingest.items import (
    ExcludedItem,
    ExtractedItem,
    Extraction,
    Rules,
    failure,
)
from app.workers.ingest.store import PAUSE_AFTER_FAILURES, store
from tests.support.factories import find_municipality, make_organisation

FIXTURES = Path(__file__).parent / "fixtures" / "partner_sites"


@pytest.fixture
def organisation(app):
    return make_organisation(municipality="三鷹市")


@pytest.fixture
def source(app, organisation):
    record = Source(
        name="三鷹市社協ボランティアセンター",
        url="https://center.example.jp/feed.xml",
        kind=SourceKind.FEED,
        municipality=find_municipality("三鷹市"),
        default_organisation_id=organisation.id,
    )
    db.session.add(record)
    db.session.flush()
    return record


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def make_item(source_id: str = "0456", **fields) -> ExtractedItem:
    fields.setdefault("title", "公園清掃ボランティア募集")
    fields.setdefault("link", f"https://center.example.jp/volunteer/{source_id}.html")
    fields.setdefault("description", "<p>軍手をお持ちください。</p>")
    fields.setdefault("text", "公園清掃ボランティア募集 12月13日 9時〜12時")
    fields.setdefault("venue", "井の頭公園")
    fields.setdefault("capacity", 20)
    fields.setdefault("fee", 0)
    fields.setdefault(
        "sessions",
        [
            ParsedDate(
                "12月13日 9時〜12時", tokyo(2026, 12, 13, 9), tokyo(2026, 12, 13, 12)
            )
        ],
    )
    return ExtractedItem(source_id=source_id, **fields)


def crawled(source, external_id: str = "0456") -> CrawledItem:
    return db.session.scalar(
        sa.select(CrawledItem).filter_by(source_id=source.id, external_id=external_id)
    )


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def row_counts() -> dict[str, int]:
    models = (CrawledItem, Activity, ActivitySession, Revision, AuditEntry)
    return {model.__name__: count(model) for model in models}


def publish(activity: Activity) -> None:
    now = datetime.now(UTC)
    activity.review_state = ReviewState.PUBLISHED
    activity.reviewed_at = activity.published_at = now
    db.session.commit()


def test_a_new_item_becomes_a_pending_draft_in_the_sources_municipality(
    source, organisation
):
    item = make_item(
        address="三鷹市井の頭1-1", deadline=ParsedDate("12/10", date(2026, 12, 10))
    )
    item.doubt("fee", "not a plain amount: '実費'")

    result = store(source, Extraction([item]))

    assert (result.seen, result.new, result.failed) == (1, 1, 0)
    row = crawled(source)
    activity = row.activity
    assert activity.review_state == ReviewState.PENDING
    assert activity.submitted_at is not None
    assert activity.municipality.name == "三鷹市"
    assert activity.organisation == organisation
    assert activity.title == "公園清掃ボランティア募集"
    assert activity.venue_name == "井の頭公園"
    assert activity.address == "三鷹市井の頭1-1"
    assert (activity.capacity, activity.cost_yen) == (20, 0)
    assert activity.application_deadline == date(2026, 12, 10)
    assert activity.external_url == "https://center.example.jp/volunteer/0456.html"
    assert activity.schedule_kind == ScheduleKind.SINGLE
    [session] = activity.sessions
    assert session.starts_at == datetime(2026, 12, 13, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 12, 13, 3, tzinfo=UTC)
    assert not session.all_day
    assert row.raw_text == item.text
    assert row.fetched_at is not None
    assert row.extracted["low_confidence"] == {"cost_yen": "not a plain amount: '実費'"}
    assert (
        db.session.scalar(
            sa.select(AuditEntry).filter_by(
                action="activity.imported", object_id=activity.id, actor_id=None
            )
        ).detail["source_id"]
        == source.id
    )


def test_a_date_without_a_time_becomes_an_all_day_session_at_tokyo_midnight(source):
    item = make_item(
        sessions=[ParsedDate("12月13日", date(2026, 12, 13), all_day=True)]
    )

    store(source, Extraction([item]))

    [session] = crawled(source).activity.sessions
    assert session.all_day
    assert session.starts_at == datetime(2026, 12, 12, 15, tzinfo=UTC)
    assert session.ends_at is None


def test_a_recurring_item_becomes_a_draft_with_a_recurring_rule(source):
    item = make_item(
        sessions=[],
        recurrence=Recurrence(
            "毎週水曜 15:00〜18:00", "FREQ=WEEKLY;BYDAY=WE", time(15), time(18)
        ),
    )
    item.doubt("recurrence", "recurring schedule: staff confirm the rule")

    store(source, Extraction([item]))

    row = crawled(source)
    activity = row.activity
    assert activity.schedule_kind == ScheduleKind.RECURRING
    assert activity.recurrence_rule == "FREQ=WEEKLY;BYDAY=WE"
    assert (activity.recurrence_start_time, activity.recurrence_end_time) == (
        time(15),
        time(18),
    )
    assert activity.sessions == []
    assert "recurrence_rule" in row.extracted["low_confidence"]


def test_an_excluded_item_is_recorded_without_an_activity(source):
    advert = make_item("ad-1", title="【PR】シニア向けスマホ教室")

    result = store(source, Extraction([], [ExcludedItem(advert, "^【PR】")]))

    assert (result.excluded, result.new) == (1, 0)
    row = crawled(source, "ad-1")
    assert row.excluded
    assert row.activity_id is None
    assert row.extracted["excluded_by"] == "^【PR】"
    assert not db.session.scalar(sa.select(Activity).filter_by(title=advert.title))


def test_a_partner_feed_becomes_drafts_in_utc_and_its_advert_is_excluded(source):
    entry = next(
        e
        for e in json.loads((FIXTURES / "manifest.json").read_text("utf-8"))
        if e["file"] == "atom_blog_no_offset.xml"
    )
    text = decode(
        (FIXTURES / entry["file"]).read_bytes(), entry["serve"]["content_type"]
    ).text
    extraction = extract(
        "feed",
        text,
        "https://club.example.org/atom_blog_no_offset.xml",
        Rules(exclude_titles=("^【PR】",)),
        reference=date(2026, 12, 1),
    )

    result = store(source, extraction)

    [expected] = entry["expect"]["items"]
    assert (result.new, result.excluded) == (1, 1)
    row = crawled(source, expected["source_id"])
    assert row.activity.title == expected["title"]
    assert row.activity.external_url == expected["link"]
    [session] = row.activity.sessions
    assert session.starts_at == datetime.fromisoformat(expected["starts_at"])
    assert session.starts_at.utcoffset().total_seconds() == 0
    advert = db.session.scalar(
        sa.select(CrawledItem).filter_by(source_id=source.id, excluded=True)
    )
    assert advert.title == entry["expect"]["excluded_by_rule"][0]
    assert advert.activity_id is None


def test_storing_the_same_extraction_twice_changes_nothing(source):
    extraction = Extraction(
        [make_item("1"), make_item("2", title="子ども食堂スタッフ募集")],
        [ExcludedItem(make_item("ad", title="【PR】広告"), "^【PR】")],
    )
    store(source, extraction)
    before = row_counts()

    result = store(source, extraction)

    assert row_counts() == before
    assert (result.seen, result.unchanged, result.excluded) == (3, 2, 1)
    assert (result.new, result.updated, result.gone, result.failed) == (0, 0, 0, 0)


def test_a_changed_item_updates_its_pending_draft(source):
    store(source, Extraction([make_item()]))
    activity = crawled(source).activity

    result = store(source, Extraction([make_item(capacity=30, fee=500)]))

    assert result.updated == 1
    assert (activity.capacity, activity.cost_yen) == (30, 500)
    assert activity.review_state == ReviewState.PENDING
    assert count(Revision) == 0
    assert crawled(source).extracted["capacity"] == 30


def test_a_changed_published_item_is_one_pending_revision_of_only_the_changed_fields(
    source,
):
    store(source, Extraction([make_item()]))
    activity = crawled(source).activity
    publish(activity)
    moved = ParsedDate(
        "12月20日 9時〜12時", tokyo(2026, 12, 20, 9), tokyo(2026, 12, 20, 12)
    )
    changed = Extraction([make_item(capacity=30, sessions=[moved])])

    result = store(source, changed)
    store(source, changed)

    assert result.updated == 1
    [revision] = db.session.scalars(sa.select(Revision)).all()
    assert revision.state == RevisionState.PENDING
    assert (revision.target_type, revision.target_id) == ("activity", activity.id)
    assert revision.municipality_id == source.municipality_id
    assert revision.changes == {
        "capacity": 30,
        "sessions": [
            {
                "starts_at": "2026-12-20T00:00:00+00:00",
                "ends_at": "2026-12-20T03:00:00+00:00",
                "all_day": False,
            }
        ],
    }
    db.session.refresh(activity)
    assert activity.capacity == 20
    assert activity.sessions[0].starts_at == datetime(2026, 12, 13, 0, tzinfo=UTC)
    assert crawled(source).changes["capacity"] == {"from": 20, "to": 30}
    assert (
        db.session.scalar(
            sa.select(AuditEntry).filter_by(
                action="activity.revision_imported", object_id=revision.id
            )
        ).detail["source_id"]
        == source.id
    )


def test_a_second_change_before_review_supersedes_the_first_revision(source):
    store(source, Extraction([make_item()]))
    publish(crawled(source).activity)
    store(source, Extraction([make_item(capacity=30)]))

    store(source, Extraction([make_item(capacity=30, fee=500)]))

    revisions = db.session.scalars(sa.select(Revision).order_by(Revision.id)).all()
    assert [r.state for r in revisions] == [
        RevisionState.SUPERSEDED,
        RevisionState.PENDING,
    ]
    assert revisions[1].changes == {"capacity": 30, "cost_yen": 500}


def test_a_vanished_item_is_flagged_and_clears_when_it_comes_back(source):
    store(source, Extraction([make_item("1"), make_item("2")]))

    result = store(source, Extraction([make_item("1")]))

    assert result.gone == 1
    gone = crawled(source, "2")
    assert gone.gone_at is not None
    assert gone.activity is not None
    assert crawled(source, "1").gone_at is None

    result = store(source, Extraction([make_item("1"), make_item("2")]))

    assert (result.gone, result.unchanged) == (0, 2)
    assert crawled(source, "2").gone_at is None


def test_a_duplicate_id_keeps_both_items_and_flags_them(source):
    first = make_item("same", title="最初の募集")
    second = replace(first, title="二つ目の募集")
    extraction = Extraction([first, second])

    result = store(source, extraction)

    assert (result.seen, result.new, result.failed) == (2, 2, 0)
    assert any("'same'" in warning for warning in result.warnings)
    kept = crawled(source, "same")
    repeat = crawled(source, "same#2")
    assert kept.title == "最初の募集"
    assert repeat.title == "二つ目の募集"
    assert "duplicate_of" not in kept.extracted
    assert repeat.extracted["duplicate_of"] == "same"
    assert "external_id" in kept.extracted["low_confidence"]
    assert "'same#2'" in repeat.extracted["low_confidence"]["external_id"]
    assert kept.activity.review_state == ReviewState.PENDING
    assert repeat.activity.review_state == ReviewState.PENDING
    assert kept.activity_id != repeat.activity_id

    before = row_counts()
    again = store(source, extraction)

    assert row_counts() == before
    assert (again.unchanged, again.new, again.updated, again.gone) == (2, 0, 0, 0)


def test_three_copies_of_an_id_are_numbered_in_document_order(source):
    titles = ["一つ目の募集", "二つ目の募集", "三つ目の募集"]
    extraction = Extraction([make_item("same", title=title) for title in titles])

    result = store(source, extraction)

    assert (result.seen, result.new) == (3, 3)
    assert [crawled(source, id).title for id in ("same", "same#2", "same#3")] == titles
    assert [
        crawled(source, id).extracted.get("duplicate_of")
        for id in ("same", "same#2", "same#3")
    ] == [None, "same", "same"]
    assert count(Activity) == 3

    before = row_counts()
    again = store(source, extraction)

    assert row_counts() == before
    assert (again.unchanged, again.new, again.gone) == (3, 0, 0)


def categories_of(activity: Activity) -> list[str]:
    return sorted(category.code for category in activity.categories)


def test_the_sources_category_mapping_gives_new_drafts_their_categories(source):
    source.category_mapping = {
        "高齢者": "welfare",
        "子ども": "children",
        "清掃": "environment",
    }
    items = [
        make_item("title", title="子ども食堂スタッフ募集"),
        make_item("description", description="<p>高齢者の見守り</p>"),
        make_item("details", details={"分野": "子ども・高齢者"}),
        make_item("none", title="図書館の本の修理", description=""),
    ]

    result = store(source, Extraction(items))

    assert result.new == 4
    assert categories_of(crawled(source, "title").activity) == ["children"]
    assert categories_of(crawled(source, "description").activity) == [
        "environment",
        "welfare",
    ]
    assert crawled(source, "details").extracted["categories"] == [
        "welfare",
        "children",
        "environment",
    ]
    assert crawled(source, "none").activity.categories == []


def test_category_mapping_keeps_at_most_three_and_ignores_unknown_codes(source):
    source.category_mapping = {
        "募集": "no-such-category",
        "高齢者": "welfare",
        "子ども": "children",
        "公園": "environment",
        "清掃": "community",
    }
    item = make_item(
        title="公園清掃ボランティア募集", details={"対象": "高齢者・子ども"}
    )

    result = store(source, Extraction([item]))

    row = crawled(source)
    assert row.extracted["categories"] == ["welfare", "children", "environment"]
    assert categories_of(row.activity) == ["children", "environment", "welfare"]
    assert "community" in row.extracted["low_confidence"]["categories"]
    assert [w for w in result.warnings if "no-such-category" in w] == [
        "category mapping '募集' names an unknown category 'no-such-category'; ignored"
    ]

    again = store(source, Extraction([item]))

    assert again.unchanged == 1


def test_changed_categories_of_a_published_activity_are_a_revision_of_codes(source):
    source.category_mapping = {"高齢者": "welfare", "子ども": "children"}
    store(source, Extraction([make_item(details={"対象": "高齢者"})]))
    activity = crawled(source).activity
    publish(activity)

    result = store(source, Extraction([make_item(details={"対象": "子ども・高齢者"})]))

    assert result.updated == 1
    [revision] = db.session.scalars(sa.select(Revision)).all()
    assert revision.changes == {"categories": ["welfare", "children"]}
    db.session.refresh(activity)
    assert categories_of(activity) == ["welfare"]
    assert crawled(source).changes == {
        "categories": {"from": ["welfare"], "to": ["welfare", "children"]}
    }


def test_a_bad_item_is_skipped_while_the_others_are_stored(source, caplog):
    backwards = ParsedDate(
        "12月13日 12時〜9時", tokyo(2026, 12, 13, 12), tokyo(2026, 12, 13, 9)
    )
    items = [make_item("1"), make_item("bad", sessions=[backwards]), make_item("3")]

    result = store(source, Extraction(items))

    assert (result.new, result.failed) == (2, 1)
    assert crawled(source, "bad") is None
    assert crawled(source, "1").activity is not None
    assert crawled(source, "3").activity is not None
    assert source.health == SourceHealth.OK
    assert "could not store item 'bad'" in caplog.text


def test_failures_count_up_and_pause_the_source_after_the_threshold(source):
    for attempt in range(1, PAUSE_AFTER_FAILURES):
        store(source, failure("HTTP 503"))
        assert source.consecutive_failures == attempt
        assert source.is_active

    store(source, failure("HTTP 503"))

    assert source.consecutive_failures == PAUSE_AFTER_FAILURES
    assert not source.is_active
    paused = db.session.scalar(
        sa.select(AuditEntry).filter_by(action="source.paused", object_id=source.id)
    )
    assert paused.actor_id is None
    assert paused.detail["source_id"] == source.id


def test_a_failed_extraction_marks_the_source_failing_with_its_reason(source):
    store(source, Extraction([make_item()]))

    result = store(source, failure("not a feed: an HTML challenge page"))

    assert result.failure == "not a feed: an HTML challenge page"
    assert source.health == SourceHealth.FAILING
    assert source.last_error == "not a feed: an HTML challenge page"
    # A failed fetch says nothing about the items: none is flagged gone.
    assert crawled(source).gone_at is None

    store(source, Extraction([make_item()]))

    assert source.health == SourceHealth.OK
    assert (source.consecutive_failures, source.last_error) == (0, None)
    assert source.last_success_at is not None


def test_the_municipality_staff_are_told_by_mail_when_a_source_is_paused(
    make_app, smtp_server
):
    from app.models.types import SourceHealth as Health
    from tests.support.factories import make_municipal_staff

    app = make_app(**smtp_server.settings)
    with app.app_context():
        staff = make_municipal_staff("三鷹市")
        elsewhere = make_municipal_staff("世田谷区")
        record = Source(
            name="三鷹市の連携フィード",
            url="https://center.example.jp/feed.xml",
            kind=SourceKind.FEED,
            municipality=find_municipality("三鷹市"),
            health=Health.UNKNOWN,
        )
        db.session.add(record)
        db.session.commit()
        for _ in range(PAUSE_AFTER_FAILURES):
            store(record, failure("HTTP 503"))

        recipients = [rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos]
        assert recipients == [staff.account.email]
        assert elsewhere.account.email not in recipients
        text = smtp_server.messages[0].message.get_body(("plain",)).get_content()
        assert "三鷹市の連携フィード" in text and "HTTP 503" in text


def test_control_characters_never_reach_a_draft(source):
    store(
        source, Extraction([make_item(title="NUL\x00入りの\x07募集", venue="会場\x00")])
    )

    activity = crawled(source).activity
    assert activity.title == "NUL入りの募集"
    assert activity.venue_name == "会場"


def test_an_item_without_a_title_is_skipped_with_a_warning(source):
    result = store(source, Extraction([make_item("a", title="  "), make_item("b")]))

    assert (result.new, result.failed) == (1, 1)
    assert any("no title" in warning for warning in result.warnings)
    assert crawled(source, "a") is None


def test_a_flood_of_items_is_capped_and_nothing_beyond_is_flagged_gone(
    source, monkeypatch
):
    from app.workers.ingest import store as store_module

    monkeypatch.setattr(store_module, "MAX_ITEMS_PER_RUN", 2)
    store(source, Extraction([make_item("a"), make_item("b")]))

    result = store(source, Extraction([make_item("a"), make_item("b"), make_item("c")]))

    assert result.new == 0 and result.gone == 0
    assert any("only the first 2" in warning for warning in result.warnings)
