"""Reading the dates and times partner sites write, in Tokyo time.

Feeds and pages write dates in many ways: ISO 8601 and RFC 2822 in feeds,
``2026/11/19 14:05:00`` and ``令和9年1月15日（金）午前10時～正午`` on pages,
numbered sessions, and recurring wording such as ``毎週火・木曜``. Every
result keeps the text it came from, because the stored text is what staff
check against; normalisation (NFKC) happens only on a working copy used for
matching. A result the parser had to guess at carries the reasons, so that
staff confirm it before it is published.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

TOKYO = ZoneInfo("Asia/Tokyo")

RECURRING_REVIEW = "recurring schedule: staff confirm the rule before publishing"

# RFC 5545 weekday codes in Python's order: Monday is 0, as in date.weekday().
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAYS = {name: index for index, name in enumerate("月火水木金土日")}

# The Gregorian year before the first year (元年) of each era.
_ERAS = {
    "令和": 2018,
    "平成": 1988,
    "昭和": 1925,
    "大正": 1911,
    "R": 2018,
    "H": 1988,
    "S": 1925,
    "T": 1911,
}

# Session markers: ① to ㊿, ⑴ to ⒇, ⒈ to ⒛ and the dingbat variants. NFKC turns
# them into plain digits that run into the date after them (①12月 becomes
# 112月), so the text is split on them before it is normalised.
_NUMBERED = re.compile(
    "[\u2460-\u249b\u24eb-\u24f4\u24f5-\u24fe\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]"
)

# Range separators after NFKC. NFKC folds ～ (U+FF5E) to "~" but leaves the
# wave dash 〜 (U+301C) alone; the other dashes are what word processors
# substitute for a hyphen.
_DASHES = re.compile("[\u301c\u223c\u2010-\u2015\u2212\u2500\u30fc]")

_ERA_NAMES = "令和|平成|昭和|大正"
_TOKEN = re.compile(
    rf"""
    (?P<numeric_date>(?<!\d)(?P<ny>\d{{4}})[-/.](?P<nm>\d{{1,2}})[-/.]
        (?P<nd>\d{{1,2}})(?!\d))
    |(?P<era_abbreviated>(?<![A-Za-z])(?P<ae>[RHST])\s*(?P<ay>\d{{1,2}}|元)[./]
        (?P<am>\d{{1,2}})[./](?P<ad>\d{{1,2}})(?!\d))
    |(?P<written_date>
        (?:(?P<je>{_ERA_NAMES})\s*(?P<jey>\d{{1,2}}|元)\s*年
          |(?<!\d)(?P<jy>\d{{4}})\s*年)?
        \s*(?<!\d)(?P<jm>\d{{1,2}})\s*月\s*(?P<jd>\d{{1,2}})\s*日)
    |(?P<month_day>(?<![\d/])(?P<sm>\d{{1,2}})/(?P<sd>\d{{1,2}})(?![\d/]))
    |(?P<weekday>\(\s*(?P<wd>[月火水木金土日])?\s*(?:曜日?)?\s*[・/]?\s*
        (?P<holiday>祝日?|休日?|振休)?\s*\))
    |(?P<clock>(?P<next_day>翌日?\s*)?(?:(?P<meridiem>午前|午後)\s*)?
        (?:(?P<noon>正午)
          |(?<!\d)(?P<hour>\d{{1,2}})\s*
            (?::\s*(?P<minute>\d{{2}})(?::(?P<second>\d{{2}}))?(?!\d)
              |時\s*(?:(?P<minute_ja>\d{{1,2}})\s*分|(?P<half>半))?))
        (?:\s*(?P<meridiem_en>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?)
    |(?P<day>(?<!\d)(?P<dd>\d{{1,2}})\s*日)
    |(?P<separator>~|-|から|より|至)
    """,
    re.VERBOSE,
)
_DATE_KINDS = {"numeric_date", "era_abbreviated", "written_date", "month_day"}
# What may stand between the parts of one date expression.
_GAP = re.compile(r"[\sT、,の]*")

_ZONE = r"(?P<zone>Z|[+-]\d{2}:?\d{2}|\s*(?:UTC|UT|GMT|JST))?"
_ISO = re.compile(
    r"(?P<stamp>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)" + _ZONE
)
_RFC_2822 = re.compile(
    r"(?:[A-Za-z]{3},?\s*)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3})[a-z]*\.?\s+"
    r"(?P<year>\d{2}|\d{4})(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2}))?)?\s*(?P<zone>[+-]\d{4}|[A-Za-z]{1,5})?"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun")
        + ("jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_ZONE_HOURS = {
    "Z": 0,
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "JST": 9,
    "KST": 9,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
_TOKYO_OFFSET = re.compile(r"(?:\+09:?00|JST)\s*$")
_ANY_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|[A-Za-z]{1,5})\s*$")

_DAY = r"[月火水木金土日](?:曜日?)?"
_DAY_LIST = rf"{_DAY}(?:\s*[・,、/と]?\s*{_DAY})*"
_DAY_NAME = re.compile(r"([月火水木金土日])(?:曜日?)?")
# An ordinal is one digit: "13" after 第1水曜 is the time that follows.
_ORDINAL = r"(?:\d(?![\d:時分])|最終)"
_NTH_WEEKDAY = re.compile(
    rf"(?:毎月\s*)?第\s*{_ORDINAL}(?:\s*[・,、/と]?\s*(?:第\s*)?(?:{_ORDINAL}|{_DAY_LIST}))*"
)
_NTH_PART = re.compile(r"(?P<nth>\d|最終)|(?P<day>[月火水木金土日])(?:曜日?)?")
_MONTH_DAYS = re.compile(r"毎月\s*(\d{1,2})\s*日(?:\s*[・,、と]\s*(\d{1,2})\s*日)*")
_WEEKLY = re.compile(rf"(?P<every>毎週|隔週)\s*(?P<days>{_DAY_LIST})")
_WEEKDAYS_ONLY = re.compile(r"毎週\s*平日|平日\s*毎日")
_DAILY = re.compile(r"毎日")


@dataclass(frozen=True)
class ParsedDate:
    """One dated occurrence or range, read from ``raw``.

    ``starts_at`` and ``ends_at`` are aware datetimes in Tokyo, or dates when
    the text gives no time (then ``all_day`` is set).
    """

    raw: str
    starts_at: date
    ends_at: date | None = None
    all_day: bool = False
    # Why the result needs a person to confirm it; empty when it does not.
    reasons: tuple[str, ...] = ()

    @property
    def low_confidence(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Recurrence:
    """A recurring schedule: an RFC 5545 RRULE and Tokyo wall-clock times."""

    raw: str
    rule: str
    starts_at: time | None = None
    ends_at: time | None = None
    reasons: tuple[str, ...] = (RECURRING_REVIEW,)

    @property
    def low_confidence(self) -> bool:
        # Wording like 第2・4土曜 leaves holidays and the first date open.
        return True


@dataclass
class _Clock:
    hour: int
    minute: int = 0
    second: int = 0
    meridiem: str | None = None
    next_day: bool = False


@dataclass
class _Side:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    holiday: bool = False
    clock: _Clock | None = None

    @property
    def has_date(self) -> bool:
        return self.day is not None

    @property
    def is_empty(self) -> bool:
        return self.day is None and self.clock is None


def split_numbered(text: str) -> list[str]:
    """Split text into lines and numbered parts (①, ②, ...), markers kept."""
    pieces = []
    for line in text.splitlines():
        starts = [0] + [match.start() for match in _NUMBERED.finditer(line)]
        for begin, end in zip(starts, starts[1:] + [len(line)], strict=True):
            piece = line[begin:end].strip(" \t\u3000")
            if piece:
                pieces.append(piece)
    return pieces


def working_copy(text: str) -> str:
    """The NFKC form used for matching, with every range dash as "~"."""
    return _DASHES.sub("~", unicodedata.normalize("NFKC", text))


def parse_datetime(text: str, *, reference: date | None = None) -> ParsedDate | None:
    """Read one date, date and time, or range from text, in Tokyo time.

    ``reference`` (default: today in Tokyo) chooses the year when the text
    has none. Text after the first date expression is ignored; use
    ``parse_sessions`` for lists. Returns None when there is no date.
    """
    return _parse(text, _NUMBERED.sub(" ", text), reference, on=None)


def parse_feed_date(text: str, *, reference: date | None = None) -> ParsedDate | None:
    """Read a feed's timestamp; Tokyo midnight there means a date with no time.

    Municipal CMSs write a bare publication date as 00:00 +09:00. In free text
    a midnight may be real, so only feed timestamps get this reading.
    """
    parsed = parse_datetime(text, reference=reference)
    if (
        parsed is None
        or parsed.ends_at is not None
        or not isinstance(parsed.starts_at, datetime)
        or parsed.starts_at.time() != time(0, 0)
    ):
        return parsed
    stated = working_copy(text).strip()
    if _TOKYO_OFFSET.search(stated) or not _ANY_OFFSET.search(stated):
        return replace(parsed, starts_at=parsed.starts_at.date(), all_day=True)
    return parsed


def parse_sessions(text: str, *, reference: date | None = None) -> list[ParsedDate]:
    """Read every dated session in text: one per line or numbered part.

    A part with only times (``②15時30分～17時``) falls on the date of the part
    before it; a bare date followed by such parts is replaced by them.
    """
    sessions: list[ParsedDate] = []
    current_day: date | None = None
    bare_day_index: int | None = None
    for piece in split_numbered(text):
        # The marker is only a label; as a digit it would join the date.
        unmarked = _NUMBERED.sub(" ", piece)
        parsed = _parse(piece, unmarked, reference, on=current_day)
        if parsed is None:
            continue
        dated = _has_own_date(unmarked)
        if not dated and bare_day_index is not None:
            del sessions[bare_day_index]
        bare_day_index = None
        if dated:
            current_day = _calendar_day(parsed.starts_at)
            if parsed.all_day and parsed.ends_at is None:
                bare_day_index = len(sessions)
        sessions.append(parsed)
    return sessions


def parse_recurrence(text: str) -> Recurrence | None:
    """Read recurring wording (毎週火・木曜, 第2・4土曜) as an RRULE and times."""
    work = working_copy(text).replace("および", "・").replace("及び", "・")
    found = _recurrence_rule(work)
    if found is None:
        return None
    rule, match, extra_reasons = found
    starts_at, ends_at = _times_near(work, match)
    return Recurrence(
        raw=text,
        rule=rule,
        starts_at=starts_at,
        ends_at=ends_at,
        reasons=(RECURRING_REVIEW, *extra_reasons),
    )


# --- single dates ---------------------------------------------------------------


def _parse(
    raw: str, text: str, reference: date | None, on: date | None
) -> ParsedDate | None:
    work = working_copy(text).strip()
    if not work:
        return None
    try:
        stamp = _parse_stamp(raw, work)
        if stamp is not None:
            return stamp
        expression = _expression(work)
        if expression is None:
            return None
        return _resolve(raw, *expression, reference or _today(), on)
    except (ValueError, OverflowError):
        # Out-of-range parts such as 2月30日 or 25:00: not a date.
        logger.debug("unreadable date %r", raw)
        return None


def _parse_stamp(raw: str, work: str) -> ParsedDate | None:
    """ISO 8601 and RFC 2822 timestamps; None if the text is neither."""
    match = _ISO.fullmatch(work)
    if match:
        stamp = match.group("stamp")
        if len(stamp) == 10:
            return ParsedDate(raw, date.fromisoformat(stamp), all_day=True)
        moment = datetime.fromisoformat(stamp.replace(",", "."))
        return ParsedDate(raw, _in_tokyo(moment, match.group("zone")))

    match = _RFC_2822.fullmatch(work)
    if not match or match.group("month").lower() not in _MONTHS:
        return None
    year = int(match.group("year"))
    if year < 100:
        # RFC 2822's rule for obsolete two-digit years.
        year += 2000 if year < 50 else 1900
    day = date(year, _MONTHS[match.group("month").lower()], int(match.group("day")))
    if match.group("hour") is None:
        return ParsedDate(raw, day, all_day=True)
    moment = datetime.combine(
        day,
        time(
            int(match.group("hour")),
            int(match.group("minute")),
            int(match.group("second") or 0),
        ),
    )
    zone = match.group("zone")
    reasons = ()
    if zone and zone[0] not in "+-" and zone.upper() not in _ZONE_HOURS:
        reasons = (f"unknown time zone {zone!r} read as Tokyo time",)
        zone = None
    return ParsedDate(raw, _in_tokyo(moment, zone), reasons=reasons)


def _in_tokyo(moment: datetime, zone: str | None) -> datetime:
    """Attach the stated zone (none, or JST, means Tokyo) and convert to Tokyo."""
    zone = (zone or "").strip().upper()
    if moment.tzinfo is None and zone and zone not in {"JST"}:
        if zone in _ZONE_HOURS:
            offset = timedelta(hours=_ZONE_HOURS[zone])
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment.replace(tzinfo=timezone(offset))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TOKYO)
    return moment.astimezone(TOKYO)


def _expression(work: str) -> tuple[_Side, _Side | None] | None:
    """The first date expression in text: its start and, for a range, its end."""
    left = _Side()
    right: _Side | None = None
    side = left
    previous_end: int | None = None
    for match in _TOKEN.finditer(work):
        kind = match.lastgroup
        if previous_end is None:
            if kind not in _DATE_KINDS and kind != "clock":
                continue
        elif not _GAP.fullmatch(work, previous_end, match.start()):
            break

        if kind in _DATE_KINDS:
            # A date after a time starts another expression.
            if side.has_date or side.clock is not None:
                break
            _read_date(side, match)
        elif kind == "day":
            if side is not right or side.has_date or side.clock or not left.has_date:
                break
            side.day = int(match.group("dd"))
        elif kind == "weekday":
            if side.has_date and side.weekday is None and not side.holiday:
                if match.group("wd"):
                    side.weekday = _WEEKDAYS[match.group("wd")]
                side.holiday = bool(match.group("holiday"))
        elif kind == "clock":
            if side.clock is not None:
                break
            side.clock = _read_clock(match)
        elif kind == "separator":
            if side is right:
                break
            right = side = _Side()
        previous_end = match.end()

    if left.is_empty:
        return None
    if right is not None and right.is_empty:
        right = None
    return left, right


def _read_date(side: _Side, match: re.Match) -> None:
    kind = match.lastgroup
    if kind == "numeric_date":
        side.year, side.month, side.day = (
            int(match.group(name)) for name in ("ny", "nm", "nd")
        )
    elif kind == "era_abbreviated":
        side.year = _era_year(match.group("ae"), match.group("ay"))
        side.month, side.day = int(match.group("am")), int(match.group("ad"))
    elif kind == "written_date":
        if match.group("je"):
            side.year = _era_year(match.group("je"), match.group("jey"))
        elif match.group("jy"):
            side.year = int(match.group("jy"))
        side.month, side.day = int(match.group("jm")), int(match.group("jd"))
    else:
        side.month, side.day = int(match.group("sm")), int(match.group("sd"))


def _era_year(era: str, year: str) -> int:
    return _ERAS[era] + (1 if year == "元" else int(year))


def _read_clock(match: re.Match) -> _Clock:
    if match.group("noon"):
        return _Clock(12, next_day=bool(match.group("next_day")))
    minute = match.group("minute") or match.group("minute_ja")
    meridiem = match.group("meridiem")
    if match.group("meridiem_en"):
        meridiem = "午後" if match.group("meridiem_en")[0] in "Pp" else "午前"
    return _Clock(
        hour=int(match.group("hour")),
        minute=30 if match.group("half") else int(minute or 0),
        second=int(match.group("second") or 0),
        meridiem=meridiem,
        next_day=bool(match.group("next_day")),
    )


def _resolve(
    raw: str, left: _Side, right: _Side | None, reference: date, on: date | None
) -> ParsedDate | None:
    reasons: list[str] = []
    if left.has_date:
        start_day = _calendar_date(left, reference, reasons)
    elif on is not None:
        start_day = on
    else:
        # Times with no day to fall on.
        return None
    starts_at = _at(start_day, left.clock)

    ends_at: date | None = None
    if right is not None:
        end_day = start_day
        if right.has_date:
            if right.month is None:
                right.month = start_day.month
                if right.day < start_day.day:
                    right.month = start_day.month % 12 + 1
            if right.year is None:
                right.year = start_day.year
                if (right.month, right.day) < (start_day.month, start_day.day):
                    right.year += 1
            end_day = _calendar_date(right, reference, reasons)
        if right.clock is None:
            ends_at = end_day
        else:
            if right.clock.meridiem is None and _afternoon(left.clock):
                right.clock.meridiem = "午後"
            ends_at = _at(end_day, right.clock)
            if left.clock is None:
                reasons.append("only the end has a time")
            elif not right.has_date and ends_at <= starts_at:
                ends_at = _end_after(starts_at, right.clock, reasons)
        if _calendar_day(ends_at) < _calendar_day(starts_at):
            reasons.append("the end is before the start")

    all_day = left.clock is None and (right is None or right.clock is None)
    return ParsedDate(raw, starts_at, ends_at, all_day, tuple(reasons))


def _calendar_date(side: _Side, reference: date, reasons: list[str]) -> date:
    if side.year is None:
        side.year = _infer_year(side, reference, reasons)
    day = date(side.year, side.month, side.day)
    if side.weekday is not None and day.weekday() != side.weekday:
        reasons.append(
            f"the weekday {'月火水木金土日'[side.weekday]} does not match {day}"
        )
    return day


def _infer_year(side: _Side, reference: date, reasons: list[str]) -> int:
    """The year nearest the reference in which the date exists and fits."""

    def distance(year: int) -> tuple[int, int]:
        # Ties go to the later year: sites announce what is coming.
        return abs((date(year, side.month, side.day) - reference).days), -year

    years = [
        year
        for year in range(reference.year - 28, reference.year + 29)
        if _exists(year, side.month, side.day)
    ]
    if not years:
        raise ValueError(f"no year has {side.month}/{side.day}")
    if side.weekday is not None:
        fitting = [
            year
            for year in years
            if date(year, side.month, side.day).weekday() == side.weekday
        ]
        if fitting:
            reasons.append("year inferred from the weekday")
            return min(fitting, key=distance)
    reasons.append("year inferred from the reference date")
    return min(years, key=distance)


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _clock_time(clock: _Clock) -> tuple[time, int]:
    """The wall-clock time and how many days it runs past the date (24:00)."""
    hour = clock.hour
    if clock.meridiem == "午後" and hour < 12:
        hour += 12
    elif clock.meridiem == "午前" and hour == 12:
        hour = 0
    extra_days = int(clock.next_day)
    if hour == 24 and clock.minute == 0 and clock.second == 0:
        hour, extra_days = 0, extra_days + 1
    return time(hour, clock.minute, clock.second), extra_days


def _at(day: date, clock: _Clock | None) -> date:
    if clock is None:
        return day
    wall_clock, extra_days = _clock_time(clock)
    return datetime.combine(day + timedelta(days=extra_days), wall_clock, TOKYO)


def _afternoon(clock: _Clock | None) -> bool:
    return clock is not None and clock.meridiem == "午後"


def _end_after(starts_at: datetime, clock: _Clock, reasons: list[str]) -> datetime:
    """An end time written earlier than the start: afternoon, or the next day."""
    if clock.meridiem is None and clock.hour < 12:
        afternoon = _at(starts_at.date(), replace(clock, meridiem="午後"))
        if afternoon > starts_at:
            reasons.append("the end time was read as afternoon")
            return afternoon
    reasons.append("the end time is before the start; read as the next day")
    return _at(starts_at.date() + timedelta(days=1), clock)


def _has_own_date(text: str) -> bool:
    expression = _expression(working_copy(text))
    return expression is not None and expression[0].has_date


def _calendar_day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _today() -> date:
    return datetime.now(TOKYO).date()


# --- recurring schedules ----------------------------------------------------------


def _recurrence_rule(work: str) -> tuple[str, re.Match, tuple[str, ...]] | None:
    match = _NTH_WEEKDAY.search(work)
    if match:
        byday = _nth_weekdays(match.group(0))
        if byday:
            return f"FREQ=MONTHLY;BYDAY={','.join(byday)}", match, ()

    match = _MONTH_DAYS.search(work)
    if match:
        days = sorted({int(day) for day in re.findall(r"(\d{1,2})\s*日", match[0])})
        if all(1 <= day <= 31 for day in days):
            monthdays = ",".join(str(day) for day in days)
            return f"FREQ=MONTHLY;BYMONTHDAY={monthdays}", match, ()

    match = _WEEKLY.search(work)
    if match:
        days = _weekday_codes(match.group("days"))
        if match.group("every") == "隔週":
            reason = "every other week: staff choose the first date"
            return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={days}", match, (reason,)
        return f"FREQ=WEEKLY;BYDAY={days}", match, ()

    match = _WEEKDAYS_ONLY.search(work)
    if match:
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", match, ()
    match = _DAILY.search(work)
    if match:
        return "FREQ=DAILY", match, ()
    return None


def _weekday_codes(text: str) -> str:
    indexes = sorted({_WEEKDAYS[name] for name in _DAY_NAME.findall(text)})
    return ",".join(WEEKDAY_CODES[index] for index in indexes)


def _nth_weekdays(text: str) -> list[str]:
    """BYDAY parts for 第2・4土曜 or 第1土曜と第3日曜: ordinals, then their days."""
    parts: list[tuple[int, int]] = []
    ordinals: list[int] = []
    days_seen = False
    for match in _NTH_PART.finditer(text):
        if match.group("nth"):
            if days_seen:
                ordinals, days_seen = [], False
            nth = -1 if match.group("nth") == "最終" else int(match.group("nth"))
            if 1 <= nth <= 5 or nth == -1:
                ordinals.append(nth)
        else:
            days_seen = True
            weekday = _WEEKDAYS[match.group("day")]
            parts.extend((nth, weekday) for nth in ordinals)
    # Last (-1) sorts after the numbered weeks, as people write it.
    parts = sorted(set(parts), key=lambda part: (part[0] % 6, part[1]))
    return [f"{nth}{WEEKDAY_CODES[weekday]}" for nth, weekday in parts]


def _times_near(work: str, rule: re.Match) -> tuple[time | None, time | None]:
    """The times written after the rule, or else before it."""
    for text in (work[rule.end() :], work[: rule.start()]):
        try:
            clocks = _clocks(text)
        except ValueError:
            # An impossible time such as 25:00: the rule stands without it.
            continue
        if clocks:
            return clocks
    return None, None


def _clocks(text: str) -> tuple[time | None, time | None] | None:
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "clock":
            start = match.start()
            break
    else:
        return None
    expression = _expression(text[start:])
    if expression is None or expression[0].clock is None:
        return None
    left, right = expression
    starts_at, _ = _clock_time(left.clock)
    if right is None or right.clock is None:
        return starts_at, None
    if right.clock.meridiem is None and _afternoon(left.clock):
        right.clock.meridiem = "午後"
    ends_at, _ = _clock_time(right.clock)
    return starts_at, ends_at
