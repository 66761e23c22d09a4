"""What the tenant wall costs the database: a page's statements with and without row-level
security (issue 15).

    .venv/bin/python bench/rls_scope.py                  # on the web benchmark's database
    .venv/bin/python bench/rls_scope.py --rounds 9 --visits 200 --label after

Every tenant table's policy asks `flagship_scope()` (is this transaction's scope verified,
and which is it?) once or twice for each such table a statement reads. This captures the SQL
of storefront pages as the web process sends it (in-process, production settings, rendered:
an unreadable referral cookie keeps the page cache out), with the tenancy scope each
statement ran under, and replays each page's transaction on PostgreSQL, unprepared as the
app sends it (app/config.py), in turn:

- as the app's role, under row-level security: BEGIN, `flagship_enter_scope` whenever the
  scope changes, the statements, COMMIT (what production pays);
- as the database's owner, who bypasses row-level security: the same statements (the
  baseline of the same run).

Reported per page: its statements, the scope checks its statements ask for (InitPlans that
call `flagship_scope`, from EXPLAIN), the median milliseconds of a visit each way over the
rounds (each round's median of `--visits` visits, the two interleaved, their order
alternating), the ratio and the difference; and what one scope check costs. Uses the web
benchmark's full database (bench/web_seed.py; seeded there first if missing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import web_seed  # noqa: E402
from bench.web_benchmark import RENDERED, RESULTS, WORKDIR, browsing  # noqa: E402

SHOPS = ("mia", "hundred")  # 13 and 100 listings (bench/web_seed.py)


@dataclass
class Captured:
    name: str
    shop_id: int
    statements: list[tuple[str, str, dict]]  # (scope, SQL, parameters) as the app sent them
    checks: int = 0
    owner_ms: list[float] = field(default_factory=list)
    app_ms: list[float] = field(default_factory=list)


def browsing_paths(owner_url: str) -> list[tuple[str, str, str]]:
    """(name, host, path): the pages the web benchmark browses in each measured shop."""
    import psycopg

    pages = []
    with psycopg.connect(owner_url) as conn:
        for sub in SHOPS:
            _shop_id, host, browsed, _listings = browsing(conn, sub)
            pages += [(f"{sub} {name}", host, path) for name, path in browsed]
    return pages


def capture(env: dict, pages: list[tuple[str, str, str]]) -> tuple[list[Captured], str]:
    """Each page's statements (its second request: caches warm) and the app's RLS scope key."""
    from sqlalchemy import event

    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.tenancy.rls import scope_setting

    app = create_app()
    with app.app_context():
        engine = db.engine
    client, found = app.test_client(use_cookies=False), []
    for name, host, path in pages:
        seen: list[tuple[str, str, dict]] = []

        def record(conn, cursor, statement, parameters, context, executemany, seen=seen):
            seen.append((scope_setting(), statement, parameters))

        client.get(path, base_url=f"http://{host}", headers={"Cookie": RENDERED})
        event.listen(engine, "before_cursor_execute", record)
        answer = client.get(path, base_url=f"http://{host}", headers={"Cookie": RENDERED})
        event.remove(engine, "before_cursor_execute", record)
        if answer.status_code != 200:
            raise RuntimeError(f"{name}: {path} answered {answer.status_code}")
        shop_id = next(int(scope) for scope, _, _ in seen if scope.isdigit())
        found.append(Captured(name, shop_id, seen))
    engine.dispose()
    return found, app.config["RLS_SCOPE_KEY"]


def scope_checks(conn, key: str, page: Captured) -> int:
    """InitPlans calling flagship_scope() in the page's statements' plans (as the app role)."""
    def count(node) -> int:
        own = node.get("Subplan Name", "").startswith("InitPlan") and "flagship_scope" in json.dumps(
            node.get("Output", [])) or 0
        return int(bool(own)) + sum(count(child) for child in node.get("Plans", []))

    total = 0
    with conn.transaction(force_rollback=True):
        for scope, statement, parameters in page.statements:
            _enter(conn, key, scope)
            [[plan]] = conn.execute("EXPLAIN (VERBOSE, FORMAT JSON) " + statement, parameters).fetchone()
            total += count(plan["Plan"])
    return total


def _enter(conn, key: str, scope: str) -> None:
    if scope:
        conn.execute("SELECT flagship_enter_scope(%s, %s)", (key, scope))
    else:
        conn.execute("SELECT set_config('flagship.shop_id', '', true), set_config('flagship.scope_token', '', true)")


def visit(conn, key: str | None, page: Captured) -> float:
    """One visit's transaction; milliseconds. key None: as the owner (no scope to enter)."""
    started = time.perf_counter()
    with conn.transaction():
        current = None
        for scope, statement, parameters in page.statements:
            if key is not None and scope != current:
                _enter(conn, key, scope)
                current = scope
            conn.execute(statement, parameters).fetchall()
    return (time.perf_counter() - started) * 1000


CHECKS = 16  # scope checks in one statement, for the cost of one


def check_cost(conn, key: str, scope: str, rounds: int, visits: int) -> list[float]:
    """Microseconds of one scope check, per round: a statement of CHECKS sub-selects of
    `flagship_scope()` against the same statement of constants, in a scoped transaction."""
    checked = "SELECT " + ", ".join(["(SELECT flagship_scope())"] * CHECKS)
    constant = "SELECT " + ", ".join(["(SELECT 'x')"] * CHECKS)
    costs = []
    with conn.transaction(force_rollback=True):
        _enter(conn, key, scope)
        for _ in range(rounds):
            times = {}
            for statement in (checked, constant):
                runs = []
                for _ in range(visits):
                    started = time.perf_counter()
                    conn.execute(statement).fetchall()
                    runs.append(time.perf_counter() - started)
                times[statement] = statistics.median(runs)
            costs.append((times[checked] - times[constant]) * 1e6 / CHECKS)
    return costs


def table(pages: list[Captured]) -> str:
    rows = ["| page | statements | scope checks | ms, owner (no RLS) | ms, app role (RLS) | x owner | RLS ms |",
            "|---|---|---|---|---|---|---|"]
    for page in pages:
        owner, app = statistics.median(page.owner_ms), statistics.median(page.app_ms)
        ratios = [a / o for a, o in zip(page.app_ms, page.owner_ms, strict=True)]
        rows.append(f"| {page.name} | {len(page.statements)} | {page.checks} | {owner:.2f} "
                    f"({min(page.owner_ms):.2f}-{max(page.owner_ms):.2f}) | {app:.2f} "
                    f"({min(page.app_ms):.2f}-{max(page.app_ms):.2f}) | **{statistics.median(ratios):.2f}x** "
                    f"({min(ratios):.2f}-{max(ratios):.2f}) | {app - owner:.2f} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--visits", type=int, default=100, help="visits of each page, each way, per round")
    parser.add_argument("--postgres", default="127.0.0.1:5432", help="host:port, superuser postgres, trust auth")
    parser.add_argument("--label", default="", help="a word for the result file's name (before, after...)")
    args = parser.parse_args(argv)

    import psycopg

    started = datetime.now(UTC)
    database = web_seed.prepare(args.postgres, "full", WORKDIR / web_seed.database_name("full"), False)
    owner_url, app_url = web_seed.urls(args.postgres, database)
    env = web_seed.app_env(args.postgres, database, WORKDIR / database)
    pages, key = capture(env, browsing_paths(owner_url))
    with psycopg.connect(owner_url, prepare_threshold=None) as owner, \
            psycopg.connect(app_url, prepare_threshold=None) as app:
        for page in pages:
            page.checks = scope_checks(app, key, page)
            for _ in range(20):  # warm both connections' caches
                visit(owner, None, page), visit(app, key, page)
        for n in range(args.rounds):
            for page in pages:
                ways = [(owner, None, page.owner_ms), (app, key, page.app_ms)]
                for conn, scope_key, times in (ways if n % 2 == 0 else ways[::-1]):
                    times.append(statistics.median(visit(conn, scope_key, page) for _ in range(args.visits)))
            print(f"round {n + 1}/{args.rounds} done", flush=True)
        per_check = check_cost(app, key, str(pages[0].shop_id), args.rounds, args.visits)
        version = owner.execute("SHOW server_version").fetchone()[0]
    report = "\n".join([
        f"# Row-level security's cost per page, {started:%Y-%m-%d %H:%M} UTC", "",
        f"`bench/rls_scope.py --rounds {args.rounds} --visits {args.visits}` on `{database}` (PostgreSQL "
        f"{version}). Each page's statements, captured as the web process sends them, replayed one transaction "
        "per visit: as the database's owner (no row-level security) and as the app's role (row-level security, "
        "`flagship_enter_scope` when the scope changes). ms: the median over the rounds of each round's median "
        "visit (lowest-highest); x owner: the median of each round's ratio; RLS ms: the difference (the checks, "
        "entering the scope, planning the policies).", "", table(pages), "",
        f"One scope check (a statement of {CHECKS} `(SELECT flagship_scope())` against {CHECKS} constants, as the "
        f"app's role in a shop's scope): **{statistics.median(per_check):.1f} us** "
        f"({min(per_check):.1f}-{max(per_check):.1f} over the rounds).", ""])
    suffix = f"-{args.label}" if args.label else ""
    out = RESULTS / f"rls-scope-{started:%Y-%m-%d}{suffix}.md"
    out.write_text(report)
    print(report)
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
