"""Operational endpoints for load balancers and monitoring."""

import logging
from functools import cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify, redirect, url_for
from sqlalchemy import text

from app.extensions import db
from app.workers import jobs

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)


@cache
def _migration_heads() -> set[str]:
    directory = current_app.extensions["migrate"].directory
    config = Config()
    config.set_main_option("script_location", directory)
    return set(ScriptDirectory.from_config(config).get_heads())


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for this address before reading the page's icon link.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/healthz")
def healthz():
    """Report whether the database and, when configured, Redis answer."""
    checks = {}
    try:
        current = set(
            db.session.scalars(text("SELECT version_num FROM alembic_version"))
        )
        # A database that answers but was never migrated (or is behind the
        # code) would fail on the first real page.
        expected = _migration_heads()
        checks["database"] = (
            "ok"
            if current == expected
            else f"error: schema at {sorted(current) or 'nothing'}, "
            f"code expects {sorted(expected)}"
        )
    except Exception as exc:  # any driver error means "down" to a load balancer
        logger.exception("health check: database unreachable")
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    if current_app.config["REDIS_URL"]:
        try:
            jobs.redis_connection().ping()
            checks["redis"] = "ok"
        except Exception as exc:
            logger.exception("health check: redis unreachable")
            checks["redis"] = f"error: {type(exc).__name__}"
    else:
        checks["redis"] = "not configured (jobs run inline)"
    healthy = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    return jsonify(status="ok" if healthy else "error", checks=checks), (
        200 if healthy else 503
    )
