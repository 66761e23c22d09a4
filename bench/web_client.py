"""A minimal HTTP/1.1 client for the web benchmark: set-up requests (log in, fill a cart),
checking that every measured page answers 200, and the open-loop load at a fixed rate.

Hand-rolled on sockets rather than a library's cookie jar: in production the cookies are
`Secure` and `__Host-`, which a jar will not send back over the benchmark's plain HTTP,
and the open-loop client must be cheap enough not to steal the server's CPU.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# A phone's browser: every measured request is a page view the storefront counts, as a
# shopper's is (no user agent at all reads as a bot, which is not counted).
USER_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _request_bytes(method: str, host: str, path: str, cookie: str = "", body: bytes = b"",
                   origin: str = "") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close", f"User-Agent: {USER_AGENT}"]
    if origin:
        lines.append(f"Origin: {origin}")
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if body:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _parse(raw: bytes) -> Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines if ":" in line]
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
        body = _unchunk(body)
    return Response(int(status_line.split()[1]), headers, body)


def _unchunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


@dataclass
class Session:
    """Requests to one server as one visitor: the cookies it was given, sent back."""

    address: tuple[str, int]
    host: str
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None, origin: str = "") -> Response:
        body = urlencode(form).encode() if form else b""
        with socket.create_connection(self.address, timeout=60) as sock:
            sock.sendall(_request_bytes(method, self.host, path, self.cookie_header, body, origin))
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        response = _parse(b"".join(chunks))
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[cookie_name] = cookie_value
                else:
                    self.cookies.pop(cookie_name, None)
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, page: str, action: str, fields: dict) -> Response:
        """GET the page holding the form (for its session and CSRF token, if it has one: a
        storefront form may rely on Origin checks instead), then POST as a browser would."""
        found = CSRF_RE.search(self.get(page).text)
        token = {"csrf_token": html.unescape(found.group(1))} if found else {}
        return self.request("POST", action, {**token, **fields}, origin=f"http://{self.host}")


def log_in(address, host: str, email: str, password: str) -> Session:
    session = Session(address, host)
    response = session.post_form("/login", "/login", {"email": email, "password": password})
    if response.status != 302:
        raise RuntimeError(f"log-in as {email} answered {response.status}, not a redirect")
    return session


def fill_cart(address, host: str, product_path: str, items: list[tuple[int, int]]) -> Session:
    """A shopper's session with these (listing id, variant id) in the cart."""
    session = Session(address, host)
    for listing_id, variant_id in items:
        response = session.post_form(product_path, "/cart/add",
                                     {"listing_id": listing_id, "variant_id": variant_id, "quantity": 1})
        if response.status != 302 or "/cart" not in (response.header("Location") or ""):
            raise RuntimeError(f"adding listing {listing_id} to the cart on {host} answered {response.status}")
        # Then the cart page, as a browser follows the redirect: it shows (and so clears)
        # "Added ... to your cart.", which would otherwise wait in the session for ever.
        session.get("/cart")
    return session


# --- open-loop load at a fixed rate ---------------------------------------------------------

async def _timed_request(address, payload: bytes, scheduled: float, results: list, errors: list,
                         ok: int = 200) -> None:
    try:
        reader, writer = await asyncio.open_connection(*address)
        writer.write(payload)
        await writer.drain()
        head = await reader.readline()
        await reader.read()  # until the server closes (Connection: close)
        writer.close()
        status = int(head.split()[1])
        if status != ok:
            errors.append(status)
            return
    except (OSError, IndexError, ValueError) as error:
        errors.append(type(error).__name__)
        return
    # From when the request was due, not when it was sent: a stalled server cannot hide its
    # queue by delaying our sends (no coordinated omission).
    results.append(time.perf_counter() - scheduled)


SEQUENCE = "~SEQNUM~"  # in a path: each request has its own number there (8 digits), as openloop.c does


def numbered(path: str, n: int) -> str:
    """`path` as its request number `n` sends it (a click id new on every request)."""
    return path.replace(SEQUENCE, f"{n % 100_000_000:08d}")


async def _open_loop(address, payload: bytes, rate: float, seconds: float, ok: int = 200) -> tuple[list, list, float]:
    results, errors, tasks = [], [], []
    start = time.perf_counter()
    count = int(rate * seconds)
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        numbered_payload = numbered(payload.decode("latin-1"), i).encode("latin-1")
        tasks.append(asyncio.create_task(_timed_request(address, numbered_payload, due, results, errors, ok)))
    await asyncio.gather(*tasks)
    return results, errors, time.perf_counter() - start


OPENLOOP_SOURCE = Path(__file__).with_name("openloop.c")


@functools.cache
def _openloop_binary() -> Path | None:
    """openloop.c compiled once per content into bench/.build/, or None (with a notice)
    when gcc is missing or fails: then fixed_rate falls back to asyncio."""
    source = OPENLOOP_SOURCE.read_bytes()
    binary = OPENLOOP_SOURCE.parent / ".build" / f"openloop-{hashlib.sha256(source).hexdigest()[:16]}"
    if binary.exists():
        return binary
    fallback = "the open-loop load uses the asyncio client, whose own queue can show in p99 at high rates"
    if not (gcc := shutil.which("gcc")):
        print(f"web_client: no gcc to build {OPENLOOP_SOURCE.name}: {fallback}", file=sys.stderr)
        return None
    binary.parent.mkdir(exist_ok=True)
    partial = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")  # concurrent builds: rename is atomic
    built = subprocess.run([gcc, "-O2", "-Wall", "-Wextra", "-o", str(partial), str(OPENLOOP_SOURCE)],
                           capture_output=True, text=True)
    if built.returncode != 0:
        lines = built.stderr.strip().splitlines()
        why = next((line for line in lines if "error" in line), lines[0] if lines else f"exit {built.returncode}")
        print(f"web_client: building {OPENLOOP_SOURCE.name} failed ({why}): {fallback}", file=sys.stderr)
        partial.unlink(missing_ok=True)
        return None
    partial.replace(binary)
    return binary


def _open_loop_c(binary: Path, address, payload: bytes, rate: float, seconds: float,
                 ok: int = 200) -> tuple[list, list, float]:
    """As _open_loop, by the C client: latencies (seconds) of the `ok` answers, the errors
    (other statuses, or openloop's reason words: refused, reset, timeout...) and its worst
    lateness in sending (ms)."""
    with tempfile.NamedTemporaryFile(prefix="openloop-request-") as request:
        request.write(payload)
        request.flush()
        # repr: the shortest text that reads back as the same double, so C's int(rate * seconds)
        # is Python's.
        run = subprocess.run([str(binary), socket.gethostbyname(address[0]), str(address[1]), repr(float(rate)),
                              repr(float(seconds)), request.name], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{binary.name} failed (exit status {run.returncode}): {run.stderr.strip()}")
    # Its summary says how late it sent the latest request: lateness the latencies include.
    lag = re.search(r"sent at most ([\d.]+) ms behind schedule", run.stderr)
    results, errors = [], []
    for line in run.stdout.splitlines():
        status, value = line.split()
        if status == str(ok):
            results.append(int(value) / 1e6)
        else:
            errors.append(int(status) or value)
    return results, errors, float(lag.group(1)) if lag else float("nan")


@dataclass
class RateResult:
    rate: float
    sent: int
    ok: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    lag_ms: float = float("nan")  # the client's own worst lateness in sending (C client only)


def fixed_rate(address, host: str, path: str, cookie: str, rate: float, seconds: float, ok: int = 200) -> RateResult:
    """Send GET path at `rate` requests per second for `seconds`, each on its own
    connection, whatever the answers' speed (open loop), and measure each latency (answers
    other than `ok` are errors).

    With the C client (openloop.c) when gcc can build it: on two cores beside the servers,
    the asyncio one falls behind above about 2,000 requests a second, and its own queue
    shows as p99."""
    payload = _request_bytes("GET", host, path, cookie)
    binary = _openloop_binary()
    lag = float("nan")
    if binary:
        results, errors, lag = _open_loop_c(binary, address, payload, rate, seconds, ok)
    else:
        results, errors, _elapsed = asyncio.run(_open_loop(address, payload, rate, seconds, ok))
    if not results:
        return RateResult(rate, len(errors), 0, len(errors), float("nan"), float("nan"), float("nan"), lag)
    ordered = sorted(results)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return RateResult(rate, len(results) + len(errors), len(results), len(errors), q[49] * 1000, q[98] * 1000,
                      ordered[-1] * 1000, lag)
