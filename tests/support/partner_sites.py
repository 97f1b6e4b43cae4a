"""Sample partner-site files, served the way their manifest says."""

import json
from pathlib import Path
from urllib.parse import urljoin

from tests.support.servers import LocalHTTPServer

FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "partner_sites"


def manifest() -> list[dict]:
    return json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))


def serve(server: LocalHTTPServer, entry: dict) -> str:
    """Serve one manifest entry; return the URL a crawler would be given.

    A redirecting entry answers its own path with the redirect and the target
    with the file, as the entry's ``then`` says.
    """
    path = "/" + entry["file"]
    body = FOLDER / entry["file"]
    answer = entry["serve"]
    if "location" in answer:
        server.redirect(path, answer["location"], status=answer["status"])
        target = urljoin(path, answer["location"])
        answer = answer["then"]
        server.add(
            target, body, status=answer["status"], content_type=answer["content_type"]
        )
    else:
        server.add(
            path, body, status=answer["status"], content_type=answer["content_type"]
        )
    return server.url(path)


def serve_all(server: LocalHTTPServer) -> dict[str, str]:
    """Serve every manifest entry; map each file name to its URL."""
    return {entry["file"]: serve(server, entry) for entry in manifest()}
