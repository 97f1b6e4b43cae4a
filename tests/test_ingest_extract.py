"""Turning partner-site text into extracted items, without fetching or storing."""

import json
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from app.workers.ingest.decoding import decode
from app.workers.ingest.extract import (
    Rules,
    extract_details_page,
    extract_event_csv,
    extract_event_page,
    extract_feed,
)

FIXTURES = Path(__file__).parent / "fixtures" / "partner_sites"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text("utf-8"))
# Where a sample is served from: the site its expected links name, else this.
BASE = "https://partner.example.jp/sites/"
REFERENCE = date(2026, 12, 1)

READERS = {
    ".xml": extract_feed,
    ".rdf": extract_feed,
    ".csv": extract_event_csv,
}
RULES = {"atom_blog_no_offset.xml": Rules(exclude_titles=("^【PR】",))}
FEED = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    "<rss version='2.0'><channel>{}</channel></rss>"
)


def final_url(entry: dict) -> str:
    """Where the test server's last response came from, after any redirect."""
    serve = entry["serve"]
    links = [
        item["link"] for item in entry["expect"].get("items", []) if "link" in item
    ]
    site = urljoin(links[0], "/") if links else BASE
    return urljoin(site + entry["file"], serve.get("location", entry["file"]))


def read(entry: dict):
    serve = entry["serve"]
    serve = serve.get("then", serve)
    text = decode((FIXTURES / entry["file"]).read_bytes(), serve["content_type"]).text
    name = entry["file"]
    if name == "page_jsonld_event.html":
        reader = extract_event_page
    elif name.startswith("page_"):
        reader = extract_details_page
    else:
        reader = READERS.get(Path(name).suffix, extract_feed)
    return reader(text, final_url(entry), RULES.get(name), reference=REFERENCE)


def iso(value) -> str | None:
    return None if value is None else value.isoformat()


def check_item(item, expected: dict) -> None:
    assert item.title == expected["title"]
    if "link" in expected:
        assert item.link == expected["link"]
    if "source_id" in expected:
        assert item.source_id == expected["source_id"]
    if "published" in expected:
        assert iso(item.published.starts_at) == expected["published"]
    for name in ("starts_at", "ends_at"):
        if name in expected:
            assert iso(getattr(item, name)) == expected[name]
    if "sessions" in expected:
        assert [
            {"starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at)}
            for s in item.sessions
        ] == expected["sessions"]
    if "description_links" in expected:
        soup = BeautifulSoup(item.description, "html.parser")
        found = [
            tag.get("href") or tag.get("src") for tag in soup.find_all(["a", "img"])
        ]
        assert found == expected["description_links"]
    if expected.get("description_has_script") is False:
        assert "<script" not in item.description
        assert "alert" not in item.description
    if "description_text" in expected:
        assert item.text == expected["description_text"]
    if "schedule" in expected:
        assert item.recurrence is not None
        assert "recurrence" in item.low_confidence
    for name in ("venue", "station", "walk_minutes", "capacity", "note"):
        if name in expected:
            assert getattr(item, name) == expected[name]
    if "cost" in expected:
        assert item.fee == expected["cost"]
    if "deadline" in expected:
        assert iso(item.deadline.starts_at) == expected["deadline"]
    if "extra_text_contains" in expected:
        assert expected["extra_text_contains"] in item.text


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_every_sample_partner_file_yields_what_the_manifest_expects(entry):
    expect = entry["expect"]

    extraction = read(entry)

    if expect.get("outcome") == "failed":
        assert extraction.failed
        assert extraction.failure_reason
        assert extraction.items == []
        return
    assert not extraction.failed
    expected_items = expect.get("items", [expect])
    assert len(extraction.items) == len(expected_items)
    for item, expected in zip(extraction.items, expected_items, strict=True):
        check_item(item, expected)
    excluded = [excluded.item.title for excluded in extraction.excluded]
    assert excluded == expect.get("excluded_by_rule", [])
    if "warnings" in expect:
        assert any("malformed" in warning for warning in extraction.warnings)


# --- feeds ------------------------------------------------------------------------


def test_a_feed_title_escaped_twice_is_unescaped_once_more():
    text = FEED.format(
        "<item><title>防災 &amp;lt;講座&amp;gt; &amp;quot;初級&amp;quot;</title>"
        "<link>https://a.example.jp/1</link><guid>1</guid></item>"
    )

    (item,) = extract_feed(text, "https://a.example.jp/feed.xml").items

    assert item.title == '防災 <講座> "初級"'


def test_a_bare_guid_is_the_same_id_wherever_the_feed_is_served_from():
    text = FEED.format(
        "<item><title>清掃</title><link>/v/1.html</link><guid>vol-1</guid></item>"
    )

    old = extract_feed(text, "https://a.example.jp/old/feed.xml").items[0]
    moved = extract_feed(text, "https://b.example.jp/new/rss?x=1").items[0]

    assert old.source_id == moved.source_id == "vol-1"
    assert old.link == "https://a.example.jp/v/1.html"
    assert moved.link == "https://b.example.jp/v/1.html"


def test_an_item_without_a_guid_is_known_by_its_normalised_link():
    text = FEED.format(
        "<item><title>清掃</title><link>HTTPS://A.example.jp/v/1.html#top</link></item>"
    )

    (item,) = extract_feed(text, "https://a.example.jp/feed.xml").items

    assert item.source_id == "https://a.example.jp/v/1.html"


def test_two_feed_items_sharing_an_id_are_both_kept_and_flagged():
    text = FEED.format(
        "<item><title>一</title><link>/1</link><guid>same</guid></item>"
        "<item><title>二</title><link>/2</link><guid>same</guid></item>"
    )

    extraction = extract_feed(text, "https://a.example.jp/feed.xml")

    assert [item.title for item in extraction.items] == ["一", "二"]
    assert all("source_id" in item.low_confidence for item in extraction.items)
    assert any("'same'" in warning for warning in extraction.warnings)


def test_a_feed_with_an_unescaped_ampersand_is_read_with_a_warning():
    text = FEED.format(
        "<item><title>A & B 清掃</title><link>/1</link><guid>1</guid>"
        "<pubDate>2026/12/05 10:00</pubDate></item>"
    )

    extraction = extract_feed(text, "https://a.example.jp/feed.xml")

    assert not extraction.failed
    assert extraction.items[0].title == "A & B 清掃"
    assert extraction.items[0].published.starts_at.isoformat() == (
        "2026-12-05T10:00:00+09:00"
    )
    assert extraction.warnings


@pytest.mark.parametrize(
    "text",
    ["", "  \r\n", "<html><body>メンテナンス中</body></html>", "not xml at all"],
)
def test_a_body_that_is_not_a_feed_is_a_failure_with_a_reason(text):
    extraction = extract_feed(text, "https://a.example.jp/feed.xml")

    assert extraction.failed
    assert extraction.failure_reason
    assert extraction.items == []


def test_feed_descriptions_lose_scripts_and_event_attributes_and_get_absolute_links():
    description = (
        "<![CDATA[<p onclick='steal()'>日時：12月5日（土）10時～12時</p>"
        "<a href='../map.html' onmouseover='x()'>地図</a><script>x()</script>"
        "<a href='javascript:alert(1)'>罠</a>]]>"
    )
    text = FEED.format(
        f"<item><title>t</title><link>https://a.example.jp/ev/9.html</link>"
        f"<guid>9</guid><description>{description}</description></item>"
    )

    (item,) = extract_feed(
        text, "https://a.example.jp/feed.xml", reference=REFERENCE
    ).items

    assert "onclick" not in item.description
    assert "onmouseover" not in item.description
    assert "<script" not in item.description
    assert "javascript:" not in item.description
    assert 'href="https://a.example.jp/map.html"' in item.description
    assert item.starts_at.isoformat() == "2026-12-05T10:00:00+09:00"
    assert item.ends_at.isoformat() == "2026-12-05T12:00:00+09:00"


def test_a_title_exclusion_rule_also_matches_the_full_width_form():
    text = FEED.format(
        "<item><title>［ＰＲ］広告</title><link>/1</link><guid>1</guid></item>"
        "<item><title>清掃</title><link>/2</link><guid>2</guid></item>"
    )

    extraction = extract_feed(
        text, "https://a.example.jp/f", Rules(exclude_titles=(r"^\[PR\]",))
    )

    assert [item.title for item in extraction.items] == ["清掃"]
    assert [excluded.item.title for excluded in extraction.excluded] == ["［ＰＲ］広告"]


# --- pages ------------------------------------------------------------------------


def test_json_ld_in_an_html_comment_with_trailing_commas_and_a_semicolon_is_read():
    page = """<html><head><script type="application/ld+json"><!--
    {"@context": "https://schema.org", "@graph": [
      {"@type": "Organization", "name": "NPO"},
      {"@type": ["Event"], "name": "将棋 体験会", "url": "/ev/7",
       "startDate": "2027-01-09T10:00", "endDate": "2027-01-09T12:00+09:00",
       "location": [{"@type": "Place", "name": "公民館",}],
       "offers": [{"price": "無料",},],
       "description": "<p onclick='x()'><a href='/more'>詳細</a></p>",},
    ],};
    --></script></head><body></body></html>"""

    extraction = extract_event_page(page, "https://npo.example.jp/events/")

    (item,) = extraction.items
    assert item.title == "将棋 体験会"
    assert item.link == "https://npo.example.jp/ev/7"
    assert item.starts_at.isoformat() == "2027-01-09T10:00:00+09:00"
    assert item.ends_at.isoformat() == "2027-01-09T12:00:00+09:00"
    assert item.venue == "公民館"
    assert item.fee == 0
    assert 'href="https://npo.example.jp/more"' in item.description
    assert "onclick" not in item.description
    assert extraction.warnings


def test_a_page_without_event_json_ld_is_a_failure_with_a_reason():
    extraction = extract_event_page("<html><body>x</body></html>", "https://a.jp/")

    assert extraction.failed
    assert "JSON-LD" in extraction.failure_reason


def test_a_details_table_with_padded_labels_yields_its_fields():
    page = """<html><body><h1>①公園　清掃（第２回）</h1><table>
    <tr><th>開催日時</th><td>12月12日（土）午後1時～3時</td></tr>
    <tr><th>会　場</th><td>中央公園（JR中野駅から徒歩10分）</td></tr>
    <tr><th>募集人数</th><td>先着<b>３０</b>人</td></tr>
    <tr><th>参 加 費</th><td>１，０００円（保険料込み）</td></tr>
    <tr><th>申込締切</th><td>2026年12月5日</td></tr>
    </table></body></html>"""

    extraction = extract_details_page(
        page, "https://a.example.jp/p/1.html", reference=REFERENCE
    )

    (item,) = extraction.items
    assert item.title == "①公園　清掃（第２回）"
    assert item.starts_at.isoformat() == "2026-12-12T13:00:00+09:00"
    assert item.ends_at.isoformat() == "2026-12-12T15:00:00+09:00"
    assert item.venue == "中央公園"
    assert item.station == "JR中野駅"
    assert item.walk_minutes == 10
    assert item.capacity == 30
    assert item.fee == 1000
    assert item.deadline.starts_at == date(2026, 12, 5)


def test_a_fee_that_is_not_a_plain_amount_is_left_for_staff_to_read():
    page = (
        "<h2>講座</h2><dl><dt>費用</dt><dd>実費</dd>"
        "<dt>日時</dt><dd>2027年1月9日</dd></dl>"
    )

    (item,) = extract_details_page(page, "https://a.example.jp/p").items

    assert item.fee is None
    assert "fee" in item.low_confidence
    assert item.starts_at == date(2027, 1, 9)


def test_a_page_without_label_rows_is_a_failure_with_a_reason():
    extraction = extract_details_page("<h1>お知らせ</h1><p>本文</p>", "https://a.jp/")

    assert extraction.failed


# --- open data CSV ----------------------------------------------------------------


def test_an_event_list_with_header_variants_and_an_unknown_column_is_read():
    csv_text = (
        "市区町村コード,NO,イベント名,開始日付,終了日付,開始時刻,終了時刻,料金,"
        "定員,申込締切日,URL,独自項目\r\n"
        "131040,7,＝体操 教室,2027/3/1,2027/3/1,930,11時30分,３００円,"
        "１２名,令和9年2月20日,/ev/7,x\r\n"
    ).encode("cp932")
    text = decode(csv_text, "text/csv").text

    extraction = extract_event_csv(text, "https://city.example.jp/data/events.csv")

    (item,) = extraction.items
    assert item.source_id == "131040:7"
    assert item.title == "＝体操 教室"
    assert item.starts_at.isoformat() == "2027-03-01T09:30:00+09:00"
    assert item.ends_at.isoformat() == "2027-03-01T11:30:00+09:00"
    assert item.fee == 300
    assert item.capacity == 12
    assert item.deadline.starts_at == date(2027, 2, 20)
    assert item.link == "https://city.example.jp/ev/7"
    assert extraction.warnings == ["unknown column '独自項目'"]


def test_a_csv_without_the_event_list_columns_is_a_failure_with_a_reason():
    extraction = extract_event_csv("名前,値\r\na,1\r\n", "https://a.jp/x.csv")

    assert extraction.failed
    assert "イベント名" in extraction.failure_reason


def test_two_csv_rows_with_the_same_number_are_both_kept_and_flagged():
    text = "NO,イベント名,開始日\r\n1,一,2027-01-01\r\n1,二,2027-01-02\r\n"

    extraction = extract_event_csv(text, "https://a.jp/x.csv")

    assert len(extraction.items) == 2
    assert any("'1'" in warning for warning in extraction.warnings)


def test_absurdly_deep_json_ld_is_skipped_without_losing_the_other_events():
    from app.workers.ingest.pages import extract_event_page

    deep = "[" * 100_000 + "]" * 100_000
    event = (
        '{"@context": "https://schema.org", "@type": "Event", "name": "朗読の会",'
        ' "startDate": "2027-01-15T10:00"}'
    )
    page = (
        f'<html><head><script type="application/ld+json">{deep}</script>'
        f'<script type="application/ld+json">{event}</script></head>'
        "<body></body></html>"
    )

    extraction = extract_event_page(page, "https://example.jp/event.html")

    assert [item.title for item in extraction.items] == ["朗読の会"]
