"""Web pages benchmark (issue 15): the Procfile's web process against hello-world Flask.

    .venv/bin/python bench/web_benchmark.py              # full scale (seeds once, minutes)
    .venv/bin/python bench/web_benchmark.py --scale small --rounds 2 --duration 3   # a quick look

Needs PostgreSQL on 127.0.0.1:5432 (a superuser `postgres`, trust auth) and wrk. Creates
and reuses databases named flagship_bench_web_<scale> and the role flagship_bench_app
(see bench/web_seed.py for what is in them).

Runs `gunicorn -c gunicorn.conf.py wsgi:app` (2 sync workers, FLAGSHIP_ENV=production, the
app connected as a role without BYPASSRLS) and `gunicorn -c gunicorn.conf.py
bench.hello_app:app`, both all the time, and measures them with wrk in turn: hello, page,
hello, page... for --rounds rounds. Per page: requests per second, its ratio to hello-world
measured just before it (the same round), p50 and p99 latency at that full load (wrk's
closed loop). Then the p99 at half of that maximum: an open-loop client sends requests at
a fixed rate of half the page's median rps (each latency counted from when its request was
due). Finally the storefront pages again on a database holding only the measured shops,
for "1 shop vs 10,000 shops".

The "floor:" rows are a third gunicorn, `bench.floor_app:app`: the least a rendered page of
this stack does (a session and its statements, a template, both), with none of the app's
code, measured against hello-world like every page. They have no target: they show where
the stack itself stands against the rendered pages' 0.35x.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import web_client, web_seed  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORKDIR = ROOT / "instance" / "bench-web"  # media and feeds the seeded shops' files live in


@dataclass
class Page:
    name: str
    host: str
    path: str
    cookie: str = ""
    storefront: bool = False
    status: int = 200  # what it answers (a share link: 302, its redirect)
    rendered: bool = False  # never stored (cart, checkout, an unreadable cookie, a promoter's link)
    server: str = "app"  # or "floor": the stack's floor (bench/floor_app.py), a baseline


@dataclass
class Measure:
    rps: list[float] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    half: web_client.RateResult | None = None


# --- servers --------------------------------------------------------------------------------

class Server:
    """One gunicorn, started with the Procfile's command and gunicorn.conf.py."""

    def __init__(self, name: str, target: str, port: int, env: dict, log_dir: Path):
        self.name, self.port = name, port
        self.log = log_dir / f"{name}.log"
        env = {**env, "PORT": str(port), "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "2")}
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", target],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the master and its workers
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


# --- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
# A wrk script that writes a number of its own into each request's path, where the page's
# path holds web_client.SEQUENCE: wrk's threads number from 1, so no two requests share one.
WRK_NUMBERED = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("prefix", threads)
end
local sent = 0
function request()
  sent = sent + 1
  local path = string.gsub(wrk.path, "SEQUENCE", string.format("%02d%06d", prefix % 100, sent % 1000000))
  return wrk.format(nil, path)
end
""".replace("SEQUENCE", web_client.SEQUENCE)


def wrk(port: int, page: Page, args, script: str | None = None) -> tuple[float, float, float]:
    """(requests per second, p50 ms, p99 ms) of one wrk run; refuses a run with errors.
    `script`: a wrk Lua script of the caller's (which paths it asks for, say)."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s",
               "--latency", "-H", f"Host: {page.host}", "-H", f"User-Agent: {web_client.USER_AGENT}"]
    if page.cookie:
        command += ["-H", f"Cookie: {page.cookie}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="wrk-") as lua:
        if script_text := script or (WRK_NUMBERED if web_client.SEQUENCE in page.path else None):
            # (numbered: each request its own number, which costs wrk a Lua call each)
            lua.write(script_text)
            lua.flush()
            command += ["-s", lua.name]
        out = subprocess.run(command + [f"http://127.0.0.1:{port}{page.path}"], capture_output=True, text=True,
                             check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or (errors and re.search(r"timeout [1-9]", errors.group(1))):
        raise RuntimeError(f"wrk on {page.name}: errors\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p: str) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    return rps, percentile("50"), percentile("99")


# --- pages ----------------------------------------------------------------------------------

def browsing(conn, sub: str) -> tuple[int, str, list[tuple[str, str]], list[tuple]]:
    """A measured shop's id, host, browsed pages ((name, path): home, its first collection
    that holds something, its first product in stock and a search for that product's first
    word, as a shopper would type it) and its first two listings in stock (id, handle,
    title, a variant in stock)."""
    shop_id = conn.execute("SELECT id FROM shops WHERE subdomain = %s", (sub,)).fetchone()[0]
    collection = conn.execute(
        "SELECT c.handle FROM collections c WHERE c.shop_id = %s AND EXISTS (SELECT 1 FROM "
        "collection_listings e WHERE e.shop_id = c.shop_id AND e.collection_id = c.id) ORDER BY c.position "
        "LIMIT 1", (shop_id,)).fetchone()[0]
    listings = conn.execute(
        "SELECT l.id, l.handle, l.title, min(v.id) FROM listings l JOIN supply_variants v ON "
        "v.product_id = l.supply_product_id AND v.stock > 0 WHERE l.shop_id = %s AND l.is_visible AND "
        "l.status = 'active' GROUP BY l.id, l.handle, l.title, l.position ORDER BY l.position LIMIT 2",
        (shop_id,)).fetchall()
    word = re.sub(r"[^a-z]", " ", listings[0][2].lower()).split()[0]
    pages = [("home", "/"), ("collection", f"/collections/{collection}"), ("product", f"/products/{listings[0][1]}"),
             ("search", f"/search?q={word}")]
    return shop_id, f"{sub}.{web_seed.SERVER_NAME}", pages, listings


def storefront_pages(owner_url: str, address, shops=("mia", "hundred")) -> list[Page]:
    """home, collection, product, search, cart and checkout (GET) and a product's share link
    of each measured shop, and the page of the platform's first open group buy; the handles
    come from the database, the cart is filled through the storefront's own form."""
    import psycopg

    from app.storefront.sharing import base36

    pages = []
    with psycopg.connect(owner_url) as conn:
        for sub in shops:
            shop_id, host, browsed, listings = browsing(conn, sub)
            product_path = browsed[2][1]
            cart = web_client.fill_cart(address, host, product_path, [(row[0], row[3]) for row in listings])
            # Without a cookie (a first visit) and with a cart (a returning shopper): served
            # from the page cache once rendered for that cart. With a referral cookie the app
            # cannot read (forged: the page is the visitor's own): rendered every time, the
            # uncached figure. (A promoter's real cookie gets that promoter's stored pages.)
            pages += [Page(f"{sub} {name}", host, path, storefront=True) for name, path in browsed]
            pages += [Page(f"{sub} {name} (a cart)", host, path, cart.cookie_header, storefront=True)
                      for name, path in browsed]
            pages += [Page(f"{sub} {name} (uncached)", host, path, RENDERED, storefront=True, rendered=True)
                      for name, path in browsed]
            # A click from a social app or an ad: the same page under a click id that is new
            # on every request (Instagram's link in bio adds its tags too).
            clicked = web_client.SEQUENCE
            pages += [Page(f"{sub} home (a click from Instagram)", host,
                           f"/?utm_source=ig&utm_medium=social&utm_content=link_in_bio&fbclid=PAZXh0bgNhZW0C{clicked}",
                           storefront=True),
                      Page(f"{sub} product (a click from Facebook)", host, f"{product_path}?fbclid=IwAR{clicked}",
                           storefront=True)]
            promoter = conn.execute("SELECT code FROM promoters WHERE shop_id = %s AND status = 'active' "
                                    "ORDER BY id LIMIT 1", (shop_id,)).fetchone()
            if promoter is not None:  # (the demo's mia has promoters): a visitor their link brought
                promoted = web_client.Session(address, host)
                if promoted.get(f"/?ref={promoter[0]}").status != 302:
                    raise RuntimeError(f"the promoter link of {host} did not redirect")
                pages += [Page(f"{sub} {name} (a promoter's visitor)", host, path, promoted.cookie_header,
                               storefront=True) for name, path in browsed]
                # The link itself, tapped by a new visitor each time (no cookie): counts the
                # promoter's click, sets the visitor's cookie, redirects to the clean page.
                pages.append(Page(f"{sub} promoter link", host, f"/?ref={promoter[0]}", storefront=True,
                                  status=302, rendered=True))
            pages += [Page(f"{sub} cart", host, "/cart", cart.cookie_header, storefront=True, rendered=True),
                      Page(f"{sub} checkout", host, "/checkout", cart.cookie_header, storefront=True, rendered=True),
                      # A product's share link, as a friend clicks it in a chat: its redirect.
                      Page(f"{sub} share link", host, f"/s/p{base36(listings[0][0])}", storefront=True, status=302)]
        # A group buy's page, where its share link lands (the demo's Maple runs one): a
        # friend's first visit, and the page rendered.
        group = conn.execute(
            "SELECT s.subdomain, r.token FROM deal_rounds r JOIN deals d ON d.shop_id = r.shop_id AND "
            "d.id = r.deal_id JOIN shops s ON s.id = r.shop_id WHERE d.kind = 'group' AND r.status = 'open' "
            "ORDER BY r.id LIMIT 1").fetchone()
        if group is not None:
            host = f"{group[0]}.{web_seed.SERVER_NAME}"
            pages += [Page(f"{group[0]} group", host, f"/groups/{group[1]}", storefront=True),
                      Page(f"{group[0]} group (uncached)", host, f"/groups/{group[1]}", RENDERED, storefront=True,
                           rendered=True),
                      # (what the open page asks every 10 s)
                      Page(f"{group[0]} group's progress", host, f"/groups/{group[1]}/progress", storefront=True)]
    return pages


RENDERED = "fs_ref=bench"  # an unreadable referral cookie: the page is the visitor's own, never stored


def back_office_pages(owner_url: str, address) -> list[Page]:
    import psycopg

    from app.demo import ADMIN_EMAIL, ADMIN_PASSWORD

    host = web_seed.SERVER_NAME
    # The busy shop's orders far down the list: older than its 25,000th newest order (page
    # 1,000 of 25; half way down at a smaller scale), the link "Older orders" makes
    # (app.orders.search.ORDER_KEY).
    with psycopg.connect(owner_url) as conn:
        busy_orders = conn.execute("SELECT count(*) FROM orders o JOIN shops s ON s.id = o.shop_id "
                                   "WHERE s.subdomain = 'busy'").fetchone()[0]
        offset = min(24_999, busy_orders // 2)
        placed_at, order_id, number = conn.execute(
            "SELECT o.placed_at, o.id, o.number FROM orders o JOIN shops s ON s.id = o.shop_id "
            "WHERE s.subdomain = 'busy' ORDER BY o.placed_at DESC, o.id DESC OFFSET %s LIMIT 1", (offset,)).fetchone()
        # The supplier portal's account, and one purchase order of its own (a detail page).
        po_id = conn.execute("SELECT po.id FROM purchase_orders po JOIN supplier_members m ON m.supplier_id = "
                             "po.supplier_id JOIN users u ON u.id = m.user_id WHERE u.email = %s "
                             "ORDER BY po.id LIMIT 1", (web_seed.SUPPLIER_EMAIL,)).fetchone()[0]
    deep = quote(f"{placed_at.isoformat()}_{order_id}")
    owner = web_client.log_in(address, host, "busy@bench.example", web_seed.PASSWORD).cookie_header
    admin = web_client.log_in(address, host, ADMIN_EMAIL, ADMIN_PASSWORD).cookie_header
    supplier = web_client.log_in(address, host, web_seed.SUPPLIER_EMAIL, web_seed.PASSWORD).cookie_header
    # "honey": in about 5 % of the bulk product titles (the demo images they cycle through).
    return [Page("platform home", host, "/"),
            Page("dashboard home (busy)", host, "/dashboard/busy/", owner),
            Page("dashboard orders (busy)", host, "/dashboard/busy/orders", owner),
            Page(f"dashboard orders, page {offset // 25 + 1:,}", host, f"/dashboard/busy/orders?older={deep}", owner),
            # A customer's surname, in 4,995 of the busy shop's 49,874 orders; one order's
            # number (a search through every order of the shop for one); and the paid
            # orders' packing slips, 200 at once.
            Page("dashboard orders search", host, "/dashboard/busy/orders?q=smith", owner),
            Page("dashboard orders search, one", host, f"/dashboard/busy/orders?q={number}", owner),
            Page("dashboard packing slips", host, "/dashboard/busy/orders/packing-slips?status=paid", owner),
            Page("dashboard catalog (busy)", host, "/dashboard/busy/catalog", owner),
            Page("dashboard products (busy)", host, "/dashboard/busy/products", owner),
            Page("dashboard catalog search", host, "/dashboard/busy/catalog?q=honey", owner),
            Page("admin products", host, "/admin/products", admin),
            Page("admin products search", host, "/admin/products?q=honey", admin),
            # A thousand suppliers: each list shows a page of 50.
            Page("admin suppliers", host, "/admin/suppliers", admin),
            Page("admin feeds", host, "/admin/feeds", admin),
            # The supplier with the most purchase orders (about one in ten of the paid orders).
            Page("supplier portal", host, "/supplier/", supplier),
            Page("supplier portal, shipped", host, "/supplier/?status=shipped", supplier),
            Page("supplier portal, page 100", host, "/supplier/?page=100", supplier),
            Page("supplier purchase order", host, f"/supplier/purchase-orders/{po_id}", supplier)]


def floor_pages() -> list[Page]:
    """The stack's floor (bench/floor_app.py): a session and statements, a template, both;
    both through the ORM."""
    return [statements_floor(1), statements_floor(5),
            Page("floor: a template", "localhost", "/template", server="floor"),
            Page("floor: 5 statements and a template", "localhost", "/page/5", server="floor"),
            Page("floor: 8 statements and a template", "localhost", "/page/8", server="floor"),
            orm_floor(5), orm_floor(8)]


def statements_floor(n: int) -> Page:
    return Page(f"floor: {n} statement{'s' if n > 1 else ''}", "localhost", f"/statements/{n}", server="floor")


def orm_floor(n: int) -> Page:
    return Page(f"floor: {n} ORM statements and a template", "localhost", f"/orm-page/{n}", server="floor")


def floor_of(page: Page, statements) -> Page | None:
    """The stack's floor with as many statements as this rendered page makes (its SQL/req;
    the floor's setting stands for the tenancy scope's, which the app's count leaves out):
    a page through the ORM, or statements alone for a redirect. None for any other row."""
    if not (page.rendered and page.server == "app" and isinstance(statements, int) and statements >= 1):
        return None
    if page.status == 200:
        return orm_floor(statements) if 2 <= statements <= 20 else None
    return statements_floor(statements) if statements <= 20 else None


def check(ports: dict[str, int], pages: list[Page]) -> None:
    """Every page must answer as it should (200 with a page), or its figures mean nothing."""
    for page in pages:
        session = web_client.Session(("127.0.0.1", ports[page.server]), page.host)
        if page.cookie:
            session.cookies.update(dict(part.split("=", 1) for part in page.cookie.split("; ")))
        response = session.get(web_client.numbered(page.path, 0))
        if response.status != page.status:
            raise RuntimeError(f"{page.name}: {page.host}{page.path} answered {response.status}")
        print(f"  ok  {page.name:<26} {page.host}{page.path}  {len(response.body):,} bytes")


# --- measuring ------------------------------------------------------------------------------

HELLO = Page("hello-world", "localhost", "/")


def measure(ports: dict[str, int], hello_port: int, pages: list[Page], args) -> tuple[Measure, dict[str, Measure]]:
    hello, results = Measure(), {page.name: Measure() for page in pages}
    for page in pages:  # warm-up: imports, template compilation, the database's cache
        wrk(ports[page.server], page, argparse.Namespace(**{**vars(args), "duration": 1}))
    for round_no in range(1, args.rounds + 1):
        for page in pages:
            h_rps, h50, h99 = wrk(hello_port, HELLO, args)
            rps, p50, p99 = wrk(ports[page.server], page, args)
            for m, values in ((hello, (h_rps, h50, h99)), (results[page.name], (rps, p50, p99))):
                m.rps.append(values[0])
                m.p50.append(values[1])
                m.p99.append(values[2])
            results[page.name].ratio.append(rps / h_rps)
            print(f"  round {round_no}: {page.name:<26} {rps:8.1f} rps ({rps / h_rps:.3f}x hello {h_rps:.0f})  "
                  f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms", flush=True)
    return hello, results


def half_load(app_port: int, pages: list[Page], results: dict[str, Measure], seconds: float) -> None:
    for page in pages:
        if page.server != "app":
            continue  # a baseline: its ratio is what it is for
        rate = statistics.median(results[page.name].rps) / 2
        results[page.name].half = r = web_client.fixed_rate(("127.0.0.1", app_port), page.host, page.path,
                                                            page.cookie, rate, seconds, page.status)
        print(f"  half load: {page.name:<26} {rate:7.1f} req/s  p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms"
              f"  client late by at most {r.lag_ms:.1f} ms"
              f"  ({r.ok} ok, {r.errors} errors)", flush=True)


STOREFRONT_RATIO, HALF_P99_MS, BACK_OFFICE_MS = 0.35, 50.0, 50.0  # issue 15's targets
CACHED_RATIO = 0.7  # a storefront page the per-shop page cache serves (no cookie, or only a cart)


def target(page: Page, m: Measure, alone_ms: float | None = None) -> str:
    """Storefront: >= 0.35x hello-world rendered (cart, checkout, "uncached", a promoter's link), >= 0.7x from the
    page cache (no cookie, or a cart on a browsing page), and p99 <= 50 ms at half load.
    Dashboard and admin: <= 50 ms, both alone (in-process, one request at a time) and as the
    median at half load."""
    if m.half is None:
        return ""
    if page.storefront:
        ratio = STOREFRONT_RATIO if page.rendered else CACHED_RATIO
        ok = statistics.median(m.ratio) >= ratio and m.half.p99_ms <= HALF_P99_MS
        return f"{'met' if ok else 'missed'} (>= {ratio}x, p99 <= {HALF_P99_MS:.0f} ms)"
    ok = m.half.p50_ms <= BACK_OFFICE_MS and (alone_ms is None or alone_ms <= BACK_OFFICE_MS)
    return f"{'met' if ok else 'missed'} (<= {BACK_OFFICE_MS:.0f} ms)"


def table(pages: list[Page], hello: Measure, results: dict[str, Measure], alone: dict[str, tuple],
          versus: dict[str, Measure] | None = None) -> str:
    """One markdown table. With `versus` (the big database's results), a column comparing
    each page's ratio to hello-world with the one measured there."""
    med = statistics.median
    half = versus is None
    columns = ["page", "SQL/req", "ms alone", "rps", "x hello-world (range)", "p50 ms", "p99 ms"]
    columns += (["p50 / p99 ms at half max (rate; the client's worst lateness)", "target",
                 "the stack's floor with as many statements: its rps / the page's"]
                if half else ["x hello: this database / the big one"])
    rows = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    rows.append(f"| hello-world | | | {med(hello.rps):,.0f} | 1.0x | {med(hello.p50):.1f} | {med(hello.p99):.1f} |"
                + " |" * (len(columns) - 7))
    for page in pages:
        m = results[page.name]
        statements, ms = alone.get(page.name, ("", None))
        cells = [page.name, str(statements), f"{ms:.1f}" if ms is not None else "", f"{med(m.rps):,.1f}",
                 f"**{med(m.ratio):.3f}x** ({min(m.ratio):.3f}-{max(m.ratio):.3f})", f"{med(m.p50):.1f}",
                 f"{med(m.p99):.1f}"]
        if half:
            floor = floor_of(page, statements)
            floor_m = results.get(floor.name) if floor else None
            cells += [f"{m.half.p50_ms:.1f} / {m.half.p99_ms:.1f} ({m.half.rate:.1f}/s; {m.half.lag_ms:.1f} ms)"
                      if m.half else "",
                      target(page, m, ms),
                      f"{med(floor_m.ratio) / med(m.ratio):.1f}x ({floor.path})" if floor_m else ""]
        else:
            other = versus.get(page.name)
            cells.append(f"{med(m.ratio) / med(other.ratio):.2f}" if other else "")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def in_process(env: dict, pages: list[Page], repeat: int = 5) -> dict[str, tuple[int | str, float]]:
    """Per page, the SQL statements of one request (the second: caches warm) and the median
    time of `repeat` requests made one at a time, in-process through the Flask test client
    with the web process's settings: a page's own time, without a queue or the network.
    The floor's rows are timed the same way on bench/floor_app.py."""
    from sqlalchemy import event

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from app import create_app

        apps = {"app": create_app()}
        if any(page.server == "floor" for page in pages):
            from bench import floor_app  # (reads DATABASE_URL when imported)

            apps["floor"] = floor_app.app
        engines = {}
        for name, each in apps.items():
            with each.app_context():
                engines[name] = each.extensions["sqlalchemy"].engine
        seen = [0]

        def count(*_args):
            seen[0] += 1

        for engine in engines.values():
            event.listen(engine, "before_cursor_execute", count)
        clients, found = {name: each.test_client(use_cookies=False) for name, each in apps.items()}, {}
        for page in pages:
            client = clients[page.server]
            headers = {"User-Agent": web_client.USER_AGENT, **({"Cookie": page.cookie} if page.cookie else {})}
            client.get(web_client.numbered(page.path, 1), base_url=f"http://{page.host}", headers=headers)
            seen[0] = 0
            response = client.get(web_client.numbered(page.path, 2), base_url=f"http://{page.host}", headers=headers)
            statements = seen[0] if response.status_code == page.status else f"({response.status_code})"
            times = []
            for n in range(repeat):
                started = time.perf_counter()
                client.get(web_client.numbered(page.path, 3 + n), base_url=f"http://{page.host}", headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            found[page.name] = (statements, statistics.median(times))
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", count)
            engine.dispose()
        return found
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Run:
    database: str
    pages: list[Page]
    hello: Measure
    results: dict[str, Measure]
    alone: dict[str, tuple[int | str, float]]


def run_on(database: str, args, pages_of, log_dir: Path, half: bool) -> Run:
    env = web_seed.app_env(args.postgres, database, WORKDIR / database)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    env["AUTH_RATE_LIMIT"] = "1000 per minute"  # the harness logs in on every run
    app = Server(f"web-{database}", "wsgi:app", args.port, env, log_dir)
    hello = Server("hello", "bench.hello_app:app", args.port + 1, env, log_dir)
    floor = None
    try:
        address = ("127.0.0.1", args.port)
        pages = pages_of(web_seed.urls(args.postgres, database)[0], address)
        if args.pages:
            pages = [p for p in pages if any(word in p.name for word in args.pages)]
        ports = {"app": args.port, "floor": args.port + 2}
        if any(page.server == "floor" for page in pages):
            floor = Server("floor", "bench.floor_app:app", ports["floor"], env, log_dir)
        check(ports, pages)
        alone = in_process(env, pages, args.alone_repeat)
        if floor is not None:  # each rendered page beside the floor with as many statements
            named = {page.name for page in pages}
            matched = {f.name: f for page in pages if (f := floor_of(page, alone[page.name][0])) is not None}
            extra = sorted((f for name, f in matched.items() if name not in named),
                           key=lambda f: (f.path.split("/")[1], int(f.path.rsplit("/", 1)[1])))
            if extra:
                check(ports, extra)
                alone.update(in_process(env, extra, args.alone_repeat))
                floors = [page for page in pages if page.server == "floor"]
                pages = floors + extra + [page for page in pages if page.server != "floor"]
        hello_m, results = measure(ports, args.port + 1, pages, args)
        if half:
            half_load(args.port, pages, results, args.half_seconds)
        return Run(database, pages, hello_m, results, alone)
    finally:
        for server in (app, hello, floor):
            if server is not None:
                server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(web_seed.SCALES), default="full")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--half-seconds", type=float, default=20, help="seconds of the half-load run per page")
    parser.add_argument("--pages", nargs="*", help="only pages whose name contains one of these words")
    parser.add_argument("--no-compare", action="store_true", help="skip the measured-shops-only database")
    parser.add_argument("--alone-repeat", type=int, default=5,
                        help="requests one at a time per page for 'ms alone' (their median)")
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed it again")
    parser.add_argument("--seed-only", action="store_true", help="prepare the database(s), measure nothing")
    parser.add_argument("--postgres", default="127.0.0.1:5432", help="host:port, superuser postgres, trust auth")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12",
                        help="the app's REDIS_URL (rate limits, jobs); '' runs jobs inline")
    parser.add_argument("--port", type=int, default=8301,
                        help="the app's port; hello-world gets the next, the stack's floor the one after")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: this benchmark needs it (Debian/Ubuntu: apt-get install -y wrk)",
              file=sys.stderr)
        return 2

    started = datetime.now(UTC)
    log_dir = WORKDIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    database = web_seed.prepare(args.postgres, args.scale, WORKDIR / web_seed.database_name(args.scale),
                                args.reseed)
    if args.seed_only:
        return 0
    print(f"\n== {database}: storefront, dashboard and admin pages ==")
    big = run_on(database, args, lambda url, address: floor_pages() + storefront_pages(url, address)
                 + back_office_pages(url, address), log_dir, half=True)
    small = None
    if args.scale != "empty" and not args.no_compare:
        only = web_seed.prepare(args.postgres, "empty", WORKDIR / web_seed.database_name("empty"), args.reseed)
        print(f"\n== {only}: the same storefront pages with only the measured shops in the database ==")
        small = run_on(only, args, storefront_pages, log_dir, half=False)

    report = [f"# Web pages benchmark, {started:%Y-%m-%d %H:%M} UTC", "",
              f"`bench/web_benchmark.py --scale {args.scale}`: {args.rounds} rounds, wrk -t{args.threads} "
              f"-c{args.connections} -d{args.duration}s per run, hello-world and page interleaved; "
              f"{os.cpu_count()} CPUs shared by wrk, both gunicorns (2 sync workers each) and PostgreSQL. "
              "rps, p50 and p99: medians over the rounds at full load (wrk's closed loop); x hello-world: the "
              "median of each round's ratio to the hello-world run just before, with the lowest and highest. "
              f"Half max: open loop at half the page's median rps for {args.half_seconds:.0f} s. SQL/req: "
              "statements per request (second request, in-process). ms alone: the median of "
              f"{args.alone_repeat} requests made one at a time, in-process (the page's own time: no queue, no network). "
              "floor: bench/floor_app.py, the stack's own floor for a rendered page (its SQL/req counts the "
              "setting made first, which the app's count leaves out), no target; each rendered page is "
              "measured beside the floor with as many statements (a page through the ORM; statements "
              "alone for a redirect), and the last column says how many times the page's rps the floor's is "
              "(each as a ratio to its own hello-world run).", "",
              f"## `{big.database}`: {_seeded(args.postgres, big.database)}", "",
              table(big.pages, big.hello, big.results, big.alone), ""]
    if small:
        report += [f"## `{small.database}`: only the measured shops (1 shop vs 10,000)", "",
                   table(small.pages, small.hello, small.results, small.alone, versus=big.results), ""]
    text = "\n".join(report)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"web-{started:%Y-%m-%d}-{args.scale}.md"
    for n in range(2, 100):  # a day's earlier run keeps its file (the README cites it)
        if not out.exists():
            break
        out = RESULTS / f"web-{started:%Y-%m-%d}-{args.scale}-{n}.md"
    out.write_text(text)
    print(f"written to {out.relative_to(ROOT)}")
    return 0


def _seeded(server: str, database: str) -> str:
    counts = web_seed.seeded(web_seed.urls(server, database)[0], database.removeprefix(web_seed.DB_PREFIX + "_"))
    return ", ".join(f"{v:,} {k}" for k, v in (counts or {}).items())


if __name__ == "__main__":
    raise SystemExit(main())
