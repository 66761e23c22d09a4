"""The outbound guard: which addresses are public, the OUTBOUND_ALLOW pairs, and a request
pinned to the address that was checked (Host and TLS keep the URL's name)."""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from app import netguard


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("2606:4700::1111", True), ("::ffff:8.8.8.8", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.1.1", False),
    ("240.0.0.1", False), ("255.255.255.255", False), ("198.18.0.1", False),
    ("::1", False), ("::", False), ("fe80::1", False), ("fe80::1%eth0", False), ("fc00::1", False),
    ("ff0e::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("2002:7f00:1::", False), ("64:ff9b::7f00:1", False), ("not-an-ip", False),
])
def test_only_global_unicast_addresses_are_public(address, public):
    assert netguard.is_public_address(address) is public


def test_allowed_pairs_come_from_config_only(app, monkeypatch):
    assert netguard.allowed_pairs() == set()  # off by default
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW", "127.0.0.1:8080, Localhost:9000,[::1]:81,junk")
    assert netguard.allowed_pairs() == {("127.0.0.1", 8080), ("localhost", 9000), ("::1", 81)}
    assert netguard.is_allowed("http://localhost:9000/x") and not netguard.is_allowed("http://localhost/x")


def test_check_url_refuses_private_hosts_and_passes_names_that_do_not_resolve(app, monkeypatch):
    for url in ("https://127.0.0.1/", "https://localhost:8443/", "http://[::1]/", "https://169.254.169.254/",
                "https://2130706433/", "https://0x7f.0.0.1/", "https://127.1/", "http://[fe80::1%25eth0]/"):
        with pytest.raises(netguard.OutboundError, match="refused: private address"):
            netguard.check_url(url)

    def no_such_name(host, port):
        raise OSError("no such name")

    monkeypatch.setattr(netguard, "resolve", no_such_name)
    netguard.check_url("https://not-yet.example/")  # checked again when connecting


class _Server:
    def __init__(self):
        self.hosts = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                server.hosts.append(self.headers["Host"])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def test_the_request_goes_to_the_checked_address_with_the_urls_host_header(app, monkeypatch):
    server = _Server()
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(netguard, "resolve", resolve)
    monkeypatch.setattr(netguard, "is_public_address", lambda address: True)  # pretend 127.0.0.1 is public
    try:
        with netguard.open_url("GET", f"http://feeds.supplier.example:{server.port}/f?x=1") as response:
            assert (response.status, response.read()) == (200, b"ok")
    finally:
        server.close()
    assert lookups == ["feeds.supplier.example"]  # resolved once
    assert server.hosts == [f"feeds.supplier.example:{server.port}"]


def test_tls_names_the_url_host_not_the_address(app, monkeypatch):
    server = _Server()
    names = []

    class Context:
        def wrap_socket(self, sock, server_hostname):
            names.append(server_hostname)
            raise ssl.SSLCertVerificationError("certificate verify failed")

    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["127.0.0.1"])
    monkeypatch.setattr(netguard, "is_public_address", lambda address: True)
    monkeypatch.setattr(netguard.ssl, "create_default_context", Context)
    try:
        with pytest.raises(netguard.OutboundError, match="TLS certificate was not accepted"), \
                netguard.open_url("GET", f"https://hooks.supplier.example:{server.port}/"):
            pass
    finally:
        server.close()
    assert names == ["hooks.supplier.example"]


def test_every_address_must_be_public(app, monkeypatch):
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(netguard.OutboundError, match="^refused: private address$"), \
            netguard.open_url("GET", "https://mixed.example/"):
        pass
