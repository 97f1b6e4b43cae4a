"""The health check that load balancers and monitoring call."""

import socket
import time

import pytest


def test_health_reports_the_database_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["checks"]["database"] == "ok"


def test_health_reports_redis_ok_when_configured(make_app, redis, redis_url):
    response = make_app(REDIS_URL=redis_url).test_client().get("/healthz")

    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


@pytest.fixture
def closed_port():
    """A loopback port that is bound but not listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_health_answers_503_when_redis_is_unreachable(make_app, closed_port):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")

    started = time.monotonic()
    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("error: ")
    assert time.monotonic() - started < 5


def test_a_database_that_was_never_migrated_is_reported_as_an_error(tmp_path):
    from tests.support.apps import build, dispose, settings

    app = build(settings(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path))
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json["checks"]["database"].startswith("error")
    finally:
        dispose(app)
