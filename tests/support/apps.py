"""Building the app under test and a test client that behaves like a browser."""

import contextvars
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db

#: Settings read from the environment, cleared so a developer's shell cannot
#: change what the tests run against.
ENVIRONMENT = (
    "DATABASE_URL",
    "REDIS_URL",
    "BASE_URL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "MAIL_OUTBOX_DIR",
    "JOB_TIMEOUT",
    "SESSION_COOKIE_SECURE",
    "LOG_LEVEL",
)

#: Set in the environment as well, so the factory never writes a key file
#: into the instance folder.
SECRET_KEY = "not a secret: for tests only"


def settings(database_url: str, folder: Path) -> dict:
    """The overrides every app under test starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "MAIL_SERVER": None,
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context.

    Flask reuses an app context the test has pushed, and with it the test's
    database session and identity map; that would hide missing eager loads
    and stale reads. Each request here starts from an empty context instead,
    as it does in production.
    """

    def open(self, *args, **kwargs):
        if self.preserve_context:
            return super().open(*args, **kwargs)
        return contextvars.Context().run(super().open, *args, **kwargs)


def build(overrides: dict) -> Flask:
    app = create_app(overrides)
    app.test_client_class = IsolatedClient
    return app


def dispose(app: Flask) -> None:
    """Close the connections the app opened, so none outlive its test."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    redis = app.extensions.get("jobs", {}).get("redis")
    if redis is not None:
        redis.close()
