"""``flask --app wsgi ingest ...``: partner sources, their runs and their health."""

import logging
import re
import unicodedata
from urllib.parse import urlsplit

import click
import httpx
import soupsieve
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Municipality, Organisation, Source
from app.models.types import SourceHealth, SourceKind
from app.workers.ingest import run as runs
from app.workers.ingest.dates import TOKYO
from app.workers.ingest.fetch import HostPacer, Robots
from app.workers.ingest.lists import OPTIONAL_SELECTORS, REQUIRED_SELECTORS

logger = logging.getLogger(__name__)

ingest_cli = AppGroup("ingest", help="Bring in activities from partner sites.")

# The kinds a source can be added as: each has a reader that needs nothing
# but the address, except list pages, which also need CSS selectors.
_ADDABLE_KINDS = (
    SourceKind.FEED,
    SourceKind.HTML_LIST,
    SourceKind.JSONLD_PAGE,
    SourceKind.DETAILS_PAGE,
    SourceKind.OPENDATA_CSV,
)
_DEFAULT_INTERVAL = Source.__table__.c.fetch_interval_minutes.default.arg
_ERROR_WIDTH = 60


@ingest_cli.command("add-source")
@click.option("--name", required=True, help="What staff call the source.")
@click.option("--url", required=True, help="The http(s) address to fetch.")
@click.option(
    "--kind",
    required=True,
    type=click.Choice([kind.value for kind in _ADDABLE_KINDS]),
    help="What the address serves.",
)
@click.option(
    "--municipality",
    required=True,
    help="Whose approval queue the drafts go to: a name (世田谷区) or code (13112).",
)
@click.option(
    "--organisation",
    "organisation_id",
    type=int,
    default=None,
    help="The id of the organisation the drafts are listed under.",
)
@click.option(
    "--exclude",
    "exclusions",
    multiple=True,
    help="A regular expression; items whose title matches are left out. Repeatable.",
)
@click.option(
    "--selector",
    "selector_options",
    multiple=True,
    metavar="KEY=CSS",
    help=(
        "A CSS selector for a list page (html_list), keyed by what it finds:"
        f" {', '.join(REQUIRED_SELECTORS)} (required),"
        f" {', '.join(OPTIONAL_SELECTORS)}. Repeatable."
    ),
)
@click.option(
    "--interval",
    type=click.IntRange(min=10),
    default=_DEFAULT_INTERVAL,
    show_default=True,
    help="Minutes between fetches.",
)
def add_source(
    name: str,
    url: str,
    kind: str,
    municipality: str,
    organisation_id: int | None,
    exclusions: tuple[str, ...],
    selector_options: tuple[str, ...],
    interval: int,
) -> None:
    """Add a partner source; it is fetched at the next run."""
    selectors = _selectors(SourceKind(kind), selector_options)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter("not an http or https address", param_hint="--url")
    for pattern in exclusions:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise click.BadParameter(
                f"{pattern!r}: {exc}", param_hint="--exclude"
            ) from exc
    place = db.session.scalar(
        sa.select(Municipality).where(
            sa.or_(
                Municipality.name == municipality,
                Municipality.code == municipality,
                Municipality.code6 == municipality,
            )
        )
    )
    if place is None:
        raise click.BadParameter(
            f"no municipality {municipality!r}", param_hint="--municipality"
        )
    if (
        organisation_id is not None
        and db.session.get(Organisation, organisation_id) is None
    ):
        raise click.BadParameter(
            f"no organisation {organisation_id}", param_hint="--organisation"
        )

    source = Source(
        name=name,
        url=url,
        kind=SourceKind(kind),
        municipality=place,
        default_organisation_id=organisation_id,
        exclusion_patterns=list(exclusions),
        selectors=selectors,
        fetch_interval_minutes=interval,
    )
    db.session.add(source)
    db.session.commit()
    logger.info(
        "source %s added: %s (%s) at %s for %s",
        source.id,
        name,
        kind,
        url,
        place.name,
    )
    click.echo(f"Added source {source.id}: {name} ({place.name}).")


@ingest_cli.command("run")
@click.option(
    "--source",
    "source_id",
    type=int,
    default=None,
    help="Run only this source (by id); otherwise every active source.",
)
def run_command(source_id: int | None) -> None:
    """Fetch and store sources now, one after the other, and print the counts."""
    if source_id is not None:
        if db.session.get(Source, source_id) is None:
            raise click.BadParameter(f"no source {source_id}", param_hint="--source")
        source_ids = [source_id]
    else:
        source_ids = list(
            db.session.scalars(
                sa.select(Source.id).where(Source.is_active).order_by(Source.id)
            )
        )
    db.session.commit()
    if not source_ids:
        click.echo("No active sources.")
        return

    # One run: each site's robots.txt is read once and its host paced
    # across all the sources it serves.
    robots, pacer = Robots(), HostPacer(runs.HOST_INTERVAL)
    with httpx.Client() as client:
        for each in source_ids:
            result = runs.run_source(each, robots=robots, pacer=pacer, client=client)
            click.echo(_summary(result))


@ingest_cli.command("status")
def status_command() -> None:
    """Show every source's health."""
    sources = db.session.scalars(
        sa.select(Source).options(joinedload(Source.municipality)).order_by(Source.id)
    ).all()
    if not sources:
        click.echo("No sources.")
        return
    rows = [
        (
            "id",
            "name",
            "municipality",
            "health",
            "last success",
            "failures",
            "last error",
        )
    ]
    for source in sources:
        rows.append(
            (
                str(source.id),
                source.name,
                source.municipality.name,
                _health(source),
                _when(source),
                str(source.consecutive_failures),
                _shortened(source.last_error or "-", _ERROR_WIDTH),
            )
        )
    widths = [max(_width(row[column]) for row in rows) for column in range(7)]
    for row in rows:
        cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=True)]
        click.echo("  ".join(cells).rstrip())


@ingest_cli.command("enqueue-due")
def enqueue_due_command() -> None:
    """Queue a run of every source that is due (for cron, every few minutes)."""
    count = runs.enqueue_due()
    if current_app.config["REDIS_URL"]:
        click.echo(f"Queued {count} due sources.")
    else:
        click.echo(f"Ran {count} due sources (no REDIS_URL: inline).")


def _selectors(kind: SourceKind, options: tuple[str, ...]) -> dict[str, str]:
    """``--selector KEY=CSS`` options as a dict, each key known and compiled."""
    hint = "--selector"
    if kind != SourceKind.HTML_LIST:
        if options:
            raise click.BadParameter(
                f"only html_list sources take selectors, not {kind.value}",
                param_hint=hint,
            )
        return {}
    selectors: dict[str, str] = {}
    for option in options:
        key, equals, selector = option.partition("=")
        key, selector = key.strip(), selector.strip()
        if not equals or not key or not selector:
            raise click.BadParameter(f"{option!r} is not KEY=CSS", param_hint=hint)
        if key not in REQUIRED_SELECTORS + OPTIONAL_SELECTORS:
            known = ", ".join(REQUIRED_SELECTORS + OPTIONAL_SELECTORS)
            raise click.BadParameter(
                f"unknown key {key!r}; known keys: {known}", param_hint=hint
            )
        if key in selectors:
            raise click.BadParameter(f"{key!r} is given twice", param_hint=hint)
        try:
            soupsieve.compile(selector)
        except soupsieve.SelectorSyntaxError as exc:
            first_line = str(exc).splitlines()[0]
            raise click.BadParameter(
                f"{key}={selector!r} is not a valid CSS selector: {first_line}",
                param_hint=hint,
            ) from exc
        selectors[key] = selector
    missing = [key for key in REQUIRED_SELECTORS if key not in selectors]
    if missing:
        raise click.BadParameter(
            "html_list sources need " + " and ".join(f"{key}=CSS" for key in missing),
            param_hint=hint,
        )
    return selectors


def _summary(result: dict) -> str:
    line = f"source {result['source_id']}: {result['outcome']}"
    if result["outcome"] == "stored":
        counts = ", ".join(
            f"{name} {result[name]}"
            for name in ("seen", "new", "updated", "unchanged", "gone", "excluded")
        )
        line += f" ({counts}, failed {result['failed']})"
        if result["warnings"]:
            line += f"; {len(result['warnings'])} warnings"
    elif result["reason"]:
        line += f": {result['reason']}"
    return line


def _health(source: Source) -> str:
    health = SourceHealth(source.health).value
    return health if source.is_active else f"{health} (paused)"


def _when(source: Source) -> str:
    if source.last_success_at is None:
        return "-"
    return source.last_success_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")


def _shortened(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _width(text: str) -> int:
    # Japanese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
