"""Syncing a supplier's catalog from its feed: the sync engine (the run records, their
heartbeat and sweep are in app.catalog.sync_runs, re-exported here).

A run is queued (`start_sync`), claimed by one worker (`execute_run`), and finishes as
succeeded, partly_failed (some rows rejected) or failed (the feed could not be fetched or
read at all: then nothing is changed). The feed is fetched to a file and read once from
end to end (so a broken feed fails before any write): rows are grouped by product code (a
product's variant rows are consecutive) and hashed, and what is left to write is spooled
(app.catalog.sync_spool). The spool is then replayed: products are checked with the rules
of app.catalog.services and written in batches of BATCH_PRODUCTS products (on PostgreSQL
set-based, with COPY: app.catalog.sync_pg), each batch one commit that also moves the
progress bar and the heartbeat. A product whose
content hash (sha256 of its trimmed feed rows) is unchanged is skipped, before any
validation and without a write, so a second sync of the same feed writes nothing. Products of a full
feed that the feed no longer lists are marked discontinued, never deleted.

Each batch commit records how far the committed batches reach (`products_done`,
`rows_done`) beside the feed's digest. A run whose worker died is resumed by the next run
of the same feed (`resume_source`): that run reads and checks the whole feed again (a
full feed's missing products need every code), but does not write the products already
committed, and carries over their counts and rejected rows.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from operator import itemgetter

from sqlalchemy import bindparam, delete, func, insert, literal, select, text, update

from app import change_notes
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _

from . import sync_pg
from .feeds import ByteCounter, FeedError, FeedRow, fetch_feed, get_feed, read_rows
from .feeds_models import SupplierFeed, SyncRejectedRow, SyncRun
from .models import Supplier, SupplyProduct, SupplyVariant
from .services import _options_key, clean_code, read_product, read_variant
from .sync_runs import (  # noqa: F401 (the run records' API, used through this module)
    ABANDONED_AFTER,
    ACTIVE,
    FINISHED,
    NEVER_STARTED_AFTER,
    Heartbeat,
    abandoned_after,
    active_run,
    claim_run,
    due_suppliers,
    finish_failed,
    get_run,
    heartbeat_seconds,
    job_id_for,
    progress,
    rejected_rows,
    requeue,
    start_sync,
    supplier_runs,
    sweep_abandoned_runs,
)
from .sync_spool import Spool

BATCH_PRODUCTS = 2000
HEARTBEAT_EVERY = timedelta(seconds=5)  # progress commits while downloading
PRODUCT_COLUMNS = ("title", "description", "category", "image_url")
HASHED_COLUMNS = ("title", "description", "category", "image_url", "sku", "options", "wholesale_price",
                  "min_retail_price", "stock")
ANALYZE_EVERY = 10_000  # products created between two ANALYZEs (PostgreSQL)
# A batch that wrote nothing (every product unchanged) commits its progress only this often:
# a re-sync of an unchanged feed would otherwise spend its time committing.
IDLE_COMMIT_EVERY = timedelta(seconds=2)
MAX_REJECTED_STORED = 50_000  # rows stored per run; the count goes on
SET_BASED = True  # PostgreSQL writes with COPY (False: row by row, as on SQLite; for comparing)


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
    unchanged: bool = False  # the catalog has these very rows, active: nothing to check or write


class _Sync:
    def __init__(self, run: SyncRun, feed: SupplierFeed, supplier: Supplier):
        self.run_id, self.supplier_id, self.currency = run.id, supplier.id, supplier.currency
        self.fmt, self.mapping, self.full = feed.format, dict(feed.column_mapping or {}), feed.is_full_feed
        self.seen_codes: dict[str, int] = {}  # code -> first line
        self.seen_skus: dict[str, int] = {}  # sku -> line
        # The supplier had no product when the run began (its first sync): no code or SKU of the
        # feed can be taken already (the feed's own repeats are rejected as it is read), so the
        # batches skip looking them up. A product added meanwhile by hand fails the batch on
        # the unique keys, and the retry (which does not start empty) looks them up.
        self.started_empty = False
        self.rehashed: dict[str, str] = {}  # code -> new digest of unchanged products stored with an old one
        self.counts = dict(created=0, updated=0, unchanged=0, discontinued=0, rejected=0)
        self.rejects: list[dict] = []
        self.stored_rejects = 0
        self.created_since_analyze = 0
        self.rows_read = 0
        # How far the committed batches reach: product groups, and the feed rows whose
        # outcome they (and the rejects committed with them) settle.
        self.products_done = self.rows_done = 0
        # What the run resumed from committed already: not written, nor counted, again.
        self.skip_products = self.skip_rows = 0
        self.last_beat = utcnow()
        self.bytes_done = 0  # feed bytes read up to the last product handed to the writer
        self.wrote = False  # the current batch wrote (or rejected) something
        # A FeedRow read-time reject goes here: spooled while reading, recorded when replayed.
        self.on_read_reject = self.reject
        # PostgreSQL writes batches with COPY (app.catalog.sync_pg); others row by row.
        self.set_based = db.session.get_bind().dialect.name == "postgresql" and SET_BASED

    # Reading and checking --------------------------------------------------------------

    def groups(self, rows: Iterable[FeedRow]) -> Iterator[_Group]:
        current: _Group | None = None
        code = ""  # current's
        seen_codes = self.seen_codes
        for row in rows:
            self.rows_read += 1
            fields_code = row.fields.get("product_code")
            if fields_code is not None and fields_code == code and not row.problem:
                current.rows.append(row)  # the usual row: the next variant of the same product
                continue
            row_code = (fields_code or "").strip()
            if row.problem or not row_code:
                self.on_read_reject(row.line, row.sku, row.problem or _('The product code is missing.'))
                continue
            if current is not None and row_code == current.code:
                current.rows.append(row)
                continue
            if current is not None:
                self.rows_done = self.rows_read - 1  # this row starts the next product
                yield current
            current, code = None, ""
            if row_code in seen_codes:
                self.on_read_reject(row.line, row.sku, (
                    _("Product %(code)s already appeared from line %(line)s; a product's rows must be consecutive in the feed.", code=row_code[:80], line=seen_codes[row_code])))
                continue
            seen_codes[row_code] = row.line
            current, code = _Group(row_code, [row]), fields_code
        self.rows_done = self.rows_read
        if current is not None:
            yield current

    def prepare(self, group: _Group) -> None:
        """The cheap part, for every product: its content hash, and SKUs seen twice."""
        seen_skus, currency = self.seen_skus, self.currency
        for row in group.rows:
            sku = row.sku
            # A reader's check (app.catalog.feed_formats); most rows have nothing to say.
            if (row.fault or row.currency) and (fault := row.fault_for(currency)):
                group.problems.append((row.line, sku, fault))
            if not sku:
                continue
            if sku in seen_skus:
                group.problems.append((row.line, sku, _("The SKU “%(sku)s” is also on line %(line)s.", sku=sku,
                                                        line=seen_skus[sku])))
            else:
                seen_skus[sku] = row.line
        group.content_hash = content_hash(group.rows)

    def read(self, path) -> Spool:
        """Read the whole feed once, before any write: FeedError if it cannot be read (then
        nothing is written). Groups and hashes every product, tells the unchanged ones by
        the catalog's hashes, and spools, in feed order, what the writing pass replays."""
        known = self.known_hashes()
        self.started_empty = db.session.scalar(select(SupplyProduct.id).where(
            SupplyProduct.supplier_id == self.supplier_id).limit(1)) is None
        db.session.commit()  # hold no transaction (SQLite: its lock) while reading
        spool = Spool()
        self.on_read_reject = lambda line, sku, reason: spool.add(("r", line, sku, reason, self.rows_read))
        try:
            with open(path, "rb") as raw:
                counter = ByteCounter(raw)
                for group in self.groups(read_rows(counter, self.fmt, self.mapping)):
                    self.prepare(group)
                    position = (self.rows_read, self.rows_done, counter.count)
                    if not group.problems and self.is_unchanged(group, known.get(group.code)):
                        spool.add(("g", group.code, *position, None))
                    else:
                        rows = [(row.line, row.fields, row.problem) for row in group.rows]
                        spool.add(("g", group.code, *position, (group.content_hash, group.problems, rows)))
            if self.rows_read == 0:
                raise FeedError(_('The feed has no product rows.'))
            spool.finish(self.rows_read)
        except BaseException:
            spool.close()
            raise
        finally:
            self.on_read_reject = self.reject
        return spool

    def is_unchanged(self, group: _Group, stored: str | None) -> bool:
        """Whether the catalog's digest of the product (`stored`) is the group's: the
        product is then skipped. A digest of the older kind is compared the older way, and
        rewritten (`rehashed`) so that the next run compares it the quick way."""
        if stored == group.content_hash:
            return True
        if stored and not stored.startswith("2:") and stored == legacy_content_hash(group.rows):
            self.rehashed[group.code] = group.content_hash
            return True
        return False

    def known_hashes(self) -> dict[str, str]:
        """code -> content_hash of the supplier's active products (one query for the run)."""
        if self.set_based:
            return sync_pg.known_hashes(self.supplier_id)
        return dict(db.session.execute(select(SupplyProduct.code, SupplyProduct.content_hash).where(
            SupplyProduct.supplier_id == self.supplier_id, SupplyProduct.status == "active")).all())

    def replay(self, spool: Spool) -> Iterator[_Group]:
        """The products of the spool in feed order, recording the rejected rows between them
        and the read position at each, exactly as reading the feed again would."""
        for event in spool.events():
            if event[0] == "r":
                _, line, sku, reason, self.rows_read = event
                self.reject(line, sku, reason)
                continue
            _, code, self.rows_read, self.rows_done, self.bytes_done, body = event
            if body is None:
                yield _Group(code, unchanged=True)
                continue
            digest, problems, rows = body
            yield _Group(code, [FeedRow(line, fields, problem) for line, fields, problem in rows],
                         [tuple(problem) for problem in problems], content_hash=digest)
        self.rows_read = self.rows_done = spool.total_rows

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
            if problems:
                group.problems += [(row.line, row.sku, problem.message) for problem in problems]
            for column in PRODUCT_COLUMNS if row is not first else ():
                if _conflicts(column, row.fields.get(column) or "", fields.get(column) or ""):
                    group.problems.append((row.line, row.sku, _(
                        "The %(column)s differs from line %(line)s for product %(code)s. Leave it blank or repeat "
                        "it exactly.", column=column, line=first.line, code=group.code)))
            if variant is None:
                continue
            key = _options_key(variant.options)
            if key in options_seen:
                group.problems.append((row.line, row.sku, _(
                    "Line %(line)s gives product %(code)s a variant with the same options.", line=options_seen[key],
                    code=group.code)))
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
                self.reject(row.line, row.sku, _("Not synced: product %(code)s has a problem on line %(line)s.",
                                                 code=group.code, line=first_line), count=False)
        self.counts["rejected"] += len(group.rows)
        group.product = None

    def reject(self, line: int, sku: str, reason: str, count: bool = True) -> None:
        if count and self.rows_read <= self.skip_rows:
            return  # a row read again on resuming: counted and stored by the run resumed from
        if count:
            self.counts["rejected"] += 1
        if self.stored_rejects < MAX_REJECTED_STORED:
            self.stored_rejects += 1
            self.rejects.append({"run_id": self.run_id, "line": line, "sku": (sku or "")[:80],
                                 "reason": reason[:500]})

    # Resuming ----------------------------------------------------------------------------

    def resume(self, run: SyncRun, digest: str) -> SyncRun | None:
        """Start where `resume_source` says (carrying over its counts and rejected rows),
        or from the beginning; the source, if any. Flushes (the first progress commit
        commits it)."""
        source = resume_source(run, digest)
        rejected = SyncRejectedRow.__table__
        if source is not run:  # a retry of this run with another feed starts over too
            db.session.execute(delete(rejected).where(rejected.c.run_id == self.run_id))
        if source is None:
            return None
        if source is not run:
            db.session.execute(insert(rejected).from_select(
                ["run_id", "line", "sku", "reason"],
                select(literal(self.run_id), rejected.c.line, rejected.c.sku, rejected.c.reason)
                .where(rejected.c.run_id == source.id).order_by(rejected.c.id)))
        self.counts.update(created=source.created_count, updated=source.updated_count,
                           unchanged=source.unchanged_count, rejected=source.rejected_count)
        self.stored_rejects = db.session.scalar(select(func.count()).select_from(rejected).where(
            rejected.c.run_id == self.run_id))
        self.products_done = self.skip_products = source.products_done
        self.rows_done = self.skip_rows = source.rows_done
        return source

    def to_write(self, groups: Iterable[_Group]) -> Iterator[_Group]:
        """The groups after those the resumed run committed (all of them are read and
        prepared: SKUs seen twice and a full feed's missing products need every one)."""
        skipped = 0
        for group in groups:
            if skipped < self.skip_products:
                skipped += 1
                continue
            yield group

    # Writing -----------------------------------------------------------------------------

    def write(self, groups: list[_Group]) -> None:
        """Write one batch: skip unchanged products, insert new ones, update changed ones."""
        to_check, rehashed = [], []
        for group in groups:
            if group.unchanged:
                # The very rows that passed every check last time: nothing to check or write.
                self.counts["unchanged"] += 1
                if group.code in self.rehashed:
                    rehashed.append({"b_code": group.code, "content_hash": self.rehashed.pop(group.code)})
            else:
                to_check.append(group)
        if rehashed:  # only the digest: the product is unchanged (no updated_at, no page to drop)
            self.wrote = True
            products = SupplyProduct.__table__
            db.session.execute(products.update().where(
                products.c.supplier_id == self.supplier_id, products.c.code == bindparam("b_code")
            ).values(content_hash=bindparam("content_hash"), updated_at=products.c.updated_at), rehashed)
        if not to_check:
            return
        self.wrote = True
        # Written past the ORM on PostgreSQL (COPY, UPDATE ... FROM): say so, so the shops'
        # stored pages are dropped when this batch commits.
        change_notes.note(db.session, change_notes.EVERY_SHOP)
        existing = self._existing([group.code for group in to_check])
        changed = []
        for group in to_check:
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
        if self.set_based:
            self._write_set_based(new_products, updates, new_variants, variant_updates, created_groups, now)
            return
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

    def _write_set_based(self, new_products, updates, new_variants, variant_updates, created_groups, now) -> None:
        """The same writes as above with COPY (PostgreSQL): a few statements per batch."""
        if new_products:
            ids = sync_pg.insert_products(new_products)
            for group in created_groups:
                new_variants += [dict(variant, product_id=ids[group.code], supplier_id=self.supplier_id)
                                 for variant in group.variants]
        if updates:
            sync_pg.update_products(updates, now)
        if new_variants:
            sync_pg.insert_variants(new_variants)
        if variant_updates:
            sync_pg.update_variants(variant_updates, now)
        # No ANALYZE mid-run: every lookup here is an equality on a unique index, whatever
        # the statistics say; the run's end refreshes them.
        self.created_since_analyze += len(new_products)

    def _existing(self, codes: list[str]) -> dict[str, tuple[int, str, str]]:
        """code -> (id, content_hash, status) of the supplier's products with these codes."""
        if self.started_empty:
            return {}
        if self.set_based:
            return sync_pg.existing_products(self.supplier_id, codes)
        return {code: (product_id, digest, status) for code, product_id, digest, status in db.session.execute(
            select(SupplyProduct.code, SupplyProduct.id, SupplyProduct.content_hash, SupplyProduct.status)
            .where(SupplyProduct.supplier_id == self.supplier_id, SupplyProduct.code.in_(codes)))}

    def analyze(self) -> None:
        """Refresh PostgreSQL's statistics after a bulk insert: with the stale ones (an empty
        table) it scans every product of the supplier for each batch instead of using the
        (supplier_id, code) index. A role that does not own the tables just gets a warning."""
        self.created_since_analyze = 0
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("ANALYZE supply_products, supply_variants"))

    def _sku_owners(self, skus: list[str]) -> dict[str, tuple[int, int, str]]:
        """sku -> (variant id, product id, product code) for the SKUs the supplier already has."""
        if self.started_empty:
            return {}
        if self.set_based:
            return sync_pg.sku_owners(self.supplier_id, skus)
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
        active = sync_pg.active_products(self.supplier_id) if self.set_based else db.session.execute(
            select(SupplyProduct.code, SupplyProduct.id).where(
                SupplyProduct.supplier_id == self.supplier_id, SupplyProduct.status == "active"))
        missing = [product_id for code, product_id in active if code not in self.seen_codes]
        now = utcnow()
        for start in range(0, len(missing), 1000):
            db.session.execute(update(SupplyProduct).where(SupplyProduct.id.in_(missing[start:start + 1000]))
                               .values(status="discontinued", content_hash="", updated_at=now)
                               .execution_options(synchronize_session=False))
        self.counts["discontinued"] = len(missing)

    def commit_progress(self, bytes_read: int | None = None, **extra) -> None:
        """Flush the batch's rejects and counts with the heartbeat, in the batch's commit.
        RunLost (and nothing of the batch written) if the run is no longer running."""
        if self.rejects:
            db.session.execute(SyncRejectedRow.__table__.insert(), self.rejects)
            self.rejects = []
        values = {f"{name}_count": value for name, value in self.counts.items()}
        values.update(rows_read=self.rows_read, heartbeat_at=utcnow(), **extra)
        if bytes_read is not None:
            values["bytes_read"] = bytes_read
        updated = db.session.execute(
            update(SyncRun).where(SyncRun.id == self.run_id, SyncRun.status == "running").values(**values)
            .execution_options(synchronize_session=False)).rowcount
        if updated != 1:
            # Swept as abandoned (it looked dead): a newer run of the supplier may be at work.
            db.session.rollback()
            raise RunLost(f"Sync run {self.run_id} is no longer running; its batch was not written.")
        db.session.commit()
        self.last_beat = utcnow()

    def beat(self) -> None:
        """Beat the heartbeat while downloading (the counts are untouched: a retry of this
        run resumes from the ones its last batch committed)."""
        if utcnow() - self.last_beat < HEARTBEAT_EVERY:
            return
        updated = db.session.execute(update(SyncRun).where(SyncRun.id == self.run_id, SyncRun.status == "running")
                                     .values(heartbeat_at=utcnow()).execution_options(synchronize_session=False)
                                     ).rowcount
        db.session.commit()
        if updated != 1:
            raise RunLost(f"Sync run {self.run_id} is no longer running.")
        self.last_beat = utcnow()

    def commit_batch(self, batch: list[_Group]) -> None:
        """Commit the batch with the progress it reaches. A batch that wrote nothing and
        rejected nothing waits for the next one (at most IDLE_COMMIT_EVERY): what the
        committed progress says stays true, it just lags."""
        self.products_done += len(batch)
        wrote, self.wrote = self.wrote, False
        if not wrote and not self.rejects and utcnow() - self.last_beat < IDLE_COMMIT_EVERY:
            return
        self.commit_progress(bytes_read=self.bytes_done, products_done=self.products_done,
                             rows_done=self.rows_done)


def _conflicts(column: str, value: str, first: str) -> bool:
    if not value or value.isspace():
        return False  # blank: the usual case for a product's second row
    value, first = " ".join(value.split()), " ".join(first.split())
    if column == "category":
        value, first = value.lower(), first.lower()
    return bool(value) and value != first


def content_hash(rows: list[FeedRow]) -> str:
    """A digest of a product's feed rows (our columns, trimmed): equal digest, same product.

    It is taken over the rows as the feed gives them (after trimming), so an unchanged
    product is recognised before any validation: a re-sync of the same feed only reads.
    The values are joined with the ASCII unit and record separators (half the cost of
    encoding them as JSON); a value that holds a separator itself falls back to JSON, so
    two different products never join to the same text. "2:" tells it from the older
    (JSON, 64 hex digits) digests still stored: see `legacy_content_hash`.
    """
    try:
        joined = _RECORD.join([_UNIT.join(map(str.strip, _hashed_values(row.fields))) for row in rows])
    except (KeyError, TypeError):  # a column the feed lacks (JSON): blank
        joined = None
    if joined is None or joined.count(_UNIT) + joined.count(_RECORD) != len(rows) * len(HASHED_COLUMNS) - 1:
        joined = _RECORD + _encode_json(_hashed_rows(rows))  # never equal to a joined text: it starts with _RECORD
    return "2:" + hashlib.sha256(joined.encode()).hexdigest()[:62]


def legacy_content_hash(rows: list[FeedRow]) -> str:
    """The digest stored before "2:" digests (sha256 of the rows as JSON): a product synced
    then is recognised as unchanged, and its digest rewritten, on its next unchanged sync."""
    return hashlib.sha256(_encode_json(_hashed_rows(rows)).encode()).hexdigest()


def _hashed_rows(rows: list[FeedRow]) -> list[list[str]]:
    return [[(row.fields.get(column) or "").strip() for column in HASHED_COLUMNS] for row in rows]


# content_hash is taken for every product of every run: its pieces are made once.
_hashed_values = itemgetter(*HASHED_COLUMNS)
_UNIT, _RECORD = "\x1f", "\x1e"
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _batches(groups: Iterable[_Group], size: int) -> Iterator[list[_Group]]:
    batch: list[_Group] = []
    for group in groups:
        batch.append(group)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def execute_run(run_id: int) -> str:
    """Run a claimed (running) sync to its end. A FeedError fails the run and changes
    nothing; any other error propagates (the job decides whether to retry)."""
    run = db.session.get(SyncRun, run_id)
    supplier = db.session.get(Supplier, run.supplier_id)
    feed = get_feed(supplier)
    if feed is None:
        finish_failed(run_id, _("This supplier has no feed set up."))
        return "failed"
    sync = _Sync(run, feed, supplier)
    fetched = spool = None
    # The run makes millions of short-lived objects; the collector need not rescan the app's
    # own (long-lived) ones each time it runs: they wait in the permanent generation.
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        with Heartbeat(run_id):
            fetched = fetch_feed(feed, run_id, on_progress=lambda size: sync.beat())
            db.session.commit()  # nothing written: hold no transaction (SQLite: its lock) while reading
            spool = sync.read(fetched.path)
            digest = feed_digest(fetched.path, sync.fmt, sync.mapping, sync.currency)
            source = sync.resume(run, digest)
            if source is None:  # (a retry that starts over forgets where an earlier try resumed)
                started = {"resumed_from_id": None, "resumed_products": 0}
            elif source.id != run_id:
                started = {"resumed_from_id": source.id, "resumed_products": source.products_done}
            else:
                started = {}
            sync.commit_progress(bytes_read=0, bytes_total=fetched.size, feed_digest=digest,
                                 products_done=sync.products_done, rows_done=sync.rows_done, **started)
            for batch in _batches(sync.to_write(sync.replay(spool)), BATCH_PRODUCTS):
                sync.write(batch)
                sync.commit_batch(batch)
            if sync.created_since_analyze:
                sync.analyze()
            if sync.full:
                sync.discontinue_missing()
            status = "partly_failed" if sync.counts["rejected"] else "succeeded"
            sync.commit_progress(bytes_read=fetched.size, status=status, finished_at=utcnow(),
                                 products_done=sync.products_done, rows_done=sync.rows_done)
            return status
    except FeedError as error:
        finish_failed(run_id, str(error))
        return "failed"
    except RunLost:
        return "abandoned"
    finally:
        if frozen:
            gc.unfreeze()
        if spool is not None:
            spool.close()
        if fetched is not None:
            fetched.discard()


class RunLost(Exception):
    """The run was swept (its heartbeat looked dead) while this worker still ran it."""


def resume_source(run: SyncRun, digest: str) -> SyncRun | None:
    """The run whose committed batches `run` need not write again, if any: `run` itself (a
    retry after an error), or the supplier's run just before it if that one failed (its
    worker died, or it ran out of retries) after committing batches of the same feed,
    read the same way (`digest`). Another feed, or another reading of it, starts over."""
    if run.products_done and run.feed_digest == digest:
        return run
    previous = db.session.scalar(select(SyncRun).where(
        SyncRun.supplier_id == run.supplier_id, SyncRun.id < run.id).order_by(SyncRun.id.desc()).limit(1))
    if previous is not None and previous.status == "failed" and previous.products_done \
            and previous.feed_digest == digest:
        return previous
    return None


def feed_digest(path, fmt: str, mapping: dict, currency: str) -> str:
    """sha256 of how the feed is read (format, column mapping, currency) and of its bytes."""
    digest = hashlib.sha256(json.dumps([fmt, mapping, currency], sort_keys=True).encode() + b"\n")
    with open(path, "rb") as raw:
        while chunk := raw.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
