"""Reading municipal list pages (募集一覧) with each source's CSS selectors."""

from datetime import date

import pytest

from app.workers.ingest.extract import Rules, extract
from app.workers.ingest.lists import extract_list_page, item_page_details

URL = "https://www.city.example.lg.jp/kurashi/volunteer/ichiran/index.html"
ITEM_PAGE = "https://www.city.example.lg.jp/kurashi/volunteer/bosyu/1101.html"
# 12月6日 is a Saturday in 2025, so （土） settles the year the list leaves out.
REFERENCE = date(2025, 11, 20)
SELECTORS = {
    "item": "table.bosyu > tr",
    "title": "td.kenmei > a",
    "link": "td.kenmei > a",
    "date": "td.hi",
    "summary": "p.gaiyo",
    "venue": "td.basyo",
}
RULES = Rules(exclude_titles=("^【広告】",), selectors=SELECTORS)

# As the page reads once decoded from Shift_JIS: a layout table around the
# list, an icon table nested in a cell, relative links, full-width dates,
# an advertisement row and a row the CMS printed twice.
PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html lang="ja"><head>
<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">
<title>ボランティア募集一覧｜例示区社会福祉協議会</title>
</head><body>
<table class="layout" width="100%" border="0"><tr>
<td class="side"><ul><li><a href="../../index.html">トップページ</a></li></ul></td>
<td class="main">
<h1>ボランティア募集一覧</h1>
<table class="bosyu" summary="ボランティア募集一覧" border="1">
<tr><th>活動日</th><th>件名</th><th>活動場所</th></tr>
<tr>
  <td class="hi">１２月６日（土）<br>午前１０時～正午</td>
  <td class="kenmei">
    <table class="icon"><tr><td><img src="../img/new.gif" alt="新着"></td></tr></table>
    <a href="../bosyu/1101.html">高齢者施設での
      傾聴ボランティア</a>
    <p class="gaiyo">入所者の方のお話を
      聞く活動です。</p>
  </td>
  <td class="basyo">区立やすらぎホーム（西武池袋線 練馬駅から徒歩５分）</td>
</tr>
<tr>
  <td class="hi">随時</td>
  <td class="kenmei"><a href="https://ad.example.com/reform">【広告】外壁リフォーム無料診断</a></td>
  <td class="basyo">&nbsp;</td>
</tr>
<tr>
  <td class="hi">毎週水曜日　午後３時～５時</td>
  <td class="kenmei">
    <a href="./1102.html#detail">子ども食堂 &amp;amp; 学習支援　スタッフ</a>
    <p class="gaiyo">調理・配膳・宿題の見守り</p></td>
  <td class="basyo">例示区民センター</td>
</tr>
<tr>
  <td class="hi">令和8年1月10日（土）</td>
  <td class="kenmei"><a>①公園　清掃（申込不要）</a></td>
  <td class="basyo">中央公園</td>
</tr>
<tr>
  <td class="hi">１２月６日（土）<br>午前１０時～正午</td>
  <td class="kenmei">
    <a href="../bosyu/1101.html">高齢者施設での傾聴ボランティア</a></td>
  <td class="basyo">区立やすらぎホーム</td>
</tr>
</table>
</td></tr></table>
</body></html>
"""

DETAILS_PAGE = """<html><body><h1>高齢者施設での傾聴ボランティア</h1>
<table>
<tr><th>日　時</th><td>12月6日（土）午前10時～正午</td></tr>
<tr><th>場　所</th><td>区立やすらぎホーム（練馬駅から徒歩5分）</td></tr>
<tr><th>募集人数</th><td>５人</td></tr>
<tr><th>費用</th><td>無料</td></tr>
<tr><th>申込締切</th><td>11月28日（金）</td></tr>
</table></body></html>"""


def read(page: str = PAGE, selectors: dict | None = None, rules: Rules = RULES):
    return extract_list_page(page, URL, rules, selectors=selectors, reference=REFERENCE)


def test_each_row_of_a_list_table_becomes_an_item_with_an_absolute_link():
    extraction = read()

    assert not extraction.failed
    assert [item.link for item in extraction.items] == [
        ITEM_PAGE,
        "https://www.city.example.lg.jp/kurashi/volunteer/ichiran/1102.html#detail",
        None,
        ITEM_PAGE,
    ]


def test_the_header_row_and_rows_of_a_nested_table_are_not_items():
    extraction = read()

    assert "新着" not in [item.title for item in extraction.items]
    assert "1 matched elements without a title skipped" in extraction.warnings


def test_an_item_is_known_by_its_normalised_link():
    first, second, *_ = read().items

    assert first.source_id == ITEM_PAGE
    assert second.source_id == (
        "https://www.city.example.lg.jp/kurashi/volunteer/ichiran/1102.html"
    )


def test_an_item_without_a_link_is_known_by_its_title_and_date_and_flagged():
    item = read().items[2]

    assert item.link is None
    assert item.source_id == "①公園　清掃（申込不要）|令和8年1月10日（土）"
    assert "link" in item.low_confidence
    assert "source_id" in item.low_confidence
    assert item.starts_at == date(2026, 1, 10)


def test_titles_keep_their_characters_and_lose_a_second_escaping():
    titles = [item.title for item in read().items]

    assert titles[:3] == [
        "高齢者施設での 傾聴ボランティア",
        "子ども食堂 & 学習支援　スタッフ",
        "①公園　清掃（申込不要）",
    ]


def test_a_full_width_date_and_times_are_read_with_the_raw_text_kept():
    item = read().items[0]

    assert item.starts_at.isoformat() == "2025-12-06T10:00:00+09:00"
    assert item.ends_at.isoformat() == "2025-12-06T12:00:00+09:00"
    assert item.details["date"] == "１２月６日（土）\n午前１０時～正午"


def test_a_date_without_a_year_is_marked_for_staff_to_confirm():
    item = read().items[0]

    assert "year inferred" in item.low_confidence["sessions"]


def test_recurring_wording_in_the_date_cell_becomes_a_rule_to_confirm():
    item = read().items[1]

    assert item.recurrence.rule == "FREQ=WEEKLY;BYDAY=WE"
    assert "recurrence" in item.low_confidence


def test_the_summary_and_venue_are_read_from_their_own_cells():
    item = read().items[0]

    assert item.description == "入所者の方のお話を 聞く活動です。"
    assert item.venue == "区立やすらぎホーム"
    assert item.station == "練馬駅"
    assert item.walk_minutes == 5
    assert "傾聴ボランティア" in item.text


def test_an_advertisement_row_is_excluded_by_the_sources_rule():
    extraction = read()

    assert [excluded.item.title for excluded in extraction.excluded] == [
        "【広告】外壁リフォーム無料診断"
    ]
    assert all("広告" not in item.title for item in extraction.items)


def test_a_row_printed_twice_is_kept_twice_and_flagged():
    extraction = read()

    twins = [item for item in extraction.items if item.source_id == ITEM_PAGE]
    assert len(twins) == 2
    assert all("source_id" in item.low_confidence for item in twins)
    assert any(ITEM_PAGE in warning for warning in extraction.warnings)


def test_a_redesigned_page_where_the_item_selector_matches_nothing_is_a_failure():
    redesigned = PAGE.replace('class="bosyu"', 'class="list-volunteer"')

    extraction = read(redesigned)

    assert extraction.failed
    assert extraction.items == []
    assert extraction.failure_reason.startswith(
        "the item selector matched nothing: the page layout may have changed"
    )


def test_a_title_selector_that_matches_in_no_item_is_a_failure():
    extraction = read(selectors={**SELECTORS, "title": "td.title a"})

    assert extraction.failed
    assert extraction.failure_reason.startswith("the title selector matched nothing")


def test_a_selector_copied_from_a_browser_with_tbody_gets_a_hint_when_it_fails():
    extraction = read(selectors={**SELECTORS, "item": "table.bosyu > tbody > tr"})

    assert extraction.failed
    assert "<tbody>" in extraction.failure_reason


@pytest.mark.parametrize(
    ("key", "selector"),
    [
        ("item", "table.bosyu > > tr"),
        ("title", "td.kenmei > a["),
        ("date", "td:nth-child(x)"),
        ("link", ""),
        ("summary", 3),
    ],
)
def test_a_broken_selector_is_a_failure_with_a_reason_not_an_error(key, selector):
    extraction = read(selectors={**SELECTORS, key: selector})

    assert extraction.failed
    assert f"the {key} selector" in extraction.failure_reason


def test_a_source_without_item_or_title_selectors_is_a_failure():
    assert read(selectors={"item": "tr"}).failed
    assert read(selectors={}, rules=Rules()).failed


def test_an_unknown_selector_key_is_ignored_with_a_warning():
    extraction = read(selectors={**SELECTORS, "deadline": "td.shimekiri"})

    assert not extraction.failed
    assert "unknown selector key 'deadline' ignored" in extraction.warnings


def test_a_javascript_link_is_no_link():
    page = PAGE.replace("./1102.html#detail", "javascript:void(0)")

    item = read(page).items[1]

    assert item.link is None
    assert "javascript" in item.low_confidence["link"]


def test_links_resolve_against_the_pages_base_element():
    page = PAGE.replace("<head>", '<head><base href="/bosyu/">')

    item = read(page).items[1]

    assert item.link == "https://www.city.example.lg.jp/bosyu/1102.html#detail"


def test_the_html_list_kind_reads_its_selectors_from_the_rules():
    extraction = extract("html_list", PAGE, URL, RULES, reference=REFERENCE)

    assert not extraction.failed
    assert len(extraction.items) == 4


def test_rules_with_selectors_can_still_be_hashed():
    assert hash(RULES) == hash(Rules(exclude_titles=("^【広告】",)))


def test_an_item_page_gives_the_details_the_list_leaves_out_under_the_same_id():
    listed = read().items[0]

    details = item_page_details(DETAILS_PAGE, ITEM_PAGE, reference=REFERENCE)

    assert details.source_id == listed.source_id
    assert details.capacity == 5
    assert details.fee == 0
    assert details.deadline.starts_at == date(2025, 11, 28)
    assert details.details["募集人数"] == "５人"


def test_an_item_page_without_details_gives_none():
    assert item_page_details("<h1>ページが見つかりません</h1>", ITEM_PAGE) is None
