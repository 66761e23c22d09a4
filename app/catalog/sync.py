"""Syncing a supplier's catalog from its feed: the SyncRun record and the sync engine.

A run is queued (`start_sync`), claimed by one worker (`execute_run`), and finishes as
succeeded, partly_failed (some rows rejected) or failed (the feed could not be fetched or
read at all: then nothing is changed). The feed is fetched to a file, checked once from
end to end (so a broken feed fails before any write), then streamed again: rows are
grouped by product code (a product's variant rows are consecutive), checked with the
rules of app.catalog.services, and written in batches of BATCH_PRODUCTS products, each
batch one commit that also moves the progress bar and the heartbeat. A product whose
content hash (sha256 of its trimmed feed rows) is unchanged is skipped, before any
validation and without a write, so a second sync of the same feed writes nothing. Products of a full
feed that the feed no longer lists are marked discontinued, never deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select, text, update

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db

from .feeds import ByteCounter, FeedError, FeedRow, fetch_feed, get_feed, read_rows
from .feeds_models import SupplierFeed, SyncRejectedRow, SyncRun
from .models import Supplier, SupplyProduct, SupplyVariant
from .services import _options_key, clean_code, read_product, read_variant

BATCH_PRODUCTS = 500
HEARTBEAT_EVERY = timedelta(seconds=5)
ABANDONED_AFTER = timedelta(minutes=10)  # running with no heartbeat for this long
NEVER_STARTED_AFTER = timedelta(hours=1)  # queued this long: every retry is spent
ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "partly_failed", "failed")
PRODUCT_COLUMNS = ("title", "description", "category", "image_url")
HASHED_COLUMNS = ("title", "description", "category", "image_url", "sku", "options", "wholesale_price",
                  "min_retail_price", "stock")
ANALYZE_EVERY = 10_000  # products created between two ANALYZEs (PostgreSQL)
MAX_REJECTED_STORED = 50_000  # rows stored per run; the count goes on


def job_id_for(supplier_id: int) -> str:
    """One job id per supplier, so RQ never holds two syncs of one supplier."""
    return f"sync-supplier-{supplier_id}"


# Runs ---------------------------------------------------------------------------------------


def active_run(supplier_id: int) -> SyncRun | None:
    return db.session.scalar(select(SyncRun).where(
        SyncRun.supplier_id == supplier_id, SyncRun.status.in_(ACTIVE)).order_by(SyncRun.id))


def start_sync(supplier: Supplier, trigger: str = "manual") -> tuple[SyncRun, bool]:
    """Queue a run for `supplier` -> (run, True); or (the queued/running one, False).

    The caller commits, then enqueues `sync_supplier_catalog(run.id)` with the run's job_id.
    """
    feed = get_feed(supplier)
    if feed is None:
        raise DomainError("Set up this supplier's feed first.")
    # Lock the supplier row (PostgreSQL) so two clicks cannot both queue a run.
    db.session.execute(select(Supplier.id).where(Supplier.id == supplier.id).with_for_update())
    sweep_abandoned_runs(supplier.id)
    existing = active_run(supplier.id)
    if existing is not None:
        return existing, False
    run = SyncRun(supplier_id=supplier.id, trigger=trigger, status="queued",
                  job_id=job_id_for(supplier.id), queued_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run, True


def get_run(run_id) -> SyncRun:
    try:
        run = db.session.get(SyncRun, int(run_id))
    except (TypeError, ValueError):
        run = None
    if run is None:
        raise NotFound("No such sync run.")
    return run


def supplier_runs(supplier: Supplier, page: int = 1, per_page: int = 25):
    query = select(SyncRun).where(SyncRun.supplier_id == supplier.id).order_by(SyncRun.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def rejected_rows(run: SyncRun, page: int = 1, per_page: int = 50):
    query = (select(SyncRejectedRow).where(SyncRejectedRow.run_id == run.id)
             .order_by(SyncRejectedRow.line, SyncRejectedRow.id))
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def progress(run: SyncRun) -> dict:
    """What the run page's progress bar polls."""
    percent = None
    if run.status in FINISHED:
        percent = 100
    elif run.bytes_total:
        percent = min(99, int(run.bytes_read * 100 / run.bytes_total))
    return {
        "id": run.id, "status": run.status, "finished": run.status in FINISHED, "percent": percent,
        "bytes_read": run.bytes_read, "bytes_total": run.bytes_total, "rows_read": run.rows_read,
        "created": run.created_count, "updated": run.updated_count, "unchanged": run.unchanged_count,
        "discontinued": run.discontinued_count, "rejected": run.rejected_count, "error": run.error,
        "queued_at": _iso(run.queued_at), "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at), "heartbeat_at": _iso(run.heartbeat_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def sweep_abandoned_runs(supplier_id: int | None = None, now: datetime | None = None) -> int:
    """Mark failed the runs whose worker died: running with no heartbeat for ABANDONED_AFTER,
    or queued for NEVER_STARTED_AFTER (every retry spent). Flushes; returns how many."""
    now = now or utcnow()
    query = select(SyncRun).where(SyncRun.status.in_(ACTIVE))
    if supplier_id is not None:
        query = query.where(SyncRun.supplier_id == supplier_id)
    swept = 0
    for run in db.session.scalars(query):
        if run.status == "running":
            last = run.heartbeat_at or run.started_at or run.queued_at
            if last > now - ABANDONED_AFTER:
                continue
            run.error = f"abandoned: no heartbeat since {last:%Y-%m-%d %H:%M:%S} UTC (the worker stopped)."
        else:
            if run.queued_at > now - NEVER_STARTED_AFTER:
                continue
            run.error = (f"abandoned: queued since {run.queued_at:%Y-%m-%d %H:%M:%S} UTC and never "
                         "finished; see the Jobs page. " + (run.error or "")).strip()
        run.status, run.finished_at = "failed", now
        swept += 1
    db.session.flush()
    return swept


def due_suppliers(now: datetime | None = None) -> list[int]:
    """Active suppliers whose feed schedule has elapsed since their last run was queued."""
    now = now or utcnow()
    last = (select(SyncRun.supplier_id, func.max(SyncRun.queued_at).label("last"))
            .group_by(SyncRun.supplier_id).subquery())
    rows = db.session.execute(
        select(SupplierFeed.supplier_id, SupplierFeed.schedule_minutes, last.c.last)
        .join(Supplier, Supplier.id == SupplierFeed.supplier_id)
        .outerjoin(last, last.c.supplier_id == SupplierFeed.supplier_id)
        .where(SupplierFeed.schedule_minutes.is_not(None), Supplier.status == "active")
        .order_by(SupplierFeed.supplier_id)
    )
    due = []
    for supplier_id, minutes, last_queued in rows:
        if last_queued is not None and last_queued.tzinfo is None:  # SQLite's max() is naive
            last_queued = last_queued.replace(tzinfo=UTC)
        if last_queued is None or last_queued <= now - timedelta(minutes=minutes):
            due.append(supplier_id)
    return due


def claim_run(run_id: int) -> bool:
    """queued -> running, for exactly one worker (a conditional UPDATE); commits."""
    now = utcnow()
    claimed = db.session.execute(
        update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now, error="")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def finish_failed(run_id: int, reason: str) -> None:
    """Record a run's failure (after a rollback: nothing of the run's batches is pending)."""
    db.session.rollback()
    db.session.execute(update(SyncRun).where(SyncRun.id == run_id).values(
        status="failed", finished_at=utcnow(), heartbeat_at=utcnow(), error=reason[:2000]
    ).execution_options(synchronize_session=False))
    db.session.commit()


def requeue(run_id: int, reason: str) -> None:
    """Put a run back to queued so the job's next retry can claim it again."""
    db.session.rollback()
    db.session.execute(update(SyncRun).where(SyncRun.id == run_id).values(
        status="queued", error=f"retrying after an error: {reason}"[:2000]
    ).execution_options(synchronize_session=False))
    db.session.commit()


# The engine -----------------------------------------------------------------------------------


@dataclass
class _Group:
    """A product's consecutive rows in the feed."""

    code: str
    rows: list[FeedRow] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, sku, reason)
    product: dict | None = None
    variants: list[dict] = field(default_factory=list)
    content_hash: str = ""


class _Sync:
    def __init__(self, run: SyncRun, feed: SupplierFeed, supplier: Supplier):
        self.run_id, self.supplier_id, self.currency = run.id, supplier.id, supplier.currency
        self.fmt, self.mapping, self.full = feed.format, dict(feed.column_mapping or {}), feed.is_full_feed
        self.seen_codes: dict[str, int] = {}  # code -> first line
        self.seen_skus: dict[str, int] = {}  # sku -> line
        self.counts = dict(created=0, updated=0, unchanged=0, discontinued=0, rejected=0)
        self.rejects: list[dict] = []
        self.stored_rejects = 0
        self.created_since_analyze = 0
        self.rows_read = 0
        self.last_beat = utcnow()

    # Reading and checking --------------------------------------------------------------

    def groups(self, rows: Iterable[FeedRow]) -> Iterator[_Group]:
        current: _Group | None = None
        for row in rows:
            self.rows_read += 1
            code = (row.fields.get("product_code") or "").strip()
            if row.problem or not code:
                self.reject(row.line, row.sku, row.problem or "The product code is missing.")
                continue
            if current is not None and code == current.code:
                current.rows.append(row)
                continue
            if current is not None:
                yield current
            if code in self.seen_codes:
                current = None
                self.reject(row.line, row.sku, (
                    f"Product {code[:80]} already appeared from line {self.seen_codes[code]}; "
                    "a product's rows must be consecutive in the feed."))
                continue
            self.seen_codes[code] = row.line
            current = _Group(code, [row])
        if current is not None:
            yield current

    def prepare(self, group: _Group) -> None:
        """The cheap part, for every product: its content hash, and SKUs seen twice."""
        for row in group.rows:
            sku = row.sku
            if not sku:
                continue
            if sku in self.seen_skus:
                group.problems.append((row.line, sku, f"The SKU {sku} is also on line {self.seen_skus[sku]}."))
            else:
                self.seen_skus[sku] = row.line
        group.content_hash = content_hash(group.rows)

    def check(self, group: _Group) -> None:
        """Fill the group's product and variants, or its problems (then none is written)."""
        first = group.rows[0]
        fields = first.fields
        try:
            clean_code(group.code)
        except DomainError as error:
            group.problems.append((first.line, first.sku, error.message))
        spec, problems = read_product({"code": group.code, "title": fields.get("title"),
                                       "description": fields.get("description"),
                                       "category": fields.get("category"),
                                       "image_url": fields.get("image_url")})
        group.problems += [(first.line, first.sku, problem.message) for problem in problems]
        options_seen: dict[tuple, int] = {}
        for row in group.rows:
            variant, problems = read_variant(row.fields, self.currency)
            group.problems += [(row.line, row.sku, problem.message) for problem in problems]
            for column in PRODUCT_COLUMNS:
                if row is not first and _conflicts(column, row.fields.get(column) or "", fields.get(column) or ""):
                    group.problems.append((row.line, row.sku, (
                        f"The {column.replace('_', ' ')} differs from line {first.line} for product "
                        f"{group.code}. Leave it blank or repeat it exactly.")))
            if variant is None:
                continue
            key = _options_key(variant.options)
            if key in options_seen:
                group.problems.append((row.line, row.sku, (
                    f"Line {options_seen[key]} gives product {group.code} a variant with the same options.")))
            options_seen[key] = row.line
            group.variants.append({"sku": variant.sku, "options": dict(variant.options),
                                   "wholesale_price": variant.wholesale_price,
                                   "min_retail_price": variant.min_retail_price, "stock": variant.stock})
        if spec is not None:
            group.product = {"code": spec.code, "title": spec.title, "description": spec.description,
                             "category": spec.category, "image_url": spec.image_url}
        if group.problems or group.product is None:
            self.reject_group(group)

    def reject_group(self, group: _Group, extra: list[tuple[int, str, str]] = ()) -> None:
        problems = list(group.problems) + list(extra)
        lines_with_problem = {line for line, _, _ in problems}
        for line, sku, reason in problems:
            self.reject(line, sku, reason, count=False)
        first_line = problems[0][0] if problems else group.rows[0].line
        for row in group.rows:
            if row.line not in lines_with_problem:
                self.reject(row.line, row.sku, f"Not synced: product {group.code} has a problem on "
                                               f"line {first_line}.", count=False)
        self.counts["rejected"] += len(group.rows)
        group.product = None

    def reject(self, line: int, sku: str, reason: str, count: bool = True) -> None:
        if count:
            self.counts["rejected"] += 1
        if self.stored_rejects < MAX_REJECTED_STORED:
            self.stored_rejects += 1
            self.rejects.append({"run_id": self.run_id, "line": line, "sku": (sku or "")[:80],
                                 "reason": reason[:500]})

    # Writing -----------------------------------------------------------------------------

    def write(self, groups: list[_Group]) -> None:
        """Write one batch: skip unchanged products, insert new ones, update changed ones."""
        existing = {code: (product_id, digest, status) for code, product_id, digest, status in db.session.execute(
            select(SupplyProduct.code, SupplyProduct.id, SupplyProduct.content_hash, SupplyProduct.status)
            .where(SupplyProduct.supplier_id == self.supplier_id,
                   SupplyProduct.code.in_([group.code for group in groups]))
        )} if groups else {}
        changed = []
        for group in groups:
            known = existing.get(group.code)
            if not group.problems and known is not None and known[1] == group.content_hash and known[2] == "active":
                # The very rows that passed every check last time: nothing to check or write.
                self.counts["unchanged"] += 1
                continue
            self.check(group)
            if group.product is not None:
                changed.append(group)
        if not changed:
            return
        owners = self._sku_owners([variant["sku"] for group in changed for variant in group.variants])
        now = utcnow()
        new_products, updates, new_variants, variant_updates = [], [], [], []
        created_groups = []
        for group in changed:
            known = existing.get(group.code)
            product_id = known[0] if known else None
            clashes = [(row.line, row.sku, f"The SKU {row.sku} belongs to product {owners[row.sku][2]}, "
                                           f"not {group.code}; a SKU cannot move to another product.")
                       for row in group.rows
                       if row.sku in owners and owners[row.sku][1] != product_id]
            if clashes:
                self.reject_group(group, clashes)
                continue
            values = dict(group.product, status="active", content_hash=group.content_hash, updated_at=now)
            if product_id is None:
                new_products.append(dict(values, supplier_id=self.supplier_id, currency=self.currency,
                                         created_at=now))
                created_groups.append(group)
                self.counts["created"] += 1
                continue
            updates.append(dict(values, b_id=product_id))
            self.counts["updated"] += 1
            for variant in group.variants:
                owner = owners.get(variant["sku"])
                if owner is None:
                    new_variants.append(dict(variant, product_id=product_id, supplier_id=self.supplier_id))
                else:
                    variant_updates.append(dict(variant, b_id=owner[0]))
        products, variants = SupplyProduct.__table__, SupplyVariant.__table__
        if new_products:
            db.session.execute(products.insert(), new_products)
            ids = dict(db.session.execute(select(SupplyProduct.code, SupplyProduct.id).where(
                SupplyProduct.supplier_id == self.supplier_id,
                SupplyProduct.code.in_([group.code for group in created_groups]))).all())
            for group in created_groups:
                new_variants += [dict(variant, product_id=ids[group.code], supplier_id=self.supplier_id)
                                 for variant in group.variants]
        if updates:
            db.session.execute(products.update().where(products.c.id == bindparam("b_id")).values(
                {name: bindparam(name) for name in (*PRODUCT_COLUMNS, "status", "content_hash", "updated_at")}),
                updates)
        if new_variants:
            db.session.execute(variants.insert(), new_variants)
        self.created_since_analyze += len(new_products)
        if self.created_since_analyze >= ANALYZE_EVERY:
            self.analyze()
        if variant_updates:
            db.session.execute(variants.update().where(variants.c.id == bindparam("b_id")).values(
                {name: bindparam(name) for name in ("options", "wholesale_price", "min_retail_price", "stock")}),
                variant_updates)

    def analyze(self) -> None:
        """Refresh PostgreSQL's statistics after a bulk insert: with the stale ones (an empty
        table) it scans every product of the supplier for each batch instead of using the
        (supplier_id, code) index. A role that does not own the tables just gets a warning."""
        self.created_since_analyze = 0
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("ANALYZE supply_products, supply_variants"))

    def _sku_owners(self, skus: list[str]) -> dict[str, tuple[int, int, str]]:
        """sku -> (variant id, product id, product code) for the SKUs the supplier already has."""
        owners = {}
        for start in range(0, len(skus), 1000):
            owners.update((sku, (variant_id, product_id, code)) for sku, variant_id, product_id, code in db.session.execute(
                select(SupplyVariant.sku, SupplyVariant.id, SupplyVariant.product_id, SupplyProduct.code)
                .join(SupplyProduct, SupplyProduct.id == SupplyVariant.product_id)
                .where(SupplyVariant.supplier_id == self.supplier_id,
                       SupplyVariant.sku.in_(skus[start:start + 1000]))))
        return owners

    def discontinue_missing(self) -> None:
        """Mark discontinued the supplier's active products the full feed did not list."""
        missing = [product_id for code, product_id in db.session.execute(
            select(SupplyProduct.code, SupplyProduct.id).where(
                SupplyProduct.supplier_id == self.supplier_id, SupplyProduct.status == "active"))
            if code not in self.seen_codes]
        now = utcnow()
        for start in range(0, len(missing), 1000):
            db.session.execute(update(SupplyProduct).where(SupplyProduct.id.in_(missing[start:start + 1000]))
                               .values(status="discontinued", content_hash="", updated_at=now)
                               .execution_options(synchronize_session=False))
        self.counts["discontinued"] = len(missing)

    def commit_progress(self, bytes_read: int | None = None, **extra) -> None:
        """Flush the batch's rejects and counts with the heartbeat, in the batch's commit."""
        if self.rejects:
            db.session.execute(SyncRejectedRow.__table__.insert(), self.rejects)
            self.rejects = []
        values = {f"{name}_count": value for name, value in self.counts.items()}
        values.update(rows_read=self.rows_read, heartbeat_at=utcnow(), **extra)
        if bytes_read is not None:
            values["bytes_read"] = bytes_read
        db.session.execute(update(SyncRun).where(SyncRun.id == self.run_id).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        self.last_beat = utcnow()


def _conflicts(column: str, value: str, first: str) -> bool:
    value, first = " ".join(value.split()), " ".join(first.split())
    if column == "category":
        value, first = value.lower(), first.lower()
    return bool(value) and value != first


def content_hash(rows: list[FeedRow]) -> str:
    """sha256 of a product's feed rows (our columns, trimmed): equal hash, same product.

    It is taken over the rows as the feed gives them (after trimming), so an unchanged
    product is recognised before any validation: a re-sync of the same feed only reads.
    """
    body = [[(row.fields.get(column) or "").strip() for column in HASHED_COLUMNS] for row in rows]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _batches(groups: Iterable[_Group], size: int) -> Iterator[list[_Group]]:
    batch: list[_Group] = []
    for group in groups:
        batch.append(group)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def check_feed_file(path, fmt: str, mapping: dict) -> int:
    """Read the whole feed once without writing: FeedError if it cannot be read; the row count."""
    rows = 0
    with open(path, "rb") as raw:
        for _ in read_rows(ByteCounter(raw), fmt, mapping):
            rows += 1
    if rows == 0:
        raise FeedError("The feed has no product rows.")
    return rows


def execute_run(run_id: int) -> str:
    """Run a claimed (running) sync to its end. A FeedError fails the run and changes
    nothing; any other error propagates (the job decides whether to retry)."""
    run = db.session.get(SyncRun, run_id)
    supplier = db.session.get(Supplier, run.supplier_id)
    feed = get_feed(supplier)
    if feed is None:
        finish_failed(run_id, "This supplier has no feed set up.")
        return "failed"
    sync = _Sync(run, feed, supplier)
    fetched = None
    try:
        def beat(size: int) -> None:
            if utcnow() - sync.last_beat >= HEARTBEAT_EVERY:
                sync.commit_progress()

        fetched = fetch_feed(feed, run_id, on_progress=beat)
        check_feed_file(fetched.path, sync.fmt, sync.mapping)
        sync.commit_progress(bytes_read=0, bytes_total=fetched.size)
        with open(fetched.path, "rb") as raw:
            counter = ByteCounter(raw)
            rows = read_rows(counter, sync.fmt, sync.mapping)
            for batch in _batches(_prepared(sync, rows), BATCH_PRODUCTS):
                sync.write(batch)
                sync.commit_progress(bytes_read=counter.count)
        if sync.created_since_analyze:
            sync.analyze()
        if sync.full:
            sync.discontinue_missing()
        status = "partly_failed" if sync.counts["rejected"] else "succeeded"
        sync.commit_progress(bytes_read=fetched.size, status=status, finished_at=utcnow())
        return status
    except FeedError as error:
        finish_failed(run_id, str(error))
        return "failed"
    finally:
        if fetched is not None:
            fetched.discard()


def _prepared(sync: _Sync, rows: Iterable[FeedRow]) -> Iterator[_Group]:
    for group in sync.groups(rows):
        sync.prepare(group)
        yield group
