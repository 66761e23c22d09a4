"""Admin: feed settings, Sync now (inline), the run page and its JSON progress, the jobs page."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.catalog.feeds_models import SupplierFeed, SyncRun
from app.catalog.models import SupplyProduct
from app.config import BASE_DIR
from app.extensions import db
from tests.admin.conftest import page_text
from tests.catalog.feed_helpers import feed_csv, feeds_dir, upload_feed
from tests.factories import make_supplier, make_user

__all__ = ["feeds_dir"]


def feed_of(supplier):
    return db.session.scalar(select(SupplierFeed).where(SupplierFeed.supplier_id == supplier.id)
                             .execution_options(populate_existing=True))


def runs_of(supplier):
    return list(db.session.scalars(select(SyncRun).where(SyncRun.supplier_id == supplier.id)
                                   .order_by(SyncRun.id).execution_options(populate_existing=True)))


def test_feed_pages_are_for_admins_only(client, login):
    supplier = make_supplier()
    login(make_user())
    assert client.get(f"/admin/suppliers/{supplier.id}/feed").status_code == 404
    assert client.get("/admin/jobs").status_code == 404


def test_feeds_list_and_empty_form(admin):
    supplier = make_supplier("Acme Feeds")
    page = page_text(admin.get("/admin/feeds"))
    assert "Acme Feeds" in page and "Set up feed" in page and 'aria-current="page">Feeds' in page
    response = admin.get(f"/admin/suppliers/{supplier.id}/feed")
    assert response.status_code == 200 and "Save feed" in page_text(response)


def test_feed_form_shows_errors_per_field_and_saves_nothing(admin):
    supplier = make_supplier()
    response = admin.post(f"/admin/suppliers/{supplier.id}/feed", data={
        "source": "url", "url": "ftp://example.com/feed.csv", "format": "csv", "schedule_unit": "hours"})
    assert response.status_code == 422
    assert "must start with http:// or https://" in page_text(response)
    response = admin.post(f"/admin/suppliers/{supplier.id}/feed", data={
        "source": "url", "url": "https://example.com/feed.csv", "format": "csv",
        "column_mapping": "title", "schedule_unit": "hours"})
    assert response.status_code == 422 and "our_column=their column" in page_text(response)
    assert feed_of(supplier) is None


def test_feed_form_refuses_a_private_address(admin):
    supplier = make_supplier()
    for url in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data", "http://localhost/feed.csv"):
        response = admin.post(f"/admin/suppliers/{supplier.id}/feed", data={
            "source": "url", "url": url, "format": "csv", "schedule_unit": "hours"})
        assert response.status_code == 422 and "refused: private address" in page_text(response)
    assert feed_of(supplier) is None


def test_feed_form_saves_url_feed_with_schedule_and_mapping(admin):
    supplier = make_supplier()
    response = admin.post(f"/admin/suppliers/{supplier.id}/feed", data={
        "source": "url", "url": "https://example.com/feed.csv", "format": "csv",
        "column_mapping": "title=Name\nsku=Item", "schedule_every": "30", "schedule_unit": "minutes",
        "is_full_feed": "y"})
    assert response.status_code == 302
    feed = feed_of(supplier)
    assert (feed.url, feed.schedule_minutes, feed.column_mapping, feed.is_full_feed) == (
        "https://example.com/feed.csv", 30, {"title": "Name", "sku": "Item"}, True)
    page = page_text(admin.get(f"/admin/suppliers/{supplier.id}/feed"))
    assert "title=Name" in page and "Every 30 minutes" in page and "Sync now" in page


def test_upload_then_sync_now_runs_inline(admin, feeds_dir):
    supplier = make_supplier()
    content = feed_csv("MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,").encode()
    response = admin.post(f"/admin/suppliers/{supplier.id}/feed", data={
        "source": "upload", "format": "csv", "schedule_unit": "hours",
        "upload": (io.BytesIO(content), "mugs.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    feed = feed_of(supplier)
    assert feed.upload_name == "mugs.csv" and (feeds_dir / feed.upload_path).read_bytes() == content

    response = admin.post(f"/admin/suppliers/{supplier.id}/feed/sync")
    assert response.status_code == 302
    [run] = runs_of(supplier)
    assert response.headers["Location"].endswith(f"/admin/sync-runs/{run.id}")
    assert run.status == "succeeded" and run.created_count == 1
    assert db.session.scalar(select(SupplyProduct.code).where(SupplyProduct.supplier_id == supplier.id)) == "MUG"

    page = page_text(admin.get(f"/admin/sync-runs/{run.id}"))
    assert "Succeeded" in page and "No row was rejected." in page and "Refresh" in page
    data = admin.get(f"/admin/sync-runs/{run.id}/progress.json").get_json()
    assert data["status"] == "succeeded" and data["percent"] == 100 and data["created"] == 1
    page = page_text(admin.get(f"/admin/suppliers/{supplier.id}/runs"))
    assert f"#{run.id}" in page


def test_sync_now_refuses_a_second_run_while_one_is_queued(admin, feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv("MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,"))
    queued = SyncRun(supplier_id=supplier.id, status="queued")
    db.session.add(queued)
    db.session.flush()
    response = admin.post(f"/admin/suppliers/{supplier.id}/feed/sync", follow_redirects=True)
    assert "already queued" in page_text(response) and "not started a second time" in page_text(response)
    assert len(runs_of(supplier)) == 1


def test_sync_now_without_a_feed(admin):
    supplier = make_supplier()
    response = admin.post(f"/admin/suppliers/{supplier.id}/feed/sync", follow_redirects=True)
    assert "Set up this supplier" in page_text(response) and runs_of(supplier) == []


def test_run_page_lists_rejected_rows_paginated(admin, feeds_dir):
    supplier = make_supplier()
    rows = [f"P{i},Product {i},,toys,P{i}-1,,1.00,2.00,1," for i in range(60)]
    upload_feed(supplier, feed_csv(*rows))
    admin.post(f"/admin/suppliers/{supplier.id}/feed/sync")
    [run] = runs_of(supplier)
    assert run.status == "partly_failed" and run.rejected_count == 60
    page = page_text(admin.get(f"/admin/sync-runs/{run.id}"))
    assert "Partly failed" in page and "Unknown category" in page and "Page 1 of 2" in page
    assert "P59-1" not in page
    assert "P59-1" in page_text(admin.get(f"/admin/sync-runs/{run.id}?page=2"))


def test_running_run_page_polls_progress(admin, feeds_dir):
    supplier = make_supplier()
    run = SyncRun(supplier_id=supplier.id, status="running", bytes_total=1000, bytes_read=250, rows_read=10)
    db.session.add(run)
    db.session.flush()
    page = page_text(admin.get(f"/admin/sync-runs/{run.id}"))
    assert "Syncing" in page and "data-progress-url" in page and 'aria-valuenow="25"' in page
    assert admin.get(f"/admin/sync-runs/{run.id}/progress.json").get_json()["percent"] == 25
    assert admin.get("/admin/sync-runs/987654").status_code == 404


def test_jobs_page_inline(admin):
    page = page_text(admin.get("/admin/jobs"))
    assert "Jobs run inline" in page


def test_feed_samples_download(admin):
    response = admin.get("/admin/feed-sample.csv")
    assert response.status_code == 200 and response.data == (BASE_DIR / "samples" / "feed-sample.csv").read_bytes()
    assert admin.get("/admin/feed-sample.json").status_code == 200
