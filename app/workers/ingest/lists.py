"""Reading a list page (募集一覧) whose items are found with CSS selectors.

Each source names, in its settings, the element repeated once per item and,
inside it, the elements holding the title, the link to the item's own page,
and optionally the activity date, the posting date, a summary and the venue.
A list page says little about each activity, so the details come from the
linked page later (``item_page_details``).

A selector that finds nothing is a failed fetch, never an empty list: it
almost always means the site was redesigned, and "no items" would make every
activity look withdrawn.
"""

import logging
import re
from collections.abc import Mapping
from datetime import date
from urllib.parse import urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag

from app.workers.ingest.dates import parse_datetime
from app.workers.ingest.items import (
    ExtractedItem,
    Extraction,
    Rules,
    failure,
    finish,
    normalised_link,
    read_schedule,
    read_venue,
)
from app.workers.ingest.pages import extract_details_page
from app.workers.ingest.sanitise import block_text, unescape_title

logger = logging.getLogger(__name__)

REQUIRED_SELECTORS = ("item", "title")
OPTIONAL_SELECTORS = ("link", "date", "published", "summary", "venue")
_LINK_SCHEMES = {"http", "https"}
# Runs of spaces left where a line break indented the source; not newlines,
# which block_text keeps between blocks.
_SPACES = re.compile(r"[ \t]{2,}")


def extract_list_page(
    text: str,
    url: str,
    rules: Rules | None = None,
    *,
    selectors: Mapping[str, str] | None = None,
    reference: date | None = None,
) -> Extraction:
    """Read the items of a list page; ``selectors`` default to the rules' own.

    Keys: ``item`` (the repeated element) and ``title`` are required; ``link``
    (an element with an href, or one containing a link), ``date`` (when the
    activity takes place), ``published``, ``summary`` and ``venue`` are read
    when given. All but ``item`` are searched inside each item.
    """
    if selectors is None:
        selectors = rules.selectors if rules else {}
    warnings: list[str] = []
    compiled, reason = _compile(selectors, warnings)
    if reason is not None:
        return failure(reason, warnings)

    soup = BeautifulSoup(text, "html.parser")
    # A <base href> changes what relative links mean in a browser, so here too.
    base = soup.find("base", href=True)
    base_url = urljoin(url, base["href"].strip()) if base else url

    elements = compiled["item"].select(soup)
    if not elements:
        return failure(_nothing_matched("item", selectors["item"]), warnings)

    items: list[ExtractedItem] = []
    untitled = 0
    for element in elements:
        item = _list_item(element, compiled, base_url, reference)
        if item is None:
            # Header rows and spacer rows match a row selector too.
            untitled += 1
        else:
            items.append(item)
    if not items:
        return failure(_nothing_matched("title", selectors["title"]), warnings)
    if untitled:
        warnings.append(f"{untitled} matched elements without a title skipped")
    return finish(items, rules, warnings)


def item_page_details(
    text: str, url: str, *, reference: date | None = None
) -> ExtractedItem | None:
    """The details an item's own page states, or None if it has no label rows.

    A list item and its page share an id (the page's normalised address), so
    a fetcher can fill in what the list left out.
    """
    extraction = extract_details_page(text, url, reference=reference)
    if extraction.failed:
        logger.info("no details on %s: %s", url, extraction.failure_reason)
        return None
    return extraction.items[0]


def _compile(
    selectors: Mapping[str, str], warnings: list[str]
) -> tuple[dict[str, soupsieve.SoupSieve], str | None]:
    """Every selector compiled, or the reason the set cannot be used."""
    if not selectors:
        return {}, "the source has no CSS selectors for its list page"
    for key in REQUIRED_SELECTORS:
        if key not in selectors:
            return {}, f"the source's selectors have no {key!r} selector"
    compiled: dict[str, soupsieve.SoupSieve] = {}
    for key, selector in selectors.items():
        if key not in REQUIRED_SELECTORS + OPTIONAL_SELECTORS:
            warnings.append(f"unknown selector key {key!r} ignored")
            continue
        if not isinstance(selector, str) or not selector.strip():
            return {}, f"the {key} selector is empty or not text: {selector!r}"
        try:
            compiled[key] = soupsieve.compile(selector)
        except soupsieve.SelectorSyntaxError as error:
            # The library's message spans lines, pointing at the column.
            first_line = str(error).splitlines()[0]
            return {}, (
                f"the {key} selector {selector!r} is not a valid CSS selector:"
                f" {first_line}"
            )
    return compiled, None


def _nothing_matched(key: str, selector: str) -> str:
    reason = (
        f"the {key} selector matched nothing: the page layout may have changed"
        f" (selector {selector!r})"
    )
    if "tbody" in selector:
        # Browsers add <tbody> to every table, so selectors copied from their
        # developer tools name it even when the page's HTML does not.
        reason += "; the page's tables may have no <tbody> in their HTML"
    return reason


def _list_item(
    element: Tag,
    compiled: dict[str, soupsieve.SoupSieve],
    base_url: str,
    reference: date | None,
) -> ExtractedItem | None:
    title_element = compiled["title"].select_one(element)
    title = _one_line(title_element)
    if not title:
        return None
    # Text is already decoded once by the parser; a remaining entity was
    # escaped twice by the site's CMS.
    title = unescape_title(title)

    fields = {
        key: compiled[key].select_one(element)
        for key in ("date", "published", "summary", "venue")
        if key in compiled
    }
    raw = {key: _text(found) for key, found in fields.items() if found is not None}
    link, link_doubt = _link(element, compiled.get("link"), base_url)

    item = ExtractedItem(
        source_id=normalised_link(link) if link else f"{title}|{raw.get('date', '')}",
        title=title,
        link=link,
        description=raw.get("summary", ""),
        text=_text(element),
        details={key: value for key, value in raw.items() if value},
    )
    if link_doubt:
        item.doubt("link", link_doubt)
        # Without an address the id rests on wording the site may edit.
        item.doubt("source_id", "made from the title and date: the item has no link")

    if raw.get("date"):
        _read_date(item, raw["date"], reference)
    else:
        item.doubt("sessions", "the list states no date for the item")
    if raw.get("published"):
        item.published = parse_datetime(raw["published"], reference=reference)
        if item.published is None:
            item.doubt("published", f"no date in {raw['published']!r}")
        elif item.published.reasons:
            item.doubt("published", "; ".join(item.published.reasons))
    if raw.get("venue"):
        read_venue(item, raw["venue"])
    return item


def _read_date(item: ExtractedItem, text: str, reference: date | None) -> None:
    read_schedule(item, text, reference)
    if not item.sessions and item.recurrence is None:
        item.doubt("sessions", f"no date in {text!r}")
        return
    # XXX: parse_sessions drops the reasons of a bare date whose times follow
    # on the next line (１２月６日（土）<br>午前１０時～正午), so a guessed year
    # would pass unflagged; the first expression read whole keeps them.
    first = parse_datetime(text, reference=reference)
    stated = item.low_confidence.get("sessions", "")
    missing = (
        [reason for reason in first.reasons if reason not in stated] if first else []
    )
    if item.sessions and missing:
        item.doubt("sessions", "; ".join(missing))


def _link(
    element: Tag, selector: soupsieve.SoupSieve | None, base_url: str
) -> tuple[str | None, str | None]:
    """The item's absolute address, or why there is none."""
    if selector is None:
        return None, "the source has no link selector"
    found = selector.select_one(element)
    if found is not None and not found.has_attr("href"):
        # A selector naming the cell or heading around the link.
        found = found.find("a", href=True)
    if found is None:
        return None, "the link selector matched nothing in this item"
    link = urljoin(base_url, found["href"].strip())
    if urlsplit(link).scheme not in _LINK_SCHEMES:
        return None, f"not a web address: {found['href']!r}"
    return link, None


def _text(node: Tag | None) -> str:
    """The text as a browser shows it: source indentation collapsed.

    Only ASCII white space is collapsed; an ideographic space is the site's.
    """
    return _SPACES.sub(" ", block_text(node)).strip() if node else ""


def _one_line(node: Tag | None) -> str:
    return _text(node).replace("\n", " ")
