"""Template filters and globals: Japanese dates, times and the page chrome."""

import base64
from datetime import date, datetime, time
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from app import labels

TOKYO = ZoneInfo("Asia/Tokyo")

# The Japanese way of writing a date, 2027年1月15日(金); other languages use
# their own medium form with the weekday.
_DATE_PATTERNS = {"ja": "y年M月d日(E)"}
_DEFAULT_DATE_PATTERN = "EEE, d MMM y"

# Japanese eras for the dates staff are used to (令和7年).
_ERAS = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)


def to_tokyo(value: datetime) -> datetime:
    try:
        return value.astimezone(TOKYO)
    except OverflowError:
        # A date at the very end of the calendar (year 9999) cannot move nine
        # hours on; show it as stored rather than fail the whole page.
        return value


def _locale() -> str:
    return str(get_locale() or "ja")


def format_day(value: date | datetime | None) -> str:
    """2027年1月15日(金) in Japanese; datetimes are shown on Tokyo's calendar."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_tokyo(value).date()
    locale = _locale()
    pattern = _DATE_PATTERNS.get(locale[:2], _DEFAULT_DATE_PATTERN)
    return format_date(value, pattern, locale=locale)


def format_clock(value: time | datetime | None) -> str:
    """10:00 on a 24-hour clock, in Tokyo time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_tokyo(value).timetz().replace(tzinfo=None)
    return format_time(value, "HH:mm", locale=_locale())


def format_moment(value: datetime | None) -> str:
    """A date and a time: 2027年1月15日(金) 10:00."""
    if value is None:
        return ""
    return f"{format_day(value)} {format_clock(value)}"


def format_span(starts_at: datetime, ends_at: datetime | None, all_day=False) -> str:
    """A session: 2027年1月15日(金) 10:00〜12:00, or just the day."""
    if all_day:
        return format_day(starts_at)
    text = format_moment(starts_at)
    if ends_at is None:
        return text
    if to_tokyo(ends_at).date() == to_tokyo(starts_at).date():
        return format_range(text, format_clock(ends_at))
    return format_range(text, format_moment(ends_at))


def format_range(start: str, end: str | None) -> str:
    """10:00〜12:00 in Japanese, 10:00–12:00 in English; 10:00〜 with no end."""
    if not end:
        return pgettext(
            "a range with no end, such as from 10:00", "from %(start)s", start=start
        )
    return pgettext(
        "a range, such as 10:00–12:00", "%(start)s–%(end)s", start=start, end=end
    )


def format_period(first: date | None, last: date | None) -> str:
    """2027年1月15日(金)〜2027年3月31日(水), open at either end."""
    if first and last:
        return format_range(format_day(first), format_day(last))
    if first:
        return format_range(format_day(first), None)
    if last:
        return pgettext(
            "a range with no start, such as until 31 March",
            "until %(end)s",
            end=format_day(last),
        )
    return ""


def era_year(value: date | datetime) -> str:
    """The Japanese era year, 令和9年, for screens where staff expect it."""
    if isinstance(value, datetime):
        value = to_tokyo(value).date()
    for start, name in _ERAS:
        if value >= start:
            number = value.year - start.year + 1
            return f"{name}{'元' if number == 1 else number}年"
    return f"{value.year}年"


def format_yen(value: int | None) -> str:
    """無料 or 1,500円 in Japanese; Free or ¥1,500 in English."""
    if not value:
        return _("Free")
    return _("¥%(amount)s", amount=f"{value:,}")


def localized(record, field: str = "name") -> str:
    """A reference record's name in the current language.

    Reference tables keep the Japanese name in ``field`` and the English one
    in ``field_en``; anything without an English name shows the Japanese one.
    """
    if not _locale().startswith("ja"):
        english = getattr(record, f"{field}_en", None)
        if english:
            return english
    return getattr(record, field)


def _url_with_language(code: str) -> str:
    """This page in another language.

    The path is re-encoded and given exactly one leading slash, so that a
    crafted address such as ``/%5Cevil.example`` cannot turn the language
    link into a link to another site.
    """
    args = request.args.to_dict()
    args["lang"] = code
    path = "/" + quote(request.path, safe="/").lstrip("/")
    return f"{path}?{urlencode(args)}"


def _favicon_data_uri(app: Flask) -> str:
    """The icon inline, so pages cost no extra request for it."""
    svg = Path(app.static_folder, "favicon.svg").read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def init_app(app: Flask) -> None:
    from app import schedules
    from app.display import Display, current_display

    app.jinja_env.filters.update(
        day=format_day,
        clock=format_clock,
        moment=format_moment,
        era_year=era_year,
        yen=format_yen,
        localized=localized,
    )
    app.jinja_env.globals["favicon"] = _favicon_data_uri(app)
    app.jinja_env.globals.update(
        format_span=format_span,
        format_period=format_period,
        labels=labels,
        describe_recurrence=schedules.describe_recurrence,
        next_session=schedules.next_session,
        session_is_over=schedules.is_over,
    )

    @app.context_processor
    def chrome():
        return {
            "languages": current_app.config["LANGUAGES"],
            "current_language": _locale()[:2],
            "url_with_language": _url_with_language,
            # Mail rendered by a worker has no visitor and no session.
            "display": current_display() if has_request_context() else Display(),
        }
