"""The CSV import (app/catalog/importer.py): all or nothing, every bad row reported."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.catalog import importer
from app.catalog.importer import RowError, import_catalog_csv
from app.catalog.models import SupplyProduct, SupplyVariant
from app.config import BASE_DIR
from app.extensions import db
from tests.catalog.conftest import catalog_counts
from tests.factories import make_product, make_supplier

HEADER = "product_code,title,description,category,sku,options,wholesale_price,min_retail_price,stock,image_url\n"

GOOD = HEADER + (
    'TEE,Organic Tee,"Soft, heavy cotton.",apparel,TEE-S,size=S; colour=Sand,12.00,18.00,40,/static/demo/organic-tee.svg\n'
    "TEE,,,,TEE-M,size=M; colour=Sand,12.00,18.00,55,\n"
    "MUG,Speckled Mug,,home,MUG-1,,9.40,14,120,https://cdn.example.com/mug.png\n"
)


def run(supplier, text: str):
    return import_catalog_csv(supplier, io.StringIO(text, newline=""))


def products_of(supplier) -> dict[str, SupplyProduct]:
    db.session.expire_all()
    return {p.code: p for p in db.session.scalars(
        select(SupplyProduct).where(SupplyProduct.supplier_id == supplier.id))}


def test_a_good_file_creates_products_and_variants():
    supplier = make_supplier(currency="USD")
    result = run(supplier, GOOD)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.variants_created, result.rows) == (2, 0, 3, 3)
    products = products_of(supplier)
    tee = products["TEE"]
    assert (tee.title, tee.description, tee.category, tee.currency) == ("Organic Tee", "Soft, heavy cotton.", "apparel", "USD")
    assert tee.image_url == "/static/demo/organic-tee.svg" and tee.status == "active"
    assert [(v.sku, v.options, v.wholesale_price, v.min_retail_price, v.stock) for v in tee.variants] == [
        ("TEE-S", {"size": "S", "colour": "Sand"}, 1200, 1800, 40),
        ("TEE-M", {"size": "M", "colour": "Sand"}, 1200, 1800, 55),
    ]
    assert products["MUG"].variants[0].options == {}


def test_importing_the_same_file_again_updates_without_duplicates():
    supplier = make_supplier()
    assert run(supplier, GOOD).ok
    ids = {v.sku: v.id for p in products_of(supplier).values() for v in p.variants}
    again = run(supplier, GOOD.replace("12.00,18.00,55", "12.00,19.50,7"))
    assert again.ok, again.errors
    assert (again.created, again.updated, again.variants_created, again.variants_updated) == (0, 2, 0, 3)
    assert catalog_counts(supplier) == (2, 3)
    medium = db.session.get(SupplyVariant, ids["TEE-M"])
    assert (medium.min_retail_price, medium.stock) == (1950, 7)


def test_import_adds_variants_to_an_existing_product_and_keeps_others():
    supplier = make_supplier()
    product = make_product(supplier, variants=[{"sku": "OLD-1", "options": {"size": "XL"}}])
    text = HEADER + f"{product.code},{product.title},,apparel,NEW-1,size=S,10,15,3,\n"
    result = run(supplier, text)
    assert result.ok and (result.created, result.updated, result.variants_created) == (0, 1, 1)
    assert sorted(v.sku for v in products_of(supplier)[product.code].variants) == ["NEW-1", "OLD-1"]


def test_every_bad_row_is_reported_and_nothing_is_written():
    supplier = make_supplier()
    existing = make_product(supplier, variants=[{"sku": "TAKEN"}])
    before = catalog_counts(supplier)
    text = HEADER + (
        "TEE,Organic Tee,,apparel,TEE-S,size=S,12.00,18.00,40,\n"        # 2 good
        "TEE,,,,TEE-M,size=M,12.5x,18.00,5,\n"                           # 3 bad price
        "TEE,,,,TEE-L,size=L,12.00,18.00,-2,\n"                          # 4 negative stock
        "TEE,,,,TEE-XL,size=XL,12.00,11.00,1,\n"                         # 5 min retail < wholesale
        "TEE,,,,TEE-S,size=XS,12.00,18.00,1,\n"                          # 6 duplicate SKU
        "CAP,Cap,,hats,CAP-1,,5,8,1,\n"                                  # 7 unknown category
        "BAG,Bag,,home,BAG-1,,5,8,1,javascript:alert(1)\n"               # 8 bad image URL
        "PEN,Pen,,home,PEN-1,colour,5,8,1,\n"                            # 9 bad options
        "TEE,Another Title,,,TEE-XS,size=XS,12.00,18.00,1,\n"            # 10 conflicting title
        "MUG,Mug,,home,TAKEN,,5,8,1,\n"                                  # 11 SKU of another product
        ",Nameless,,home,NOCODE,,5,8,1,\n"                               # 12 no product code
        "SHORT,Short,,home,SHORT-1,,5\n"                                 # 13 missing columns
        "GOOD,Good Thing,,home,GOOD-1,,5,8,1,\n"                         # 14 good
    )
    result = run(supplier, text)
    assert not result.ok
    by_line = {}
    for error in result.errors:
        by_line.setdefault(error.line, []).append(error)
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]

    def reason(line):
        return " ".join(e.message for e in by_line[line])

    assert by_line[3][0].sku == "TEE-M" and "“12.5x” is not a price" in reason(3)
    assert by_line[4][0].sku == "TEE-L" and "stock cannot be negative" in reason(4)
    assert "minimum retail price is below the wholesale price" in reason(5)
    assert by_line[6][0].sku == "TEE-S" and "also on line 2" in reason(6)
    assert "Unknown category “hats”" in reason(7)
    assert "not an image URL" in reason(8)
    assert "Options are written like" in reason(9)
    assert "title “Another Title” differs from line 2" in reason(10)
    assert by_line[11][0].sku == "TAKEN" and f"belongs to product {existing.code}" in reason(11)
    assert "product code is missing" in reason(12)
    assert "missing min_retail_price, stock, image_url" in reason(13)
    assert (result.created, result.updated) == (0, 0)
    assert catalog_counts(supplier) == before
    assert "GOOD" not in products_of(supplier) and "TEE" not in products_of(supplier)


def test_header_problems_stop_the_import():
    supplier = make_supplier()
    result = run(supplier, "product_code,title,sku\nA,B,C\n")
    assert result.errors == [RowError(1, "", result.errors[0].message)]
    assert "lacks the columns category, wholesale_price, min_retail_price, stock" in result.errors[0].message
    assert run(supplier, "").errors[0].message.startswith("The file is empty")
    assert "no product rows" in run(supplier, HEADER).errors[0].message


def test_bom_header_case_unknown_columns_and_blank_lines_are_fine():
    supplier = make_supplier()
    text = ("\ufeffProduct_Code, Title ,category,SKU,wholesale_price,min_retail_price,stock,notes\r\n"
            "A-1,Thing,other,A-1-X,1,2,3,ignored\r\n"
            "\r\n"
            ",,,,,,,\r\n")
    result = run(supplier, text)
    assert result.ok, result.errors
    assert result.created == 1 and catalog_counts(supplier) == (1, 1)


def test_line_numbers_count_lines_inside_quoted_values():
    supplier = make_supplier()
    text = HEADER + (
        'A,Thing,"line one\nline two\nline three",other,A-1,,1,2,3,\n'
        "A,,,,A-2,size=M,1,2,-3,\n"
    )
    result = run(supplier, text)
    assert [(e.line, e.sku) for e in result.errors] == [(5, "A-2")]


def test_extra_values_in_a_row_are_an_error():
    supplier = make_supplier()
    result = run(supplier, HEADER + "A,Thing,,other,A-1,,1,200,3,,extra\n")
    assert "more value than the header" in result.errors[0].message


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    supplier = make_supplier()
    text = HEADER + "".join(f"A,Thing,,other,A-{n},size={n},1,2,3,\n" for n in range(3))
    result = run(supplier, text)
    assert "more than 2 product rows" in result.errors[-1].message
    assert catalog_counts(supplier) == (0, 0)


def test_not_utf8_is_reported():
    supplier = make_supplier()
    raw = (HEADER + "A,Caf\xe9,,other,A-1,,1,2,3,\n").encode("latin-1")
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
    result = import_catalog_csv(supplier, stream)
    assert "not UTF-8" in result.errors[0].message and catalog_counts(supplier) == (0, 0)


def test_the_sample_file_imports_cleanly():
    supplier = make_supplier()
    with open(BASE_DIR / "samples" / "catalog-sample.csv", encoding="utf-8-sig", newline="") as sample:
        result = import_catalog_csv(supplier, sample)
    assert result.ok, result.errors
    assert (result.created, result.variants_created) == (3, 7)


# Exports of other platforms, through the feed readers (import_catalog_file) -------------------

SAMPLE_EXPORTS = BASE_DIR / "samples" / "feeds"


def test_a_file_of_our_columns_imports_as_before():
    supplier = make_supplier()
    result = importer.import_catalog_file(supplier, io.BytesIO(GOOD.encode()))
    assert result.ok and (result.created, result.variants_created) == (2, 3)


def test_a_shopify_export_imports_and_lists_its_drafts_as_skipped():
    supplier = make_supplier()
    data = (SAMPLE_EXPORTS / "shopify-products.csv").read_bytes()
    good = b"".join(line for number, line in enumerate(data.splitlines(keepends=True), start=1) if number < 12)
    result = importer.import_catalog_file(supplier, io.BytesIO(good))
    assert result.ok, result.errors
    assert (result.created, result.variants_created) == (3, 6)
    assert [(row.line, row.sku) for row in result.skipped] == [(10, "BEANIE-01"), (11, "TOTE-OLD")]
    assert products_of(supplier)["yunnan-puer-tea"].title == "云南普洱茶饼"


def test_an_export_with_bad_rows_imports_nothing_and_says_why():
    supplier = make_supplier()
    result = importer.import_catalog_file(supplier, io.BytesIO((SAMPLE_EXPORTS / "woocommerce-products.csv").read_bytes()))
    assert not result.ok and catalog_counts(supplier) == (0, 0)
    assert {(error.line, error.sku) for error in result.errors} == {(11, "SCARF-600-GRY"), (13, "LOST-700-S")}
    assert any("below the wholesale price" in error.message for error in result.errors)


def test_a_google_feed_in_another_currency_is_refused_by_the_import():
    supplier = make_supplier(currency="EUR")
    result = importer.import_catalog_file(supplier, io.BytesIO((SAMPLE_EXPORTS / "google-merchant.tsv").read_bytes()))
    assert not result.ok and catalog_counts(supplier) == (0, 0)
    assert "priced in EUR" in result.errors[0].message
