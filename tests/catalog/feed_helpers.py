"""Helpers for the feed and sync tests: a temporary FEEDS_DIR and feeds built from text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db

HEADER = "product_code,title,description,category,sku,options,wholesale_price,min_retail_price,stock,image_url\n"


@pytest.fixture
def feeds_dir(app, tmp_path, monkeypatch):
    """FEEDS_DIR in a temporary folder for the test."""
    monkeypatch.setitem(app.config, "FEEDS_DIR", str(tmp_path / "feeds"))
    return tmp_path / "feeds"


def feed_csv(*rows: str) -> str:
    return HEADER + "".join(row + "\n" for row in rows)


def upload_feed(supplier, text: str | bytes, *, fmt: str = "csv", mapping=None, full: bool = True,
                schedule_minutes=None):
    """Give `supplier` an uploaded feed with this content (FEEDS_DIR must be set: feeds_dir)."""
    from flask import current_app

    from app.catalog.feeds import feeds_dir as folder
    from app.catalog.feeds_models import SupplierFeed

    data = text.encode() if isinstance(text, str) else text
    relative = f"supplier-{supplier.id}/feed.{fmt}"
    path = folder() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    assert current_app.config["FEEDS_DIR"]
    feed = db.session.scalar(select(SupplierFeed).where(SupplierFeed.supplier_id == supplier.id))
    if feed is None:
        feed = SupplierFeed(supplier_id=supplier.id)
        db.session.add(feed)
    feed.source, feed.upload_path, feed.upload_name, feed.format = "upload", relative, f"feed.{fmt}", fmt
    feed.column_mapping, feed.is_full_feed, feed.schedule_minutes = mapping or {}, full, schedule_minutes
    db.session.flush()
    return feed


def sync_now(supplier, trigger: str = "manual"):
    """Queue and run a sync of `supplier` inline -> (the run, read fresh; the job's result)."""
    from app.catalog import sync
    from app.catalog.jobs import sync_supplier_catalog

    run, created = sync.start_sync(supplier, trigger)
    assert created
    run_id = run.id
    db.session.commit()
    from tests.factories import run_job

    result = run_job(sync_supplier_catalog, run_id)  # then the listing review it defers
    return fresh_run(run_id), result


def fresh_run(run_id):
    from app.catalog.feeds_models import SyncRun

    return db.session.scalar(select(SyncRun).where(SyncRun.id == run_id)
                             .execution_options(populate_existing=True))
