"""Catalog sync benchmark: a 100,000-product feed (2-3 variants each) synced on PostgreSQL.

    bash /tmp/pgfresh.sh flagship_bench   # or any empty database
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/flagship_bench .venv/bin/python bench/sync_benchmark.py

Steps, each in its own process so its peak memory (ru_maxrss) is its own:
  generate   write the CSV feed to disk, streamed
  parse      baseline: stream-parse the feed without writing anything
  copy       baseline: COPY the same rows into a scratch table (the floor for writing them)
  first      the first sync (every product created)
  resync     a second sync of the same feed (every product unchanged: nothing written)
  changed    a third sync where every 10th product has a new price (10% updated)
Targets (issue 3): first < 60 s, resync < 15 s, peak memory < 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = ["product_code", "title", "description", "category", "sku", "options", "wholesale_price",
          "min_retail_price", "stock", "image_url"]
CATEGORIES = ["apparel", "snacks", "beauty", "home", "fresh", "electronics", "other"]
SIZES = ["S", "M", "L"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def generate(path: Path, products: int, change_every: int = 0) -> dict:
    """Write the feed row by row (never held in memory). With change_every=N, every Nth
    product gets a new price and stock (the "changed" re-sync)."""
    rng = random.Random(42)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(products):
            code = f"BENCH-{n:06d}"
            category = CATEGORIES[n % len(CATEGORIES)]
            wholesale = rng.randint(100, 20000)
            if change_every and n % change_every == 0:
                wholesale += 1
            for i, size in enumerate(SIZES[: 2 + n % 2]):
                first = i == 0
                writer.writerow([
                    code, f"Benchmark product {n}" if first else "",
                    f"A sturdy, well-made product number {n}, in {category}." if first else "",
                    category if first else "", f"{code}-{size}", f"size={size}; colour=Ink",
                    f"{wholesale / 100:.2f}", f"{wholesale * 3 // 2 / 100:.2f}", rng.randint(0, 500),
                    f"https://img.example/{code}.jpg" if first else "",
                ])
                rows += 1
    return {"rows": rows, "bytes": path.stat().st_size}


def make_app(database_url: str, feeds_dir: Path):
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": _normalise(database_url), "SECRET_KEY": "bench", "SERVER_NAME": "bench.test",
        "REDIS_URL": "", "JOBS_INLINE": True, "FEEDS_DIR": str(feeds_dir), "RATELIMIT_STORAGE_URI": "memory://",
    })


def _normalise(url: str) -> str:
    from app.config import normalise_database_url

    return normalise_database_url(url)


def phase_parse(feed: Path) -> dict:
    from app.catalog.feeds import ByteCounter, read_rows

    rows = 0
    with feed.open("rb") as raw:
        for _ in read_rows(ByteCounter(raw), "csv"):
            rows += 1
    return {"rows": rows}


def phase_copy(database_url: str, feed: Path) -> dict:
    """COPY the raw rows into an unlogged scratch table: the floor for any write of them."""
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_copy")
        connection.execute("CREATE UNLOGGED TABLE bench_copy (" + ", ".join(f"{c} text" for c in HEADER) + ")")
        with connection.cursor() as cursor, cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, feed.open("rb") as raw:
            while chunk := raw.read(1 << 20):
                copy.write(chunk)
        rows = connection.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        connection.execute("DROP TABLE bench_copy")
    return {"rows": rows}


def phase_sync(database_url: str, feed: Path, first: bool) -> dict:
    from flask_migrate import upgrade

    from app.catalog import sync
    from app.catalog.feeds_models import SupplierFeed, SyncRun
    from app.catalog.jobs import sync_supplier_catalog
    from app.catalog.models import Supplier
    from app.extensions import db

    app = make_app(database_url, feed.parent)
    with app.app_context():
        if first:
            os.chdir(ROOT)
            upgrade()
            supplier = Supplier(name="Benchmark Supplier", status="active", currency="USD")
            db.session.add(supplier)
            db.session.flush()
            db.session.add(SupplierFeed(supplier_id=supplier.id, source="upload", upload_path=feed.name,
                                        upload_name=feed.name, format="csv", is_full_feed=True))
            db.session.commit()
        supplier = db.session.scalar(db.select(Supplier).where(Supplier.name == "Benchmark Supplier"))
        started = time.perf_counter()
        run, _ = sync.start_sync(supplier)
        run_id = run.id
        db.session.commit()
        result = sync_supplier_catalog(run_id)
        seconds = time.perf_counter() - started
        run = db.session.get(SyncRun, run_id)
        return {"result": result, "seconds": seconds, "created": run.created_count, "updated": run.updated_count,
                "unchanged": run.unchanged_count, "rejected": run.rejected_count, "error": run.error}


def run_phase(name: str, args, feed: Path) -> dict:
    command = [sys.executable, __file__, "--phase", name, "--feed", str(feed), "--database-url", args.database_url,
               "--products", str(args.products)]
    started = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result.setdefault("seconds", time.perf_counter() - started)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--phase", choices=["generate", "generate-changed", "parse", "copy", "first", "resync",
                                            "changed"])
    parser.add_argument("--feed", default="")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("set DATABASE_URL (or --database-url) to an empty PostgreSQL database")

    if args.phase:  # a child process: one step, its figures as JSON on the last line
        feed = Path(args.feed)
        started = time.perf_counter()
        if args.phase == "generate":
            result = generate(feed, args.products)
        elif args.phase == "generate-changed":
            result = generate(feed, args.products, change_every=10)
        elif args.phase == "parse":
            result = phase_parse(feed)
        elif args.phase == "copy":
            result = phase_copy(args.database_url, feed)
        else:
            result = phase_sync(args.database_url, feed, first=args.phase == "first")
        result.setdefault("seconds", time.perf_counter() - started)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="flagship-bench-") as folder:
        feed = Path(folder) / "bench-feed.csv"
        figures = {}
        for name in ("generate", "parse", "copy", "first", "resync", "generate-changed", "changed"):
            figures[name] = run_phase(name, args, feed)
            print(f"{name:>8}: {figures[name]['seconds']:7.2f} s  peak {figures[name]['peak_mb']:6.1f} MB  "
                  + json.dumps({k: v for k, v in figures[name].items() if k not in ("seconds", "peak_mb")}),
                  flush=True)
    parse, copy = figures["parse"], figures["copy"]
    print()
    print(f"feed: {args.products:,} products, {figures['generate']['rows']:,} variant rows, "
          f"{figures['generate']['bytes'] / 1048576:.1f} MB")
    for name, target in (("first", 60), ("resync", 15)):
        phase = figures[name]
        print(f"{name:>8}: {phase['seconds']:.2f} s (target < {target} s: {'OK' if phase['seconds'] < target else 'MISSED'}); "
              f"{phase['seconds'] / parse['seconds']:.1f}x stream-parse, {phase['seconds'] / copy['seconds']:.1f}x COPY; "
              f"peak {phase['peak_mb']:.0f} MB (target < 500 MB: {'OK' if phase['peak_mb'] < 500 else 'MISSED'}), "
              f"{phase['peak_mb'] / parse['peak_mb']:.1f}x the parse-only process")
    changed = figures["changed"]
    print(f" changed: {changed['seconds']:.2f} s for {changed['updated']:,} updated products "
          f"({changed['seconds'] / parse['seconds']:.1f}x stream-parse); peak {changed['peak_mb']:.0f} MB")
    ok = all(figures[n]["seconds"] < t for n, t in (("first", 60), ("resync", 15))) and \
        all(figures[n]["peak_mb"] < 500 for n in ("first", "resync"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
