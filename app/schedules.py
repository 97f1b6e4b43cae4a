"""Wording and expanding the schedules of activities.

A recurring activity stores an iCalendar RRULE (RFC 5545) such as
``FREQ=WEEKLY;BYDAY=TU,TH`` with Tokyo wall-clock start and end times.
dateutil decides what a rule means; this module words the common shapes the
way people write them on a leaflet (毎週火・木曜, 毎月第2・第4土曜) and lists the
next meetings. A rule it cannot word is not an error: the page then shows the
schedule note and the dates dateutil computes.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

import jpholiday
from babel.dates import format_skeleton, get_day_names
from dateutil.rrule import rrule, rrulestr
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from app.templating import TOKYO, format_clock, format_range

logger = logging.getLogger(__name__)

# RFC 5545 weekday codes in Python's order: Monday is 0, as in date.weekday().
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# Parts that narrow a rule in ways the wording below does not express.
_UNWORDED_PARTS = {
    "BYSETPOS",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYEASTER",
}

# Activities meet at most daily; finer rules would make listing dates costly
# and are treated as broken.
_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}

# The longest each month can be, leap years included.
_MONTH_LENGTHS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# dateutil reports a bad rule with any of these, some only while iterating.
_RULE_ERRORS = (ValueError, TypeError, IndexError, KeyError, OverflowError)


class RuleError(ValueError):
    """A recurrence rule that dateutil or this module cannot use."""


@dataclass(frozen=True)
class ParsedRule:
    parts: dict[str, str]
    rule: rrule
    # Whether dateutil works with aware datetimes (an UTC UNTIL forces it).
    aware: bool


def _parts(text: str) -> dict[str, str]:
    """Split ``FREQ=WEEKLY;BYDAY=TU,TH`` into its named parts, upper-cased."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts = {}
    for part in text.upper().split(";"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep or not value:
            raise RuleError(f"malformed part {part!r}")
        parts[name.strip()] = value.strip()
    return parts


def parse_rule(text: str | None, dtstart: datetime | None = None) -> ParsedRule:
    """Read a rule into its named parts and a dateutil rule.

    ``dtstart`` is a naive Tokyo wall-clock time. A rule whose UNTIL is written
    in UTC needs an aware start, so it is retried with one.
    """
    if not text or not text.strip():
        raise RuleError("empty rule")
    try:
        parts = _parts(text)
        if parts.get("FREQ") not in _FREQUENCIES:
            raise RuleError(f"unsupported frequency in {text!r}")
        if int(parts.get("INTERVAL", "1")) < 1:
            raise RuleError(f"interval below one in {text!r}")
        _check_ranges(parts, text)
        start = dtstart or datetime(2000, 1, 1)
        try:
            parsed = ParsedRule(parts, rrulestr(text, dtstart=start), aware=False)
        except ValueError:
            aware_start = start.replace(tzinfo=TOKYO)
            parsed = ParsedRule(parts, rrulestr(text, dtstart=aware_start), aware=True)
        if _matches_no_day(parts):
            raise RuleError(f"no day matches {text!r}")
    except RuleError:
        raise
    except _RULE_ERRORS as exc:
        raise RuleError(f"{text!r}: {exc}") from exc
    return parsed


# The parts a meeting schedule needs. Times come from their own fields, and
# year-day or week-number rules can combine into ones that match no date, for
# which dateutil searches every year up to 9999 on each page view.
_SUPPORTED = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"}
_SUPPORTED |= {"UNTIL", "COUNT", "WKST"}

# The values each list part may take; dateutil accepts others (BYMONTH=13).
_RANGES = {
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYSETPOS": (1, 366, True),
}


def _check_ranges(parts: dict[str, str], text: str) -> None:
    unsupported = set(parts) - _SUPPORTED
    if unsupported:
        raise RuleError(f"unsupported parts {sorted(unsupported)} in {text!r}")
    for name, (low, high, signed) in _RANGES.items():
        for item in filter(None, parts.get(name, "").split(",")):
            value = int(item)
            size = abs(value) if signed else value
            if not low <= size <= high or (signed and value == 0 and low > 0):
                raise RuleError(f"{name}={item} is out of range in {text!r}")


def _matches_no_day(parts: dict[str, str]) -> bool:
    """Whether BYMONTHDAY asks for a day none of the months has (30 February).

    XXX: dateutil looks for a match until the year 9999 before it gives up,
    which takes seconds for a daily rule, and UNTIL does not stop it early.
    This catches the mistake people make; other rules that can never match
    are far-fetched enough to leave to dateutil.
    """
    days = _integers(parts.get("BYMONTHDAY"))
    if not days:
        return False
    months = _integers(parts.get("BYMONTH")) or range(1, 13)
    longest = max(_MONTH_LENGTHS[month - 1] for month in months)
    return all(abs(day) > longest for day in days)


# -- Wording -----------------------------------------------------------------


def _separator() -> str:
    # 火・木 in Japanese, "Tue, Thu" in English.
    return pgettext("between items of a short list", ", ")


def _weekday(index: int) -> str:
    return get_day_names("abbreviated", locale=get_locale())[index]


def _weekdays(indexes: list[int]) -> str:
    """月・水・金, or a run of three or more days as 月〜金."""
    indexes = sorted(set(indexes))
    if len(indexes) >= 3 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return format_range(_weekday(indexes[0]), _weekday(indexes[-1]))
    return _separator().join(_weekday(i) for i in indexes)


def _ordinal(n: int) -> str | None:
    """第2 for the second weekday of a month, 最終 for the last."""
    ordinals = {
        1: pgettext("week of the month", "1st"),
        2: pgettext("week of the month", "2nd"),
        3: pgettext("week of the month", "3rd"),
        4: pgettext("week of the month", "4th"),
        5: pgettext("week of the month", "5th"),
        -1: pgettext("week of the month", "last"),
    }
    return ordinals.get(n)


def _byday(value: str | None) -> list[tuple[int | None, int]]:
    """``2SA,4SA`` as ``[(2, 5), (4, 5)]``; a plain ``TU`` has no ordinal."""
    if not value:
        return []
    days = []
    for item in value.split(","):
        code, number = item[-2:], item[:-2]
        days.append((int(number) if number else None, WEEKDAY_CODES.index(code)))
    return days


def _integers(value: str | None) -> list[int]:
    return [int(item) for item in value.split(",")] if value else []


def _weekly_phrase(weekdays: list[int], interval: int) -> str:
    if not weekdays:
        return _("Every week") if interval == 1 else ""
    if len(set(weekdays)) == 7 and interval == 1:
        return _("Every day")
    text = _weekdays(weekdays)
    if interval == 1:
        return _("Every %(weekdays)s", weekdays=text)
    if interval == 2:
        return _("Every other %(weekdays)s", weekdays=text)
    return _("Every %(count)d weeks on %(weekdays)s", count=interval, weekdays=text)


def _nth_weekdays_phrase(days: list[tuple[int, int]]) -> str | None:
    """第2・第4土曜, grouping the ordinals of each weekday."""
    groups = []
    by_weekday = sorted(days, key=lambda day: day[1])
    for weekday, group in groupby(by_weekday, key=lambda day: day[1]):
        numbers = sorted({n for n, _day in group}, key=lambda n: (n < 0, n))
        ordinals = [_ordinal(n) for n in numbers]
        if None in ordinals:
            return None
        groups.append(
            pgettext(
                "ordinals and a weekday, such as the 2nd, 4th Sat",
                "the %(ordinals)s %(weekday)s",
                ordinals=_separator().join(ordinals),
                weekday=_weekday(weekday),
            )
        )
    return _separator().join(groups)


def _monthly_phrase(parts: dict, starts_on: date | None, interval: int) -> str | None:
    byday = _byday(parts.get("BYDAY"))
    monthdays = _integers(parts.get("BYMONTHDAY"))
    if byday and monthdays:
        return None
    if byday and all(n is None for n, _day in byday):
        # FREQ=MONTHLY;BYDAY=MO is every Monday of every month.
        return _weekly_phrase([day for _n, day in byday], interval)
    if byday:
        if any(n is None for n, _day in byday):
            return None
        days = _nth_weekdays_phrase(byday)
    elif monthdays == [-1]:
        days = _("the last day")
    elif monthdays:
        if any(not 1 <= day <= 31 for day in monthdays):
            return None
        days = _("day %(days)s", days=_separator().join(map(str, sorted(monthdays))))
    elif starts_on:
        days = _("day %(days)s", days=str(starts_on.day))
    else:
        return _("Every month") if interval == 1 else None
    if days is None:
        return None
    if interval == 1:
        return _("Every month on %(days)s", days=days)
    return _("Every %(count)d months on %(days)s", count=interval, days=days)


def _yearly_phrase(parts: dict, starts_on: date | None, interval: int) -> str | None:
    months = _integers(parts.get("BYMONTH"))
    monthdays = _integers(parts.get("BYMONTHDAY"))
    if parts.get("BYDAY") or len(months) > 1 or len(monthdays) > 1 or interval != 1:
        return None
    if not months and not monthdays and starts_on:
        months, monthdays = [starts_on.month], [starts_on.day]
    if not (months and monthdays):
        return None
    try:
        day = date(2000, months[0], monthdays[0])
    except ValueError:
        return None
    text = format_skeleton("MMMd", day, locale=get_locale())
    return _("Every year on %(date)s", date=text)


def describe_rule(text: str | None, starts_on: date | None = None) -> str | None:
    """The rule in words in the current language, such as 毎週火・木曜.

    Returns None for a missing or broken rule and for shapes not worded here;
    ``starts_on`` supplies the day a rule leaves implicit, as RFC 5545 does.
    """
    if not text:
        return None
    dtstart = datetime.combine(starts_on, time()) if starts_on else None
    try:
        parts = parse_rule(text, dtstart).parts
    except RuleError as exc:
        logger.warning("cannot read recurrence rule: %s", exc)
        return None
    if _UNWORDED_PARTS & parts.keys():
        return None
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts["FREQ"]
    if freq == "DAILY" and not parts.keys() & {"BYDAY", "BYMONTHDAY", "BYMONTH"}:
        if interval == 1:
            return _("Every day")
        return _("Every %(count)d days", count=interval)
    if freq in {"DAILY", "WEEKLY"} and not parts.keys() & {"BYMONTHDAY", "BYMONTH"}:
        if freq == "DAILY" and interval != 1:
            return None
        byday = _byday(parts.get("BYDAY"))
        if any(n is not None for n, _day in byday):
            return None
        weekdays = [day for _n, day in byday]
        if not weekdays and starts_on:
            weekdays = [starts_on.weekday()]
        return _weekly_phrase(weekdays, interval) or None
    if freq == "MONTHLY" and "BYMONTH" not in parts:
        return _monthly_phrase(parts, starts_on, interval)
    if freq == "YEARLY":
        return _yearly_phrase(parts, starts_on, interval)
    return None


def describe_times(start: time | None, end: time | None) -> str:
    """10:00〜12:00, or 10:00〜 when the end is open."""
    if start is None:
        return ""
    return format_range(format_clock(start), format_clock(end) if end else None)


def describe_recurrence(
    text: str | None,
    starts_on: date | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
) -> str | None:
    """The rule and its times: 毎週火・木曜 10:00〜12:00."""
    phrase = describe_rule(text, starts_on)
    if phrase is None:
        return None
    times = describe_times(start_time, end_time)
    return f"{phrase} {times}" if times else phrase


# -- Dates -------------------------------------------------------------------


def upcoming_dates(
    text: str | None,
    *,
    after: datetime,
    starts_on: date | None = None,
    ends_on: date | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
    count: int = 5,
    skip_public_holidays: bool = False,
    skip_year_end: bool = False,
) -> list[tuple[datetime, datetime | None]]:
    """The next ``count`` meetings starting at or after ``after``.

    Each is a pair of aware Tokyo datetimes (start, end or None), ready for
    ``format_span``. Public holidays and the New Year closure are left out
    when asked. A broken rule gives an empty list.
    """
    if not text:
        return []
    now = after.astimezone(TOKYO).replace(tzinfo=None)
    first_day = starts_on or now.date()
    dtstart = datetime.combine(first_day, start_time or time())
    try:
        parsed = parse_rule(text, dtstart)
        if parsed.aware:
            now = now.replace(tzinfo=TOKYO)
        found = []
        # Some mistakes (BYDAY=9SA) only surface while dateutil iterates.
        # A bounded look-ahead: a rule whose every date is a holiday must not
        # loop for ever.
        candidates = parsed.rule.xafter(now, count=count + 60, inc=True)
        for start in candidates:
            start = start.replace(tzinfo=TOKYO)
            if ends_on and start.date() > ends_on:
                break
            if skip_public_holidays and jpholiday.is_holiday(start.date()):
                continue
            if skip_year_end and is_year_end(start.date()):
                continue
            found.append((start, _end_of(start, start_time, end_time)))
            if len(found) == count:
                break
    except RuleError as exc:
        logger.warning("cannot read recurrence rule: %s", exc)
        return []
    except _RULE_ERRORS as exc:
        logger.warning("cannot expand recurrence rule %r: %s", text, exc)
        return []
    return found


def is_year_end(day: date) -> bool:
    """Within the New Year closure of public buildings, 29 December to 3 January."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def _end_of(start: datetime, start_time: time | None, end_time: time | None):
    if end_time is None:
        return None
    end = datetime.combine(start.date(), end_time, tzinfo=TOKYO)
    if start_time is not None and end_time <= start_time:
        # A meeting that runs past midnight ends on the next day.
        end += timedelta(days=1)
    return end


def is_over(session, now: datetime | None = None) -> bool:
    """Whether a dated session has ended.

    A session announced by date only lasts the whole of that day in Tokyo,
    and one without an end time until the end of its day too.
    """
    now = now or datetime.now(UTC)
    if session.all_day or session.ends_at is None:
        day = session.starts_at.astimezone(TOKYO).date()
        return day < now.astimezone(TOKYO).date()
    return session.ends_at < now


def next_session(sessions, now: datetime | None = None):
    """The first of an activity's dated sessions that has not yet ended."""
    now = now or datetime.now(UTC)
    for session in sessions:
        if not is_over(session, now):
            return session
    return None
