"""The test database: built once by the migrations, then rolled back per test."""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session
from sqlalchemy.engine import make_url
from sqlalchemy.orm import close_all_sessions

from app.extensions import db
from app.reference import load_reference_data

logger = logging.getLogger(__name__)

# Statements the rollback machinery adds around every session; a query count
# should only show what the code under test asked for.
_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")


def _admin_connection(url: str) -> psycopg.Connection:
    """Connect to the server's ``postgres`` database, outside any transaction."""
    server = make_url(url).set(drivername="postgresql", database="postgres")
    try:
        return psycopg.connect(
            server.render_as_string(hide_password=False), autocommit=True
        )
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"cannot reach PostgreSQL at {server.host}:{server.port or 5432}: "
            "run bash scripts/test-services.sh"
        ) from exc


def recreate_database(url: str, template: str | None = None) -> None:
    """Drop the database named in ``url`` and create it empty or as a copy."""
    name = make_url(url).database
    with _admin_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = make_url(url).database
    with _admin_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def exclusive_run(url: str, wait_seconds: int = 900) -> Iterator[None]:
    """Hold a server-wide lock named after the test database for a whole run.

    Two runs on one machine would otherwise drop each other's database and
    flush each other's Redis; the second waits for the first instead.
    """
    name = make_url(url).database
    with _admin_connection(url) as connection:
        key = f"test run on {name}"
        if not connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", (key,)
        ).fetchone()[0]:
            logger.warning("waiting for another test run on %s to finish", name)
            connection.execute(f"SET lock_timeout = '{wait_seconds}s'")
            connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        yield


def build_schema(app) -> None:
    """Run the migrations to head and load the reference data, committed."""
    with app.app_context():
        upgrade()
        load_reference_data()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


class _ConnectionBoundSession(Session):
    """Flask-SQLAlchemy's session, kept on the connection it was given.

    Flask-SQLAlchemy 3 always picks the app's engine in ``get_bind``, which
    would let the code under test escape the test's transaction
    (pallets-eco/flask-sqlalchemy#1167).
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and isinstance(self.bind, sa.Connection):
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@contextmanager
def rolled_back(engine: sa.Engine) -> Iterator[sa.Connection]:
    """Bind ``db.session`` to one transaction that is rolled back at the end.

    Every session, the test's and each request's, joins the transaction
    through a savepoint of its own, so code under test may commit freely.
    """
    original = db.session
    with engine.connect() as connection:
        transaction = connection.begin()
        db.session = db._make_scoped_session(
            {
                "class_": _ConnectionBoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield connection
        finally:
            # Each app context removes its own session when it ends; this is
            # for any that did not end, so none outlives the connection.
            close_all_sessions()
            db.session = original
            transaction.rollback()


class QueryLog:
    """The SQL statements executed while a ``count_queries`` block ran."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:
        listing = "\n".join(f"  {s}" for s in self.statements)
        return f"<{self.count} queries>\n{listing}"


@contextmanager
def count_queries() -> Iterator[QueryLog]:
    """Record the statements run on the database ``db.session`` currently uses."""
    bind = db.session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    log = QueryLog()

    def record(conn, cursor, statement, parameters, context, executemany):
        if not _SAVEPOINT.match(statement):
            log.statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
