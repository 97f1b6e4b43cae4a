"""Fetching partner sites over HTTP, politely and within limits.

Nothing here reads or writes the database: the caller passes the validators
and the body hash it stored after the last fetch, and stores what comes back.
Every outcome, a timeout or a robots.txt refusal included, is a
``FetchResult`` with a reason a source's health page can show; no network
error reaches the caller as an exception.

One run shares one ``Robots`` (each site's robots.txt is fetched once) and
one ``HostPacer`` (requests to one host are spaced out) across its sources,
and may share one ``httpx.Client`` for its connection pool.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from app.workers.ingest.decoding import decode, looks_like_html_challenge

logger = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class FetchSettings:
    # Sites' operators read this in their logs: say who we are and where to
    # ask us to stop.
    user_agent: str = "TsunagariNavi/0.1 (+https://tsunagari.example.jp/about/crawler)"
    # The product token robots.txt groups are matched against.
    robots_agent: str = "TsunagariNavi"
    connect_timeout: float = 10.0
    # Between two reads; a site that trickles bytes is stopped by total_timeout.
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    # RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt.
    robots_max_bytes: int = 512 * 1024
    # A Crawl-delay beyond this is capped rather than stalling a whole run.
    max_crawl_delay: float = 60.0

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            self.read_timeout, connect=self.connect_timeout, pool=self.connect_timeout
        )


@dataclass(frozen=True)
class FetchResult:
    """What one fetch found; the caller stores the validators and the hash."""

    # The address asked for.
    url: str
    ok: bool
    # Why the fetch failed, for the source's health page; None when ok.
    reason: str | None = None
    # The last HTTP status seen, if any answer came.
    status: int | None = None
    # Where the body came from after redirects: relative links resolve here.
    final_url: str | None = None
    # The address to store instead of ``url``: where the permanent (301/308)
    # redirects at the start of the chain lead. None when nothing moved.
    moved_to: str | None = None
    body: bytes = b""
    # The Content-Type header as sent, for ``decoding.decode``.
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # SHA-256 of the body, hex; None when there is no new body.
    sha256: str | None = None
    # The server answered 304 to the stored validators: nothing to read.
    not_modified: bool = False
    # The body is byte for byte the one stored last time: nothing to read.
    unchanged: bool = False


class HostPacer:
    """Keeps at least ``interval`` seconds between requests to one host.

    Share one per run across sources; ``clock`` and ``sleep`` are injectable
    so tests need not wait. Not thread-safe: a run fetches one thing at a time.
    """

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}

    def wait(self, url: str, at_least: float = 0.0) -> float:
        """Sleep until ``url``'s host may be asked again; return the seconds slept."""
        host = _host(url)
        gap = max(self.interval, at_least)
        slept = 0.0
        last = self._last.get(host)
        if last is not None and gap > 0:
            remaining = last + gap - self._clock()
            if remaining > 0:
                self._sleep(remaining)
                slept = remaining
        self._last[host] = self._clock()
        return slept


@dataclass
class _SiteRules:
    parser: Protego | None = None
    # Set when robots.txt could not be had: the whole site is off limits.
    refusal: str | None = None


@dataclass
class Robots:
    """Each site's robots.txt, fetched once and kept; share one per run."""

    _sites: dict[str, _SiteRules] = field(default_factory=dict)

    def refusal(
        self,
        url: str,
        *,
        client: httpx.Client,
        settings: FetchSettings,
        pacer: HostPacer,
    ) -> str | None:
        """Why robots.txt forbids fetching ``url``, or None if it may be fetched."""
        site = self._site(url, client, settings, pacer)
        if site.refusal is not None:
            return site.refusal
        if site.parser is not None and not site.parser.can_fetch(
            url, settings.robots_agent
        ):
            return f"robots.txt at {_origin(url)} disallows {url}"
        return None

    def crawl_delay(self, url: str, settings: FetchSettings) -> float:
        """The site's Crawl-delay for us in seconds (capped), 0 if none or unknown."""
        site = self._sites.get(_origin(url))
        if site is None or site.parser is None:
            return 0.0
        delay = site.parser.crawl_delay(settings.robots_agent) or 0.0
        return min(float(delay), settings.max_crawl_delay)

    def _site(
        self, url: str, client: httpx.Client, settings: FetchSettings, pacer: HostPacer
    ) -> _SiteRules:
        origin = _origin(url)
        site = self._sites.get(origin)
        if site is None:
            site = self._sites[origin] = _load_robots(origin, client, settings, pacer)
        return site


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    previous_hash: str | None = None,
    client: httpx.Client | None = None,
    settings: FetchSettings = FetchSettings(),  # noqa: B008 - frozen, so shared safely
    robots: Robots | None = None,
    pacer: HostPacer | None = None,
) -> FetchResult:
    """GET ``url`` as a polite crawler; never raises for network or HTTP errors.

    ``etag`` and ``last_modified`` are the validators stored from the last
    fetch, ``previous_hash`` the stored ``sha256``. Without a shared
    ``robots`` and ``pacer`` this call uses its own, fetching robots.txt anew.
    """
    robots = robots if robots is not None else Robots()
    pacer = pacer if pacer is not None else HostPacer()
    headers = {"User-Agent": settings.user_agent}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    http = client if client is not None else httpx.Client()

    def allowed(hop: str) -> str | None:
        return robots.refusal(hop, client=http, settings=settings, pacer=pacer)

    try:
        chain = _follow(
            http,
            url,
            headers,
            settings,
            pacer,
            check=allowed,
            delay=lambda hop: robots.crawl_delay(hop, settings),
            limit=settings.max_bytes,
            truncate=False,
        )
    finally:
        if client is None:
            http.close()

    result = _result(url, chain, etag, last_modified, previous_hash)
    if result.ok:
        logger.debug("fetched %s: %s", url, result.status)
    else:
        logger.info("fetching %s failed: %s", url, result.reason)
    return result


# --- one exchange and a redirect chain ---------------------------------------


@dataclass
class _Chain:
    """The outcome of following redirects from one address."""

    final_url: str
    response: httpx.Response | None = None
    body: bytes = b""
    moved_to: str | None = None
    # Set when no usable answer came: a transport error, a limit, robots.txt.
    failure: str | None = None
    # The failure is the network's or the server's, not a bad redirect.
    unreachable: bool = False
    conditional: bool = False


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


def _follow(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    settings: FetchSettings,
    pacer: HostPacer,
    *,
    check: Callable[[str], str | None] | None,
    delay: Callable[[str], float] | None,
    limit: int,
    truncate: bool,
) -> _Chain:
    """GET ``url``, following up to ``settings.max_redirects`` redirects.

    Each hop is checked and paced on its own, because a redirect may lead to
    another host with its own robots.txt.
    """
    conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
    chain = _Chain(final_url=url, conditional=conditional)
    deadline = time.monotonic() + settings.total_timeout
    still_permanent = True
    redirects = 0

    while True:
        problem = _address_problem(chain.final_url)
        if problem is not None:
            chain.failure = problem
            return chain
        if check is not None:
            refusal = check(chain.final_url)
            if refusal is not None:
                chain.failure = refusal
                return chain
        pacer.wait(chain.final_url, delay(chain.final_url) if delay else 0.0)
        try:
            chain.response, chain.body = _exchange(
                client, chain.final_url, headers, settings, limit, truncate, deadline
            )
        except _TooLarge:
            chain.failure = f"the response is larger than {limit} bytes"
            return chain
        except _TooSlow:
            chain.failure = (
                f"the response took longer than {settings.total_timeout:g} s"
            )
            chain.unreachable = True
            return chain
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            chain.failure = _transport_reason(exc, chain.final_url, settings)
            chain.unreachable = True
            return chain

        status = chain.response.status_code
        if status not in _REDIRECTS:
            return chain
        location = chain.response.headers.get("Location")
        if not location:
            chain.failure = f"the site answered {_status(status)} without a Location"
            return chain
        redirects += 1
        if redirects > settings.max_redirects:
            chain.failure = f"more than {settings.max_redirects} redirects"
            return chain
        try:
            target = urljoin(chain.final_url, location.strip())
        except ValueError:
            chain.failure = f"the site redirected to a malformed address: {location}"
            return chain
        # Only an unbroken run of permanent redirects from the stored address
        # moves it: after a temporary one, the stored address is still right.
        if still_permanent and status in _PERMANENT_REDIRECTS:
            chain.moved_to = target
        else:
            still_permanent = False
        chain.final_url = target


def _exchange(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    settings: FetchSettings,
    limit: int,
    truncate: bool,
    deadline: float,
) -> tuple[httpx.Response, bytes]:
    request = client.build_request(
        "GET", url, headers=headers, timeout=settings.timeout
    )
    # TODO: bound the wait for the status line and headers by ``deadline`` too
    # once httpx offers a total timeout; until then a server that trickles its
    # headers is limited only by the read timeout between chunks and h11's
    # header size limit.
    response = client.send(request, stream=True, follow_redirects=False)
    try:
        if response.status_code in _REDIRECTS or response.status_code == 304:
            return response, b""
        return response, _read(response, limit, truncate, deadline)
    finally:
        response.close()


def _read(
    response: httpx.Response, limit: int, truncate: bool, deadline: float
) -> bytes:
    """The body, stopped at ``limit`` bytes: cut there, or ``_TooLarge``."""
    declared = response.headers.get("Content-Length", "")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    # Counted after decompression, so a small gzip bomb is caught too.
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            if truncate:
                break
            raise _TooLarge
        if time.monotonic() > deadline:
            raise _TooSlow
    return b"".join(chunks)[:limit]


def _result(
    url: str,
    chain: _Chain,
    etag: str | None,
    last_modified: str | None,
    previous_hash: str | None,
) -> FetchResult:
    response = chain.response
    status = response.status_code if response is not None else None
    if chain.failure is not None or response is None:
        return FetchResult(url, ok=False, reason=chain.failure, status=status)
    headers = response.headers
    content_type = headers.get("Content-Type")
    common = {
        "status": status,
        "final_url": chain.final_url,
        "moved_to": chain.moved_to,
        "content_type": content_type,
    }

    if status == 304:
        if not chain.conditional:
            return FetchResult(
                url,
                ok=False,
                reason="the site answered 304 Not Modified to a plain request",
                status=status,
            )
        # A 304 may omit the validators; the stored ones then still hold.
        return FetchResult(
            url,
            ok=True,
            not_modified=True,
            etag=headers.get("ETag") or etag,
            last_modified=headers.get("Last-Modified") or last_modified,
            **common,
        )

    if not 200 <= status < 300:
        return FetchResult(
            url, ok=False, reason=_refusal_reason(response, chain.body), **common
        )

    digest = hashlib.sha256(chain.body).hexdigest()
    return FetchResult(
        url,
        ok=True,
        body=chain.body,
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
        sha256=digest,
        unchanged=previous_hash is not None and previous_hash.lower() == digest,
        **common,
    )


# --- robots.txt --------------------------------------------------------------


def _load_robots(
    origin: str, client: httpx.Client, settings: FetchSettings, pacer: HostPacer
) -> _SiteRules:
    """Read a site's robots.txt as RFC 9309 says to treat each answer."""
    address = origin + "/robots.txt"
    chain = _follow(
        client,
        address,
        {"User-Agent": settings.user_agent},
        settings,
        pacer,
        check=None,
        delay=None,
        limit=settings.robots_max_bytes,
        truncate=True,
    )
    if chain.unreachable:
        reason = f"robots.txt at {origin} could not be fetched ({chain.failure})"
        logger.info("%s; not fetching from the site this run", reason)
        return _SiteRules(refusal=reason)
    # Redirects that lead nowhere usable make robots.txt unavailable, and an
    # unavailable robots.txt allows everything.
    if chain.failure is not None or chain.response is None:
        return _SiteRules()
    status = chain.response.status_code
    # An overloaded or rate-limiting site is treated as disallowing all, so
    # that we do not add to its load while it cannot say what it allows.
    if status == 429 or status >= 500:
        reason = f"robots.txt at {origin} answered {_status(status)}"
        logger.info("%s; not fetching from the site this run", reason)
        return _SiteRules(refusal=reason)
    if 400 <= status < 500:
        return _SiteRules()
    # RFC 9309 says robots.txt is UTF-8; stray bytes must not stop the parse.
    text = chain.body.decode("utf-8", errors="replace")
    logger.debug("read robots.txt at %s (%s bytes)", origin, len(chain.body))
    return _SiteRules(parser=Protego.parse(text))


# --- reasons -----------------------------------------------------------------


def _transport_reason(exc: Exception, url: str, settings: FetchSettings) -> str:
    host = _host(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting to {host} after {settings.connect_timeout:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"{host} sent nothing for {settings.read_timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out talking to {host}: {exc}"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {host}: {exc}"
    if isinstance(exc, httpx.DecodingError):
        return f"the response from {host} could not be decompressed: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} broke the HTTP protocol: {exc}"
    if isinstance(exc, httpx.InvalidURL):
        return f"not a valid address: {url} ({exc})"
    return f"the request to {host} failed: {exc}"


def _refusal_reason(response: httpx.Response, body: bytes) -> str:
    reason = f"the site answered {_status(response.status_code)}"
    content_type = response.headers.get("Content-Type")
    if body and looks_like_html_challenge(decode(body, content_type).text):
        reason += " with a bot-challenge or HTML error page"
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        reason += f"; it asks to retry after {retry_after}"
    return reason


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _address_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what raises for a bad one
    except ValueError:
        return f"not a valid address: {url}"
    if parts.scheme.lower() not in _SCHEMES:
        return f"not an http or https address: {url}"
    if not parts.hostname:
        return f"not a valid address: {url}"
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()
