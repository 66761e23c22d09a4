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
from tests.catalog.feed_helpers import feed_csv, feeds_dir, fresh_run, sync_now, upload_feed
from tests.factories import make_product, make_supplier

__all__ = ["feeds_dir"]

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
    ("code,name\nA,B\n", "lacks the column(s) product_code"),
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
    assert run.job_id == f"sync-supplier-{supplier.id}"
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
