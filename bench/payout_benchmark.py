"""Payout run benchmark: 10,000 payees, 1,000,000 ledger entries, on PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE flagship_bench_payouts'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/flagship_bench_payouts \\
        .venv/bin/python bench/payout_benchmark.py

Loads (not timed) 250,000 paid orders of 8,000 shops buying from 2,000 suppliers, four
entries each (supplier cost, platform fee, card processing, shop margin): 1,000,000 entries.
90 % of the orders shipped long enough ago to be available; every payee has a connected
account. Then, timed in the same run:
  baseline   a bare SUM(amount) GROUP BY payee over the whole ledger (the floor for any
             balance computation: one pass over the entries)
  run        app.ledger.payouts.create_payouts(): the balances with the hold rule, a Payout
             row and a ledger debit per due payee, committed (the transfers are separate jobs)
  rerun      the same run again: every balance already paid, nothing created
Target (issue 4): the run under 30 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHOPS, SUPPLIERS, ORDERS = 8_000, 2_000, 250_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(connection, orders: int) -> int:
    """COPY the synthetic ledger, releases and payout accounts in; returns the entry count."""
    rng = random.Random(4)
    now = datetime.now(UTC)
    entries, releases = io.StringIO(), io.StringIO()
    count = 0
    for order_id in range(1, orders + 1):
        shop = rng.randint(1, SHOPS)
        supplier = rng.randint(1, SUPPLIERS)
        total = rng.randint(500, 20_000)
        cost = total * rng.randint(40, 80) // 100
        fee = total * 5 // 100
        processor = total * 29 // 1000 + 30
        created = (now - timedelta(days=rng.randint(1, 60))).isoformat()
        for payee_type, payee_id, amount in (("supplier", supplier, cost), ("platform", 0, fee),
                                             ("processor", 0, processor),
                                             ("shop", shop, total - cost - fee - processor)):
            count += 1
            entries.write(f"sale:{order_id}:{payee_type}:{payee_id}\tsale\t{payee_type}\t{payee_id}\t"
                          f"{amount}\tUSD\t{shop}\t{order_id}\t\\N\t\\N\t\\N\tOrder {order_id}\t{created}\n")
        if rng.random() < 0.9:  # shipped long ago: available
            shipped = now - timedelta(days=rng.randint(8, 60))
        else:  # shipped yesterday: still held
            shipped = now - timedelta(days=1)
        releases.write(f"{order_id}\t{shop}\t{shipped.isoformat()}\t{(shipped + timedelta(days=7)).isoformat()}\n")
    with connection.cursor() as cursor:
        with cursor.copy("COPY ledger_entries (entry_key, kind, payee_type, payee_id, amount, currency, shop_id, "
                         "order_id, refund_id, payout_id, available_at, memo, created_at) FROM STDIN") as copy:
            copy.write(entries.getvalue())
        with cursor.copy("COPY ledger_releases (order_id, shop_id, shipped_at, available_at) FROM STDIN") as copy:
            copy.write(releases.getvalue())
        accounts = io.StringIO()
        stamp = now.isoformat()
        for payee_type, n in (("shop", SHOPS), ("supplier", SUPPLIERS)):
            for payee_id in range(1, n + 1):
                accounts.write(f"{payee_type}\t{payee_id}\tacct_{payee_type}_{payee_id}\tt\tt\t{stamp}\t{stamp}\n")
        with cursor.copy("COPY payout_accounts (payee_type, payee_id, stripe_account_id, details_submitted, "
                         "payouts_enabled, created_at, updated_at) FROM STDIN") as copy:
            copy.write(accounts.getvalue())
    connection.execute("ANALYZE ledger_entries, ledger_releases, payout_accounts")
    connection.commit()
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--orders", type=int, default=ORDERS)
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("set DATABASE_URL (or --database-url) to an empty PostgreSQL database")

    import psycopg
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from app.config import normalise_database_url
    from app.extensions import db
    from app.ledger.models import LedgerEntry, Payout
    from app.ledger.payouts import create_payouts

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(args.database_url),
                      "SECRET_KEY": "bench", "SERVER_NAME": "bench.test", "REDIS_URL": "",
                      "JOBS_INLINE": True, "RATELIMIT_STORAGE_URI": "memory://", "PAYOUT_MINIMUM": 1000})
    with app.app_context():
        os.chdir(ROOT)
        upgrade()
        db.engine.dispose()
        started = time.perf_counter()
        with psycopg.connect(args.database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
            entries = load(connection, args.orders)
        load_seconds = time.perf_counter() - started
        print(f"    load: {load_seconds:7.2f} s  {entries:,} entries, {SHOPS + SUPPLIERS:,} payees (not timed)")

        started = time.perf_counter()
        balances = db.session.execute(
            select(LedgerEntry.payee_type, LedgerEntry.payee_id, func.sum(LedgerEntry.amount))
            .group_by(LedgerEntry.payee_type, LedgerEntry.payee_id)).all()
        baseline = time.perf_counter() - started
        db.session.rollback()
        print(f"baseline: {baseline:7.2f} s  bare GROUP BY over {entries:,} entries ({len(balances):,} payees)")

        started = time.perf_counter()
        run, payout_ids = create_payouts("manual")
        db.session.commit()
        seconds = time.perf_counter() - started
        total = db.session.scalar(select(func.sum(Payout.amount)))
        print(f"     run: {seconds:7.2f} s  {len(payout_ids):,} payouts created ({run.payees_due:,} balances "
              f"due), {total:,} cents; {seconds / baseline:.1f}x the baseline; peak {peak_mb():.0f} MB")

        started = time.perf_counter()
        again, second_ids = create_payouts("manual")
        db.session.commit()
        rerun = time.perf_counter() - started
        print(f"   rerun: {rerun:7.2f} s  {len(second_ids)} payouts created (all already paid out); "
              f"{rerun / baseline:.1f}x the baseline")
    ok = seconds < 30 and not second_ids
    print(f"\ntarget: run < 30 s: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
