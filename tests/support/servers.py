"""Real local servers for the tests: HTTP, SMTP, and the app itself."""

import email
import logging
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from werkzeug.serving import make_server

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"

# How often a server thread checks whether it should stop; the standard
# library's half second would add that much to every test's teardown.
POLL_INTERVAL = 0.02


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- HTTP -------------------------------------------------------------------


@dataclass
class Route:
    status: int
    body: bytes
    headers: list[tuple[str, str]]


@dataclass
class RecordedRequest:
    method: str
    target: str
    headers: dict[str, str]


class LocalHTTPServer:
    """An HTTP server on loopback that answers only the routes a test adds.

    A route is the request target: a path, or a path with its query when two
    answers differ only by query. Anything else gets a 404. Every request is
    kept in ``requests``::

        http_server.add("/feed.xml", body=Path(...), content_type="text/xml")
        http_server.redirect("/old.xml", "feed.xml", status=301)
        fetch(http_server.url("/old.xml"))
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name="http_server",
            daemon=True,
        )
        self._thread.start()

    def url(self, target: str = "/") -> str:
        return urljoin(self.base_url + "/", target.lstrip("/"))

    def add(
        self,
        target: str,
        body: bytes | str | Path = b"",
        status: int = 200,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Answer ``target`` with ``body`` (bytes, text as UTF-8, or a file).

        Only the headers given are sent, besides Content-Length, Server and
        Date: a route without ``content_type`` has no Content-Type, as some
        sites do. Returns the route's full URL.
        """
        if isinstance(body, Path):
            body = body.read_bytes()
        elif isinstance(body, str):
            body = body.encode()
        sent = list((headers or {}).items())
        if content_type is not None:
            sent.insert(0, ("Content-Type", content_type))
        self.routes[_route_key(target)] = Route(status, body, sent)
        return self.url(target)

    def redirect(self, target: str, location: str, status: int = 302) -> str:
        """Redirect ``target`` to ``location``, sent as given (it may be relative)."""
        return self.add(target, status=status, headers={"Location": location})

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._answer(send_body=True)

            def do_HEAD(self):
                self._answer(send_body=False)

            def _answer(self, send_body: bool) -> None:
                server.requests.append(
                    RecordedRequest(self.command, self.path, dict(self.headers))
                )
                route = server.routes.get(self.path) or server.routes.get(
                    urlsplit(self.path).path
                )
                if route is None:
                    route = Route(404, b"not found", [("Content-Type", "text/plain")])
                self.send_response(route.status)
                for name, value in route.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(route.body)

            def log_message(self, format, *args):
                logger.debug("http_server: %s", format % args)

        return Handler


def _route_key(target: str) -> str:
    return target if target.startswith("/") else "/" + target


# --- SMTP -------------------------------------------------------------------


@dataclass
class ReceivedMail:
    """A message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage = field(init=False)

    def __post_init__(self) -> None:
        self.message = email.message_from_bytes(self.raw, policy=policy.default)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            ReceivedMail(
                envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
            )
        )
        return "250 Message accepted for delivery"


class LocalSMTPServer:
    """An SMTP server on loopback that keeps every message it accepts.

    ``settings`` are the app settings that send mail to it. With ``tls`` the
    server insists on STARTTLS; with ``credentials`` (user, password) it also
    insists on AUTH.
    """

    def __init__(
        self,
        tls: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self._inbox = _Inbox()
        self.credentials = credentials
        self.port = free_port()
        options = {}
        if tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        if credentials is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(
            self._inbox,
            hostname=HOST,
            port=self.port,
            server_hostname="localhost",
            # Many real relays do not offer SMTPUTF8; messages must not need it.
            enable_SMTPUTF8=False,
            **options,
        )
        self._controller.start()
        self.host = HOST
        self.settings = {
            "MAIL_SERVER": HOST,
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": tls is not None,
            "MAIL_USERNAME": credentials[0] if credentials else None,
            "MAIL_PASSWORD": credentials[1] if credentials else None,
        }

    @property
    def messages(self) -> list[ReceivedMail]:
        return self._inbox.messages

    def close(self) -> None:
        self._controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        expected = self.credentials
        given = (
            (auth_data.login.decode(), auth_data.password.decode())
            if isinstance(auth_data, LoginPassword)
            else None
        )
        return AuthResult(success=given == expected)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, made with openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


# --- the app ----------------------------------------------------------------


class LiveServer:
    """The app served over real HTTP on loopback, for the browser."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server(HOST, 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name="live_server",
            daemon=True,
        )
        self._thread.start()

    def url_for(self, path: str = "/") -> str:
        return self.url + (path if path.startswith("/") else "/" + path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
