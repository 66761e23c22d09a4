"""A busy shop's stored pages while its orders come in (issue 15).

    .venv/bin/python bench/orders_while_browsing.py            # on the web benchmark's database
    .venv/bin/python bench/orders_while_browsing.py --orders-per-second 4 --rounds 5

A flash sale is when a shop's pages are visited most and when its orders arrive fastest. The
page cache keeps a shop's pages until something they show changes; were every order such a
change, the shop would lose its stored pages exactly then. This runs the Procfile's web process
on the web benchmark's full database (bench/web_seed.py; seeded there first if missing) and a
hello-world app from the same virtualenv, and per round measures with wrk, in turn:

1. hello-world (the baseline of the round);
2. the busy shop's home and product pages in turn, for a first visit (no cookie: stored
   pages), with no orders;
3. the same while shoppers check out in that shop at --orders-per-second, each through the
   storefront's own forms (a cart with one item, then the checkout form), as a phone would.

With --weekly-deal the shop runs a weekly deal of the product bought (a community leader's
week, "n sold this week" on its pages) for the run, removed afterwards.

During 3 a probe asks for the same pages, one every 50 ms, and counts how often they came stored
(`X-Page-Cache: hit`). Reported: rps and its ratio to hello-world with and without the
orders, the share of probes served stored, and the orders placed. Each shopper's order is a
real one (stock, outbox, e-mails): run it on the benchmark's database, never on real data.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import web_client, web_seed  # noqa: E402
from bench.web_benchmark import HELLO, RESULTS, WORKDIR, Page, Server, wrk  # noqa: E402

SHOP = "busy"  # the seeded shop with the most orders
CHECKOUT = {"name": "Bench Shopper", "email": "shopper@bench.example", "phone": "+1 555 0100 200",
            "line1": "1 Main Street", "city": "Springfield", "postcode": "12345", "country": "US"}


def _shop(owner_url: str) -> tuple[tuple[int, str, int], list[str]]:
    """(listing id, product path, variant id) of the shop's visible listing with the most
    stock (what the shoppers buy), and the paths browsed: its home and every product page."""
    import psycopg

    with psycopg.connect(owner_url) as conn:
        item = conn.execute(
            "SELECT l.id, '/products/' || l.handle, v.id FROM listings l JOIN shops s ON s.id = l.shop_id "
            "JOIN supply_variants v ON v.product_id = l.supply_product_id WHERE s.subdomain = %s "
            "AND l.is_visible AND l.status = 'active' ORDER BY v.stock DESC, l.position LIMIT 1",
            (SHOP,)).fetchone()
        handles = conn.execute(
            "SELECT l.handle FROM listings l JOIN shops s ON s.id = l.shop_id WHERE s.subdomain = %s "
            "AND l.is_visible AND l.status = 'active' ORDER BY l.position", (SHOP,)).fetchall()
    return item, ["/", *(f"/products/{quote(handle)}" for (handle,) in handles)]


def _weekly_deal(owner_url: str, listing_id: int | None) -> None:
    """Start the shop's weekly deal of `listing_id`, or (None) remove it. In SQL, before the
    web process starts (it holds no page yet) and after it stopped."""
    import psycopg

    with psycopg.connect(owner_url) as conn:
        shop_id = conn.execute("SELECT id FROM shops WHERE subdomain = %s", (SHOP,)).fetchone()[0]
        conn.execute("DELETE FROM weekly_deals WHERE shop_id = %s", (shop_id,))
        if listing_id is not None:
            conn.execute("INSERT INTO weekly_deals (shop_id, title, listing_ids, deadline_weekday, deadline_minutes, "
                         "handout_weekday, active, created_at) VALUES (%s, 'Bench week', %s, 3, 1200, 5, true, now())",
                         (shop_id, f"[{listing_id}]"))


def _check_out(address, host: str, item: tuple[int, str, int]) -> web_client.Response:
    """A new shopper's order of one `item`, through the storefront's cart and checkout forms."""
    listing_id, product_path, variant_id = item
    shopper = web_client.fill_cart(address, host, product_path, [(listing_id, variant_id)])
    return shopper.post_form("/checkout", "/checkout", CHECKOUT)


def _browsing(paths: list[str]) -> str:
    """A wrk script asking for `paths` in turn, each thread from its own place."""
    listed = ", ".join(f'"{path}"' for path in paths)
    return f"""
local paths = {{{listed}}}
local n = 0
function setup(thread)
  n = n + 7
  thread:set("start", n)
end
local sent = 0
function request()
  sent = sent + 1
  return wrk.format(nil, paths[((start or 0) + sent) % #paths + 1])
end
"""


class Shoppers(threading.Thread):
    """Checks out in the shop at a fixed rate until stopped: one new shopper per order."""

    def __init__(self, address, host: str, item: tuple[int, str, int], rate: float):
        super().__init__(daemon=True)
        self.address, self.host, self.item, self.rate = address, host, item, rate
        self.stopping = threading.Event()
        self.placed = self.failed = 0

    def run(self) -> None:
        due = time.monotonic()
        while not self.stopping.is_set():
            if _check_out(self.address, self.host, self.item).status == 302:
                self.placed += 1
            else:
                self.failed += 1
            due += 1 / self.rate
            self.stopping.wait(max(0.0, due - time.monotonic()))


class Probe(threading.Thread):
    """Asks for the browsed pages in turn, one every 50 ms, and counts the answers that came stored."""

    def __init__(self, address, host: str, paths: list[str]):
        super().__init__(daemon=True)
        self.address, self.host, self.paths = address, host, paths
        self.stopping = threading.Event()
        self.stored = self.made = 0

    def run(self) -> None:
        n = 0
        while not self.stopping.wait(0.05):
            n += 1
            answer = web_client.Session(self.address, self.host).get(self.paths[n % len(self.paths)])
            if answer.header("X-Page-Cache") == "hit":
                self.stored += 1
            else:
                self.made += 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--orders-per-second", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--postgres", default="127.0.0.1:5432", help="host:port, superuser postgres, trust auth")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="the app's REDIS_URL")
    parser.add_argument("--port", type=int, default=8311, help="the app's port; hello-world gets the next")
    parser.add_argument("--weekly-deal", action="store_true",
                        help="the shop runs a weekly deal of the product bought during the run")
    parser.add_argument("--label", default="", help="a word for the result file's name (before, after...)")
    args = parser.parse_args(argv)

    started = datetime.now(UTC)
    log_dir = WORKDIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    database = web_seed.prepare(args.postgres, "full", WORKDIR / web_seed.database_name("full"), False)
    env = {**web_seed.app_env(args.postgres, database, WORKDIR / database), "REDIS_URL": args.redis_url,
           "AUTH_RATE_LIMIT": "1000 per minute", "CHECKOUT_RATE_LIMIT": "100000 per minute",
           "CHECKOUT_EMAIL_RATE_LIMIT": "100000 per minute"}  # (one shopper's e-mail, many orders)
    owner_url = web_seed.urls(args.postgres, database)[0]
    item, paths = _shop(owner_url)
    if args.weekly_deal:
        _weekly_deal(owner_url, item[0])
    app = Server(f"orders-{database}", "wsgi:app", args.port, env, log_dir)
    hello = Server("hello-orders", "bench.hello_app:app", args.port + 1, env, log_dir)
    address = ("127.0.0.1", args.port)
    host = f"{SHOP}.{web_seed.SERVER_NAME}"
    rows = []
    try:
        page, browsing = Page(f"{SHOP}: home and {len(paths) - 1} products", host, "/"), _browsing(paths)
        if (placed := _check_out(address, host, item)).status != 302:
            raise RuntimeError(f"a checkout in {host} answered {placed.status}: see {app.log}")
        wrk(args.port, page, argparse.Namespace(**{**vars(args), "duration": 2}), browsing)  # warm-up
        for round_no in range(1, args.rounds + 1):
            h_rps = wrk(args.port + 1, HELLO, args)[0]
            quiet_rps, _, quiet_p99 = wrk(args.port, page, args, browsing)
            shoppers, probe = Shoppers(address, host, item, args.orders_per_second), Probe(address, host, paths)
            shoppers.start()
            probe.start()
            busy_rps, _, busy_p99 = wrk(args.port, page, args, browsing)
            for thread in (shoppers, probe):
                thread.stopping.set()
                thread.join()
            stored = probe.stored / max(1, probe.stored + probe.made)
            rows.append((h_rps, quiet_rps, quiet_p99, busy_rps, busy_p99, stored, shoppers.placed, shoppers.failed))
            print(f"  round {round_no}: hello {h_rps:.0f} rps; no orders {quiet_rps:.0f} rps "
                  f"({quiet_rps / h_rps:.3f}x); {shoppers.placed} orders {busy_rps:.0f} rps "
                  f"({busy_rps / h_rps:.3f}x), {stored:.0%} of probes stored", flush=True)
    finally:
        app.stop()
        hello.stop()
        if args.weekly_deal:
            _weekly_deal(owner_url, None)

    def median(index: int) -> float:
        return statistics.median(row[index] for row in rows)

    commit = _commit()
    report = [
        f"# A busy shop's stored pages while its orders come in, {started:%Y-%m-%d %H:%M} UTC", "",
        f"`bench/orders_while_browsing.py --orders-per-second {args.orders_per_second:g}"
        f"{' --weekly-deal' if args.weekly_deal else ''}` at `{commit}`: "
        f"{args.rounds} rounds, wrk -t{args.threads} -c{args.connections} -d{args.duration}s per run over "
        f"`{host}`'s home and its {len(paths) - 1} product pages in turn (a first visit: no cookie), "
        "hello-world just before; medians over the rounds. Served stored: the share of a probe's "
        "requests (one every 50 ms, over the same pages) answered from the page cache.", "",
        "| | rps | x hello-world | p99 ms | served stored |",
        "|---|---|---|---|---|",
        f"| hello-world | {median(0):,.0f} | 1 | | |",
        f"| the shop's pages, no orders | {median(1):,.0f} | {statistics.median(r[1] / r[0] for r in rows):.3f}x | "
        f"{median(2):.1f} | |",
        f"| the shop's pages, {args.orders_per_second:g} orders a second | {median(3):,.0f} | "
        f"{statistics.median(r[3] / r[0] for r in rows):.3f}x | {median(4):.1f} | {median(5):.0%} |", "",
        f"Orders placed during the runs: {sum(r[6] for r in rows):,} ({sum(r[7] for r in rows)} refused).", ""]
    text = "\n".join(report)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"orders-while-browsing-{started:%Y-%m-%d}{'-' + args.label if args.label else ''}.md"
    out.write_text(text)
    print(f"written to {out.relative_to(ROOT)}")
    return 0


def _commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return found.stdout.strip() or "?"


if __name__ == "__main__":
    raise SystemExit(main())
