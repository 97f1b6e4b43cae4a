"""Command-line entry points: ``flask --app wsgi seed ...``."""

import logging

import click
from flask import current_app
from flask.cli import AppGroup

logger = logging.getLogger(__name__)

seed_cli = AppGroup("seed", help="Load reference and demonstration data.")

base_url_option = click.option(
    "--base-url",
    default=None,
    help="Where the site is served; defaults to the BASE_URL setting.",
)


@seed_cli.command("reference")
def seed_reference() -> None:
    """Load municipalities, categories and physical-load attributes."""
    from app.reference import load_reference_data

    load_reference_data()
    click.echo("Reference data loaded.")


@seed_cli.command("demo")
@base_url_option
def seed_demo(base_url: str | None) -> None:
    """Fill the database with demonstration data; a second run does nothing."""
    from app import demo

    if demo.seed_demo() is None:
        click.echo("デモデータは読み込み済みです。 / The demo data is already loaded.")
    else:
        click.echo("デモデータを読み込みました。 / Demo data loaded.")
    click.echo()
    click.echo(demo.sign_in_text(base_url or current_app.config["BASE_URL"]))


@seed_cli.command("signins")
@base_url_option
def seed_signins(base_url: str | None) -> None:
    """Print where to open the demo and a sign-in for each role."""
    from app import demo

    if not demo.demo_is_loaded():
        click.echo(
            "デモデータはまだ読み込まれていません。"
            "`flask --app wsgi seed demo` を実行してください。\n"
            "The demo data is not loaded yet: run `flask --app wsgi seed demo`.",
            err=True,
        )
        raise SystemExit(1)
    click.echo(demo.sign_in_text(base_url or current_app.config["BASE_URL"]))


accounts_cli = AppGroup("accounts", help="Look after participants' accounts.")


@accounts_cli.command("clean-unconfirmed")
@click.option(
    "--remind-after",
    "remind_after_days",
    default=3,
    show_default=True,
    help="Days after registering when one reminder is sent.",
)
@click.option(
    "--remove-after",
    "remove_after_days",
    default=30,
    show_default=True,
    help="Days after registering when an unconfirmed account is removed.",
)
def clean_unconfirmed(remind_after_days: int, remove_after_days: int) -> None:
    """Remind, once, whoever has not confirmed their address; remove the stale.

    Meant for cron, daily; running it twice sends no second reminder.
    """
    from datetime import timedelta

    from app import accounts

    removed = accounts.remove_unconfirmed(timedelta(days=remove_after_days))
    reminded = accounts.remind_unconfirmed(timedelta(days=remind_after_days))
    logger.info("unconfirmed accounts: %d reminded, %d removed", reminded, removed)
    click.echo(f"Reminded {reminded}, removed {removed} unconfirmed accounts.")


@accounts_cli.command("prune-sessions")
@click.option(
    "--older-than",
    "days",
    default=30,
    show_default=True,
    help="Days after which ended and abandoned sessions are deleted.",
)
def prune_sessions(days: int) -> None:
    """Delete records of sessions that ended or were left long ago (daily cron)."""
    from datetime import timedelta

    from app import auth

    removed = auth.prune_sessions(timedelta(days=days))
    click.echo(f"Removed {removed} old sessions.")
