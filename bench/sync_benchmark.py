"""Catalog sync benchmark: a 100,000-product feed (2-3 variants each) synced on PostgreSQL.

    bash /tmp/pgfresh.sh flagship_bench   # or any empty database
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/flagship_bench .venv/bin/python bench/sync_benchmark.py

Steps, each in its own process so its peak memory (ru_maxrss) is its own:
  generate   write the CSV feed to disk, streamed
  parse      baseline: stream-parse the feed without writing anything
  first      the first sync (every product created)
  copy       baseline: COPY the same rows into a scratch table (the floor for writing them)
  copy-catalog  baseline: COPY the rows the first sync wrote into tables with the catalog's
             indexes and keys (what PostgreSQL alone needs to write them, searchable)
  resync     a second sync of the same feed (every product unchanged: nothing written)
  changed    a third sync where every 10th product has a new price (10% updated)
copy, copy-catalog and resync run --repeat times (default 3), interleaved: the fastest counts.
Targets (issue 15): first <= 20x COPY, unchanged re-sync <= 5x COPY, peak memory < 300 MB.
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

    started = time.perf_counter()  # (after the imports: importing the app is not parsing)
    rows = 0
    with feed.open("rb") as raw:
        for _ in read_rows(ByteCounter(raw), "csv"):
            rows += 1
    return {"rows": rows, "seconds": time.perf_counter() - started}


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


def phase_copy_catalog(database_url: str) -> dict:
    """COPY the rows the first sync wrote (read back from supply_products and supply_variants)
    into scratch tables with the catalog's own indexes and keys: the time PostgreSQL takes to
    write these rows with the indexes the catalog's searches need, before any Python."""
    import io

    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        dumps, seconds = {}, 0.0
        for table in ("supply_products", "supply_variants"):
            buffer = io.BytesIO()
            with connection.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for data in copy:
                    buffer.write(data)
            dumps[table] = buffer.getvalue()
        connection.execute("DROP TABLE IF EXISTS bench_variants, bench_products")
        connection.execute("CREATE TABLE bench_products (LIKE supply_products INCLUDING ALL)")
        connection.execute("ALTER TABLE bench_products ADD FOREIGN KEY (supplier_id) REFERENCES suppliers (id)")
        connection.execute("CREATE TABLE bench_variants (LIKE supply_variants INCLUDING ALL)")
        connection.execute("ALTER TABLE bench_variants ADD FOREIGN KEY (supplier_id, product_id) "
                           "REFERENCES bench_products (supplier_id, id)")
        connection.commit()
        for table, scratch in (("supply_products", "bench_products"), ("supply_variants", "bench_variants")):
            started = time.perf_counter()
            with connection.cursor().copy(f"COPY {scratch} FROM STDIN") as copy:
                copy.write(dumps[table])
            connection.commit()
            seconds += time.perf_counter() - started
        rows = connection.execute("SELECT (SELECT count(*) FROM bench_products) + "
                                  "(SELECT count(*) FROM bench_variants)").fetchone()[0]
        connection.execute("DROP TABLE bench_variants, bench_products")
        connection.commit()
    return {"rows": rows, "seconds": seconds}


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
    parser.add_argument("--phase", choices=["generate", "generate-changed", "parse", "copy", "copy-catalog", "first",
                                            "resync", "changed"])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each repeatable step (COPY, re-sync): the fastest is reported")
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
        elif args.phase == "copy-catalog":
            result = phase_copy_catalog(args.database_url)
        else:
            result = phase_sync(args.database_url, feed, first=args.phase == "first")
        result.setdefault("seconds", time.perf_counter() - started)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="flagship-bench-") as folder:
        feed = Path(folder) / "bench-feed.csv"
        figures = {}
        # A step that leaves the database as it found it runs --repeat times, interleaved
        # with the others' repeats: the fastest run is its figure (the machine's noise only
        # ever adds time).
        steps = ["generate", "parse", "first", *(["copy", "copy-catalog", "resync"] * max(args.repeat, 1)),
                 "generate-changed", "changed"]
        for name in steps:
            result = run_phase(name, args, feed)
            runs = figures.setdefault(name, [])
            runs.append(result)
            print(f"{name:>12}: {result['seconds']:7.2f} s  peak {result['peak_mb']:6.1f} MB  "
                  + json.dumps({k: v for k, v in result.items() if k not in ("seconds", "peak_mb")}), flush=True)
    best = {name: min(runs, key=lambda result: result["seconds"]) for name, runs in figures.items()}
    parse, copy, catalog = best["parse"], best["copy"], best["copy-catalog"]
    print()
    print(f"feed: {args.products:,} products, {best['generate']['rows']:,} variant rows, "
          f"{best['generate']['bytes'] / 1048576:.1f} MB; fastest of {len(figures['copy'])} runs where repeated")
    print(f"baselines: stream-parse {parse['seconds']:.2f} s; COPY {copy['seconds']:.2f} s "
          f"(runs: {_seconds(figures['copy'])}); COPY into tables with the "
          f"catalog's indexes and keys {catalog['seconds']:.2f} s")
    for name, target in (("first", 20), ("resync", 5)):
        phase = best[name]
        ratio = phase["seconds"] / copy["seconds"]
        print(f"{name:>8}: {phase['seconds']:.2f} s = {ratio:.1f}x COPY (target <= {target}x: "
              f"{'OK' if ratio <= target else 'MISSED'}), {phase['seconds'] / catalog['seconds']:.1f}x COPY into "
              f"the catalog's tables, {phase['seconds'] / parse['seconds']:.1f}x stream-parse; "
              f"peak {phase['peak_mb']:.0f} MB (target < 300 MB: {'OK' if phase['peak_mb'] < 300 else 'MISSED'})"
              + (f"; runs: {_seconds(figures[name])}" if len(figures[name]) > 1 else ""))
    changed = best["changed"]
    print(f" changed: {changed['seconds']:.2f} s for {changed['updated']:,} updated products "
          f"({changed['seconds'] / copy['seconds']:.1f}x COPY); peak {changed['peak_mb']:.0f} MB")
    ok = all(best[n]["seconds"] / copy["seconds"] <= t for n, t in (("first", 20), ("resync", 5))) and \
        all(best[n]["peak_mb"] < 300 for n in ("first", "resync"))
    return 0 if ok else 1


def _seconds(runs: list[dict]) -> str:
    return ", ".join(f"{run['seconds']:.2f}" for run in runs)


if __name__ == "__main__":
    raise SystemExit(main())
