"""Command-line entry points: ``flask --app wsgi seed ...``."""

import logging

import click
from flask.cli import AppGroup

logger = logging.getLogger(__name__)

seed_cli = AppGroup("seed", help="Load reference and demonstration data.")


@seed_cli.command("reference")
def seed_reference() -> None:
    """Load municipalities, categories and physical-load attributes."""
    from app.reference import load_reference_data

    load_reference_data()
    click.echo("Reference data loaded.")
