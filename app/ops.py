"""Operational endpoints for load balancers and monitoring."""

import logging

from flask import Blueprint, current_app, jsonify, redirect, url_for
from sqlalchemy import text

from app.extensions import db
from app.workers import jobs

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for this address before reading the page's icon link.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/healthz")
def healthz():
    """Report whether the database and, when configured, Redis answer."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "down" to a load balancer
        logger.exception("health check: database unreachable")
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
