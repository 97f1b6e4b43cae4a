"""Reading the dates and times partner sites write, in Tokyo time."""

import csv
import html
import io
import json
import re
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from app.workers.ingest.dates import (
    RECURRING_REVIEW,
    parse_datetime,
    parse_feed_date,
    parse_recurrence,
    parse_sessions,
    split_numbered,
    working_copy,
)
from app.workers.ingest.decoding import decode

TOKYO = ZoneInfo("Asia/Tokyo")
REFERENCE = date(2026, 12, 1)

FIXTURES = Path(__file__).parent / "fixtures" / "partner_sites"
MANIFEST = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "manifest.json").read_text("utf-8"))
}


def tokyo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO)


def fixture_text(name: str) -> str:
    serve = MANIFEST[name]["serve"]
    serve = serve.get("then", serve)
    return decode((FIXTURES / name).read_bytes(), serve.get("content_type")).text


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- timestamps -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T21:10:00+09:00", tokyo(2026, 11, 25, 21, 10)),
        ("2026-11-25T12:10:00Z", tokyo(2026, 11, 25, 21, 10)),
        ("2026-11-25T07:10:00-05:00", tokyo(2026, 11, 25, 21, 10)),
        ("2026-11-25 21:10", tokyo(2026, 11, 25, 21, 10)),
        ("2026-11-25T21:10:00.250+0900", tokyo(2026, 11, 25, 21, 10, 0, 250000)),
        ("Wed, 25 Nov 2026 21:10:00 +0900", tokyo(2026, 11, 25, 21, 10)),
        ("Wed, 25 Nov 2026 12:10:00 GMT", tokyo(2026, 11, 25, 21, 10)),
        ("25 Nov 2026 21:10 JST", tokyo(2026, 11, 25, 21, 10)),
    ],
)
def test_iso_8601_and_rfc_2822_timestamps_are_converted_to_tokyo(text, expected):
    parsed = parse_datetime(text)

    assert parsed.starts_at == expected
    assert parsed.starts_at.utcoffset() == expected.utcoffset()
    assert not parsed.all_day
    assert not parsed.low_confidence


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25T21:10:00",
        "2026-11-25T21:10:00 JST",
        "Wed, 25 Nov 2026 21:10:00",
        "Wed, 25 Nov 2026 21:10:00 JST",
    ],
)
def test_a_time_with_no_offset_or_jst_is_tokyo_time(text):
    assert parse_datetime(text).starts_at.isoformat() == "2026-11-25T21:10:00+09:00"


def test_an_unknown_zone_abbreviation_is_read_as_tokyo_with_low_confidence():
    parsed = parse_datetime("Wed, 25 Nov 2026 21:10:00 XYZ")

    assert parsed.starts_at == tokyo(2026, 11, 25, 21, 10)
    assert parsed.low_confidence


def test_a_slash_date_with_seconds_is_tokyo_time_on_the_date_written():
    parsed = parse_datetime("2026/11/19 14:05:00")

    assert parsed.starts_at.isoformat() == "2026-11-19T14:05:00+09:00"


def test_a_date_alone_is_an_all_day_date():
    parsed = parse_datetime("2026-11-20")

    assert parsed.starts_at == date(2026, 11, 20)
    assert not isinstance(parsed.starts_at, datetime)
    assert parsed.all_day


def test_a_feed_timestamp_at_tokyo_midnight_is_a_date_with_no_time():
    parsed = parse_feed_date("2026-11-18T00:00:00+09:00")

    assert parsed.starts_at == date(2026, 11, 18)
    assert not isinstance(parsed.starts_at, datetime)
    assert parsed.all_day


def test_free_text_at_tokyo_midnight_keeps_its_time():
    parsed = parse_datetime("2026-11-18T00:00:00+09:00")

    assert parsed.starts_at == tokyo(2026, 11, 18, 0, 0)
    assert not parsed.all_day


def test_a_feed_timestamp_at_utc_midnight_keeps_its_time():
    parsed = parse_feed_date("2026-11-18T00:00:00Z")

    assert parsed.starts_at == tokyo(2026, 11, 18, 9, 0)


def test_a_feed_timestamp_at_any_other_time_keeps_its_time():
    parsed = parse_feed_date("2026-11-18T00:00:01+09:00")

    assert parsed.starts_at == tokyo(2026, 11, 18, 0, 0, 1)


# --- Japanese dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年12月13日", date(2026, 12, 13)),
        ("２０２６年１２月１３日", date(2026, 12, 13)),
        ("令和8年12月13日", date(2026, 12, 13)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("㋿元年5月1日", date(2019, 5, 1)),
        ("㋿８年１２月１３日", date(2026, 12, 13)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("R8.12.13", date(2026, 12, 13)),
        ("2026.12.13", date(2026, 12, 13)),
        ("2026/2/6", date(2026, 2, 6)),
    ],
)
def test_written_and_era_dates_are_read(text, expected):
    parsed = parse_datetime(text, reference=REFERENCE)

    assert parsed.starts_at == expected
    assert parsed.all_day
    assert not parsed.low_confidence


def test_labels_and_trailing_words_around_a_date_are_ignored():
    parsed = parse_datetime("日時：2026年12月13日（日）必着", reference=REFERENCE)

    assert parsed.starts_at == date(2026, 12, 13)
    assert not parsed.low_confidence


def test_a_weekday_that_matches_the_date_keeps_full_confidence():
    assert not parse_datetime("2026年12月13日(日)").low_confidence


def test_a_weekday_that_contradicts_the_date_lowers_confidence():
    parsed = parse_datetime("2026年12月13日（月）")

    assert parsed.starts_at == date(2026, 12, 13)
    assert parsed.low_confidence
    assert any("weekday" in reason for reason in parsed.reasons)


def test_the_weekday_chooses_the_nearest_year_when_the_year_is_missing():
    # 12月6日 fell on a Saturday in 2025 and next does in 2031.
    parsed = parse_datetime("12月6日(土)", reference=date(2026, 11, 1))

    assert parsed.starts_at == date(2025, 12, 6)
    assert parsed.low_confidence
    assert "year inferred from the weekday" in parsed.reasons


def test_the_weekday_picks_next_year_for_a_january_deadline_read_in_december():
    parsed = parse_datetime("１月８日（金）必着", reference=REFERENCE)

    assert parsed.starts_at == date(2027, 1, 8)
    assert parsed.low_confidence


def test_a_date_without_year_or_weekday_takes_the_year_nearest_the_reference():
    parsed = parse_datetime("1月10日", reference=REFERENCE)

    assert parsed.starts_at == date(2027, 1, 10)
    assert "year inferred from the reference date" in parsed.reasons


def test_a_month_and_day_with_a_slash_and_weekday_are_a_date():
    parsed = parse_datetime("12/13(日) 9:30-11:00", reference=REFERENCE)

    assert parsed.starts_at == tokyo(2026, 12, 13, 9, 30)
    assert parsed.ends_at == tokyo(2026, 12, 13, 11, 0)


# --- times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年12月13日 9:00", time(9, 0)),
        ("2026年12月13日 9時", time(9, 0)),
        ("2026年12月13日 9時30分", time(9, 30)),
        ("2026年12月13日 9時半", time(9, 30)),
        ("2026年12月13日 午前9時", time(9, 0)),
        ("2026年12月13日 午後1時", time(13, 0)),
        ("2026年12月13日 午後１時３０分", time(13, 30)),
        ("2026年12月13日 正午", time(12, 0)),
        ("2026年12月13日 1:30 PM", time(13, 30)),
        ("2026年12月13日（日）１３：３０", time(13, 30)),
    ],
)
def test_times_are_read_as_tokyo_wall_clock_times(text, expected):
    parsed = parse_datetime(text)

    assert parsed.starts_at == datetime.combine(date(2026, 12, 13), expected, TOKYO)
    assert not parsed.all_day


def test_24_00_is_midnight_at_the_end_of_the_day():
    parsed = parse_datetime("2026年12月13日 22:00〜24:00")

    assert parsed.ends_at == tokyo(2026, 12, 14, 0, 0)


def test_times_alone_are_not_a_date():
    assert parse_datetime("13:30〜15:00") is None


# --- ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "separator", ["〜", "～", "~", "－", "-", "から", " 〜 ", "―", "ー"]
)
def test_every_way_of_writing_a_range_gives_the_same_time_range(separator):
    parsed = parse_datetime(f"2026年12月20日 13:30{separator}15:00")

    assert parsed.starts_at == tokyo(2026, 12, 20, 13, 30)
    assert parsed.ends_at == tokyo(2026, 12, 20, 15, 0)
    assert not parsed.low_confidence


def test_from_and_until_wording_is_a_range():
    parsed = parse_datetime("12月13日 午後1時から3時まで", reference=REFERENCE)

    assert parsed.starts_at == tokyo(2026, 12, 13, 13, 0)
    assert parsed.ends_at == tokyo(2026, 12, 13, 15, 0)


def test_morning_until_noon_is_read():
    parsed = parse_datetime("2026年12月13日（日）午前９時～正午")

    assert parsed.starts_at == tokyo(2026, 12, 13, 9, 0)
    assert parsed.ends_at == tokyo(2026, 12, 13, 12, 0)


def test_a_multi_day_range_gives_both_dates():
    parsed = parse_datetime("2026年12月13日（日）～12月15日（火）")

    assert parsed.starts_at == date(2026, 12, 13)
    assert parsed.ends_at == date(2026, 12, 15)
    assert parsed.all_day
    assert not parsed.low_confidence


def test_a_range_ending_on_a_bare_day_stays_in_the_month():
    parsed = parse_datetime("2026年12月13日～14日")

    assert parsed.ends_at == date(2026, 12, 14)


def test_a_range_across_the_new_year_ends_in_the_next_year():
    parsed = parse_datetime("2026年12月28日～1月5日")

    assert parsed.ends_at == date(2027, 1, 5)


def test_a_range_with_dates_and_times_on_both_sides_is_read():
    parsed = parse_datetime("2026/12/13 10:00 - 2026/12/14 12:00")

    assert parsed.starts_at == tokyo(2026, 12, 13, 10, 0)
    assert parsed.ends_at == tokyo(2026, 12, 14, 12, 0)


def test_an_end_time_without_a_meridiem_follows_an_afternoon_start():
    parsed = parse_datetime("2026年12月13日 午後1時～3時")

    assert parsed.ends_at == tokyo(2026, 12, 13, 15, 0)
    assert not parsed.low_confidence


def test_an_end_time_before_a_late_start_is_the_next_day_with_low_confidence():
    parsed = parse_datetime("2026年12月13日 22:00〜2:00")

    assert parsed.ends_at == tokyo(2026, 12, 14, 2, 0)
    assert parsed.low_confidence


def test_the_next_day_marker_needs_no_review():
    parsed = parse_datetime("2026年12月13日 22:00〜翌2:00")

    assert parsed.ends_at == tokyo(2026, 12, 14, 2, 0)
    assert not parsed.low_confidence


# --- numbered sessions ----------------------------------------------------------------


def test_numbered_sessions_are_split_before_normalising():
    text = "①12月6日(土)10:00〜12:00 ②12月13日(土)10:00〜12:00"

    assert split_numbered(text) == [
        "①12月6日(土)10:00〜12:00",
        "②12月13日(土)10:00〜12:00",
    ]
    # The reason: normalised, the marker becomes a digit of the month.
    assert working_copy(text).startswith("112月6日")


def test_numbered_sessions_become_separate_sessions():
    text = "①12月6日(土)10:00〜12:00 ②12月13日(土)10:00〜12:00"

    sessions = parse_sessions(text, reference=date(2025, 11, 1))

    assert [(s.starts_at, s.ends_at) for s in sessions] == [
        (tokyo(2025, 12, 6, 10, 0), tokyo(2025, 12, 6, 12, 0)),
        (tokyo(2025, 12, 13, 10, 0), tokyo(2025, 12, 13, 12, 0)),
    ]
    assert [s.raw for s in sessions] == split_numbered(text)


def test_a_single_date_read_from_numbered_text_is_the_first_session_only():
    text = "①12月6日(土)10:00〜12:00 ②12月13日(土)10:00〜12:00"

    parsed = parse_datetime(text, reference=date(2025, 11, 1))

    assert parsed.starts_at == tokyo(2025, 12, 6, 10, 0)
    assert parsed.ends_at == tokyo(2025, 12, 6, 12, 0)


def test_numbered_times_after_a_bare_date_replace_it():
    sessions = parse_sessions("2026年12月13日(日)\n①10:00~12:00 ②13:00~15:00")

    assert [(s.starts_at, s.ends_at) for s in sessions] == [
        (tokyo(2026, 12, 13, 10, 0), tokyo(2026, 12, 13, 12, 0)),
        (tokyo(2026, 12, 13, 13, 0), tokyo(2026, 12, 13, 15, 0)),
    ]


def test_text_without_dates_has_no_sessions():
    assert parse_sessions("詳細は申込後にお知らせします") == []


# --- recurring schedules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "starts_at", "ends_at"),
    [
        ("毎週火・木曜 10:00〜12:00", "FREQ=WEEKLY;BYDAY=TU,TH", time(10), time(12)),
        ("毎週水曜 15:00〜18:00", "FREQ=WEEKLY;BYDAY=WE", time(15), time(18)),
        ("毎週月曜日と木曜日", "FREQ=WEEKLY;BYDAY=MO,TH", None, None),
        ("毎週土日 午前9時～正午", "FREQ=WEEKLY;BYDAY=SA,SU", time(9), time(12)),
        ("第2・4土曜", "FREQ=MONTHLY;BYDAY=2SA,4SA", None, None),
        (
            "第１・第３水曜日 13時～15時",
            "FREQ=MONTHLY;BYDAY=1WE,3WE",
            time(13),
            time(15),
        ),
        ("毎月第1日曜", "FREQ=MONTHLY;BYDAY=1SU", None, None),
        ("第1土曜と第3日曜", "FREQ=MONTHLY;BYDAY=1SA,3SU", None, None),
        ("第2・最終金曜日", "FREQ=MONTHLY;BYDAY=2FR,-1FR", None, None),
        ("毎月15日", "FREQ=MONTHLY;BYMONTHDAY=15", None, None),
        ("毎日 9:00", "FREQ=DAILY", time(9), None),
    ],
)
def test_recurring_wording_becomes_an_rrule_and_times(text, rule, starts_at, ends_at):
    recurrence = parse_recurrence(text)

    assert recurrence.rule == rule
    assert (recurrence.starts_at, recurrence.ends_at) == (starts_at, ends_at)
    assert recurrence.raw == text


def test_a_recurring_schedule_is_always_marked_for_staff_review():
    recurrence = parse_recurrence("毎週火・木曜 10:00〜12:00")

    assert recurrence.low_confidence
    assert RECURRING_REVIEW in recurrence.reasons


def test_every_other_week_says_the_first_week_needs_choosing():
    recurrence = parse_recurrence("隔週土曜 10:00～12:00")

    assert recurrence.rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"
    assert len(recurrence.reasons) == 2


def test_recurrence_rules_are_rules_dateutil_understands():
    second_and_fourth = rrulestr(
        parse_recurrence("第2・4土曜").rule, dtstart=datetime(2026, 12, 1)
    )
    tuesday_and_thursday = rrulestr(
        parse_recurrence("毎週火・木曜").rule, dtstart=datetime(2026, 12, 1)
    )

    assert [d.date() for d in second_and_fourth[:2]] == [
        date(2026, 12, 12),
        date(2026, 12, 26),
    ]
    assert [d.date() for d in tuesday_and_thursday[:3]] == [
        date(2026, 12, 1),
        date(2026, 12, 3),
        date(2026, 12, 8),
    ]


def test_an_impossible_time_leaves_a_recurrence_without_times():
    recurrence = parse_recurrence("毎週水曜 25:00〜26:00")

    assert recurrence.rule == "FREQ=WEEKLY;BYDAY=WE"
    assert (recurrence.starts_at, recurrence.ends_at) == (None, None)


def test_one_off_dates_are_not_recurrences():
    assert parse_recurrence("2026年12月13日 10:00〜12:00") is None


# --- what is kept, and what is not a date ---------------------------------------------


def test_the_raw_text_is_kept_exactly_as_written():
    raw = "令和９年１月１５日（金）午前１０時～正午"

    parsed = parse_datetime(raw)

    assert parsed.raw == raw


def test_the_wave_dash_and_the_fullwidth_tilde_both_separate_a_range():
    assert working_copy("10:00\u301c12:00") == "10:00~12:00"
    assert working_copy("10:00\uff5e12:00") == "10:00~12:00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "未定",
        "令和８年度",
        "第１０回",
        "2026年2月30日",
        "2026-13-45",
        "12月13日 25:00",
        "Wed, 31 Feb 2026 10:00:00",
        "詳細は申込後にお知らせします",
        "\x00\ufffd",
    ],
)
def test_unreadable_text_returns_none_without_raising(text):
    assert parse_datetime(text) is None
    assert parse_feed_date(text) is None
    assert parse_sessions(text) == []
    assert parse_recurrence(text) is None


# --- the partner-site samples ---------------------------------------------------------


def test_the_rss_1_0_sample_dates_match_the_manifest():
    text = fixture_text("rss10_shiftjis_cp932.rdf")
    items = re.findall(r"<item\b.*?<dc:date>(.*?)</dc:date>", text, re.S)
    expected = [
        item["published"]
        for item in MANIFEST["rss10_shiftjis_cp932.rdf"]["expect"]["items"]
    ]

    assert items == ["2026-11-18T00:00:00+09:00", "2026/11/19 14:05:00", "2026-11-20"]
    assert [iso(parse_feed_date(raw).starts_at) for raw in items] == expected


def test_the_atom_sample_published_time_and_event_time_match_the_manifest():
    text = fixture_text("atom_blog_no_offset.xml")
    expected = MANIFEST["atom_blog_no_offset.xml"]["expect"]["items"][0]
    published = re.search(r"<published>(.*?)</published>", text).group(1)
    when = re.search(r"日時：(.*?)</p>", html.unescape(text)).group(1)

    event = parse_datetime(when, reference=REFERENCE)

    assert iso(parse_feed_date(published).starts_at) == expected["published"]
    assert iso(event.starts_at) == expected["starts_at"]
    assert iso(event.ends_at) == expected["ends_at"]
    assert event.raw == "2026年12月13日（日）午前９時～正午"


def test_the_rss_2_0_sample_dates_and_schedule_match_the_manifest():
    text = fixture_text("rss20_relative_entities.xml")
    expect = MANIFEST["rss20_relative_entities.xml"]["expect"]["items"]
    dates = re.findall(r"<pubDate>(.*?)</pubDate>", text)

    assert [iso(parse_feed_date(raw).starts_at) for raw in dates] == [
        item["published"] for item in expect
    ]

    recurrence = parse_recurrence(expect[0]["description_text"])

    assert recurrence.rule == "FREQ=WEEKLY;BYDAY=WE"
    assert (recurrence.starts_at, recurrence.ends_at) == (time(15), time(18))
    assert recurrence.low_confidence


def test_the_table_page_sessions_and_deadline_match_the_manifest():
    entry = MANIFEST["page_table_cp932.html"]
    text = fixture_text("page_table_cp932.html")
    reference = date.fromisoformat(entry["published"])
    cell = re.search(r"<th>日　時</th><td>(.*?)</td>", text, re.S).group(1)
    deadline = re.search(r"<th>締　切</th><td>(.*?)</td>", text).group(1)

    sessions = parse_sessions(re.sub(r"<[^>]+>", "\n", cell), reference=reference)
    due = parse_datetime(deadline, reference=reference)

    assert [
        {"starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at)} for s in sessions
    ] == entry["expect"]["sessions"]
    assert [s.raw for s in sessions] == [
        "令和９年１月１５日（金）午前１０時～正午",
        "①１３時～１５時",
        "②１５時３０分～１７時",
    ]
    assert iso(due.starts_at) == entry["expect"]["deadline"]
    assert due.low_confidence


def test_the_definition_list_page_schedule_is_a_recurrence_for_review():
    text = fixture_text("page_dl_recurring.html")
    days = re.search(r"<dt>活動日</dt><dd>(.*?)</dd>", text).group(1)

    recurrence = parse_recurrence(days)

    assert "\u301c" in days
    assert recurrence.rule == "FREQ=WEEKLY;BYDAY=TU,TH"
    assert (recurrence.starts_at, recurrence.ends_at) == (time(10), time(12))
    assert recurrence.raw == days
    assert recurrence.low_confidence


def test_the_json_ld_sample_times_without_offset_match_the_manifest():
    text = fixture_text("page_jsonld_event.html")
    expect = MANIFEST["page_jsonld_event.html"]["expect"]
    starts = re.search(r'"startDate": "(.*?)"', text).group(1)
    ends = re.search(r'"endDate": "(.*?)"', text).group(1)

    assert iso(parse_datetime(starts).starts_at) == expect["starts_at"]
    assert iso(parse_datetime(ends).starts_at) == expect["ends_at"]


def test_the_open_data_csv_dates_and_times_match_the_manifest():
    rows = list(
        csv.DictReader(io.StringIO(fixture_text("opendata_event_list_cp932.csv")))
    )
    expect = MANIFEST["opendata_event_list_cp932.csv"]["expect"]["items"]

    for row, item in zip(rows, expect, strict=True):
        event = parse_datetime(f"{row['開始日']} {row['開始時間']}〜{row['終了時間']}")

        assert iso(event.starts_at) == item["starts_at"]
        assert iso(event.ends_at) == item["ends_at"]
        assert not event.low_confidence

    deadline = f"{rows[0]['参加申込終了日']} {rows[0]['参加申込終了時間']}"
    assert iso(parse_datetime(deadline).starts_at) == expect[0]["deadline"]
