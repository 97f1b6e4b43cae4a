"""Keeping the test run off the internet.

Every socket connection to an address that is not loopback fails at once, and
is remembered so that the test fails even when the code under test catches
the error and carries on.
"""

import ipaddress
import socket


class NetworkAccessBlocked(ConnectionError):
    """A test tried to reach a host that is not this machine."""


class NetworkGuard:
    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._connect = socket.socket.connect
        self._connect_ex = socket.socket.connect_ex

    def install(self) -> None:
        guard = self

        def connect(sock, address):
            guard.check(sock, address)
            return guard._connect(sock, address)

        def connect_ex(sock, address):
            guard.check(sock, address)
            return guard._connect_ex(sock, address)

        # ``socket.create_connection`` and the asyncio loop call these too.
        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex

    def uninstall(self) -> None:
        socket.socket.connect = self._connect
        socket.socket.connect_ex = self._connect_ex

    def check(self, sock: socket.socket, address) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host = address[0]
        if is_loopback(host):
            return
        described = f"{host}:{address[1]}"
        self.attempts.append(described)
        raise NetworkAccessBlocked(
            f"tests may not reach {described}: serve what the test needs from "
            "a local fixture (http_server, smtp_server, live_server)"
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback
