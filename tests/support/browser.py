"""Debian's Chromium driven by Playwright, and an accessibility check with axe."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, Route

from tests.support.network import is_loopback

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

LAUNCH_ARGS = [
    # The test machine runs as root, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    # Nothing the browser does on its own may leave the machine.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

_axe = Axe()


def launch(playwright: Playwright) -> Browser:
    """Start the system Chromium; Playwright's own browser builds are not used."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: run scripts/test-services.sh (apt-get install "
            "chromium fonts-noto-cjk)"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


class OffsiteRequests:
    """Aborts a page's requests to anything but loopback, and remembers them."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def __call__(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and not is_loopback(
            parts.hostname or ""
        ):
            self.blocked.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{_safe_name(name)}.png"
    page.screenshot(path=path, full_page=True)
    return path


def assert_accessible(
    page: Page, name: str, context=None, options: dict | None = None
) -> None:
    """Fail with axe-core's violations for the page as it is now.

    A full-page screenshot is saved as ``test-artifacts/<name>.png`` first, so
    a failure can be looked at. ``context`` and ``options`` go to ``axe.run``
    as they are, e.g. ``options={"rules": {"color-contrast": {"enabled":
    False}}}``; by default every WCAG A/AA rule and axe's best practices run.
    """
    path = screenshot(page, name)
    kwargs = {"options": options} if options is not None else {}
    results = _axe.run(page, context=context, **kwargs)
    violations = results.response["violations"]
    if violations:
        raise AssertionError(
            f"{len(violations)} accessibility violation(s) on {page.url} "
            f"(screenshot: {path.relative_to(ARTIFACTS.parent)}):\n"
            + "\n".join(_describe(v) for v in violations)
        )


def _describe(violation: dict) -> str:
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}"
        f" <{violation['helpUrl']}>"
    ]
    for node in violation["nodes"]:
        target = ", ".join(str(t) for t in node["target"])
        summary = (node.get("failureSummary") or "").replace("\n", " ")
        lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "page"
