"""A thin layer in front of RQ.

Jobs are plain functions that take ids, never ORM objects. With ``REDIS_URL``
set they are queued for ``rq worker``; without it they run at once in the
calling process, so the platform works with nothing else installed.
"""

import logging
from collections.abc import Callable

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry

logger = logging.getLogger(__name__)

QUEUES = ("mail", "push", "digest", "ingest", "default")
REDIS_TIMEOUT = 3
RETRY_INTERVALS = [30, 300, 1800]


def init_app(app: Flask) -> None:
    app.extensions["jobs"] = {"redis": None}


def redis_connection() -> Redis:
    state = current_app.extensions["jobs"]
    if state["redis"] is None:
        # Bounded timeouts: an unreachable Redis must fail a health check or a
        # request quickly rather than hang it.
        state["redis"] = Redis.from_url(
            current_app.config["REDIS_URL"],
            socket_connect_timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
        )
    return state["redis"]


def enqueue(func: Callable, *args, queue: str = "default", **kwargs):
    """Run ``func(*args, **kwargs)`` on a worker, or inline without Redis."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    if not current_app.config["REDIS_URL"]:
        logger.info("running job %s inline", func.__name__)
        return func(*args, **kwargs)
    # A job that fails (a mail server briefly down, a worker killed mid-job)
    # is tried again later; jobs are written to be safe to run twice.
    job = Queue(
        queue,
        connection=redis_connection(),
        default_timeout=current_app.config["JOB_TIMEOUT"],
    ).enqueue(
        func,
        *args,
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        **kwargs,
    )
    logger.info("queued job %s on %s as %s", func.__name__, queue, job.id)
    return job
