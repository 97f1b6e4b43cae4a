"""Chromium reaches the live server: the browser fixtures work."""

import pytest

from tests.support.browser import ARTIFACTS, screenshot


@pytest.mark.browser
def test_chromium_opens_the_health_check_on_the_live_server(page, live_server):
    response = page.goto("/healthz")

    assert response.status == 200
    assert page.url == live_server.url_for("/healthz")
    assert response.json()["checks"]["database"] == "ok"
    path = screenshot(page, "healthz")
    assert path.parent == ARTIFACTS
    assert path.stat().st_size > 0
