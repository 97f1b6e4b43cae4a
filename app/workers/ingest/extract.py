"""Turning a partner site's decoded text into extracted items.

One reader per kind of source; each takes the decoded text, the address it
finally came from (after redirects, so relative links resolve where the
site meant them) and the source's rules. Nothing here fetches or stores.
"""

import logging
from collections.abc import Callable
from datetime import date

from app.workers.ingest.feeds import extract_feed
from app.workers.ingest.items import (
    ExcludedItem,
    ExtractedItem,
    Extraction,
    Rules,
)
from app.workers.ingest.lists import extract_list_page
from app.workers.ingest.opendata import extract_event_csv
from app.workers.ingest.pages import extract_details_page, extract_event_page

logger = logging.getLogger(__name__)

READERS: dict[str, Callable[..., Extraction]] = {
    "feed": extract_feed,
    "event_page": extract_event_page,
    "details_page": extract_details_page,
    "event_csv": extract_event_csv,
    # Reads its CSS selectors from ``Rules.selectors``.
    "html_list": extract_list_page,
}

__all__ = [
    "READERS",
    "ExcludedItem",
    "ExtractedItem",
    "Extraction",
    "Rules",
    "extract",
    "extract_details_page",
    "extract_event_csv",
    "extract_event_page",
    "extract_feed",
    "extract_list_page",
]


def extract(
    kind: str,
    text: str,
    url: str,
    rules: Rules | None = None,
    *,
    reference: date | None = None,
) -> Extraction:
    """Read text with the reader for a source kind (a key of ``READERS``)."""
    try:
        reader = READERS[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r}") from None
    return reader(text, url, rules, reference=reference)
