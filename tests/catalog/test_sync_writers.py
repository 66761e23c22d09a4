"""The two writers of the sync give the same catalog, counts and rejected rows: PostgreSQL's
set-based one (COPY, app.catalog.sync_pg) and the row-by-row one (SQLite's, and PostgreSQL's
with SET_BASED off). On SQLite only the row-by-row writer runs: the same assertions then
hold for it, so CI (which runs the suite on both databases) compares both to one expectation."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.catalog import sync
from app.extensions import db
from tests.catalog.feed_helpers import feed_csv, feeds_dir, sync_now, upload_feed
from tests.catalog.test_sync import outcome
from tests.factories import make_product, make_supplier

__all__ = ["feeds_dir"]

FIRST = (
    "TEE,Organic Tee,Soft.,apparel,TEE-S,size=S,12.00,18.00,40,",
    "TEE,,,,TEE-M,size=M,12.00,18.00,55,",
    "MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,https://img.example/mug.jpg",
    "CAP,Cap,,apparel,CAP-1,colour=Red,5.00,9.00,3,",
    "CAP,,,,CAP-2,colour=Blue,5.00,9.00,4,",
    "BAD,Broken price,,home,BAD-1,,12,50,20.00,3,",      # an extra value: read-time reject
    "CAT,Cat toy,,toys,CAT-1,,1.00,2.00,1,",            # unknown category
)
SECOND = (
    "TEE,Organic Tee,Softer.,apparel,TEE-S,size=S,13.00,19.00,0,",  # changed, one variant more
    "TEE,,,,TEE-M,size=M,12.00,18.00,55,",
    "TEE,,,,TEE-L,size=L,12.00,18.00,5,",
    "CAP,Cap,,apparel,CAP-1,colour=Red,5.00,9.00,3,",  # unchanged
    "CAP,,,,CAP-2,colour=Blue,5.00,9.00,4,",
    "HAT,Hat,,apparel,MUG-1,,1.00,2.00,1,",            # a SKU of another product (MUG)
    "PEN,Pen,,home,PEN-1,,3.00,2.00,4,",               # min retail below wholesale
    "BAG,Bag,,home,BAG-1,size=M,3.00,4.00,4,",
    "BAG,,,,BAG-2,size=M,3.00,4.00,4,",                # same options twice: the whole bag is rejected
    ",No code,,home,NC-1,,1.00,2.00,1,",
    "NEW,New one,,snacks,NEW-1,,0.50,1.00,100,",       # created
    "CAP,,,,CAP-3,colour=Green,5.00,9.00,4,",          # not consecutive
)


def sync_twice(supplier) -> list[dict]:
    """A first sync, then one with changes, bad rows and (MUG, GONE) products to discontinue."""
    gone = make_product(supplier)
    gone.code, gone.title, gone.variants[0].sku = "GONE", "Gone", "GONE-1"
    db.session.flush()
    results = []
    for rows in (FIRST, SECOND):
        upload_feed(supplier, feed_csv(*rows))
        run, _ = sync_now(supplier)
        found = outcome(supplier, run)
        found["discontinued"] = run.discontinued_count
        results.append(found)
    return results


def test_both_writers_give_the_same_catalog_counts_and_rejects(feeds_dir, monkeypatch):
    set_based = db.session.get_bind().dialect.name == "postgresql"
    first, second = sync_twice(make_supplier())
    assert first["counts"] == ("partly_failed", 3, 0, 0, 1, 2, 7)
    assert second["counts"] == ("partly_failed", 1, 1, 1, 1, 6, 12)
    assert second["catalog"]["MUG"][0] == "discontinued" and second["catalog"]["TEE"][0] == "active"
    assert second["skus"]["TEE-S"] == ("TEE", 0, 1900) and second["skus"]["TEE-L"] == ("TEE", 5, 1800)
    assert "BAG" not in second["catalog"] and "HAT" not in second["catalog"] and "NEW" in second["catalog"]
    assert [line for line, _, _ in second["rejects"]] == [7, 8, 9, 10, 11, 13]
    if not set_based:
        pytest.skip("SQLite has one writer; the assertions above hold for it")
    monkeypatch.setattr(sync, "SET_BASED", False)
    row_by_row = sync_twice(make_supplier())
    for by_copy, by_row in zip((first, second), row_by_row, strict=True):
        assert by_copy == by_row


def test_supply_pages_keep_room_for_in_place_updates():
    """A sync's price and stock changes stay on their page (HOT): no new index entries."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    options = dict(db.session.execute(text(
        "SELECT relname, reloptions FROM pg_class WHERE relname IN ('supply_products', 'supply_variants')")).all())
    assert options == {"supply_products": ["fillfactor=90"], "supply_variants": ["fillfactor=90"]}
