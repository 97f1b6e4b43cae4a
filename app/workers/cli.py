"""``flask --app wsgi worker``: an RQ worker that runs jobs inside the app."""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from redis import Redis
from rq import Worker

from app.extensions import db
from app.workers import jobs

logger = logging.getLogger(__name__)


class AppWorker(Worker):
    """An RQ worker whose forked work horses open their own database connections."""

    def main_work_horse(self, job, queue):
        # Connections inherited through fork() are shared with the parent and
        # would be corrupted by two processes talking on one socket.
        db.engine.dispose(close=False)
        return super().main_work_horse(job, queue)


@click.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Work on the named queues (all of them by default) until stopped.

    Jobs run inside this process's application context, so they see the same
    configuration and database as the web process without importing it.
    """
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("REDIS_URL is not set: jobs already run inline.")
    names = queues or jobs.QUEUES
    unknown = set(names) - set(jobs.QUEUES)
    if unknown:
        raise click.UsageError(f"unknown queues: {', '.join(sorted(unknown))}")
    # No socket timeout here: a worker blocks on Redis while it waits for jobs.
    connection = Redis.from_url(current_app.config["REDIS_URL"])
    worker = AppWorker(list(names), connection=connection)
    logger.info("worker %s listening on %s", worker.name, ", ".join(names))
    worker.work(burst=burst, with_scheduler=False)
