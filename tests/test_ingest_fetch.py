"""Fetching partner sites: limits, validators, robots.txt and pacing.

Everything is served from loopback: the ``http_server`` fixture for ordinary
answers, and a raw socket server here for answers it cannot give (a body
without a length, or no answer at all).
"""

import hashlib
import socket
import threading
from functools import partial
from urllib.parse import urljoin

import httpx
import pytest

from app.workers.ingest.fetch import (
    FetchSettings,
    HostPacer,
    Robots,
    fetch,
)
from tests.support import partner_sites
from tests.support.servers import HOST, free_port

ENTRIES = partner_sites.manifest()
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class FakeClock:
    """A monotonic clock that only moves when something sleeps or a test says."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RawServer:
    """Answers each request with the raw bytes ``answer(target)`` gives.

    When ``answer`` gives None the connection is held open and never answered.
    """

    def __init__(self, answer) -> None:
        self._answer = answer
        self._stop = threading.Event()
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(0.05)
        self.url = f"http://{HOST}:{self._listener.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def close(self) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(
                target=self._serve, args=(connection,), daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                request += chunk
            target = request.split(b" ", 2)[1].decode()
            answer = self._answer(target)
            if answer is None:
                self._stop.wait()
                return
            connection.sendall(answer)


@pytest.fixture
def raw_server():
    servers: list[RawServer] = []

    def start(answer) -> RawServer:
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def get(clock):
    """``fetch`` as one run calls it: a shared Robots and a pacer that never waits."""
    pacer = HostPacer(0, clock=clock, sleep=clock.sleep)
    return partial(fetch, robots=Robots(), pacer=pacer)


def requested(http_server) -> list[str]:
    return [request.target for request in http_server.requests]


# --- the partner-site samples ------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_each_sample_is_fetched_as_the_site_serves_it(http_server, get, entry):
    url = partner_sites.serve(http_server, entry)
    content = (partner_sites.FOLDER / entry["file"]).read_bytes()
    served = entry["serve"]

    result = get(url)

    if "location" in served:
        moved = urljoin(url, served["location"])
        assert result.moved_to == moved
        assert result.final_url == moved
        served = served["then"]
    else:
        assert result.moved_to is None
        assert result.final_url == url
    assert result.status == served["status"]
    assert result.content_type == served["content_type"]
    if served["status"] == 200:
        assert result.ok, result.reason
        assert result.body == content
        assert result.sha256 == hashlib.sha256(content).hexdigest()
    else:
        assert not result.ok
        assert result.body == b""
        assert str(served["status"]) in result.reason


def test_a_bot_challenge_page_fails_with_a_reason_saying_so(http_server, get):
    entry = next(e for e in ENTRIES if e["file"] == "not_a_feed_challenge.html")
    result = get(partner_sites.serve(http_server, entry))

    assert not result.ok
    assert result.reason == (
        "the site answered 403 Forbidden with a bot-challenge or HTML error page"
    )


# --- redirects ---------------------------------------------------------------


def test_a_temporary_redirect_is_followed_but_not_stored(http_server, get):
    http_server.redirect("/feed.xml", "/today.xml", status=302)
    http_server.add("/today.xml", b"<rss/>", content_type="text/xml")

    result = get(http_server.url("/feed.xml"))

    assert result.ok
    assert result.moved_to is None
    assert result.final_url == http_server.url("/today.xml")


def test_only_permanent_redirects_from_the_start_move_the_stored_address(
    http_server, get
):
    http_server.redirect("/old.xml", "/new.xml", status=308)
    http_server.redirect("/new.xml", "/cdn.xml", status=302)
    http_server.redirect("/cdn.xml", "/later.xml", status=301)
    http_server.add("/later.xml", b"<rss/>", content_type="text/xml")

    result = get(http_server.url("/old.xml"))

    assert result.ok
    assert result.moved_to == http_server.url("/new.xml")
    assert result.final_url == http_server.url("/later.xml")


def test_a_redirect_loop_stops_at_the_limit(http_server, get):
    http_server.redirect("/a", "/b")
    http_server.redirect("/b", "/a")

    result = get(http_server.url("/a"), settings=FetchSettings(max_redirects=3))

    assert not result.ok
    assert result.reason == "more than 3 redirects"
    assert requested(http_server).count("/a") == 2


def test_a_redirect_to_another_scheme_is_not_followed(http_server, get):
    http_server.redirect("/feed.xml", "ftp://files.example.jp/feed.xml")

    result = get(http_server.url("/feed.xml"))

    assert not result.ok
    assert (
        result.reason == "not an http or https address: ftp://files.example.jp/feed.xml"
    )


# --- validators and hashes ---------------------------------------------------


def test_the_validators_of_a_full_answer_are_returned_for_storing(http_server, get):
    url = http_server.add(
        "/feed.xml",
        b"<rss/>",
        content_type="text/xml",
        headers={"ETag": '"v2"', "Last-Modified": "Tue, 01 Dec 2026 00:00:00 GMT"},
    )

    result = get(url, etag='"v1"')

    assert result.etag == '"v2"'
    assert result.last_modified == "Tue, 01 Dec 2026 00:00:00 GMT"
    assert not result.not_modified


def test_stored_validators_make_a_conditional_request_and_304_is_not_modified(
    http_server, get
):
    url = http_server.add("/feed.xml", status=304, headers={"ETag": '"v1"'})

    result = get(url, etag='"v1"', last_modified="Mon, 30 Nov 2026 01:00:00 GMT")

    sent = http_server.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Mon, 30 Nov 2026 01:00:00 GMT"
    assert result.ok
    assert result.not_modified
    assert result.status == 304
    assert result.body == b""
    assert result.sha256 is None
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 30 Nov 2026 01:00:00 GMT"


def test_a_first_fetch_sends_no_validators(http_server, get):
    url = http_server.add("/feed.xml", b"<rss/>", content_type="text/xml")

    get(url)

    sent = http_server.requests[-1].headers
    assert "If-None-Match" not in sent
    assert "If-Modified-Since" not in sent


def test_a_304_to_a_plain_request_is_a_failure(http_server, get):
    url = http_server.add("/feed.xml", status=304)

    result = get(url)

    assert not result.ok
    assert result.reason == "the site answered 304 Not Modified to a plain request"


def test_a_body_identical_to_the_last_one_is_marked_unchanged(http_server, get):
    body = b"<rss version='2.0'><channel/></rss>"
    url = http_server.add("/feed.xml", body, content_type="text/xml")
    stored = hashlib.sha256(body).hexdigest()

    same = get(url, previous_hash=stored)
    http_server.add("/feed.xml", body + b"\n", content_type="text/xml")
    changed = get(url, previous_hash=stored)

    assert same.ok and same.unchanged
    assert same.sha256 == stored
    assert changed.ok and not changed.unchanged
    assert changed.sha256 != stored


# --- limits and errors -------------------------------------------------------


def test_a_body_over_the_size_limit_fails(http_server, get):
    url = http_server.add("/big.xml", b"x" * 2000, content_type="text/xml")

    result = get(url, settings=FetchSettings(max_bytes=1000))

    assert not result.ok
    assert result.reason == "the response is larger than 1000 bytes"
    assert result.body == b""


def test_a_body_without_a_length_is_cut_off_at_the_size_limit(raw_server, get):
    endless = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 100_000
    server = raw_server(
        lambda target: NOT_FOUND if target == "/robots.txt" else endless
    )

    result = get(server.url + "/big.xml", settings=FetchSettings(max_bytes=1000))

    assert not result.ok
    assert result.reason == "the response is larger than 1000 bytes"


def test_a_site_that_never_answers_times_out(raw_server, get):
    server = raw_server(lambda target: NOT_FOUND if target == "/robots.txt" else None)
    settings = FetchSettings(connect_timeout=1, read_timeout=0.2)

    result = get(server.url + "/feed.xml", settings=settings)

    assert not result.ok
    assert result.reason == f"{HOST} sent nothing for 0.2 s"
    assert result.status is None


def test_a_refused_connection_fails_with_the_reason(get):
    result = get(f"http://{HOST}:{free_port()}/feed.xml")

    assert not result.ok
    assert result.reason.startswith(f"robots.txt at http://{HOST}:")
    assert f"could not connect to {HOST}" in result.reason


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, "the site answered 404 Not Found"),
        (410, "the site answered 410 Gone"),
        (500, "the site answered 500 Internal Server Error"),
    ],
)
def test_an_error_status_fails_with_the_status_as_reason(
    http_server, get, status, reason
):
    url = http_server.add(
        "/feed.xml", b"oops", status=status, content_type="text/plain"
    )

    result = get(url)

    assert not result.ok
    assert result.reason == reason
    assert result.status == status


def test_an_overloaded_site_passes_on_when_to_retry(http_server, get):
    url = http_server.add("/feed.xml", status=503, headers={"Retry-After": "120"})

    result = get(url)

    assert result.reason == (
        "the site answered 503 Service Unavailable; it asks to retry after 120"
    )


def test_an_address_that_is_not_http_fails_without_a_request(get):
    result = get("file:///etc/passwd")

    assert not result.ok
    assert result.reason == "not an http or https address: file:///etc/passwd"


@pytest.mark.parametrize(
    "url", ["http://[city.example.jp/", "http://:99999/", "http:///a"]
)
def test_a_malformed_address_fails_without_a_request(get, url):
    result = get(url)

    assert not result.ok
    assert result.reason == f"not a valid address: {url}"


# --- robots.txt --------------------------------------------------------------


def test_a_path_robots_txt_disallows_is_not_fetched(http_server, get):
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    http_server.add("/private/feed.xml", b"<rss/>", content_type="text/xml")
    url = http_server.url("/private/feed.xml")

    result = get(url)

    assert not result.ok
    assert result.reason == f"robots.txt at {http_server.base_url} disallows {url}"
    assert "/private/feed.xml" not in requested(http_server)


def test_robots_txt_groups_are_matched_on_our_agent_token(http_server, get):
    http_server.add(
        "/robots.txt",
        "User-agent: TsunagariNavi\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
    )
    http_server.add("/feed.xml", b"<rss/>", content_type="text/xml")

    result = get(http_server.url("/feed.xml"))

    assert not result.ok
    assert "disallows" in result.reason


def test_robots_txt_is_fetched_once_per_host_in_a_run(http_server, get):
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    http_server.add("/a.xml", b"<rss/>", content_type="text/xml")
    http_server.add("/b.xml", b"<rss/>", content_type="text/xml")

    first = get(http_server.url("/a.xml"))
    second = get(http_server.url("/b.xml"))

    assert first.ok and second.ok
    assert requested(http_server) == ["/robots.txt", "/a.xml", "/b.xml"]


def test_a_missing_robots_txt_allows_everything(http_server, get):
    url = http_server.add("/feed.xml", b"<rss/>", content_type="text/xml")

    result = get(url)

    assert result.ok
    assert requested(http_server) == ["/robots.txt", "/feed.xml"]


def test_a_failing_robots_txt_keeps_the_whole_site_off_limits(http_server, get):
    http_server.add("/robots.txt", "", status=503)
    http_server.add("/feed.xml", b"<rss/>", content_type="text/xml")

    result = get(http_server.url("/feed.xml"))

    assert not result.ok
    assert result.reason == (
        f"robots.txt at {http_server.base_url} answered 503 Service Unavailable"
    )
    assert requested(http_server) == ["/robots.txt"]


def test_robots_txt_is_checked_again_after_a_redirect(http_server, raw_server, get):
    forbidding = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 25\r\nConnection: close\r\n\r\n"
        b"User-agent: *\nDisallow: /"
    )
    other = raw_server(lambda target: forbidding)
    http_server.redirect("/feed.xml", other.url + "/feed.xml", status=301)

    result = get(http_server.url("/feed.xml"))

    assert not result.ok
    assert result.reason == f"robots.txt at {other.url} disallows {other.url}/feed.xml"


# --- who we say we are -------------------------------------------------------


def test_every_request_names_the_service_and_a_contact_address(http_server, get):
    url = http_server.add("/feed.xml", b"<rss/>", content_type="text/xml")

    get(url)

    agents = {request.headers["User-Agent"] for request in http_server.requests}
    assert agents == {FetchSettings().user_agent}
    assert FetchSettings().user_agent.startswith("TsunagariNavi/")
    assert "+https://" in FetchSettings().user_agent


def test_the_user_agent_can_be_configured(http_server, get):
    url = http_server.add("/feed.xml", b"<rss/>", content_type="text/xml")
    agent = "TsunagariNavi/1.0 (+https://navi.city.example.jp/crawler)"

    get(url, settings=FetchSettings(user_agent=agent))

    assert http_server.requests[-1].headers["User-Agent"] == agent


def test_a_shared_client_is_used_and_left_open(http_server, get):
    url = http_server.add("/feed.xml", b"<rss/>", content_type="text/xml")

    with httpx.Client() as client:
        first = get(url, client=client)
        second = get(url, client=client)
        assert not client.is_closed

    assert first.ok and second.ok


# --- pacing ------------------------------------------------------------------


def test_requests_to_one_host_are_spaced_by_the_interval(http_server, clock):
    http_server.add("/a.xml", b"<rss/>", content_type="text/xml")
    http_server.add("/b.xml", b"<rss/>", content_type="text/xml")
    pacer = HostPacer(1.0, clock=clock, sleep=clock.sleep)
    robots = Robots()

    fetch(http_server.url("/a.xml"), robots=robots, pacer=pacer)
    fetch(http_server.url("/b.xml"), robots=robots, pacer=pacer)

    # robots.txt goes first without waiting; each page waits its turn.
    assert requested(http_server) == ["/robots.txt", "/a.xml", "/b.xml"]
    assert clock.sleeps == [1.0, 1.0]


def test_the_pacer_counts_time_already_passed():
    clock = FakeClock()
    pacer = HostPacer(1.0, clock=clock, sleep=clock.sleep)

    pacer.wait("https://city.example.jp/a")
    clock.now += 0.75
    slept = pacer.wait("https://city.example.jp/b")
    clock.now += 5
    pacer.wait("https://city.example.jp/c")

    assert slept == pytest.approx(0.25)
    assert clock.sleeps == [pytest.approx(0.25)]


def test_the_pacer_keeps_hosts_apart():
    clock = FakeClock()
    pacer = HostPacer(1.0, clock=clock, sleep=clock.sleep)

    pacer.wait("https://city.example.jp/feed.xml")
    pacer.wait("https://shakyo.example.jp/feed.xml")
    pacer.wait("https://CITY.example.jp:443/other.xml")

    assert clock.sleeps == [1.0]


def test_a_crawl_delay_in_robots_txt_lengthens_the_interval(http_server, clock):
    http_server.add("/robots.txt", "User-agent: *\nCrawl-delay: 3\n")
    http_server.add("/a.xml", b"<rss/>", content_type="text/xml")
    pacer = HostPacer(1.0, clock=clock, sleep=clock.sleep)
    robots = Robots()

    fetch(http_server.url("/a.xml"), robots=robots, pacer=pacer)
    fetch(http_server.url("/a.xml"), robots=robots, pacer=pacer)

    assert clock.sleeps == [3.0, 3.0]
