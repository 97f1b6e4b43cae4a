"""Reading RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom feeds into items.

feedparser does the XML, but two of its conveniences are wrong for
Japanese municipal feeds and are not used: its dates (slash dates, times
without an offset and ``JST`` come back wrong; the raw strings are parsed
in Tokyo time instead) and its RSS 2.0 guids (a bare guid becomes a URL
relative to the feed address, so a moved feed would look all new).
"""

import io
import logging
import re
from datetime import date
from urllib.parse import urljoin

import feedparser

from app.workers.ingest.dates import ParsedDate, parse_feed_date
from app.workers.ingest.decoding import not_a_feed_reason
from app.workers.ingest.items import (
    ExtractedItem,
    Extraction,
    Rules,
    failure,
    finish,
    normalised_link,
    read_schedule,
)
from app.workers.ingest.sanitise import (
    html_text,
    sanitise_html,
    unescape_markup,
    unescape_title,
)

logger = logging.getLogger(__name__)

# The text is already decoded; a stale encoding in the declaration would make
# feedparser decode it a second time.
_DECLARED_ENCODING = re.compile(
    r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""", re.IGNORECASE
)
# Lines that state when an activity takes place: 日時：…, 開催日 …
_SCHEDULE_LINE = re.compile(
    r"^\s*[【\[［(（]?\s*(?:開催日時|日時|日程|開催日|活動日時|活動日|期間|と\s*き)"
    r"\s*[】\]］)）]?\s*[:：]?\s*(.+)$",
    re.MULTILINE,
)
# Raw date fields, most specific first; dc:date arrives as "updated".
_DATE_FIELDS = ("published", "issued", "created", "updated", "dc_date")


def extract_feed(
    text: str,
    url: str,
    rules: Rules | None = None,
    *,
    reference: date | None = None,
) -> Extraction:
    """Read a decoded feed fetched from ``url`` (the address after redirects).

    ``reference`` picks the year of dates written without one (default: each
    item's publication date, else today).
    """
    reason = not_a_feed_reason(text)
    if reason is not None:
        return failure(reason)

    warnings: list[str] = []
    # Whitespace before the XML declaration is a common CMS slip that would
    # push the whole feed onto feedparser's lenient parser.
    source = _DECLARED_ENCODING.sub(r"\1\2utf-8\2", text.lstrip(" \t\r\n\ufeff"))
    parsed = _parse(source, url)
    if parsed.bozo:
        problem = parsed.get("bozo_exception")
        if not parsed.entries and not parsed.version:
            return failure(f"the feed could not be read: {problem}")
        warnings.append(f"recovered from malformed XML: {problem}")

    raw_guids: list[str | None] = [None] * len(parsed.entries)
    if parsed.version.startswith("rss") and parsed.version != "rss10":
        # Parsed again without a base address, feedparser leaves guids as
        # written; the same text gives the same entries in the same order.
        bare = _parse(source, None)
        if len(bare.entries) == len(parsed.entries):
            raw_guids = [entry.get("id") for entry in bare.entries]

    items = [
        _item(entry, raw_guid, url, reference)
        for entry, raw_guid in zip(parsed.entries, raw_guids, strict=True)
    ]
    logger.debug("read %s items from the feed at %s", len(items), url)
    return finish(items, rules, warnings)


def _parse(source: str, url: str | None) -> feedparser.FeedParserDict:
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    # A file object, because feedparser treats a string that looks like an
    # address or a path as something to open.
    return feedparser.parse(
        io.BytesIO(source.encode("utf-8")),
        response_headers=headers,
        resolve_relative_uris=False,
        sanitize_html=False,
    )


def _item(
    entry: feedparser.FeedParserDict,
    raw_guid: str | None,
    url: str,
    reference: date | None,
) -> ExtractedItem:
    title = unescape_title(entry.get("title", "")).strip()
    link = urljoin(url, entry["link"].strip()) if entry.get("link") else None
    published = _published(entry, reference)

    item = ExtractedItem(
        source_id=_identity(entry, raw_guid, link, title, published),
        title=title,
        link=link,
        published=published,
    )
    if published is not None and published.reasons:
        item.doubt("published", "; ".join(published.reasons))
    if not title:
        item.doubt("title", "the item has no title")

    body = _body(entry)
    item.description = sanitise_html(body, link or url)
    item.text = html_text(item.description)
    schedule = "\n".join(_SCHEDULE_LINE.findall(item.text))
    day = _day(published) if published else None
    read_schedule(item, schedule or item.text, reference or day)
    return item


def _published(
    entry: feedparser.FeedParserDict, reference: date | None
) -> ParsedDate | None:
    for name in _DATE_FIELDS:
        raw = entry.get(name)
        if raw:
            parsed = parse_feed_date(raw, reference=reference)
            if parsed is not None:
                return parsed
            logger.debug("unreadable feed date %r", raw)
    return None


def _identity(
    entry: feedparser.FeedParserDict,
    raw_guid: str | None,
    link: str | None,
    title: str,
    published: ParsedDate | None,
) -> str:
    # For RSS 1.0 feedparser's id is rdf:about; for Atom it is <id> as written.
    guid = raw_guid if raw_guid is not None else entry.get("id")
    if guid and guid.strip():
        return guid.strip()
    if link:
        return normalised_link(link)
    return f"{title}|{published.raw if published else ''}"


def _body(entry: feedparser.FeedParserDict) -> str:
    """The fullest description: Atom content, else the summary."""
    for content in entry.get("content") or ():
        if content.get("value"):
            return _as_markup(content["value"], content.get("type"))
    detail = entry.get("summary_detail") or {}
    return _as_markup(entry.get("summary", ""), detail.get("type"))


def _as_markup(value: str, kind: str | None) -> str:
    if kind == "text/plain":
        value = value.replace("&", "&amp;").replace("<", "&lt;")
    return unescape_markup(value)


def _day(parsed: ParsedDate) -> date:
    value = parsed.starts_at
    return value.date() if hasattr(value, "date") else value
