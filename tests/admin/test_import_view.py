"""Admin: the CSV upload page."""

from __future__ import annotations

import io

from app.catalog import importer
from tests.admin.conftest import page_text
from tests.catalog.conftest import catalog_counts
from tests.catalog.test_importer import GOOD, HEADER
from tests.factories import make_supplier


def upload(client, supplier, text: str | bytes, filename="catalog.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(f"/admin/suppliers/{supplier.id}/import",
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_upload_page_explains_the_policy(admin):
    supplier = make_supplier()
    page = page_text(admin.get(f"/admin/suppliers/{supplier.id}/import"))
    assert "All or nothing" in page and "product_code,<wbr>title,<wbr>description" in page
    sample = admin.get("/admin/catalog-sample.csv")
    assert sample.status_code == 200 and sample.data.startswith(b"product_code,title")


def test_a_good_file_is_imported_and_counted(admin):
    supplier = make_supplier()
    response = upload(admin, supplier, "\ufeff" + GOOD)
    assert response.status_code == 302
    assert catalog_counts(supplier) == (2, 3)
    page = page_text(admin.get(response.location))
    assert "2 products created, 0 updated; 3 variants created, 0 updated" in page

    again = upload(admin, supplier, GOOD)
    assert again.status_code == 302 and catalog_counts(supplier) == (2, 3)
    assert "0 products created, 2 updated" in page_text(admin.get(again.location))


def test_bad_rows_are_listed_and_nothing_is_written(admin):
    supplier = make_supplier()
    text = HEADER + (
        "TEE,Tee,,apparel,TEE-S,size=S,12.00,18.00,40,\n"
        "TEE,,,,TEE-M,size=M,12.5x,18.00,5,\n"
        "TEE,,,,TEE-L,size=L,12.00,18.00,-2,\n"
        "MUG,Mug,,mugs,MUG-1,,5,8,1,\n"
    )
    response = upload(admin, supplier, text)
    assert response.status_code == 422
    page = page_text(response)
    assert "Nothing was imported" in page and "3 problems" in page and "3 lines" in page
    for line, sku, reason in ((3, "TEE-M", "is not a price"), (4, "TEE-L", "stock cannot be negative"),
                              (5, "MUG-1", "Unknown category")):
        assert f'<td class="num">{line}</td><td>{sku}</td>' in page
        assert reason in page
    assert catalog_counts(supplier) == (0, 0)


def test_no_file_and_a_too_large_file_are_refused(admin, monkeypatch):
    supplier = make_supplier()
    response = admin.post(f"/admin/suppliers/{supplier.id}/import", data={},
                          content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file" in page_text(response)
    monkeypatch.setattr(importer, "MAX_BYTES", 100)
    response = upload(admin, supplier, GOOD)
    assert response.status_code == 422 and "Split it into smaller files" in page_text(response)
    assert catalog_counts(supplier) == (0, 0)


def test_a_file_that_is_not_utf8(admin):
    supplier = make_supplier()
    response = upload(admin, supplier, (HEADER + "A,Caf\xe9,,other,A-1,,1,2,3,\n").encode("latin-1"))
    assert response.status_code == 422 and "not UTF-8" in page_text(response)
