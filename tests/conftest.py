"""Fixtures for tests against real PostgreSQL, Redis, SMTP and Chromium.

``make test`` starts those services first (scripts/test-services.sh). The
machinery lives in ``tests/support``; test data comes from
``tests.support.factories``.
"""

import os
import ssl

import pytest
import sqlalchemy as sa
from playwright.sync_api import sync_playwright
from redis import Redis
from sqlalchemy.engine import make_url

from tests.support import apps
from tests.support import database as db_support
from tests.support.browser import OffsiteRequests, launch
from tests.support.network import NetworkGuard
from tests.support.servers import (
    LiveServer,
    LocalHTTPServer,
    LocalSMTPServer,
    make_certificate,
)

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/tsunagari_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

# --- the whole run ------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _environment():
    """Keep the developer's shell settings out of the app under test."""
    with pytest.MonkeyPatch.context() as patch:
        for name in apps.ENVIRONMENT:
            patch.delenv(name, raising=False)
        patch.setenv("SECRET_KEY", apps.SECRET_KEY)
        yield


@pytest.fixture(scope="session", autouse=True)
def network_guard():
    """Refuses connections to anything but loopback; see ``tests.support.network``.

    A test that means to try (and fail) clears ``network_guard.attempts``.
    """
    guard = NetworkGuard()
    guard.install()
    yield guard
    guard.uninstall()


@pytest.fixture(autouse=True)
def _no_internet(network_guard):
    network_guard.attempts.clear()
    yield
    if network_guard.attempts:
        attempts = ", ".join(network_guard.attempts)
        network_guard.attempts.clear()
        pytest.fail(f"the test tried to reach the network: {attempts}")


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)


@pytest.fixture(scope="session")
def _exclusive_run(database_url):
    """One run at a time per test database; see ``exclusive_run``."""
    with db_support.exclusive_run(database_url):
        yield


@pytest.fixture(scope="session")
def database_engine(_exclusive_run, database_url, tmp_path_factory) -> sa.Engine:
    """The test database, created afresh and built by the migrations."""
    db_support.recreate_database(database_url)
    folder = tmp_path_factory.mktemp("setup")
    db_support.build_schema(apps.build(apps.settings(database_url, folder)))
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


# --- the app ------------------------------------------------------------------


@pytest.fixture
def database(request, database_engine, database_url):
    """Where this test's data lives, as the app settings that point there.

    Most tests run inside one transaction on the test database that is rolled
    back at the end; every session joins it through a savepoint, so code under
    test may commit.

    Tests that use ``live_server`` get a fresh copy of the test database,
    dropped afterwards, and nothing is rolled back: the server answers the
    browser from its own threads and connections as in production, and sees
    what the test has committed. Sharing the test's connection with the server
    thread was the alternative, but a late request from the page (an image, a
    favicon) can then run while the test queries, and the two threads'
    savepoints on one connection release each other. So in a browser test,
    call ``db.session.commit()`` before the page loads the data.
    """
    if "live_server" in request.fixturenames:
        name = make_url(database_url).database
        url = make_url(database_url).set(database=f"{name}_browser")
        url = url.render_as_string(hide_password=False)
        # A database can only be copied while nobody is connected to it.
        database_engine.dispose()
        db_support.recreate_database(url, template=name)
        yield {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True}
        db_support.drop_database(url)
    else:
        with db_support.rolled_back(database_engine):
            yield {"SQLALCHEMY_DATABASE_URI": database_url}


@pytest.fixture
def app_overrides() -> dict:
    """Settings for ``app``; a module may redefine this fixture, e.g.::

    @pytest.fixture
    def app_overrides(smtp_server):
        return smtp_server.settings
    """
    return {}


@pytest.fixture
def make_app(database, tmp_path):
    """Build another app on this test's database: ``make_app(REDIS_URL=...)``."""
    built = []

    def make(**overrides):
        settings = apps.settings(database["SQLALCHEMY_DATABASE_URI"], tmp_path)
        app = apps.build({**settings, **database, **overrides})
        built.append(app)
        return app

    yield make
    for app in built:
        apps.dispose(app)


@pytest.fixture
def app(make_app, app_overrides):
    """The app under test, with its app context pushed for the whole test."""
    app = make_app(**app_overrides)
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    """A test client; ``tests.support.auth.sign_in(client, account)`` signs in."""
    return app.test_client()


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...`` then ``assert queries.count <= 3``."""
    return db_support.count_queries


# --- services -----------------------------------------------------------------


@pytest.fixture
def redis(_exclusive_run, redis_url):
    """A client on the test Redis database, empty before and after the test."""
    client = Redis.from_url(redis_url)
    try:
        client.ping()
    except Exception as exc:
        client.close()
        raise RuntimeError(
            f"Redis at {redis_url} does not answer (bash scripts/test-services.sh)"
        ) from exc
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def smtp_server():
    """A local SMTP server; received mail is in ``smtp_server.messages``.

    Point an app at it with ``make_app(**smtp_server.settings)`` or through
    ``app_overrides``.
    """
    server = LocalSMTPServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server_tls(tls_certificate, monkeypatch):
    """Like ``smtp_server``, but insisting on STARTTLS and AUTH.

    The test's certificate is trusted the way public ones are, through
    SSL_CERT_FILE, so the mailer's certificate checks stay on.
    """
    certificate, key = tls_certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    server = LocalSMTPServer(tls=context, credentials=("mailer", "mail-password"))
    yield server
    server.close()


@pytest.fixture
def http_server():
    """A local HTTP server answering the routes a test adds; see LocalHTTPServer."""
    server = LocalHTTPServer()
    yield server
    server.close()


# --- the browser --------------------------------------------------------------


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1 for the browser, on its own database copy."""
    server = LiveServer(app)
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A Chromium page in Japanese and Tokyo time, at home on the live server.

    ``page.goto("/")`` opens the live server's home page. Requests to any
    other host are aborted and fail the test.
    """
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 1280, "height": 800},
    )
    offsite = OffsiteRequests()
    context.route("**/*", offsite)
    page = context.new_page()
    yield page
    # Let the page finish loading before the browser goes away: a response cut
    # off mid-transfer leaves the server's file handle to be collected later,
    # which warnings-as-errors would report against an unrelated test.
    for open_page in context.pages:
        open_page.wait_for_load_state("networkidle")
    context.close()
    if offsite.blocked:
        blocked = ", ".join(offsite.blocked)
        pytest.fail(f"the page tried to load from other hosts: {blocked}")
