"""Running ingestion: one source at a time, from the fetch to stored drafts.

``run_source`` is the job. It fetches a source with what was kept after its
last fetch (validators and the hash of the body), reads what came back with
the reader for the source's kind and stores the items, committing once.
Whatever goes wrong is recorded on the source, with the reason, as its
health; nothing is raised, so one broken partner site never stops a worker.
"""

import logging
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa

from app.extensions import db
from app.models import Source
from app.models.types import SourceKind, utcnow
from app.workers import jobs
from app.workers.ingest.decoding import decode
from app.workers.ingest.extract import READERS, extract
from app.workers.ingest.fetch import FetchResult, HostPacer, Robots, fetch
from app.workers.ingest.items import ExtractedItem, Extraction, Rules
from app.workers.ingest.lists import item_page_details
from app.workers.ingest.store import (
    StoreResult,
    record_failure,
    record_success,
    store,
)

logger = logging.getLogger(__name__)

#: Seconds between two requests to one host, robots.txt included.
HOST_INTERVAL = 1.0

#: At most this many item pages of a list page are fetched in one run.
ITEM_PAGES_PER_RUN = 100

# What an item page may fill in when the list left it empty; never the title
# or the id, which stay the list's word.
_PAGE_FIELDS = (
    "venue",
    "address",
    "station",
    "walk_minutes",
    "capacity",
    "fee",
    "deadline",
    "description",
)

# The ``extract`` reader for each kind of source.
_READERS = {
    SourceKind.FEED: "feed",
    SourceKind.HTML_LIST: "html_list",
    SourceKind.JSONLD_PAGE: "event_page",
    SourceKind.DETAILS_PAGE: "details_page",
    SourceKind.OPENDATA_CSV: "event_csv",
}

_URL_LENGTH = Source.__table__.c.url.type.length


def run_source(
    source_id: int,
    *,
    if_due: bool = False,
    robots: Robots | None = None,
    pacer: HostPacer | None = None,
    client: httpx.Client | None = None,
) -> dict:
    """Fetch, read and store one source; return what happened and the counts.

    ``if_due`` skips a source fetched within its interval, for queued runs
    that another run overtook. A run of several sources shares ``robots``,
    ``pacer`` and ``client``; a job leaves them out and uses its own.
    """
    try:
        return _run(source_id, if_due, robots, pacer, client)
    except Exception as exc:
        logger.exception("source %s: the run failed", source_id)
        db.session.rollback()
        return _record_crash(source_id, exc)


def is_due(source: Source, now: datetime) -> bool:
    if source.last_fetched_at is None:
        return True
    interval = timedelta(minutes=source.fetch_interval_minutes)
    return now - source.last_fetched_at >= interval


def due_sources(now: datetime | None = None) -> list[Source]:
    """Active sources never fetched, or last fetched an interval ago or more."""
    now = now or utcnow()
    # Filtered here rather than in SQL, where adding minutes to a timestamp
    # is written differently on PostgreSQL and SQLite; there are at most a
    # few hundred sources.
    active = db.session.scalars(
        sa.select(Source).where(Source.is_active).order_by(Source.id)
    )
    return [source for source in active if is_due(source, now)]


def enqueue_due(now: datetime | None = None) -> int:
    """Queue a run of every due source on the ``ingest`` queue; return how many.

    Without Redis each run happens here and now, one after the other.
    """
    source_ids = [source.id for source in due_sources(now)]
    # End the read before inline runs each take their own source's lock.
    db.session.commit()
    for source_id in source_ids:
        jobs.enqueue(run_source, source_id, queue="ingest", if_due=True)
    logger.info("queued runs of %s due sources", len(source_ids))
    return len(source_ids)


def _run(
    source_id: int,
    if_due: bool,
    robots: Robots | None,
    pacer: HostPacer | None,
    client: httpx.Client | None,
) -> dict:
    source = _lock(source_id)
    if source is None:
        exists = db.session.scalar(sa.select(Source.id).where(Source.id == source_id))
        db.session.rollback()
        if exists is None:
            logger.info("source %s: no such source; nothing to run", source_id)
            return _outcome(source_id, "missing")
        logger.info("source %s: another run has it; skipped", source_id)
        return _outcome(source_id, "busy")
    if not source.is_active:
        db.session.rollback()
        logger.info("source %s: inactive; skipped", source_id)
        return _outcome(source_id, "inactive")
    if if_due and not is_due(source, utcnow()):
        db.session.rollback()
        logger.info("source %s: fetched since it was queued; skipped", source_id)
        return _outcome(source_id, "not_due")

    result = fetch(
        source.url,
        etag=source.etag,
        last_modified=source.last_modified,
        previous_hash=source.last_body_hash,
        client=client,
        robots=robots if robots is not None else Robots(),
        pacer=pacer if pacer is not None else HostPacer(HOST_INTERVAL),
    )
    if not result.ok:
        return _fail(source, result.reason)
    if result.moved_to:
        _move(source, result.moved_to)

    if result.not_modified or result.unchanged:
        _keep_validators(source, result)
        record_success(source, StoreResult().counts())
        db.session.commit()
        outcome = "not_modified" if result.not_modified else "unchanged"
        logger.info("source %s: %s; nothing to read", source.id, outcome)
        return _outcome(source.id, outcome)

    reader = _READERS.get(source.kind)
    if reader not in READERS:
        return _fail(source, f"no reader for sources of kind {source.kind}")
    decoded = decode(result.body, result.content_type)
    extraction = extract(
        reader, decoded.text, result.final_url or source.url, _rules(source)
    )
    if extraction.failed:
        # The validators stay as they were, so the next run reads the body
        # again instead of taking it as unchanged.
        return _fail(source, extraction.failure_reason)
    extraction.warnings = [*decoded.warnings, *extraction.warnings]
    if source.kind == SourceKind.HTML_LIST:
        robots = robots if robots is not None else Robots()
        pacer = pacer if pacer is not None else HostPacer(HOST_INTERVAL)
        _read_item_pages(extraction, robots, pacer, client)

    # Committed by ``store`` together with the items: a run stopped before
    # that commit keeps the old validators, and the next run reads it all.
    _keep_validators(source, result)
    stored = store(source, extraction)
    return _outcome(
        source.id, "stored", stored.counts(), warnings=list(stored.warnings)
    )


def _read_item_pages(
    extraction: Extraction,
    robots: Robots,
    pacer: HostPacer,
    client: httpx.Client | None,
) -> None:
    """Fill in what each listed item left out from the item's own page.

    A page that cannot be fetched or read leaves the item as listed, with a
    warning; it never fails the source. An address listed twice is fetched
    once.
    """
    by_link: dict[str, list[ExtractedItem]] = {}
    for item in extraction.items:
        if item.link:
            by_link.setdefault(item.link, []).append(item)
    links = list(by_link)
    if len(links) > ITEM_PAGES_PER_RUN:
        extraction.warnings.append(
            f"{len(links) - ITEM_PAGES_PER_RUN} item pages left for a later run:"
            f" at most {ITEM_PAGES_PER_RUN} are fetched in one run"
        )
        links = links[:ITEM_PAGES_PER_RUN]
    for link in links:
        page = _item_page(link, extraction.warnings, robots, pacer, client)
        if page is not None:
            for item in by_link[link]:
                _fill_in(item, page)


def _item_page(
    url: str,
    warnings: list[str],
    robots: Robots,
    pacer: HostPacer,
    client: httpx.Client | None,
) -> ExtractedItem | None:
    try:
        result = fetch(url, client=client, robots=robots, pacer=pacer)
        if not result.ok:
            warnings.append(f"item page {url} kept as listed: {result.reason}")
            return None
        decoded = decode(result.body, result.content_type)
        page = item_page_details(decoded.text, result.final_url or url)
    except Exception as exc:
        logger.exception("reading the item page %s failed", url)
        warnings.append(f"item page {url} kept as listed: {type(exc).__name__}: {exc}")
        return None
    if page is None:
        warnings.append(f"item page {url} kept as listed: no details found on it")
        return None
    warnings.extend(f"item page {url}: {warning}" for warning in decoded.warnings)
    return page


def _fill_in(item: ExtractedItem, page: ExtractedItem) -> None:
    """Copy into ``item`` what it lacks and ``page`` states, with any doubts."""
    filled: list[str] = []
    if not item.sessions and item.recurrence is None:
        if page.sessions:
            item.sessions = list(page.sessions)
            filled.append("sessions")
        elif page.recurrence is not None:
            item.recurrence = page.recurrence
            filled.append("recurrence")
    for name in _PAGE_FIELDS:
        value = getattr(page, name)
        if getattr(item, name) in (None, "") and value not in (None, ""):
            setattr(item, name, value)
            filled.append(name)
    for label, value in page.details.items():
        item.details.setdefault(label, value)
    for name in filled:
        if name in page.low_confidence:
            item.doubt(name, page.low_confidence[name])


def _lock(source_id: int) -> Source | None:
    """The source, locked for this run; None if missing or another run has it.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` on the source's row,
    held by the run's transaction until its single commit or rollback. A
    second run of the same source skips instead of waiting, and a worker that
    dies mid-run drops its connection and with it the lock, so there is no
    expiry to tune as a Redis lock would need (longer than the slowest fetch,
    shorter than the next cron run). The transaction stays open while the
    site is fetched, bounded by the fetch's total timeout.

    SQLite has no row locks and SQLAlchemy leaves the clause out: a no-op
    there, where without Redis runs are inline and one at a time, and the
    database-wide write lock keeps two writers apart anyway.
    """
    return db.session.scalar(
        sa.select(Source)
        .where(Source.id == source_id)
        .with_for_update(skip_locked=True)
        # Read afresh: a caller's identity map may hold an older copy.
        .execution_options(populate_existing=True)
    )


def _rules(source: Source) -> Rules:
    return Rules(
        exclude_titles=tuple(source.exclusion_patterns or ()),
        selectors=dict(source.selectors or {}),
    )


def _move(source: Source, url: str) -> None:
    if len(url) > _URL_LENGTH:
        logger.info(
            "source %s: moved permanently to an address too long to keep: %s",
            source.id,
            url[:200],
        )
        return
    logger.info(
        "source %s: moved permanently from %s to %s", source.id, source.url, url
    )
    source.url = url


def _keep_validators(source: Source, result: FetchResult) -> None:
    source.etag = _fit(result.etag, 200)
    source.last_modified = _fit(result.last_modified, 100)
    if result.sha256 is not None:
        source.last_body_hash = result.sha256


def _fit(value: str | None, length: int) -> str | None:
    # A validator cut short would never match again; better none at all.
    return value if value is None or len(value) <= length else None


def _fail(source: Source, reason: str) -> dict:
    record_failure(source, reason)
    db.session.commit()
    return _outcome(source.id, "failed", reason=reason)


def _record_crash(source_id: int, exc: Exception) -> dict:
    """Record an unexpected error as the source's failure, in a new transaction."""
    reason = f"the run stopped on an error: {type(exc).__name__}: {exc}"
    try:
        source = db.session.get(Source, source_id)
        if source is not None:
            record_failure(source, reason)
            db.session.commit()
    except Exception:
        logger.exception("source %s: could not record the failure", source_id)
        db.session.rollback()
    return _outcome(source_id, "failed", reason=reason)


def _outcome(
    source_id: int,
    outcome: str,
    counts: dict[str, int] | None = None,
    *,
    reason: str | None = None,
    warnings: list[str] | None = None,
) -> dict:
    """What a run did, JSON-able for the job's result."""
    return {
        "source_id": source_id,
        "outcome": outcome,
        **(counts if counts is not None else StoreResult().counts()),
        "reason": reason,
        "warnings": warnings or [],
    }
