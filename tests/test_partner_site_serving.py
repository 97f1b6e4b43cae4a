"""The local HTTP server serves partner-site samples as their manifest says."""

import http.client
from urllib.parse import urljoin, urlsplit

import pytest

from tests.support import partner_sites

ENTRIES = partner_sites.manifest()


def _get(url: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", target)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_each_sample_is_served_exactly_as_declared(http_server, entry):
    url = partner_sites.serve(http_server, entry)
    declared = entry["serve"]
    content = (partner_sites.FOLDER / entry["file"]).read_bytes()

    response = _get(url)

    assert response.status == declared["status"]
    if "location" in declared:
        assert response.getheader("Location") == declared["location"]
        response = _get(urljoin(url, declared["location"]))
        declared = declared["then"]
        assert response.status == declared["status"]
    assert response.getheader("Content-Type") == declared["content_type"]
    assert response.body == content


def test_every_sample_file_has_a_manifest_entry():
    files = {p.name for p in partner_sites.FOLDER.iterdir()}
    listed = {entry["file"] for entry in ENTRIES}
    assert files - listed == {"manifest.json", "README.md"}
    assert listed <= files
