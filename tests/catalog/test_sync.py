"""The sync engine: counts, rejected rows, idempotent re-sync, failures that change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.catalog import sync
from app.catalog.feeds_models import SyncRejectedRow, SyncRun
from app.catalog.jobs import sweep_abandoned_sync_runs, sync_supplier_catalog
from app.catalog.models import SupplyProduct, SupplyVariant
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from tests.admin.conftest import admin
from tests.catalog.feed_helpers import HEADER, feed_csv, feeds_dir, fresh_run, sync_now, upload_feed
from tests.factories import make_product, make_supplier

__all__ = ["admin", "feeds_dir"]

TEE = ("TEE,Organic Tee,Soft.,apparel,TEE-S,size=S,12.00,18.00,40,",
       "TEE,,,,TEE-M,size=M,12.00,18.00,55,")
MUG = ("MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,",)


def products(supplier) -> dict[str, SupplyProduct]:
    rows = db.session.scalars(select(SupplyProduct).where(SupplyProduct.supplier_id == supplier.id)
                              .execution_options(populate_existing=True))
    return {product.code: product for product in rows}


def variants(supplier) -> dict[str, SupplyVariant]:
    rows = db.session.scalars(select(SupplyVariant).where(SupplyVariant.supplier_id == supplier.id)
                              .execution_options(populate_existing=True))
    return {variant.sku: variant for variant in rows}


def rejects(run) -> list[tuple[int, str, str]]:
    return [(row.line, row.sku, row.reason) for row in db.session.scalars(
        select(SyncRejectedRow).where(SyncRejectedRow.run_id == run.id).order_by(SyncRejectedRow.line))]


def test_first_sync_creates_products_and_variants(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE, *MUG))
    run, result = sync_now(supplier)
    assert result == "succeeded" and run.status == "succeeded"
    assert (run.created_count, run.updated_count, run.unchanged_count, run.rejected_count) == (2, 0, 0, 0)
    assert run.rows_read == 3 and run.bytes_read == run.bytes_total > 0
    assert run.started_at and run.finished_at and run.heartbeat_at
    catalog = products(supplier)
    assert catalog["TEE"].title == "Organic Tee" and catalog["TEE"].content_hash
    assert catalog["TEE"].updated_at >= run.started_at
    skus = variants(supplier)
    assert skus["TEE-M"].options == {"size": "M"} and skus["TEE-M"].stock == 55
    assert skus["MUG-1"].wholesale_price == 800 and skus["MUG-1"].min_retail_price == 1200


def test_second_sync_of_the_same_feed_writes_nothing(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE, *MUG))
    sync_now(supplier)
    before = {code: (p.updated_at, p.content_hash) for code, p in products(supplier).items()}
    variant_rows = {sku: (v.id, v.stock) for sku, v in variants(supplier).items()}
    run, result = sync_now(supplier)
    assert result == "succeeded"
    assert (run.created_count, run.updated_count, run.unchanged_count, run.discontinued_count) == (0, 0, 2, 0)
    assert {code: (p.updated_at, p.content_hash) for code, p in products(supplier).items()} == before
    assert {sku: (v.id, v.stock) for sku, v in variants(supplier).items()} == variant_rows


def test_a_product_stored_with_the_older_digest_is_unchanged_and_its_digest_rewritten(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE, *MUG))
    sync_now(supplier)
    # As a sync before "2:" digests left them: sha256 of the rows as JSON.
    columns = HEADER.strip().split(",")
    tee_rows = [sync.FeedRow(line, dict(zip(columns, row.split(","), strict=True))) for line, row in enumerate(TEE, 2)]
    tee = products(supplier)["TEE"]
    assert tee.content_hash == sync.content_hash(tee_rows)
    tee.content_hash = sync.legacy_content_hash(tee_rows)
    db.session.commit()
    before = {code: (p.updated_at, p.title) for code, p in products(supplier).items()}
    run, result = sync_now(supplier)
    assert (run.created_count, run.updated_count, run.unchanged_count) == (0, 0, 2)
    catalog = products(supplier)
    assert {code: (p.updated_at, p.title) for code, p in catalog.items()} == before
    assert catalog["TEE"].content_hash == sync.content_hash(tee_rows)
    assert all(p.content_hash.startswith("2:") and len(p.content_hash) == 64 for p in catalog.values())
    # A changed product with an older digest is updated as any changed product is.
    tee = catalog["TEE"]
    tee.content_hash = "0" * 64
    db.session.commit()
    upload_feed(supplier, feed_csv(TEE[0].replace("Organic Tee", "Organic Tee II"), TEE[1], *MUG))
    run, _ = sync_now(supplier)
    assert (run.updated_count, run.unchanged_count) == (1, 1)
    assert products(supplier)["TEE"].title == "Organic Tee II"


def test_a_value_holding_a_separator_never_digests_like_two_values():
    def digest(*values):
        return sync.content_hash([sync.FeedRow(2, dict(zip(sync.HASHED_COLUMNS, values, strict=True)))])

    blank = [""] * 7
    assert digest("a\x1fb", "c", *blank) != digest("a", "b\x1fc", *blank)
    assert digest("a\x1fb", "", *blank) != digest("a", "b", *blank)
    assert digest("a", "b", *blank) == digest(" a ", "b", *blank)  # trimmed


def test_changed_products_are_updated_and_missing_ones_discontinued(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE, *MUG))
    first, _ = sync_now(supplier)
    tee_variant_ids = {sku: v.id for sku, v in variants(supplier).items()}
    upload_feed(supplier, feed_csv("TEE,Organic Tee,Soft.,apparel,TEE-S,size=S,13.00,19.00,0,",
                                   "TEE,,,,TEE-M,size=M,12.00,18.00,55,",
                                   "TEE,,,,TEE-L,size=L,12.00,18.00,5,"))
    run, result = sync_now(supplier)
    assert result == "succeeded"
    assert (run.created_count, run.updated_count, run.unchanged_count, run.discontinued_count) == (0, 1, 0, 1)
    catalog, skus = products(supplier), variants(supplier)
    assert catalog["MUG"].status == "discontinued"  # never deleted
    assert catalog["MUG"].updated_at >= run.started_at and catalog["TEE"].updated_at >= run.started_at
    assert skus["TEE-S"].id == tee_variant_ids["TEE-S"] and skus["TEE-S"].wholesale_price == 1300
    assert skus["TEE-S"].stock == 0 and skus["TEE-L"].stock == 5

    # The mug comes back: active again.
    upload_feed(supplier, feed_csv(*TEE, *MUG))
    run, _ = sync_now(supplier)
    assert products(supplier)["MUG"].status == "active"
    assert run.updated_count == 2 and run.discontinued_count == 0


def test_partial_feed_discontinues_nothing(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE, *MUG))
    sync_now(supplier)
    upload_feed(supplier, feed_csv(*MUG), full=False)
    run, _ = sync_now(supplier)
    assert run.discontinued_count == 0 and products(supplier)["TEE"].status == "active"


def test_bad_rows_are_rejected_with_line_sku_and_reason_and_good_rows_sync(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(
        *TEE,                                                # lines 2-3
        "BAD,Broken price,,home,BAD-1,,12,50,20.00,3,",       # line 4: extra value
        "CAT,Cat toy,,toys,CAT-1,,1.00,2.00,1,",             # line 5: unknown category
        "PEN,Pen,,home,PEN-1,,3.00,2.00,4,",                 # line 6: min retail below wholesale
        "PEN2,Pen two,,home,TEE-S,,3.00,4.00,4,",            # line 7: SKU already on line 2
        *MUG,                                                # line 8
        "TEE,,,,TEE-X,,1.00,2.00,1,",                        # line 9: not consecutive
    ))
    run, result = sync_now(supplier)
    assert result == "partly_failed" and run.status == "partly_failed"
    assert (run.created_count, run.rejected_count) == (2, 5)
    found = rejects(run)
    assert [(line, sku) for line, sku, _ in found] == [(4, "BAD-1"), (5, "CAT-1"), (6, "PEN-1"), (7, "TEE-S"), (9, "TEE-X")]
    reasons = dict(((line, reason) for line, _, reason in found))
    assert "more value" in reasons[4]
    assert "Unknown category" in reasons[5]
    assert "below the wholesale" in reasons[6]
    assert "also on line 2" in reasons[7]
    assert "consecutive" in reasons[9]
    assert set(products(supplier)) == {"TEE", "MUG"}


def test_a_bad_variant_rejects_its_whole_product_and_keeps_the_old_one(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE))
    sync_now(supplier)
    upload_feed(supplier, feed_csv("TEE,Organic Tee,Soft.,apparel,TEE-S,size=S,99.00,100.00,40,",
                                   "TEE,,,,TEE-M,size=M,abc,18.00,55,"))
    run, _ = sync_now(supplier)
    assert run.rejected_count == 2 and run.updated_count == 0 and run.discontinued_count == 0
    assert variants(supplier)["TEE-S"].wholesale_price == 1200
    assert products(supplier)["TEE"].status == "active"
    lines = [line for line, _, _ in rejects(run)]
    assert lines == [2, 3]


def test_a_sku_cannot_move_to_another_product(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE))
    sync_now(supplier)
    upload_feed(supplier, feed_csv("HAT,Hat,,apparel,TEE-S,,1.00,2.00,1,"), full=False)
    run, _ = sync_now(supplier)
    assert run.rejected_count == 1 and run.created_count == 0
    assert "belongs to product TEE" in rejects(run)[0][2]


@pytest.mark.parametrize("content, reason", [
    ("", "empty"),
    ("<html><body>Not found</body></html>", "HTML"),
    ("code,name\nA,B\n", "lacks the columns product_code"),
    ("product_code,title,category,sku,wholesale_price,min_retail_price,stock\n", "no product rows"),
    (b"product_code,title,category,sku,wholesale_price,min_retail_price,stock\nA,\xff\xfe,home,A,1,2,3\n", "UTF-8"),
])
def test_an_unreadable_feed_fails_and_changes_nothing(feeds_dir, content, reason):
    supplier = make_supplier()
    existing = make_product(supplier)
    upload_feed(supplier, content)
    run, result = sync_now(supplier)
    assert result == "failed" and run.status == "failed" and reason in run.error
    assert run.finished_at is not None
    assert products(supplier)[existing.code].status == "active"  # not discontinued
    assert run.created_count == run.discontinued_count == 0


def test_a_feed_broken_halfway_changes_nothing(feeds_dir):
    supplier = make_supplier()
    good = [f"P{i},Product {i},,home,P{i}-1,,1.00,2.00,1," for i in range(1200)]
    upload_feed(supplier, feed_csv(*good) + 'X,"unterminated\0,home\n')
    run, result = sync_now(supplier)
    assert result == "failed", run.error
    assert products(supplier) == {}


def test_missing_upload_fails_with_reason(feeds_dir):
    supplier = make_supplier()
    feed = upload_feed(supplier, feed_csv(*MUG))
    (feeds_dir / feed.upload_path).unlink()
    run, _ = sync_now(supplier)
    assert run.status == "failed" and "missing" in run.error


def test_many_products_sync_in_batches(feeds_dir, monkeypatch):
    monkeypatch.setattr(sync, "BATCH_PRODUCTS", 7)
    supplier = make_supplier()
    rows = [f"P{i},Product {i},,home,P{i}-{v},size={v},1.00,2.00,1," for i in range(50) for v in "SML"]
    upload_feed(supplier, feed_csv(*rows))
    run, _ = sync_now(supplier)
    assert run.created_count == 50 and len(variants(supplier)) == 150
    run, _ = sync_now(supplier)
    assert run.unchanged_count == 50 and run.updated_count == 0


def test_a_run_is_safe_to_run_twice(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*MUG))
    run, _ = sync_now(supplier)
    assert sync_supplier_catalog(run.id) == "already succeeded"
    assert db.session.scalar(select(func.count(SupplyProduct.id)).where(
        SupplyProduct.supplier_id == supplier.id)) == 1
    assert sync_supplier_catalog(987654) == "missing"


def test_one_supplier_never_has_two_runs_at_once(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*MUG))
    run, created = sync.start_sync(supplier)
    again, created_again = sync.start_sync(supplier)
    assert created and not created_again and again.id == run.id
    assert run.job_id == f"sync-run-{run.id}"
    # A running one (claimed by a worker) refuses a second claim.
    db.session.commit()
    assert sync.claim_run(run.id)
    assert sync_supplier_catalog(run.id) == "already running"
    # A stray second run of the same supplier is refused while the first runs.
    stray = SyncRun(supplier_id=supplier.id, status="queued")
    db.session.add(stray)
    db.session.commit()
    assert sync_supplier_catalog(stray.id) == "refused"
    assert "still running" in fresh_run(stray.id).error


def test_each_run_has_its_own_job_id(feeds_dir):
    """A later run of the same supplier never reuses an earlier run's RQ job id (a retry of
    the earlier job may still be scheduled)."""
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*MUG))
    first, _ = sync_now(supplier)
    second, created = sync.start_sync(supplier)
    assert created and first.job_id == sync.job_id_for(first.id) == f"sync-run-{first.id}"
    assert second.job_id == f"sync-run-{second.id}" != first.job_id


def test_start_sync_needs_a_feed():
    with pytest.raises(DomainError):
        sync.start_sync(make_supplier())


def test_sweeper_fails_runs_without_heartbeat(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*MUG))
    now = utcnow()
    stale = SyncRun(supplier_id=supplier.id, status="running", started_at=now - timedelta(hours=1),
                    heartbeat_at=now - timedelta(minutes=11))
    other = make_supplier()
    fresh = SyncRun(supplier_id=other.id, status="running", started_at=now, heartbeat_at=now)
    db.session.add_all([stale, fresh])
    db.session.flush()
    stale_id, fresh_id = stale.id, fresh.id
    assert sweep_abandoned_sync_runs() == 1
    assert sweep_abandoned_sync_runs() == 0
    stale, fresh = fresh_run(stale_id), fresh_run(fresh_id)
    assert stale.status == "failed" and stale.error.startswith("abandoned: no heartbeat since")
    assert stale.finished_at is not None and fresh.status == "running"
    # With the stale run swept, Sync now can start a new one.
    run, created = sync.start_sync(supplier)
    assert created


def test_due_suppliers_follow_the_schedule(feeds_dir):
    hourly, manual, inactive = make_supplier(), make_supplier(), make_supplier(status="pending")
    upload_feed(hourly, feed_csv(*MUG), schedule_minutes=60)
    upload_feed(manual, feed_csv(*MUG))
    upload_feed(inactive, feed_csv(*MUG), schedule_minutes=60)
    assert sync.due_suppliers() == [hourly.id]
    db.session.add(SyncRun(supplier_id=hourly.id, status="succeeded", queued_at=utcnow() - timedelta(minutes=30)))
    db.session.flush()
    assert sync.due_suppliers() == []
    assert sync.due_suppliers(now=utcnow() + timedelta(minutes=31)) == [hourly.id]


def test_progress_json_shape(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*MUG))
    run, _ = sync_now(supplier)
    data = sync.progress(run)
    assert data["percent"] == 100 and data["finished"] and data["created"] == 1


def test_a_run_silent_for_100_seconds_is_swept_and_sync_now_starts_another(feeds_dir):
    """A dead worker blocks "Sync now" for at most SYNC_ABANDONED_SECONDS (90 s) after its
    last beat, not ten minutes; a run that beat a minute ago is left alone."""
    supplier, other = make_supplier(), make_supplier()
    upload_feed(supplier, feed_csv(*MUG))
    now = utcnow()
    dead = SyncRun(supplier_id=supplier.id, status="running", started_at=now - timedelta(minutes=5),
                   heartbeat_at=now - timedelta(seconds=100))
    alive = SyncRun(supplier_id=other.id, status="running", started_at=now - timedelta(minutes=5),
                    heartbeat_at=now - timedelta(seconds=60))
    db.session.add_all([dead, alive])
    db.session.flush()
    run, created = sync.start_sync(supplier)  # "Sync now" sweeps the supplier's runs first
    assert created and run.id != dead.id
    assert fresh_run(dead.id).status == "failed" and fresh_run(dead.id).error.startswith("abandoned")
    assert sweep_abandoned_sync_runs() == 0 and fresh_run(alive.id).status == "running"
    # Free within two minutes of the death, and a live run can miss a few beats (a beat
    # waiting on a lock) before it looks dead.
    assert sync.abandoned_after() < timedelta(minutes=2)
    assert sync.abandoned_after() >= 4 * timedelta(seconds=sync.heartbeat_seconds())


@pytest.mark.committed
def test_the_heartbeat_thread_keeps_a_slow_batch_alive(app, feeds_dir, monkeypatch):
    """A batch that takes longer than the abandoned threshold is not taken for a dead worker:
    the run's heartbeat thread beats on its own connection while the batch works."""
    import time

    monkeypatch.setitem(app.config, "SYNC_HEARTBEAT_SECONDS", 0.1)
    monkeypatch.setitem(app.config, "SYNC_ABANDONED_SECONDS", 1.0)
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*TEE, *MUG))
    supplier_id = supplier.id
    run, _ = sync.start_sync(supplier)
    run_id = run.id
    db.session.commit()
    write, seen = sync._Sync.write, {}

    def slow_write(self, groups):
        # No statement of the batch yet (no transaction held): watch the run from outside.
        started = utcnow()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.2)
            beat = db.session.scalar(select(SyncRun.heartbeat_at).where(SyncRun.id == run_id))
            db.session.rollback()
            if beat > started and utcnow() - started > sync.abandoned_after():
                break
        seen["beat"], seen["swept"] = beat, sweep_abandoned_runs_now(supplier_id)
        seen["late"] = utcnow() - started
        return write(self, groups)

    monkeypatch.setattr(sync._Sync, "write", slow_write)
    assert sync_supplier_catalog(run_id) == "succeeded"
    assert seen["late"] > sync.abandoned_after()  # the batch outlasted the threshold ...
    assert seen["swept"] == 0  # ... and the run was alive all along
    assert fresh_run(run_id).status == "succeeded"
    import threading
    assert not [thread for thread in threading.enumerate() if thread.name.endswith("-heartbeat")]


def sweep_abandoned_runs_now(supplier_id: int) -> int:
    swept = sync.sweep_abandoned_runs(supplier_id)
    db.session.commit()
    return swept


# Resuming a run whose worker died ----------------------------------------------------------


REAL_WRITE = sync._Sync.write


class WorkerDied(BaseException):
    """Stands for SIGKILL: no `except Exception` (no clean-up of the job) sees it."""


def feed_rows(price: str = "2.00") -> list[str]:
    """50 products of 2 variants, with rejects early and late (read-time and checked)."""
    rows = []
    for n in range(50):
        rows += [f"P{n:02d},Product {n},,home,P{n:02d}-S,size=S,1.00,{price},1,",
                 f"P{n:02d},,,,P{n:02d}-M,size=M,1.00,{price},2,"]
        if n in (3, 40):
            rows.append(f",No code {n},,home,NC-{n},,1.00,2.00,1,")  # read-time reject
        if n in (5, 44):
            rows.append(f"BAD{n},Bad {n},,nowhere,BAD-{n},,1.00,2.00,1,")  # unknown category
    return rows


def kill_after(monkeypatch, batches: int) -> None:
    """The worker dies as the run starts batch number batches + 1."""
    write, calls = sync._Sync.write, []

    def dying_write(self, groups):
        calls.append(len(groups))
        if len(calls) > batches:
            raise WorkerDied
        return write(self, groups)

    monkeypatch.setattr(sync._Sync, "write", dying_write)


def outcome(supplier, run) -> dict:
    catalog = {code: (p.status, p.title, p.content_hash) for code, p in products(supplier).items()}
    skus = {sku: (v.product.code, v.stock, v.min_retail_price) for sku, v in variants(supplier).items()}
    counts = (run.status, run.created_count, run.updated_count, run.unchanged_count, run.discontinued_count,
              run.rejected_count, run.rows_read)
    return {"catalog": catalog, "skus": skus, "counts": counts, "rejects": rejects(run)}


def interrupted_sync(supplier, monkeypatch, batches: int = 3) -> SyncRun:
    """A sync of `supplier` whose worker dies after `batches` committed batches, swept."""
    monkeypatch.setattr(sync, "BATCH_PRODUCTS", 7)
    kill_after(monkeypatch, batches)
    run, created = sync.start_sync(supplier)
    run_id = run.id
    db.session.commit()
    with pytest.raises(WorkerDied):
        sync_supplier_catalog(run_id)
    db.session.rollback()
    monkeypatch.setattr(sync._Sync, "write", REAL_WRITE)  # the next worker is alive
    killed = fresh_run(run_id)
    assert killed.status == "running" and killed.products_done == 7 * batches and killed.feed_digest
    assert sync.sweep_abandoned_runs(supplier.id, now=utcnow() + timedelta(seconds=100)) == 1
    db.session.commit()
    return fresh_run(run_id)


def test_a_run_after_a_dead_worker_resumes_the_same_feed(feeds_dir, monkeypatch):
    """The next run of the same feed writes only what the dead run had not committed, and
    ends exactly as one uninterrupted sync would: catalog, counts and rejected rows."""
    monkeypatch.setattr(sync, "BATCH_PRODUCTS", 7)
    reference_supplier, supplier = make_supplier(), make_supplier()
    for each in (reference_supplier, supplier):
        gone = make_product(each)  # not in the feed: a full feed discontinues it
        gone.code, gone.title, gone.variants[0].sku = "GONE", "Gone", "GONE-1"
        db.session.flush()
        upload_feed(each, feed_csv(*feed_rows()))
    reference, _ = sync_now(reference_supplier)
    expected = outcome(reference_supplier, reference)
    assert expected["counts"][0] == "partly_failed" and expected["counts"][4] == 1

    killed = interrupted_sync(supplier, monkeypatch)
    first_written = products(supplier)["P00"].updated_at
    assert killed.created_count == 20 and killed.rejected_count == 2  # 21 products: BAD5 and a row without code
    written = []
    write = sync._Sync.write
    monkeypatch.setattr(sync._Sync, "write", lambda self, groups: written.extend(g.code for g in groups)
                        or write(self, groups))
    rerun, result = sync_now(supplier)
    assert result == "partly_failed", rerun.error
    assert (rerun.resumed_from_id, rerun.resumed_products, rerun.products_done) == (killed.id, 21, 52)
    assert written[0] == "P20" and "P19" not in written  # the committed batches are not written again
    assert products(supplier)["P00"].updated_at == first_written
    got = outcome(supplier, rerun)
    assert got["catalog"] == expected["catalog"]
    assert got["skus"] == expected["skus"] and got["counts"] == expected["counts"]
    assert got["rejects"] == expected["rejects"]


def test_a_changed_feed_starts_over(feeds_dir, monkeypatch):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*feed_rows()))
    killed = interrupted_sync(supplier, monkeypatch)
    upload_feed(supplier, feed_csv(*feed_rows(price="3.00")))  # every product changes
    rerun, result = sync_now(supplier)
    assert result == "partly_failed" and rerun.resumed_from_id is None and rerun.resumed_products == 0
    assert rerun.feed_digest != killed.feed_digest
    assert (rerun.created_count, rerun.updated_count, rerun.unchanged_count) == (30, 20, 0)
    assert {v.min_retail_price for v in variants(supplier).values()} == {300}


def test_the_same_feed_read_another_way_starts_over(feeds_dir, monkeypatch):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*feed_rows()))
    interrupted_sync(supplier, monkeypatch)
    upload_feed(supplier, feed_csv(*feed_rows()), mapping={"image_url": "image_url"})
    rerun, _ = sync_now(supplier)
    assert rerun.resumed_from_id is None and rerun.unchanged_count == 20


def test_a_retried_run_resumes_from_its_own_batches(feeds_dir, monkeypatch):
    """The job's retry of the same run (after an error) does not write its committed
    batches again, nor store their rejected rows twice."""
    monkeypatch.setattr(sync, "BATCH_PRODUCTS", 7)
    reference_supplier, supplier = make_supplier(), make_supplier()
    for each in (reference_supplier, supplier):
        upload_feed(each, feed_csv(*feed_rows()))
    reference, _ = sync_now(reference_supplier)
    expected = outcome(reference_supplier, reference)
    kill_after(monkeypatch, 2)
    run, _ = sync.start_sync(supplier)
    run_id = run.id
    db.session.commit()
    with pytest.raises(WorkerDied):
        sync_supplier_catalog(run_id)
    db.session.rollback()
    monkeypatch.setattr(sync._Sync, "write", REAL_WRITE)  # the next worker is alive
    sync.requeue(run_id, "RuntimeError: the database went away")
    assert sync_supplier_catalog(run_id) == "partly_failed"
    again = fresh_run(run_id)
    assert again.resumed_from_id is None and again.products_done == 52
    got = outcome(supplier, again)
    assert got["counts"] == expected["counts"] and got["rejects"] == expected["rejects"]


def test_the_run_page_says_where_it_resumed(feeds_dir, monkeypatch, admin):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*feed_rows()))
    killed = interrupted_sync(supplier, monkeypatch)
    rerun, _ = sync_now(supplier)
    page = admin.get(f"/admin/sync-runs/{rerun.id}").get_data(as_text=True)
    assert f"run #{killed.id}</a> at product 22" in page and "first 21 products" in page
    assert sync.progress(rerun)["resumed_from"] == killed.id


def test_a_retried_run_of_a_changed_feed_starts_over_without_its_old_rejects(feeds_dir, monkeypatch):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*feed_rows()))
    kill_after(monkeypatch, 2)
    monkeypatch.setattr(sync, "BATCH_PRODUCTS", 7)
    run, _ = sync.start_sync(supplier)
    run_id = run.id
    db.session.commit()
    with pytest.raises(WorkerDied):
        sync_supplier_catalog(run_id)
    db.session.rollback()
    monkeypatch.setattr(sync._Sync, "write", REAL_WRITE)
    assert len(rejects(fresh_run(run_id))) == 2
    upload_feed(supplier, feed_csv(*TEE))
    sync.requeue(run_id, "RuntimeError: the database went away")
    db.session.commit()
    assert sync_supplier_catalog(run_id) == "succeeded"
    again = fresh_run(run_id)
    assert rejects(again) == [] and again.rejected_count == 0 and again.resumed_from_id is None
    assert (again.created_count, again.products_done, again.discontinued_count) == (1, 1, 13)
