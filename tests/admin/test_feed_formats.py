"""Admin: feed formats (Detect automatically, the exports of other platforms), their sample
files, and the one-off import of an export."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.catalog.feeds_models import SupplierFeed, SyncRun
from app.config import BASE_DIR
from app.extensions import db
from tests.admin.conftest import page_text
from tests.catalog.conftest import catalog_counts
from tests.catalog.feed_helpers import feeds_dir
from tests.factories import make_supplier

__all__ = ["feeds_dir"]

EXPORTS = BASE_DIR / "samples" / "feeds"


def test_a_new_feed_detects_its_format_by_default(admin):
    supplier = make_supplier()
    page = page_text(admin.get(f"/admin/suppliers/{supplier.id}/feed"))
    assert '<option selected value="auto">Detect automatically</option>' in page
    assert "Shopify product export (CSV)" in page and "Google Merchant Center feed (XML or TSV)" in page


def test_an_uploaded_shopify_export_is_detected_and_synced(admin, feeds_dir):
    supplier = make_supplier()
    supplier_id = supplier.id
    response = admin.post(f"/admin/suppliers/{supplier_id}/feed", data={
        "source": "upload", "format": "auto", "schedule_unit": "hours",
        "upload": (io.BytesIO((EXPORTS / "shopify-products.csv").read_bytes()), "products_export.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    feed = db.session.scalar(select(SupplierFeed).where(SupplierFeed.supplier_id == supplier_id)
                             .execution_options(populate_existing=True))
    assert feed.format == "auto" and feed.upload_path.endswith(".csv")
    assert "Detect automatically · uploaded file" in page_text(admin.get("/admin/feeds"))
    admin.post(f"/admin/suppliers/{supplier_id}/feed/sync")
    run = db.session.scalar(select(SyncRun).where(SyncRun.supplier_id == supplier_id)
                            .execution_options(populate_existing=True))
    assert (run.status, run.created_count, run.rejected_count) == ("partly_failed", 3, 5)
    page = page_text(admin.get(f"/admin/sync-runs/{run.id}"))
    assert "Skipped: the product is a draft in Shopify" in page and "mangled by a spreadsheet" in page


def test_an_unknown_format_is_refused(admin):
    supplier = make_supplier()
    response = admin.post(f"/admin/suppliers/{supplier.id}/feed", data={
        "source": "url", "url": "https://example.com/feed.csv", "format": "excel", "schedule_unit": "hours"})
    assert response.status_code == 422


def test_export_samples_download(admin):
    for name in ("shopify-products.csv", "woocommerce-products.csv", "google-merchant.xml", "google-merchant.tsv"):
        response = admin.get(f"/admin/feed-samples/{name}")
        assert response.status_code == 200 and response.data == (EXPORTS / name).read_bytes()
    assert admin.get("/admin/feed-samples/..%2Fconfig.py").status_code == 404
    assert admin.get("/admin/feed-samples/other.csv").status_code == 404


def test_the_import_takes_a_shopify_export_and_lists_what_it_skipped(admin):
    supplier = make_supplier()
    lines = (EXPORTS / "shopify-products.csv").read_bytes().splitlines(keepends=True)[:11]  # without the bad rows
    response = admin.post(f"/admin/suppliers/{supplier.id}/import",
                          data={"file": (io.BytesIO(b"".join(lines)), "products_export.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 302 and catalog_counts(supplier) == (3, 6)
    page = page_text(admin.get(response.location))
    assert "3 products created, 0 updated; 6 variants created" in page
    assert "Skipped 2 rows the export marks as not for sale" in page and "line 10 (BEANIE-01)" in page


def test_the_import_of_a_bad_export_lists_its_problems(admin):
    supplier = make_supplier()
    response = admin.post(f"/admin/suppliers/{supplier.id}/import",
                          data={"file": (io.BytesIO((EXPORTS / "google-merchant.xml").read_bytes()), "feed.xml")},
                          content_type="multipart/form-data")
    assert response.status_code == 422 and catalog_counts(supplier) == (0, 0)
    page = page_text(response)
    assert "Nothing was imported" in page and "gives no quantity" in page
