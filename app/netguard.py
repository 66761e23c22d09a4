"""Outbound HTTP to addresses that users give us (supplier webhooks, URL feeds): public
addresses only, so nobody can make the platform reach its own network (SSRF).

The URL is checked when it is saved (a clear error in the form) and again when we connect:
the host is resolved once, every address it resolves to must be global, and we connect to
one of those checked addresses while the Host header, TLS SNI and the certificate check
still use the URL's own name (so a DNS answer that changes between check and connect, DNS
rebinding, cannot slip a private address in). Redirects are never followed: the caller
sees the 3xx. Messages are safe to show to whoever gave the URL: they say "refused:
private address" or "connection failed", never what answered inside our network.

`OUTBOUND_ALLOW` (config only, empty by default) lists `host:port` pairs that may be
reached although they are private: a local receiver in tests or on a developer's machine.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import current_app

REFUSED_PRIVATE = "refused: private address"
CONNECTION_FAILED = "connection failed"
DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundError(Exception):
    """A request refused or not made; the message is safe to show (see the module docstring)."""


def is_public_address(text: str) -> bool:
    """Only global unicast addresses; IPv4 carried inside IPv6 (mapped, 6to4, NAT64, Teredo)
    is judged by the IPv4 address it carries."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def allowed_pairs() -> set[tuple[str, int]]:
    """The (host, port) pairs of OUTBOUND_ALLOW, lower case."""
    pairs = set()
    for item in (current_app.config.get("OUTBOUND_ALLOW") or "").replace(" ", ",").split(","):
        host, _, port = item.strip().lower().rpartition(":")
        if host and port.isdigit():
            pairs.add((host.strip("[]"), int(port)))
    return pairs


def target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or OutboundError."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    if scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
        raise OutboundError("not an http:// or https:// URL")
    return scheme, parts.hostname.lower(), port


def is_allowed(url: str) -> bool:
    """Is the URL's host:port listed in OUTBOUND_ALLOW?"""
    try:
        _, host, port = target(url)
    except OutboundError:
        return False
    return (host, port) in allowed_pairs()


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order (OSError if none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str) -> None:
    """At save time: OutboundError(REFUSED_PRIVATE) if the URL's host is, or resolves to, a
    non-public address. A name that does not resolve yet passes (connecting checks again)."""
    _, host, port = target(url)
    if (host, port) in allowed_pairs():
        return
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        addresses = [host] if _is_address(host) else []  # an IP literal that won't resolve
        if not addresses:
            return
    if not addresses or not all(is_public_address(address) for address in addresses):
        raise OutboundError(REFUSED_PRIVATE)


def _checked_addresses(host: str, port: int) -> list[str]:
    if (host, port) in allowed_pairs():
        return [host]
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise OutboundError(CONNECTION_FAILED) from None
    if not addresses or not all(is_public_address(address) for address in addresses):
        raise OutboundError(REFUSED_PRIVATE)
    return addresses


class _PinnedConnection(http.client.HTTPConnection):
    """http.client's connection to a checked address; the name stays in Host and TLS."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float,
                 tls: ssl.SSLContext | None):
        super().__init__(host, port, timeout=timeout)
        self.addresses, self.tls = addresses, tls
        if tls is not None:
            self.default_port = 443  # so the Host header leaves out a default port

    def connect(self) -> None:
        last_error: OSError | None = None
        for address in self.addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
            except OSError as error:
                last_error = error
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_hostname=self.host)
                except OSError:
                    sock.close()
                    raise
            self.sock = sock
            return
        raise last_error or OSError("no address")


@contextmanager
def open_url(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
             timeout: float = 10) -> Iterator[http.client.HTTPResponse]:
    """Send one request to a public address and yield the response (not redirected: a 3xx
    is the caller's to refuse). OutboundError when refused or when no connection is made;
    a timeout while reading the body is the caller's TimeoutError."""
    scheme, host, port = target(url)
    addresses = _checked_addresses(host, port)
    tls = ssl.create_default_context() if scheme == "https" else None
    connection = _PinnedConnection(host, port, addresses, timeout, tls)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            connection.connect()
        except ssl.SSLError:
            raise OutboundError(f"{CONNECTION_FAILED}: the TLS certificate was not accepted") from None
        except OSError:
            raise OutboundError(CONNECTION_FAILED) from None
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
        except TimeoutError:
            raise OutboundError(f"no answer within {timeout:g} s") from None
        except (OSError, http.client.HTTPException):
            raise OutboundError(CONNECTION_FAILED) from None
        yield response
    finally:
        connection.close()


def is_redirect(status: int) -> bool:
    return 300 <= status < 400
