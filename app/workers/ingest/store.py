"""Bringing the database up to date with what one fetch of a source found.

An item is known by its source and the source's own id for it, so a feed
that moves keeps its items. A new item becomes a draft activity waiting in
the source's municipality's approval queue; a changed item updates its draft,
or, once the activity is published, is proposed as a pending ``Revision`` so
the approved version stays visible; an item that disappears is flagged, never
deleted. Storing the same extraction twice changes nothing the second time.

Items sharing an id within one document are all kept: the first under the
id, each repeat under ``id#n`` in document order, flagged for review.

Each item is stored inside a savepoint, so one bad item is skipped and the
others kept; the whole run commits once at the end, so a worker stopped
halfway leaves nothing half-written.
"""

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from bs4 import BeautifulSoup

from app import audit, emails
from app.extensions import db
from app.models import (
    Account,
    Activity,
    ActivitySession,
    Category,
    CrawledItem,
    Revision,
    Source,
    Staff,
)
from app.models.types import (
    AccountStatus,
    ReviewState,
    RevisionState,
    ScheduleKind,
    SourceHealth,
    utcnow,
)
from app.workers.ingest.dates import TOKYO, ParsedDate
from app.workers.ingest.items import ExtractedItem, Extraction
from app.workers.ingest.sanitise import block_text

logger = logging.getLogger(__name__)

#: A source that fails this many fetches in a row is paused until staff look.
PAUSE_AFTER_FAILURES = 5

#: Categories a source's mapping gives one activity, at most.
MAX_CATEGORIES = 3

#: The activity fields an item fills, compared to tell whether it changed.
FIELDS = (
    "title",
    "description",
    "venue_name",
    "address",
    "nearest_station",
    "walk_minutes",
    "capacity",
    "cost_yen",
    "application_deadline",
    "schedule_note",
    "external_url",
    "schedule_kind",
    "recurrence_rule",
    "recurrence_start_time",
    "recurrence_end_time",
    "sessions",
    # Category codes from the source's mapping.
    "categories",
)

# Extraction names a doubtful field by its own name; reviewers see the
# activity's.
_ACTIVITY_NAMES = {
    "source_id": "external_id",
    "link": "external_url",
    "venue": "venue_name",
    "station": "nearest_station",
    "fee": "cost_yen",
    "deadline": "application_deadline",
    "note": "schedule_note",
    "recurrence": "recurrence_rule",
}

# States in which the activity is still the crawler's draft to update.
_DRAFT_STATES = (ReviewState.DRAFT, ReviewState.PENDING)


@dataclass
class StoreResult:
    """What storing one extraction did, for the job log and the console."""

    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0
    excluded: int = 0
    failed: int = 0
    warnings: list[str] = field(default_factory=list)
    # Set when the extraction itself failed; the counts are then all zero.
    failure: str | None = None

    def counts(self) -> dict[str, int]:
        return {
            "seen": self.seen,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "gone": self.gone,
            "excluded": self.excluded,
            "failed": self.failed,
        }


#: More items than this in one document is not a listing page any more (or a
#: broken one): the rest wait rather than flooding the approval queue.
MAX_ITEMS_PER_RUN = 1000

# Control characters (NUL above all, which PostgreSQL refuses in text) are
# never part of a listing; tabs and line breaks are.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value):
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {_clean(key): _clean(inner) for key, inner in value.items()}
    return value


def _without_control_characters(item: ExtractedItem) -> ExtractedItem:
    """A copy of the item with control characters removed from its text."""
    changes = {
        name: _clean(value)
        for name, value in vars(item).items()
        if isinstance(value, str | dict) and _clean(value) != value
    }
    return replace(item, **changes) if changes else item


def store(source: Source, extraction: Extraction) -> StoreResult:
    """Store what one fetch of ``source`` found, record its health, and commit."""
    result = StoreResult(warnings=list(extraction.warnings))
    if extraction.failed:
        result.failure = extraction.failure_reason
        record_failure(source, extraction.failure_reason)
        db.session.commit()
        return result

    now = utcnow()
    known = {
        item.external_id: item
        for item in db.session.scalars(
            sa.select(CrawledItem).where(CrawledItem.source_id == source.id)
        )
    }
    present: set[str] = set()
    candidates = [(item, None) for item in extraction.items] + [
        (excluded.item, excluded.pattern) for excluded in extraction.excluded
    ]
    mapper = _CategoryMapper(source.category_mapping, result.warnings)
    shared = Counter(item.source_id for item, _ in candidates)
    taken = set(shared)
    repeats: Counter[str] = Counter()
    for position, (item, pattern) in enumerate(candidates):
        if position >= MAX_ITEMS_PER_RUN:
            # Still at the source, so not gone; left for staff to look into.
            present.update(other.source_id for other, _ in candidates[position:])
            result.warnings.append(
                f"only the first {MAX_ITEMS_PER_RUN} of {len(candidates)} items "
                "were stored; the source may need a closer look"
            )
            break
        result.seen += 1
        item = _without_control_characters(item)
        if not item.title.strip():
            present.add(item.source_id)
            result.failed += 1
            result.warnings.append(f"item {item.source_id!r} has no title: skipped")
            continue
        external_id, duplicate_of = item.source_id, None
        if item.source_id in present:
            external_id = _repeat_id(item.source_id, repeats, taken)
            duplicate_of = item.source_id
            result.warnings.append(
                f"item {item.source_id!r} appears more than once; "
                f"kept {item.title!r} as {external_id!r}"
            )
            logger.info(
                "source %s: a repeat of id %r is kept as %r",
                source.id,
                item.source_id,
                external_id,
            )
        # Marked present even if storing fails: it is still at the source.
        present.add(external_id)
        try:
            with db.session.begin_nested():
                outcome = _store_item(
                    source,
                    item,
                    pattern,
                    known.get(external_id),
                    now,
                    _Identity(external_id, duplicate_of, shared[item.source_id] > 1),
                    mapper,
                )
                db.session.flush()
        except Exception:
            logger.exception(
                "source %s: could not store item %r", source.id, external_id
            )
            result.failed += 1
            continue
        if isinstance(outcome, CrawledItem):
            known[external_id] = outcome
            outcome = "excluded" if pattern is not None else "new"
        setattr(result, outcome, getattr(result, outcome) + 1)

    for external_id, crawled in known.items():
        if external_id not in present and crawled.gone_at is None:
            crawled.gone_at = now
            result.gone += 1
            logger.info(
                "source %s: item %r is gone from the source",
                source.id,
                external_id,
            )

    record_success(source, result.counts())
    db.session.commit()
    return result


def _repeat_id(source_id: str, repeats: Counter[str], taken: set[str]) -> str:
    """The id a repeat of ``source_id`` is kept under: ``id#n``, n from 2.

    Numbered in document order, so the same document gives each repeat the
    same id on every run. A number whose id another item already uses as its
    own is passed over, as that item keeps its id.
    """
    while True:
        repeats[source_id] += 1
        candidate = f"{source_id}#{repeats[source_id] + 1}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def record_success(source: Source, counts: dict[str, int]) -> None:
    """Mark a fetch as having worked; the caller commits."""
    now = utcnow()
    source.last_fetched_at = now
    source.last_success_at = now
    source.consecutive_failures = 0
    source.health = SourceHealth.OK
    # The source works, but staff should hear about items that did not.
    failed = counts.get("failed", 0)
    source.last_error = f"{failed} items could not be stored" if failed else None
    logger.info(
        "source %s fetched: %s",
        source.id,
        ", ".join(f"{name} {count}" for name, count in counts.items()),
    )


def record_failure(source: Source, reason: str) -> None:
    """Mark a fetch as failed, pausing the source after repeated failures.

    The caller commits.
    """
    source.last_fetched_at = utcnow()
    source.last_error = reason
    source.consecutive_failures = (source.consecutive_failures or 0) + 1
    source.health = SourceHealth.FAILING
    logger.info(
        "source %s failed (%s in a row): %s",
        source.id,
        source.consecutive_failures,
        reason,
    )
    if source.is_active and source.consecutive_failures >= PAUSE_AFTER_FAILURES:
        source.is_active = False
        logger.warning(
            "source %s paused after %s failures in a row: %s",
            source.id,
            source.consecutive_failures,
            reason,
        )
        audit.record(
            "source.paused",
            source,
            source_id=source.id,
            failures=source.consecutive_failures,
            reason=reason,
        )
        _tell_staff_of_pause(source, reason)


def _tell_staff_of_pause(source: Source, reason: str) -> None:
    """E-mail the owning municipality's staff: nothing arrives until they act."""
    addresses = db.session.scalars(
        sa.select(Account.email)
        .join(Staff, Staff.account_id == Account.id)
        .where(
            Staff.municipality_id == source.municipality_id,
            Staff.disabled.is_(False),
            Account.status == AccountStatus.ACTIVE,
            Account.email.is_not(None),
        )
    ).all()
    for address in addresses:
        emails.send(
            address,
            "source_paused",
            "ja",
            source_name=source.name,
            source_url=source.url,
            failures=source.consecutive_failures,
            reason=reason,
        )
    logger.info(
        "staff of municipality %s told that source %s is paused (%d addresses)",
        source.municipality_id,
        source.id,
        len(addresses),
    )


# --- one item -------------------------------------------------------------------


@dataclass(frozen=True)
class _Identity:
    """The id an item is stored under, and whether its id is shared."""

    external_id: str
    # The id as published, when this item is a repeat kept under another.
    duplicate_of: str | None = None
    # Whether another item in the same document has the same published id.
    shared: bool = False


def _store_item(
    source: Source,
    item: ExtractedItem,
    pattern: str | None,
    crawled: CrawledItem | None,
    now: datetime,
    identity: _Identity,
    mapper: "_CategoryMapper",
) -> CrawledItem | str:
    """Store one item; return the new row, or the name of the count it adds to."""
    fields, doubts = activity_fields(item)
    fields["categories"] = mapper.codes(item, doubts)
    if identity.duplicate_of is not None:
        _add_doubt(
            doubts,
            "external_id",
            f"repeat of the id {identity.duplicate_of!r} in the same document; "
            f"kept as {identity.external_id!r}",
        )
    elif identity.shared:
        _add_doubt(
            doubts, "external_id", "another item in the same document has this id"
        )
    extracted = {
        **fields,
        "low_confidence": doubts,
        "published": _isoformat(item.published.starts_at) if item.published else None,
        "details": dict(item.details),
    }
    if pattern is not None:
        extracted["excluded_by"] = pattern
    if identity.duplicate_of is not None:
        extracted["duplicate_of"] = identity.duplicate_of
    content_hash = fields_hash(fields)

    if crawled is None:
        crawled = CrawledItem(
            source=source,
            external_id=identity.external_id,
            first_seen_at=now,
            excluded=pattern is not None,
        )
        _keep(crawled, item, extracted, content_hash, now)
        db.session.add(crawled)
        if pattern is None:
            _create_draft(source, crawled, fields)
        else:
            db.session.flush()
            logger.info(
                "source %s: item %r excluded by %r",
                source.id,
                identity.external_id,
                pattern,
            )
        return crawled

    crawled.fetched_at = now
    if crawled.gone_at is not None:
        crawled.gone_at = None
        logger.info("source %s: item %r is back", source.id, item.source_id)

    if pattern is not None:
        if not crawled.excluded:
            # An activity already made from it is left for staff to close.
            crawled.excluded = True
            logger.info(
                "source %s: item %r now excluded by %r",
                source.id,
                identity.external_id,
                pattern,
            )
        if crawled.content_hash != content_hash:
            _keep(crawled, item, extracted, content_hash, now)
        return "excluded"

    if crawled.excluded or crawled.activity_id is None:
        # Excluded before, but no longer matched by the source's rules.
        crawled.excluded = False
        _keep(crawled, item, extracted, content_hash, now)
        _create_draft(source, crawled, fields)
        return "new"

    if crawled.content_hash == content_hash:
        return "unchanged"

    # Rows stored before categories were mapped hold none.
    before = {"categories": [], **(crawled.extracted or {})}
    previous_hash = crawled.content_hash
    changed = {
        name: fields[name] for name in FIELDS if fields[name] != before.get(name)
    }
    _keep(crawled, item, extracted, content_hash, now)
    activity = crawled.activity
    if activity.review_state in _DRAFT_STATES:
        _apply(activity, fields, changed)
        db.session.flush()
        logger.info(
            "source %s: item %r changed; draft activity %s updated (%s)",
            source.id,
            identity.external_id,
            activity.id,
            ", ".join(changed),
        )
    elif activity.review_state == ReviewState.PUBLISHED:
        _propose(source, crawled, activity, before, previous_hash, changed)
    else:
        # A rejected or withdrawn activity stays as staff left it; the item
        # keeps the new text in case they look again.
        logger.info(
            "source %s: item %r changed; activity %s is %s and left alone",
            source.id,
            identity.external_id,
            activity.id,
            activity.review_state,
        )
    return "updated"


def _keep(
    crawled: CrawledItem,
    item: ExtractedItem,
    extracted: dict,
    content_hash: str,
    now: datetime,
) -> None:
    crawled.url = item.link
    crawled.title = _fit(item.title, 300)
    crawled.raw_text = item.text
    crawled.extracted = extracted
    crawled.content_hash = content_hash
    crawled.fetched_at = now


def _create_draft(source: Source, crawled: CrawledItem, fields: dict) -> None:
    activity = Activity(
        organisation_id=source.default_organisation_id,
        municipality_id=source.municipality_id,
        review_state=ReviewState.PENDING,
        submitted_at=crawled.fetched_at,
    )
    _apply(activity, fields, FIELDS)
    db.session.add(activity)
    crawled.activity = activity
    db.session.flush()
    audit.record(
        "activity.imported",
        activity,
        source_id=source.id,
        external_id=crawled.external_id,
    )
    logger.info(
        "source %s: item %r is new; draft activity %s waits for municipality %s",
        source.id,
        crawled.external_id,
        activity.id,
        source.municipality_id,
    )


def _propose(
    source: Source,
    crawled: CrawledItem,
    activity: Activity,
    before: dict,
    previous_hash: str,
    changed: dict,
) -> None:
    """Hold a change to a published activity as a pending revision.

    The item's ``changes`` gather everything since the last approval: while
    an earlier proposal from the source is still pending it is superseded by
    one holding both, so a reviewer decides on the whole difference once.
    """
    pending = db.session.scalars(
        sa.select(Revision).where(
            Revision.target_type == "activity",
            Revision.target_id == activity.id,
            Revision.state == RevisionState.PENDING,
            # Proposals from an account are someone's edit, not the source's.
            Revision.submitted_by_id.is_(None),
        )
    ).all()
    if pending and crawled.changes:
        since_approval = dict(crawled.changes)
    else:
        since_approval = {}
        # Nothing from the source is waiting, so what was stored last is
        # what the published version stands for.
        crawled.approved_hash = previous_hash
    for name, value in changed.items():
        original = since_approval.get(name, {"from": before.get(name)})["from"]
        if value == original:
            since_approval.pop(name, None)
        else:
            since_approval[name] = {"from": original, "to": value}

    for revision in pending:
        revision.state = RevisionState.SUPERSEDED
        logger.info(
            "source %s: revision %s of activity %s superseded",
            source.id,
            revision.id,
            activity.id,
        )
    crawled.changes = since_approval or None
    if not since_approval:
        db.session.flush()
        logger.info(
            "source %s: item %r is back to its approved version",
            source.id,
            crawled.external_id,
        )
        return

    revision = Revision(
        target_type="activity",
        target_id=activity.id,
        municipality_id=activity.municipality_id,
        changes={name: change["to"] for name, change in since_approval.items()},
        state=RevisionState.PENDING,
        submitted_at=crawled.fetched_at,
    )
    db.session.add(revision)
    db.session.flush()
    audit.record(
        "activity.revision_imported",
        revision,
        source_id=source.id,
        external_id=crawled.external_id,
        activity_id=activity.id,
        fields=sorted(since_approval),
    )
    logger.info(
        "source %s: item %r changed; revision %s of published activity %s (%s)",
        source.id,
        crawled.external_id,
        revision.id,
        activity.id,
        ", ".join(sorted(since_approval)),
    )


# --- fields -----------------------------------------------------------------------


def activity_fields(item: ExtractedItem) -> tuple[dict, dict[str, str]]:
    """An item's values in activity field names, JSON-able; and doubtful fields.

    Doubts name activity fields, with the extraction's reasons plus any value
    that had to be shortened to fit.
    """
    doubts = {
        _ACTIVITY_NAMES.get(name, name): reason
        for name, reason in item.low_confidence.items()
    }

    def fit(name: str, value: str | None, length: int) -> str | None:
        fitted = _fit(value, length)
        if fitted != value:
            doubts[name] = "; ".join(
                filter(None, (doubts.get(name), f"shortened to {length} characters"))
            )
        return fitted

    link = item.link
    if link is not None and len(link) > 500:
        # A shortened address leads nowhere; staff add it by hand.
        doubts["external_url"] = f"address too long to keep: {link[:80]}…"
        link = None

    fields = {
        "title": fit("title", item.title, 120),
        "description": item.description or "",
        "venue_name": fit("venue_name", item.venue, 120),
        "address": fit("address", item.address, 200),
        "nearest_station": fit("nearest_station", item.station, 60),
        "walk_minutes": item.walk_minutes,
        "capacity": item.capacity,
        "cost_yen": item.fee,
        "application_deadline": (
            _tokyo_day(item.deadline.starts_at).isoformat() if item.deadline else None
        ),
        "schedule_note": fit("schedule_note", item.note, 200),
        "external_url": link,
        "schedule_kind": ScheduleKind.SINGLE.value,
        "recurrence_rule": None,
        "recurrence_start_time": None,
        "recurrence_end_time": None,
        "sessions": [_session(parsed) for parsed in item.sessions],
    }
    if len(item.sessions) > 1:
        fields["schedule_kind"] = ScheduleKind.SESSIONS.value
    elif not item.sessions and item.recurrence is not None:
        recurrence = item.recurrence
        fields["schedule_kind"] = ScheduleKind.RECURRING.value
        fields["recurrence_rule"] = fit("recurrence_rule", recurrence.rule, 200)
        fields["recurrence_start_time"] = _isoformat(recurrence.starts_at)
        fields["recurrence_end_time"] = _isoformat(recurrence.ends_at)
        if not fields["schedule_note"]:
            # The wording as published, for staff to check the rule against.
            fields["schedule_note"] = fit("schedule_note", recurrence.raw, 200)
    return fields, doubts


def fields_hash(fields: dict) -> str:
    """A digest of an item's activity fields, stable across runs."""
    if not fields.get("categories"):
        # Left out when empty so that rows hashed before categories were
        # mapped still match, and an unmapped source changes nothing.
        fields = {name: value for name, value in fields.items() if name != "categories"}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _CategoryMapper:
    """Category codes for items, from a source's mapping of its own words.

    A word found in the title, the description's text or a labelled value
    adds its category, in the mapping's order and at most
    ``MAX_CATEGORIES``. Codes that name no category are reported once per run
    in ``warnings`` and otherwise ignored.
    """

    def __init__(self, mapping: dict | None, warnings: list[str]) -> None:
        # NFKC for matching, as the exclusion rules do: full-width and
        # half-width spellings of a word are the same word.
        self.words = [
            (unicodedata.normalize("NFKC", word), code)
            for word, code in (mapping or {}).items()
            # An empty word would be found in every item.
            if isinstance(word, str) and word.strip()
        ]
        self.known = (
            set(db.session.scalars(sa.select(Category.code))) if self.words else set()
        )
        self.warnings = warnings
        self.reported: set[str] = set()

    def codes(self, item: ExtractedItem, doubts: dict[str, str]) -> list[str]:
        if not self.words:
            return []
        haystack = unicodedata.normalize(
            "NFKC",
            "\n".join(
                [
                    item.title,
                    _description_text(item.description),
                    *item.details.values(),
                ]
            ),
        )
        codes: list[str] = []
        for word, code in self.words:
            if word not in haystack or code in codes:
                continue
            if code not in self.known:
                if code not in self.reported:
                    self.reported.add(code)
                    self.warnings.append(
                        f"category mapping {word!r} names an unknown category "
                        f"{code!r}; ignored"
                    )
                continue
            codes.append(code)
        if len(codes) > MAX_CATEGORIES:
            _add_doubt(
                doubts,
                "categories",
                f"more categories matched than the {MAX_CATEGORIES} kept: "
                + ", ".join(codes[MAX_CATEGORIES:]),
            )
        return codes[:MAX_CATEGORIES]


def _description_text(description: str) -> str:
    # Descriptions may be HTML; a word in a tag or attribute is not the item's.
    if "<" not in description:
        return description
    return block_text(BeautifulSoup(description, "html.parser"))


def _add_doubt(doubts: dict[str, str], name: str, reason: str) -> None:
    """Add a reason to review a field, unless it is already given."""
    if reason in doubts.get(name, ""):
        return
    doubts[name] = "; ".join(filter(None, (doubts.get(name), reason)))


def _session(parsed: ParsedDate) -> dict:
    """A session in UTC; a date without a time starts at midnight in Tokyo."""
    all_day = not isinstance(parsed.starts_at, datetime)
    starts_at = _moment(parsed.starts_at)
    ends_at = None
    if parsed.ends_at is not None:
        if isinstance(parsed.ends_at, datetime):
            ends_at = _moment(parsed.ends_at)
        elif parsed.ends_at > _tokyo_day(parsed.starts_at):
            # A span of days ends as the day after its last day begins.
            ends_at = _moment(parsed.ends_at + timedelta(days=1))
    return {
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat() if ends_at else None,
        "all_day": all_day,
    }


def _moment(value: date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), TOKYO)
    elif value.tzinfo is None:
        # The date readers always give aware times; a naive one is Tokyo's.
        value = value.replace(tzinfo=TOKYO)
    return value.astimezone(UTC)


def _tokyo_day(value: date) -> date:
    if isinstance(value, datetime):
        return _moment(value).astimezone(TOKYO).date()
    return value


def _apply(activity: Activity, fields: dict, names) -> None:
    """Set the named activity fields from their JSON-able values."""
    for name in names:
        value = fields[name]
        if name == "sessions":
            activity.sessions = [
                ActivitySession(
                    starts_at=datetime.fromisoformat(session["starts_at"]),
                    ends_at=(
                        datetime.fromisoformat(session["ends_at"])
                        if session["ends_at"]
                        else None
                    ),
                    all_day=session["all_day"],
                )
                for session in value
            ]
            continue
        if name == "categories":
            activity.categories = list(
                db.session.scalars(sa.select(Category).filter(Category.code.in_(value)))
            )
            continue
        if value is not None:
            if name == "application_deadline":
                value = date.fromisoformat(value)
            elif name in ("recurrence_start_time", "recurrence_end_time"):
                value = time.fromisoformat(value)
            elif name == "schedule_kind":
                value = ScheduleKind(value)
        setattr(activity, name, value)


def _fit(value: str | None, length: int) -> str | None:
    if value is None or len(value) <= length:
        return value
    return value[: length - 1] + "…"


def _isoformat(value: date | time | None) -> str | None:
    return value.isoformat() if value is not None else None
