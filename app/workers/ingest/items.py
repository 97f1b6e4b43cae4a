"""What extraction produces, and the readers every source kind shares.

An extracted item is still the source's word: titles keep their characters
exactly (NFKC is for matching only, never for stored text), and every field
the readers had to guess at names itself in ``low_confidence`` so that staff
confirm it before anything is published.
"""

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urldefrag, urlsplit, urlunsplit

from app.workers.ingest.dates import (
    ParsedDate,
    Recurrence,
    parse_datetime,
    parse_recurrence,
    parse_sessions,
    working_copy,
)

logger = logging.getLogger(__name__)

_FREE = re.compile(r"無料|無償|0\s*円|free", re.IGNORECASE)
_YEN = re.compile(r"(\d[\d,]*)\s*円")
_PLAIN_NUMBER = re.compile(r"\d[\d,]*")
_HEADCOUNT = re.compile(r"(\d[\d,]*)\s*(?:名|人|組)")
# An access note after a venue: （都営三田線 高島平駅から徒歩５分）.
_ACCESS = re.compile(
    r"^(?P<venue>.*?)\s*[（(](?P<access>[^（）()]*(?:駅|徒歩|バス)[^（）()]*)[）)]"
)
_STATION = re.compile(r"([^\s\u3000、,，（）()・]+?駅)")
_WALK = re.compile(r"徒歩\s*約?\s*([0-9０-９]+)\s*分")


@dataclass(frozen=True)
class Rules:
    """Per-source rules: titles matching any pattern are not imported.

    Patterns are regular expressions searched in the title as published and
    in its NFKC form, so ``^【PR】`` also drops ``［ＰＲ］`` written as ``^\\[PR\\]``.
    """

    exclude_titles: tuple[str, ...] = ()
    # CSS selectors for a list page, keyed by the field they find (see
    # ``lists.extract_list_page``). Left out of the hash: a dict has none.
    selectors: dict[str, str] = field(default_factory=dict, hash=False)

    def excluding_pattern(self, title: str) -> str | None:
        folded = unicodedata.normalize("NFKC", title)
        for pattern in self.exclude_titles:
            if re.search(pattern, title) or re.search(pattern, folded):
                return pattern
        return None


@dataclass
class ExtractedItem:
    """One activity as a partner site describes it, before any matching."""

    # The source's own identity for the item; stable when the feed moves.
    source_id: str
    # Exactly as published (after entity decoding): never NFKC-normalised.
    title: str
    # Absolute, or None when the source gives no address for the item.
    link: str | None = None
    published: ParsedDate | None = None
    sessions: list[ParsedDate] = field(default_factory=list)
    recurrence: Recurrence | None = None
    # Sanitised HTML (feeds, JSON-LD) or plain text, ready to show staff.
    description: str = ""
    # The item's whole text, for search and for staff to check fields against.
    text: str = ""
    venue: str | None = None
    address: str | None = None
    station: str | None = None
    walk_minutes: int | None = None
    capacity: int | None = None
    # Yen; 0 when free; None when not stated or not a plain amount.
    fee: int | None = None
    deadline: ParsedDate | None = None
    # A note on the dates as published, such as 雨天中止.
    note: str | None = None
    # Every labelled value as published (table rows, CSV columns), by label.
    details: dict[str, str] = field(default_factory=dict)
    # Field name -> why a person must confirm it.
    low_confidence: dict[str, str] = field(default_factory=dict)

    @property
    def starts_at(self) -> date | None:
        """When the first session starts."""
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def ends_at(self) -> date | None:
        """When the first session ends."""
        return self.sessions[0].ends_at if self.sessions else None

    def doubt(self, name: str, reason: str) -> None:
        """Mark a field for review, keeping any reason already given."""
        if name in self.low_confidence:
            reason = f"{self.low_confidence[name]}; {reason}"
        self.low_confidence[name] = reason


@dataclass(frozen=True)
class ExcludedItem:
    item: ExtractedItem
    pattern: str


@dataclass
class Extraction:
    """The outcome of reading one document.

    A failure (``failure_reason`` set) is a failed fetch, never "no new items":
    the source's health shows the reason.
    """

    items: list[ExtractedItem] = field(default_factory=list)
    excluded: list[ExcludedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failure_reason: str | None = None

    @property
    def failed(self) -> bool:
        return self.failure_reason is not None


def failure(reason: str, warnings: list[str] | None = None) -> Extraction:
    logger.info("extraction failed: %s", reason)
    return Extraction(warnings=list(warnings or ()), failure_reason=reason)


def finish(
    items: list[ExtractedItem], rules: Rules | None, warnings: list[str]
) -> Extraction:
    """Apply the source's exclusion rules and flag ids used twice."""
    kept: list[ExtractedItem] = []
    excluded: list[ExcludedItem] = []
    for item in items:
        pattern = rules.excluding_pattern(item.title) if rules else None
        if pattern is None:
            kept.append(item)
        else:
            excluded.append(ExcludedItem(item, pattern))

    # Both are kept: which one is right is for staff to decide, and dropping
    # one silently could lose the real activity.
    counts = Counter(item.source_id for item in kept)
    for source_id, count in counts.items():
        if count > 1:
            warnings.append(f"{count} items share the id {source_id!r}")
    for item in kept:
        if counts[item.source_id] > 1:
            item.doubt("source_id", "another item in the same document has this id")
    return Extraction(kept, excluded, warnings)


def normalised_link(url: str) -> str:
    """A link as an identity: no fragment, scheme and host in lower case."""
    parts = urlsplit(urldefrag(url)[0])
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def read_schedule(item: ExtractedItem, text: str, reference: date | None) -> None:
    """Fill sessions, or else a recurring rule, from schedule wording."""
    sessions = parse_sessions(text, reference=reference)
    if sessions:
        item.sessions = sessions
        reasons = [reason for session in sessions for reason in session.reasons]
        if reasons:
            item.doubt("sessions", "; ".join(dict.fromkeys(reasons)))
        return
    recurrence = parse_recurrence(text)
    if recurrence is not None:
        item.recurrence = recurrence
        item.doubt("recurrence", "; ".join(recurrence.reasons))


def read_fee(item: ExtractedItem, text: str) -> None:
    work = working_copy(text)
    match = _YEN.search(work)
    if _FREE.search(work) and not (match and int(match[1].replace(",", ""))):
        item.fee = 0
    elif match:
        item.fee = int(match[1].replace(",", ""))
    elif _PLAIN_NUMBER.fullmatch(work.strip()):
        item.fee = int(work.strip().replace(",", ""))
    elif work.strip():
        item.doubt("fee", f"not a plain amount: {text!r}")


def read_capacity(item: ExtractedItem, text: str) -> None:
    work = working_copy(text).strip()
    match = _HEADCOUNT.search(work) or _PLAIN_NUMBER.fullmatch(work)
    if match:
        item.capacity = int(
            (match.group(1) if match.re is _HEADCOUNT else match[0]).replace(",", "")
        )
    elif work:
        item.doubt("capacity", f"not a number of people: {text!r}")


def read_deadline(item: ExtractedItem, text: str, reference: date | None) -> None:
    parsed = parse_datetime(text, reference=reference)
    if parsed is None:
        if text.strip():
            item.doubt("deadline", f"no date in {text!r}")
        return
    # A period such as 12月1日～1月8日: applications close at its end.
    if parsed.ends_at is not None:
        parsed = ParsedDate(
            parsed.raw, parsed.ends_at, all_day=parsed.all_day, reasons=parsed.reasons
        )
    item.deadline = parsed
    if parsed.reasons:
        item.doubt("deadline", "; ".join(parsed.reasons))


def read_venue(item: ExtractedItem, text: str) -> None:
    """The venue without its access note; the nearest station from that note."""
    text = text.strip()
    match = _ACCESS.match(text)
    item.venue = match.group("venue") if match else text
    access = match.group("access") if match else text
    walk = _WALK.search(access)
    if walk:
        # int() reads full-width digits as well.
        item.walk_minutes = int(walk.group(1))
        station = _STATION.findall(access[: walk.start()])
        if station:
            item.station = station[-1]
