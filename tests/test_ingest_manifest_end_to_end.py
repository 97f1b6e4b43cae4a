"""Every sample partner site, served over HTTP and ingested, as its manifest says.

Each entry of ``tests/fixtures/partner_sites/manifest.json`` is served by the
local HTTP server with the status, Content-Type and redirect the manifest
gives, read by a source of the matching kind in the manifest's municipality,
and the stored drafts are held against the entry's ``expect``.
"""

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.extensions import db
from app.models import Activity, CrawledItem, Municipality, Source
from app.models.types import ReviewState, ScheduleKind, SourceHealth, SourceKind
from app.workers.ingest import run as runs
from app.workers.ingest.dates import TOKYO
from app.workers.ingest.run import run_source
from tests.support import partner_sites
from tests.support.factories import make_organisation

# The kind of source a municipality would set up for each sample. The
# challenge page stands where a feed was expected, so its source is a feed.
KINDS = {
    "rss10_shiftjis_cp932.rdf": SourceKind.FEED,
    "atom_blog_no_offset.xml": SourceKind.FEED,
    "rss20_relative_entities.xml": SourceKind.FEED,
    "page_table_cp932.html": SourceKind.DETAILS_PAGE,
    "page_dl_recurring.html": SourceKind.DETAILS_PAGE,
    "page_jsonld_event.html": SourceKind.JSONLD_PAGE,
    "not_a_feed_challenge.html": SourceKind.FEED,
    "empty_body.xml": SourceKind.FEED,
    "opendata_event_list_cp932.csv": SourceKind.OPENDATA_CSV,
}

# The per-source exclusion rule the manifest describes: the blog's adverts
# are titled with the prefix 【PR】.
EXCLUSIONS = {"atom_blog_no_offset.xml": ["^【PR】"]}

# The manifest words recurring schedules for people; these are the rule and
# the Tokyo wall-clock times each wording stands for.
SCHEDULES = {
    "weekly on Wednesday 15:00-18:00 (recurring, needs review)": (
        "FREQ=WEEKLY;BYDAY=WE",
        time(15, 0),
        time(18, 0),
    ),
    "recurring: every Tuesday and Thursday 10:00-12:00": (
        "FREQ=WEEKLY;BYDAY=TU,TH",
        time(10, 0),
        time(12, 0),
    ),
}

# Expected values kept as they are on the activity, by manifest name.
PLAIN_FIELDS = {
    "venue": "venue_name",
    "station": "nearest_station",
    "walk_minutes": "walk_minutes",
    "capacity": "capacity",
    "cost": "cost_yen",
    "note": "schedule_note",
}


@pytest.fixture(autouse=True)
def _no_pacing(monkeypatch):
    # Every run asks the local server for robots.txt and then the file.
    monkeypatch.setattr(runs, "HOST_INTERVAL", 0)


def municipality(code: str) -> Municipality:
    return db.session.scalars(sa.select(Municipality).filter_by(code=code)).one()


def add_source(entry: dict, url: str) -> Source:
    place = municipality(entry["municipality"])
    source = Source(
        name="連携サイト",
        url=url,
        kind=KINDS[entry["file"]],
        municipality=place,
        default_organisation_id=make_organisation(municipality=place).id,
        exclusion_patterns=EXCLUSIONS.get(entry["file"], []),
    )
    db.session.add(source)
    db.session.commit()
    return source


def crawled_items(source: Source) -> list[CrawledItem]:
    return list(
        db.session.scalars(
            sa.select(CrawledItem)
            .where(CrawledItem.source_id == source.id)
            .order_by(CrawledItem.id)
        )
    )


def expected_items(expect: dict) -> list[dict]:
    """The items an entry expects; a single-activity page expects just one."""
    if "items" in expect:
        return expect["items"]
    return [expect] if "title" in expect else []


def expected_sessions(item: dict) -> list[tuple[datetime, datetime | None]]:
    """Expected sessions as UTC instants, as ActivitySession keeps them."""
    sessions = item.get("sessions")
    if sessions is None and "starts_at" in item:
        sessions = [item]
    return [
        (
            datetime.fromisoformat(session["starts_at"]).astimezone(UTC),
            datetime.fromisoformat(session["ends_at"]).astimezone(UTC)
            if session.get("ends_at")
            else None,
        )
        for session in sessions or []
    ]


def expected_deadline(value: str) -> date:
    # The activity keeps only the day of a deadline, in Tokyo.
    moment = datetime.fromisoformat(value)
    if len(value) == len("2027-01-08"):
        return moment.date()
    return moment.astimezone(TOKYO).date()


def same_published(stored: str | None, expected: str) -> bool:
    if stored is None:
        return False
    if len(expected) == len("2026-11-18"):
        # A date with no time must stay a date, not become midnight.
        return stored == expected
    return datetime.fromisoformat(stored) == datetime.fromisoformat(expected)


def check_link(stored: str | None, expected: str, sample: bytes, final_url: str):
    if expected.encode() in sample:
        # Written out in full in the sample, so kept exactly.
        assert stored == expected
    else:
        # Written as a relative link, which resolves against the address the
        # sample was finally fetched from. The manifest names the site's real
        # host; here that address is the local server, so the path must match
        # and the host must be the one actually fetched from.
        path = urlsplit(expected).path
        assert urlsplit(stored).path == path
        assert stored == urljoin(final_url, path)


def check_item(
    item: dict,
    crawled: CrawledItem,
    entry: dict,
    sample: bytes,
    final_url: str,
) -> None:
    title = item["title"]
    activity = crawled.activity
    assert activity is not None, f"no draft for {title!r}"
    assert not crawled.excluded
    assert activity.title == title
    assert activity.review_state == ReviewState.PENDING
    assert activity.municipality.code == entry["municipality"]

    if "link" in item:
        check_link(activity.external_url, item["link"], sample, final_url)
        assert crawled.url == activity.external_url
    if "source_id" in item:
        assert crawled.external_id == item["source_id"]
    if "published" in item:
        stored = crawled.extracted.get("published")
        assert same_published(stored, item["published"]), (stored, item["published"])

    sessions = expected_sessions(item)
    if sessions:
        assert [
            (session.starts_at, session.ends_at)
            for session in sorted(activity.sessions, key=lambda s: s.starts_at)
        ] == sessions
        # Kept in UTC, whatever offset the site wrote.
        assert all(
            session.starts_at.utcoffset() == timedelta(0)
            for session in activity.sessions
        )
        assert not any(session.all_day for session in activity.sessions)

    for name, field in PLAIN_FIELDS.items():
        if name in item:
            assert getattr(activity, field) == item[name], name
    if "deadline" in item:
        assert activity.application_deadline == expected_deadline(item["deadline"])

    if "schedule" in item:
        rule, starts, ends = SCHEDULES[item["schedule"]]
        assert activity.schedule_kind == ScheduleKind.RECURRING
        assert activity.recurrence_rule == rule
        assert (activity.recurrence_start_time, activity.recurrence_end_time) == (
            starts,
            ends,
        )
    if "needs review" in item.get("schedule", "") or "review" in item:
        # Staff confirm a rule read from prose before it is published.
        assert "recurrence_rule" in crawled.extracted["low_confidence"]

    description = BeautifulSoup(activity.description, "html.parser")
    if "description_links" in item:
        links = [
            tag.get("href") or tag.get("src")
            for tag in description.find_all(["a", "img"])
        ]
        assert links == item["description_links"]
    if item.get("description_has_script") is False:
        assert description.find("script") is None
        assert "alert(1)" not in activity.description
    if "description_text" in item:
        text = " ".join(description.get_text().split())
        assert text == item["description_text"]
    if "extra_text_contains" in item:
        assert item["extra_text_contains"] in activity.description


@pytest.mark.parametrize(
    "entry", partner_sites.manifest(), ids=lambda entry: entry["file"]
)
def test_each_partner_site_sample_is_stored_as_its_manifest_expects(
    entry, http_server, app
):
    url = partner_sites.serve(http_server, entry)
    source = add_source(entry, url)
    expect = entry["expect"]
    final_url = url
    if "location" in entry["serve"]:
        final_url = urljoin(url, entry["serve"]["location"])

    result = run_source(source.id)

    db.session.refresh(source)
    items = crawled_items(source)
    if expect.get("outcome") == "failed":
        # A failed fetch, never an empty feed: the reason is kept for the
        # source's health page and nothing is stored.
        assert result["outcome"] == "failed"
        assert result["reason"]
        assert source.health == SourceHealth.FAILING
        assert source.last_error == result["reason"]
        assert source.consecutive_failures == 1
        assert items == []
        drafts = sa.select(sa.func.count(Activity.id)).where(
            Activity.organisation_id == source.default_organisation_id
        )
        assert db.session.scalar(drafts) == 0
        return

    assert result["outcome"] == "stored", result["reason"]
    assert source.health == SourceHealth.OK
    assert source.last_error is None
    # A permanent redirect moves the source to the new address.
    assert source.url == final_url

    if "warnings" in expect:
        # Recovered from, so reported but not a failure.
        assert any(
            warning.startswith("recovered from malformed XML")
            for warning in result["warnings"]
        ), result["warnings"]

    sample = (partner_sites.FOLDER / entry["file"]).read_bytes()
    wanted = expected_items(expect)
    excluded_titles = expect.get("excluded_by_rule", [])
    assert sorted(crawled.title for crawled in items) == sorted(
        [item["title"] for item in wanted] + excluded_titles
    )
    by_title = {crawled.title: crawled for crawled in items}
    for item in wanted:
        check_item(item, by_title[item["title"]], entry, sample, final_url)
    for title in excluded_titles:
        crawled = by_title[title]
        assert crawled.excluded
        assert crawled.activity_id is None
    assert (result["new"], result["excluded"]) == (len(wanted), len(excluded_titles))
