"""Running sources end to end: fetch, read, store, health, jobs and commands."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from rq import Queue, SimpleWorker

from app.extensions import db
from app.models import Activity, CrawledItem, Source
from app.models.types import ReviewState, SourceHealth, SourceKind
from app.workers.ingest import run as runs
from app.workers.ingest import store as storing
from app.workers.ingest.run import due_sources, enqueue_due, run_source
from app.workers.ingest.store import PAUSE_AFTER_FAILURES
from tests import test_ingest_lists
from tests.support import partner_sites
from tests.support.factories import find_municipality, make_organisation

ATOM = "atom_blog_no_offset.xml"
RSS10 = "rss10_shiftjis_cp932.rdf"
MOVED = "rss20_relative_entities.xml"
CHALLENGE = "not_a_feed_challenge.html"


@pytest.fixture(autouse=True)
def _no_pacing(monkeypatch):
    # Every run asks the local server for robots.txt and then the file.
    monkeypatch.setattr(runs, "HOST_INTERVAL", 0)


def entry(name: str) -> dict:
    return next(item for item in partner_sites.manifest() if item["file"] == name)


def serve(http_server, name: str) -> str:
    return partner_sites.serve(http_server, entry(name))


def add_source(url: str, municipality: str, **fields) -> Source:
    fields.setdefault("name", "連携サイト")
    fields.setdefault("kind", SourceKind.FEED)
    source = Source(
        url=url,
        municipality=find_municipality(municipality),
        default_organisation_id=make_organisation(municipality=municipality).id,
        **fields,
    )
    db.session.add(source)
    db.session.commit()
    return source


def drafts(source: Source) -> list[Activity]:
    return list(
        db.session.scalars(
            sa.select(Activity)
            .join(CrawledItem, CrawledItem.activity_id == Activity.id)
            .where(CrawledItem.source_id == source.id)
            .order_by(Activity.id)
        )
    )


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def fetched(http_server) -> list[str]:
    return [r.target for r in http_server.requests if r.target != "/robots.txt"]


# --- one source -------------------------------------------------------------


def test_a_feed_source_runs_into_pending_drafts_in_its_municipality(http_server, app):
    source = add_source(
        serve(http_server, ATOM), "世田谷区", exclusion_patterns=["^【PR】"]
    )

    result = run_source(source.id)

    assert result["outcome"] == "stored"
    assert (result["seen"], result["new"], result["excluded"]) == (2, 1, 1)
    assert result["reason"] is None
    [draft] = drafts(source)
    assert draft.title == "12月の河川敷清掃、参加者募集します"
    assert draft.review_state == ReviewState.PENDING
    assert draft.municipality.name == "世田谷区"
    db.session.refresh(source)
    assert source.health == SourceHealth.OK
    assert source.last_success_at is not None
    assert source.last_body_hash is not None


def test_a_list_page_source_is_read_with_its_selectors(http_server, app):
    url = http_server.add(
        "/ichiran.html",
        test_ingest_lists.PAGE,
        content_type="text/html; charset=utf-8",
    )
    source = add_source(
        url,
        "練馬区",
        kind=SourceKind.HTML_LIST,
        selectors=test_ingest_lists.SELECTORS,
        exclusion_patterns=["^【広告】"],
    )

    result = run_source(source.id)

    assert result["outcome"] == "stored", result["reason"]
    # The page lists one row twice: both copies are kept, the second flagged.
    assert (result["new"], result["excluded"]) == (4, 1)
    assert len(drafts(source)) == 4


LIST_PAGE = """<html><body><ul class="bosyu">
<li><a href="/bosyu/1101.html">高齢者施設での傾聴ボランティア</a></li>
<li><a href="/bosyu/1102.html">公園清掃</a><span class="basyo">中央公園</span></li>
</ul></body></html>"""
LIST_SELECTORS = {
    "item": "ul.bosyu > li",
    "title": "a",
    "link": "a",
    "venue": "span.basyo",
}
ITEM_PAGE = """<html><body><h1>傾聴ボランティア（詳細）</h1>
<dl>
<dt>日時</dt><dd>2025年12月6日（土）午前10時～正午</dd>
<dt>場所</dt><dd>区立やすらぎホーム（練馬駅から徒歩5分）</dd>
<dt>定員</dt><dd>5人</dd>
<dt>費用</dt><dd>無料</dd>
</dl></body></html>"""


def test_a_list_items_own_page_fills_in_what_the_list_left_out(http_server, app):
    http_server.add(
        "/bosyu/1101.html", ITEM_PAGE, content_type="text/html; charset=utf-8"
    )
    # /bosyu/1102.html is not served: the server answers 404.
    url = http_server.add(
        "/ichiran.html", LIST_PAGE, content_type="text/html; charset=utf-8"
    )
    source = add_source(
        url, "練馬区", kind=SourceKind.HTML_LIST, selectors=LIST_SELECTORS
    )

    result = run_source(source.id)

    assert result["outcome"] == "stored", result["reason"]
    assert result["new"] == 2
    assert fetched(http_server) == [
        "/ichiran.html",
        "/bosyu/1101.html",
        "/bosyu/1102.html",
    ]
    enriched, listed_only = drafts(source)
    # The list's title stays; the page gives the date, venue and the rest.
    assert enriched.title == "高齢者施設での傾聴ボランティア"
    assert enriched.venue_name == "区立やすらぎホーム"
    assert enriched.capacity == 5
    assert [s.starts_at.date().isoformat() for s in enriched.sessions] == ["2025-12-06"]
    assert listed_only.title == "公園清掃"
    assert listed_only.venue_name == "中央公園"
    assert listed_only.sessions == []
    missing = http_server.url("/bosyu/1102.html")
    assert any(
        missing in warning and "404" in warning for warning in result["warnings"]
    ), result["warnings"]
    db.session.refresh(source)
    assert source.health == SourceHealth.OK


def test_item_pages_are_fetched_at_most_a_set_number_per_run(
    http_server, app, monkeypatch
):
    monkeypatch.setattr(runs, "ITEM_PAGES_PER_RUN", 1)
    http_server.add(
        "/bosyu/1101.html", ITEM_PAGE, content_type="text/html; charset=utf-8"
    )
    url = http_server.add(
        "/ichiran.html", LIST_PAGE, content_type="text/html; charset=utf-8"
    )
    source = add_source(
        url, "練馬区", kind=SourceKind.HTML_LIST, selectors=LIST_SELECTORS
    )

    result = run_source(source.id)

    assert result["new"] == 2
    assert fetched(http_server) == ["/ichiran.html", "/bosyu/1101.html"]
    assert any("1 item pages left" in warning for warning in result["warnings"])


def test_a_second_run_answered_304_changes_nothing(http_server, app):
    path = "/" + RSS10
    url = http_server.add(
        path,
        partner_sites.FOLDER / RSS10,
        content_type="text/xml",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 18 Nov 2026 00:00:00 GMT"},
    )
    source = add_source(url, "板橋区")
    assert run_source(source.id)["new"] == 3
    before = {model: count(model) for model in (Activity, CrawledItem)}

    http_server.add(path, status=304, headers={"ETag": '"v1"'})
    result = run_source(source.id)

    assert result["outcome"] == "not_modified"
    assert (result["seen"], result["new"], result["updated"]) == (0, 0, 0)
    assert http_server.requests[-1].headers["If-None-Match"] == '"v1"'
    assert {model: count(model) for model in (Activity, CrawledItem)} == before
    db.session.refresh(source)
    assert source.health == SourceHealth.OK
    assert source.etag == '"v1"'


def test_a_second_run_with_the_same_body_is_not_read_again(
    http_server, app, monkeypatch
):
    source = add_source(serve(http_server, RSS10), "板橋区")
    run_source(source.id)

    def not_called(*args, **kwargs):
        raise AssertionError("an unchanged body was read again")

    monkeypatch.setattr(runs, "extract", not_called)
    result = run_source(source.id)

    assert result["outcome"] == "unchanged"
    assert len(drafts(source)) == 3
    assert fetched(http_server) == ["/" + RSS10] * 2


def test_a_permanent_redirect_moves_the_stored_address(http_server, app):
    url = serve(http_server, MOVED)
    source = add_source(url, "三鷹市")

    result = run_source(source.id)

    assert result["outcome"] == "stored"
    assert result["new"] == 2
    db.session.refresh(source)
    assert source.url == http_server.url("/" + MOVED + "?moved=1")


def test_a_challenge_page_fails_the_source_with_the_reason_and_no_drafts(
    http_server, app
):
    source = add_source(serve(http_server, CHALLENGE), "墨田区")

    result = run_source(source.id)

    assert result["outcome"] == "failed"
    assert "bot-challenge" in result["reason"]
    db.session.refresh(source)
    assert source.health == SourceHealth.FAILING
    assert source.last_error == result["reason"]
    assert source.consecutive_failures == 1
    assert source.is_active
    assert drafts(source) == []
    assert count(CrawledItem) == 0


def test_five_failures_in_a_row_pause_the_source(http_server, app):
    source = add_source(serve(http_server, CHALLENGE), "墨田区")

    for _ in range(PAUSE_AFTER_FAILURES):
        assert run_source(source.id)["outcome"] == "failed"
    requests = len(http_server.requests)

    db.session.refresh(source)
    assert not source.is_active
    assert source.consecutive_failures == PAUSE_AFTER_FAILURES
    assert run_source(source.id)["outcome"] == "inactive"
    assert len(http_server.requests) == requests
    assert source not in due_sources()


def test_a_broken_source_is_recorded_as_failing_without_raising(http_server, app):
    # An exclusion pattern that is not a regular expression breaks reading.
    source = add_source(serve(http_server, RSS10), "板橋区", exclusion_patterns=["(["])

    result = run_source(source.id)

    assert result["outcome"] == "failed"
    assert "error" in result["reason"]
    db.session.refresh(source)
    assert source.health == SourceHealth.FAILING
    assert source.last_error == result["reason"]
    assert drafts(source) == []


def test_a_source_another_run_holds_is_skipped(http_server, app, database_engine):
    # The other run works on its own connection, so the source must be
    # committed for real there, and removed afterwards.
    municipality_id = find_municipality("板橋区").id
    with database_engine.connect() as other:
        source_id = other.execute(
            sa.insert(Source)
            .values(
                name="別の実行中",
                url=serve(http_server, RSS10),
                kind=SourceKind.FEED,
                municipality_id=municipality_id,
                selectors={},
                category_mapping={},
                exclusion_patterns=[],
                fetch_interval_minutes=360,
                is_active=True,
                health=SourceHealth.UNKNOWN,
                consecutive_failures=0,
                created_at=datetime.now(UTC),
            )
            .returning(Source.id)
        ).scalar_one()
        other.commit()
        try:
            other.execute(
                sa.select(Source.id).where(Source.id == source_id).with_for_update()
            )

            result = run_source(source_id)

            assert result["outcome"] == "busy"
            assert fetched(http_server) == []
        finally:
            other.rollback()
            other.execute(sa.delete(Source).where(Source.id == source_id))
            other.commit()


def test_a_run_of_a_missing_source_says_so(app):
    assert run_source(987654)["outcome"] == "missing"


def test_a_run_stopped_before_its_commit_leaves_nothing_and_the_next_run_works(
    http_server, app, monkeypatch
):
    source = add_source(serve(http_server, RSS10), "板橋区")
    stored_before_stopping = []

    def stop(source, counts):
        # Reached once every item has been stored, before the one commit.
        stored_before_stopping.append(len(drafts(source)))
        raise RuntimeError("worker stopped")

    monkeypatch.setattr(storing, "record_success", stop)
    result = run_source(source.id)

    assert stored_before_stopping == [3]
    assert result["outcome"] == "failed"
    assert "worker stopped" in result["reason"]
    assert count(CrawledItem) == 0
    assert drafts(source) == []
    db.session.refresh(source)
    assert source.last_body_hash is None

    monkeypatch.undo()
    monkeypatch.setattr(runs, "HOST_INTERVAL", 0)
    result = run_source(source.id)

    assert (result["outcome"], result["new"]) == ("stored", 3)
    db.session.refresh(source)
    assert source.health == SourceHealth.OK
    assert source.consecutive_failures == 0


# --- due sources and jobs -----------------------------------------------------


def test_due_sources_are_active_and_not_fetched_within_their_interval(app):
    now = datetime.now(UTC)
    never = add_source("https://a.example.jp/feed", "世田谷区")
    stale = add_source(
        "https://b.example.jp/feed",
        "世田谷区",
        fetch_interval_minutes=60,
        last_fetched_at=now - timedelta(minutes=61),
    )
    add_source(
        "https://c.example.jp/feed",
        "世田谷区",
        fetch_interval_minutes=60,
        last_fetched_at=now - timedelta(minutes=30),
    )
    add_source("https://d.example.jp/feed", "世田谷区", is_active=False)

    assert due_sources(now) == [never, stale]


def test_due_sources_are_queued_on_the_ingest_queue_for_a_worker(
    make_app, redis, redis_url, http_server
):
    queued_app = make_app(REDIS_URL=redis_url)
    with queued_app.app_context():
        source = add_source(serve(http_server, RSS10), "板橋区")
        add_source(
            "https://recent.example.jp/feed",
            "世田谷区",
            last_fetched_at=datetime.now(UTC),
        )

        assert enqueue_due() == 1

        queue = Queue("ingest", connection=redis)
        [job] = queue.jobs
        assert job.args == (source.id,)
        assert fetched(http_server) == []

        # A non-forking worker, so the job runs in this process and context.
        assert SimpleWorker([queue], connection=redis).work(burst=True)

        assert job.get_status(refresh=True) == "finished"
        assert job.return_value()["new"] == 3
        assert len(drafts(source)) == 3
        assert queue.is_empty()


def test_without_redis_due_sources_run_at_once(http_server, app):
    source = add_source(serve(http_server, RSS10), "板橋区")

    assert enqueue_due() == 1

    assert len(drafts(source)) == 3
    assert enqueue_due() == 0


# --- commands -----------------------------------------------------------------


def test_the_commands_add_run_and_report_a_source(http_server, app):
    organisation = make_organisation(municipality="世田谷区")
    url = serve(http_server, ATOM)
    failing_url = serve(http_server, CHALLENGE)
    runner = app.test_cli_runner()

    added = runner.invoke(
        args=[
            "ingest",
            "add-source",
            "--name",
            "河川敷クラブのブログ",
            "--url",
            url,
            "--kind",
            "feed",
            "--municipality",
            "13112",
            "--organisation",
            str(organisation.id),
            "--exclude",
            "^【PR】",
            "--interval",
            "60",
        ]
    )
    assert added.exit_code == 0, added.output
    source = db.session.scalars(sa.select(Source).filter_by(url=url)).one()
    assert source.municipality.name == "世田谷区"
    assert source.exclusion_patterns == ["^【PR】"]
    assert source.fetch_interval_minutes == 60
    assert source.default_organisation_id == organisation.id
    assert f"Added source {source.id}" in added.output

    second = runner.invoke(
        args=[
            "ingest",
            "add-source",
            "--name",
            "墨田区の掲示板",
            "--url",
            failing_url,
            "--kind",
            "feed",
            "--municipality",
            "墨田区",
        ]
    )
    assert second.exit_code == 0, second.output

    ran = runner.invoke(args=["ingest", "run"])
    assert ran.exit_code == 0, ran.output
    assert f"source {source.id}: stored (seen 2, new 1," in ran.output
    assert "failed: the site answered 403 Forbidden" in ran.output

    again = runner.invoke(args=["ingest", "run", "--source", str(source.id)])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == f"source {source.id}: unchanged"

    status = runner.invoke(args=["ingest", "status"])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert lines[0].split() == [
        "id",
        "name",
        "municipality",
        "health",
        "last",
        "success",
        "failures",
        "last",
        "error",
    ]
    assert "河川敷クラブのブログ" in lines[1] and " ok " in lines[1]
    assert "墨田区の掲示板" in lines[2] and "failing" in lines[2]
    assert "403 Forbidden" in lines[2]


def test_add_source_refuses_what_it_cannot_use(app):
    runner = app.test_cli_runner()
    base = ["ingest", "add-source", "--name", "x", "--kind", "feed"]

    not_http = runner.invoke(
        args=[*base, "--url", "ftp://a.example.jp/", "--municipality", "世田谷区"]
    )
    bad_pattern = runner.invoke(
        args=[
            *base,
            "--url",
            "https://a.example.jp/feed",
            "--municipality",
            "世田谷区",
            "--exclude",
            "([",
        ]
    )
    unknown_place = runner.invoke(
        args=[*base, "--url", "https://a.example.jp/feed", "--municipality", "大阪市"]
    )

    assert not_http.exit_code == 2 and "--url" in not_http.output
    assert bad_pattern.exit_code == 2 and "--exclude" in bad_pattern.output
    assert unknown_place.exit_code == 2 and "大阪市" in unknown_place.output
    assert count(Source) == 0


def test_add_source_stores_the_selectors_of_a_list_page(app):
    result = app.test_cli_runner().invoke(
        args=[
            "ingest",
            "add-source",
            "--name",
            "ボランティア募集一覧",
            "--url",
            "https://www.city.example.lg.jp/ichiran.html",
            "--kind",
            "html_list",
            "--municipality",
            "練馬区",
            "--selector",
            "item=table.bosyu > tr",
            "--selector",
            "title=td.kenmei > a",
            "--selector",
            "link=td.kenmei > a",
        ]
    )

    assert result.exit_code == 0, result.output
    source = db.session.scalars(sa.select(Source)).one()
    assert source.kind == SourceKind.HTML_LIST
    assert source.selectors == {
        "item": "table.bosyu > tr",
        "title": "td.kenmei > a",
        "link": "td.kenmei > a",
    }


@pytest.mark.parametrize(
    ("kind", "selectors", "message"),
    [
        ("html_list", ["item=li"], "title=CSS"),
        ("html_list", [], "item=CSS and title=CSS"),
        ("html_list", ["item=li", "title=a[href"], "not a valid CSS selector"),
        ("html_list", ["item=li", "title=a", "colour=b"], "unknown key"),
        ("html_list", ["item=li", "title"], "not KEY=CSS"),
        ("feed", ["item=li"], "only html_list sources"),
    ],
)
def test_add_source_refuses_selectors_it_cannot_use(app, kind, selectors, message):
    options = [part for selector in selectors for part in ("--selector", selector)]
    result = app.test_cli_runner().invoke(
        args=[
            "ingest",
            "add-source",
            "--name",
            "x",
            "--url",
            "https://a.example.jp/ichiran.html",
            "--kind",
            kind,
            "--municipality",
            "練馬区",
            *options,
        ]
    )

    assert result.exit_code == 2
    assert "--selector" in result.output and message in result.output
    assert count(Source) == 0


def test_enqueue_due_command_runs_inline_without_redis(http_server, app):
    source = add_source(serve(http_server, RSS10), "板橋区")

    result = app.test_cli_runner().invoke(args=["ingest", "enqueue-due"])

    assert result.exit_code == 0, result.output
    assert "Ran 1 due sources" in result.output
    assert len(drafts(source)) == 3
