"""Reading a single activity page: schema.org Event JSON-LD, or label rows.

Pages list their details as label/value rows (日時, 場所, 定員, 費用,
申込締切) in a ``<table>`` or a ``<dl>``. Labels are matched on their NFKC
form without spaces, because sites pad them for alignment (場　所). List
pages, read with per-source CSS selectors, are in ``lists``.
"""

import json
import logging
import re
import unicodedata
from datetime import date
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from app.workers.ingest.dates import ParsedDate, parse_datetime
from app.workers.ingest.items import (
    ExtractedItem,
    Extraction,
    Rules,
    failure,
    finish,
    normalised_link,
    read_capacity,
    read_deadline,
    read_fee,
    read_schedule,
    read_venue,
)
from app.workers.ingest.sanitise import block_text, sanitise_html

logger = logging.getLogger(__name__)

# Label (NFKC, no spaces) -> the field it fills.
_LABELS = {
    "schedule": (
        "日時", "開催日時", "日程", "開催日", "活動日", "活動日時", "活動時間",
        "期間", "開催期間", "とき", "日にち",
    ),
    "venue": ("場所", "会場", "開催場所", "活動場所", "ところ", "開催会場"),
    "capacity": ("定員", "募集人数", "募集人員", "募集定員"),
    "fee": ("費用", "参加費", "料金", "会費", "受講料", "参加費用"),
    "deadline": (
        "締切", "締め切り", "申込締切", "申込締め切り", "申込期限", "応募締切",
        "締切日", "申込締切日", "申し込み締め切り",
    ),
}  # fmt: skip
_FIELD_FOR_LABEL = {label: name for name, labels in _LABELS.items() for label in labels}
_LABEL_NOISE = re.compile(r"[\s\u3000:：・【】\[\]]")

# What sites wrap JSON-LD in, and the slips a browser forgives but JSON does not.
_WRAPPERS = re.compile(r"<!--|-->|//\s*<!\[CDATA\[|//\s*\]\]>|<!\[CDATA\[|\]\]>")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_EVENT_TYPES = re.compile(r"Event$")
_SITE_NAME = re.compile(r"\s*[|｜\-－–—:：]\s*[^|｜\-－–—:：]*$")


def extract_event_page(
    text: str,
    url: str,
    rules: Rules | None = None,
    *,
    reference: date | None = None,
) -> Extraction:
    """Read the schema.org Events in a page's JSON-LD; naive times are Tokyo."""
    soup = BeautifulSoup(text, "html.parser")
    warnings: list[str] = []
    events = []
    for script in soup.find_all("script", type=re.compile("ld\\+json", re.I)):
        data = _json_ld(script.string or script.get_text(), warnings)
        events.extend(_events(data))
    if not events:
        return failure("the page has no schema.org Event in JSON-LD", warnings)
    items = [_event_item(event, url, reference) for event in events]
    return finish(items, rules, warnings)


def extract_details_page(
    text: str,
    url: str,
    rules: Rules | None = None,
    *,
    reference: date | None = None,
) -> Extraction:
    """Read one activity whose details are label rows in a table or a list."""
    soup = BeautifulSoup(text, "html.parser")
    rows = _label_rows(soup)
    if not rows:
        return failure("the page has no table or list of activity details")

    item = ExtractedItem(
        source_id=normalised_link(url), title=_page_title(soup), link=url
    )
    if not item.title:
        item.doubt("title", "the page has no heading")
    item.details = dict(rows)
    body = soup.find("main") or soup.body or soup
    item.text = block_text(body)
    item.description = item.text

    for label, value in rows:
        name = _FIELD_FOR_LABEL.get(
            _LABEL_NOISE.sub("", unicodedata.normalize("NFKC", label))
        )
        if name == "schedule" and not item.sessions and item.recurrence is None:
            read_schedule(item, value, reference)
        elif name == "venue" and item.venue is None:
            read_venue(item, value)
        elif name == "capacity" and item.capacity is None:
            read_capacity(item, value)
        elif name == "fee" and item.fee is None:
            read_fee(item, value)
        elif name == "deadline" and item.deadline is None:
            read_deadline(item, value, reference)
    if not item.sessions and item.recurrence is None:
        item.doubt("sessions", "the page states no date")
    return finish([item], rules, [])


def _label_rows(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(label, value) pairs from <th>/<td> rows and <dt>/<dd> pairs, in order."""
    rows: list[tuple[str, str]] = []
    for element in soup.find_all(["tr", "dt"]):
        if element.name == "tr":
            cells = element.find_all(["th", "td"], recursive=False)
            if len(cells) >= 2:
                rows.append((block_text(cells[0]), block_text(cells[1])))
        else:
            value = element.find_next_sibling(["dd", "dt"])
            if value is not None and value.name == "dd":
                rows.append((block_text(element), block_text(value)))
    return [(label, value) for label, value in rows if label]


def _page_title(soup: BeautifulSoup) -> str:
    for name in ("h1", "h2"):
        heading = soup.find(name)
        if heading is not None and block_text(heading):
            return block_text(heading).replace("\n", " ")
    if soup.title and soup.title.string:
        # "Activity | Site name": the part before the site name.
        return _SITE_NAME.sub("", soup.title.string.strip())
    return ""


def _json_ld(source: str, warnings: list[str]):
    cleaned = _WRAPPERS.sub("", source).strip().rstrip(";").strip()
    for attempt in (cleaned, _TRAILING_COMMA.sub(r"\1", cleaned)):
        try:
            data = json.loads(attempt)
        except (ValueError, RecursionError):
            # JSONDecodeError is a ValueError; absurdly deep nesting is a
            # RecursionError. Either way only this block is skipped.
            continue
        if attempt is not cleaned:
            warnings.append("read JSON-LD with trailing commas")
        return data
    warnings.append("unreadable JSON-LD block skipped")
    return None


def _events(data) -> list[dict]:
    """Every Event object in JSON-LD: a list, a @graph, or a single object."""
    if isinstance(data, list):
        return [event for part in data for event in _events(part)]
    if not isinstance(data, dict):
        return []
    if "@graph" in data:
        return _events(data["@graph"])
    kinds = data.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if any(isinstance(kind, str) and _EVENT_TYPES.search(kind) for kind in kinds):
        return [data]
    return []


def _event_item(event: dict, url: str, reference: date | None) -> ExtractedItem:
    link = urljoin(url, _text(event.get("url"))) if event.get("url") else url
    item = ExtractedItem(
        source_id=_text(event.get("@id") or event.get("identifier"))
        or normalised_link(link),
        title=_text(event.get("name")).strip(),
        link=link,
    )
    starts = parse_datetime(_text(event.get("startDate")), reference=reference)
    ends = parse_datetime(_text(event.get("endDate")), reference=reference)
    if starts is not None:
        item.sessions = [
            ParsedDate(
                raw=" ~ ".join(
                    _text(event.get(key))
                    for key in ("startDate", "endDate")
                    if event.get(key)
                ),
                starts_at=starts.starts_at,
                ends_at=ends.starts_at if ends else None,
                all_day=starts.all_day and (ends is None or ends.all_day),
                reasons=starts.reasons + (ends.reasons if ends else ()),
            )
        ]
    else:
        item.doubt("sessions", "the event has no readable startDate")

    location = _first(event.get("location"))
    if isinstance(location, dict):
        item.venue = _text(location.get("name")) or None
        address = location.get("address")
        if isinstance(address, dict):
            address = "".join(
                _text(address.get(key))
                for key in ("addressRegion", "addressLocality", "streetAddress")
            )
        item.address = _text(address) or None
    elif location:
        item.venue = _text(location)

    offer = _first(event.get("offers"))
    if isinstance(offer, dict) and offer.get("price") is not None:
        read_fee(item, _text(offer.get("price")))
    if event.get("isAccessibleForFree") in (True, "true", "True"):
        item.fee = 0

    description = _text(event.get("description"))
    item.description = sanitise_html(description, link) if description else ""
    item.text = "\n".join(part for part in (item.title, description) if part)
    return item


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _text(value) -> str:
    value = _first(value)
    if value is None:
        return ""
    if isinstance(value, dict):
        return _text(value.get("@id") or value.get("name") or value.get("url"))
    return str(value)
