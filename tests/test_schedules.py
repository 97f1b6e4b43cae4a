"""Recurrence rules in words, and the next dates they give."""

import time as clock
from datetime import UTC, date, datetime, time

import pytest

from app.schedules import (
    RuleError,
    describe_recurrence,
    describe_rule,
    parse_rule,
    upcoming_dates,
)
from app.templating import TOKYO
from tests.support.apps import build, dispose, settings

# Rules people could type, or a partner site could send, that are not usable.
BROKEN_RULES = [
    None,
    "",
    "garbage",
    "FREQ=WEEKLY;BYDAY=XX",
    "FREQ=WEEKLY;FOO=1",
    "FREQ=WEEKLY;INTERVAL=0",
    "FREQ=MONTHLY;BYDAY=9SA",
    "FREQ=HOURLY",
    "BYDAY=MO",
]


@pytest.fixture(scope="module")
def words_app(tmp_path_factory):
    """An app for wording only: these tests never touch a database."""
    app = build(settings("sqlite://", tmp_path_factory.mktemp("schedules")))
    yield app
    dispose(app)


@pytest.fixture
def japanese(words_app):
    with words_app.test_request_context("/?lang=ja"):
        yield


@pytest.fixture
def english(words_app):
    with words_app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=TU,TH", "毎週火・木曜"),
        ("FREQ=WEEKLY;BYDAY=TH,TU", "毎週火・木曜"),
        ("RRULE:FREQ=WEEKLY;BYDAY=SA", "毎週土曜"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "毎週月〜金曜"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "隔週水曜"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=MO", "3週ごとの月曜"),
        ("FREQ=MONTHLY;BYDAY=2SA,4SA", "毎月第2・第4土曜"),
        ("FREQ=MONTHLY;BYDAY=+1MO,3WE", "毎月第1月曜・第3水曜"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "毎月最終金曜"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "毎月1・15日"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "毎月末日"),
        ("FREQ=DAILY", "毎日"),
        ("freq=daily;interval=3", "3日ごと"),
        ("FREQ=DAILY;BYDAY=SA,SU", "毎週土・日曜"),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=18", "毎年4月18日"),
    ],
)
def test_rules_are_worded_the_way_a_leaflet_would_say_them(japanese, rule, words):
    assert describe_rule(rule) == words


def test_a_weekly_rule_with_its_times_reads_as_one_phrase(japanese):
    text = describe_recurrence("FREQ=WEEKLY;BYDAY=TU,TH", None, time(10), time(12))

    assert text == "毎週火・木曜 10:00〜12:00"


def test_a_rule_that_leaves_the_day_out_takes_it_from_the_first_date(japanese):
    # 15 January 2027 is a Friday.
    assert describe_rule("FREQ=WEEKLY", date(2027, 1, 15)) == "毎週金曜"
    assert describe_rule("FREQ=MONTHLY", date(2027, 1, 15)) == "毎月15日"


def test_rules_are_worded_in_english_on_english_pages(english):
    assert (
        describe_recurrence("FREQ=WEEKLY;BYDAY=TU,TH", None, time(10), time(12))
        == "Every Tue, Thu 10:00–12:00"
    )
    assert describe_rule("FREQ=MONTHLY;BYDAY=2SA,4SA") == (
        "Every month on the 2nd, 4th Sat"
    )
    assert describe_rule("FREQ=DAILY") == "Every day"


@pytest.mark.parametrize("rule", BROKEN_RULES)
def test_a_broken_rule_is_not_worded_and_gives_no_dates(japanese, rule):
    assert describe_rule(rule) is None
    assert describe_recurrence(rule, None, time(10), time(12)) is None
    assert upcoming_dates(rule, after=datetime(2027, 1, 1, tzinfo=TOKYO)) == []


def test_a_valid_rule_too_intricate_to_word_still_lists_its_dates(japanese):
    # The last weekday of each month.
    rule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"

    dates = upcoming_dates(
        rule, after=datetime(2027, 1, 1, tzinfo=TOKYO), start_time=time(18)
    )

    assert describe_rule(rule) is None
    assert [start.date() for start, _end in dates[:2]] == [
        date(2027, 1, 29),
        date(2027, 2, 26),
    ]


def test_upcoming_dates_are_tokyo_times_from_the_given_moment():
    dates = upcoming_dates(
        "FREQ=WEEKLY;BYDAY=TU,TH",
        after=datetime(2027, 1, 6, 0, 0, tzinfo=TOKYO),
        starts_on=date(2027, 1, 1),
        start_time=time(10),
        end_time=time(12),
        count=3,
    )

    assert dates == [
        (
            datetime(2027, 1, 7, 10, tzinfo=TOKYO),
            datetime(2027, 1, 7, 12, tzinfo=TOKYO),
        ),
        (
            datetime(2027, 1, 12, 10, tzinfo=TOKYO),
            datetime(2027, 1, 12, 12, tzinfo=TOKYO),
        ),
        (
            datetime(2027, 1, 14, 10, tzinfo=TOKYO),
            datetime(2027, 1, 14, 12, tzinfo=TOKYO),
        ),
    ]


def test_upcoming_dates_stop_at_the_last_day_of_the_activity():
    dates = upcoming_dates(
        "FREQ=MONTHLY;BYDAY=2SA,4SA",
        after=datetime(2027, 1, 1, tzinfo=TOKYO),
        ends_on=date(2027, 1, 31),
        start_time=time(9, 30),
    )

    assert [start.date() for start, _end in dates] == [
        date(2027, 1, 9),
        date(2027, 1, 23),
    ]


def test_upcoming_dates_accept_an_end_written_in_utc():
    dates = upcoming_dates(
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270120T000000Z",
        after=datetime(2027, 1, 1, tzinfo=TOKYO),
        starts_on=date(2027, 1, 1),
        start_time=time(10),
    )

    assert [start.date() for start, _end in dates] == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
    ]


def test_a_rule_matching_no_real_day_answers_at_once():
    started = clock.monotonic()

    dates = upcoming_dates(
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", after=datetime(2027, 1, 1, tzinfo=TOKYO)
    )

    assert dates == []
    assert clock.monotonic() - started < 2


def test_public_holidays_can_be_left_out_of_a_weekly_rule():
    # Mondays from 2027-01-04: 11 January 2027 is 成人の日.
    dates = upcoming_dates(
        "FREQ=WEEKLY;BYDAY=MO",
        after=datetime(2027, 1, 3, tzinfo=UTC),
        starts_on=date(2027, 1, 4),
        start_time=time(10, 0),
        count=3,
        skip_public_holidays=True,
    )
    assert [start.date() for start, _ in dates] == [
        date(2027, 1, 4),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]


def test_the_new_year_closure_can_be_left_out_of_a_daily_rule():
    dates = upcoming_dates(
        "FREQ=DAILY",
        after=datetime(2026, 12, 27, tzinfo=UTC),
        starts_on=date(2026, 12, 27),
        start_time=time(9, 0),
        count=4,
        skip_year_end=True,
    )
    assert [start.date() for start, _ in dates] == [
        date(2026, 12, 27),
        date(2026, 12, 28),
        date(2027, 1, 4),
        date(2027, 1, 5),
    ]


def test_a_rule_whose_dates_are_all_holidays_ends_without_looping():
    dates = upcoming_dates(
        "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
        after=datetime(2026, 12, 1, tzinfo=UTC),
        starts_on=date(2027, 1, 1),
        skip_public_holidays=True,
    )
    assert dates == []


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=13",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=DAILY;BYYEARDAY=366;BYMONTH=1",
        "FREQ=WEEKLY;BYWEEKNO=1;BYMONTH=6",
    ],
)
def test_rules_that_can_match_no_date_are_refused_at_once(rule):
    # Refused by reading the rule, not by searching the calendar to 9999.
    with pytest.raises(RuleError):
        parse_rule(rule)
    assert describe_rule(rule) is None
    assert upcoming_dates(rule, after=datetime(2026, 12, 1, tzinfo=UTC)) == []


def test_a_session_announced_by_date_only_lasts_all_that_day_in_tokyo():
    from types import SimpleNamespace

    from app.schedules import is_over, next_session

    # 2027-01-15 in Tokyo starts at 2027-01-14 15:00 UTC.
    session = SimpleNamespace(
        starts_at=datetime(2027, 1, 14, 15, 0, tzinfo=UTC), ends_at=None, all_day=True
    )
    evening = datetime(2027, 1, 15, 11, 0, tzinfo=UTC)  # 20:00 in Tokyo
    next_morning = datetime(2027, 1, 15, 15, 30, tzinfo=UTC)  # 00:30 the next day

    assert not is_over(session, evening)
    assert next_session([session], evening) is session
    assert is_over(session, next_morning)
