"""Tests never reach the internet."""

import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.support.network import NetworkAccessBlocked

# TEST-NET-1 (RFC 5737): reserved for documentation, never routed.
OUTSIDE = ("192.0.2.1", 80)


def test_a_connection_to_a_non_loopback_address_fails_fast(network_guard):
    started = time.monotonic()
    with pytest.raises(NetworkAccessBlocked, match="192.0.2.1:80"):
        socket.create_connection(OUTSIDE, timeout=10)
    with pytest.raises(urllib.error.URLError, match="tests may not reach"):
        urllib.request.urlopen("http://192.0.2.1/", timeout=10)
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(NetworkAccessBlocked):
        sock.connect(("2001:db8::1", 443))

    assert time.monotonic() - started < 1
    assert len(network_guard.attempts) == 3
    network_guard.attempts.clear()


def test_loopback_connections_are_allowed(http_server):
    http_server.add("/hello", "こんにちは", content_type="text/plain; charset=utf-8")

    with urllib.request.urlopen(http_server.url("/hello")) as response:
        assert response.read().decode() == "こんにちは"
