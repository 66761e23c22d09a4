"""Admin: the product form (one product with its variant rows)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.catalog.models import SupplyProduct
from app.extensions import db
from tests.admin.conftest import page_text
from tests.catalog.conftest import catalog_counts
from tests.factories import make_product, make_supplier
from tests.test_long_selects import chosen


def product_form(**changes) -> dict:
    data = {"code": "TEE-1", "title": "Organic Tee", "description": "Soft.", "category": "apparel",
            "image_url": "https://cdn.example.com/tee.png", "status": "active", "action": "save",
            "variants-0-sku": "TEE-1-S", "variants-0-options": "size=S; colour=Sand",
            "variants-0-wholesale_price": "12.00", "variants-0-min_retail_price": "18.00", "variants-0-stock": "40",
            "variants-1-sku": "TEE-1-M", "variants-1-options": "size=M; colour=Sand",
            "variants-1-wholesale_price": "12.50", "variants-1-min_retail_price": "19", "variants-1-stock": "5",
            "variants-2-sku": "", "variants-2-options": "", "variants-2-wholesale_price": "",
            "variants-2-min_retail_price": "", "variants-2-stock": ""}
    data.update(changes)
    return data


def the_product(supplier, code="TEE-1"):
    db.session.expire_all()
    return db.session.scalar(select(SupplyProduct).where(
        SupplyProduct.supplier_id == supplier.id, SupplyProduct.code == code))


def test_new_product_form_starts_with_three_rows_and_more_on_request(admin):
    supplier = make_supplier()
    page = page_text(admin.get(f"/admin/suppliers/{supplier.id}/products/new"))
    assert 'name="variants-2-sku"' in page and 'name="variants-3-sku"' not in page
    page = page_text(admin.get(f"/admin/suppliers/{supplier.id}/products/new?rows=6"))
    assert 'name="variants-5-sku"' in page


def test_more_rows_keeps_what_was_typed_and_writes_nothing(admin):
    supplier = make_supplier()
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/new", data=product_form(action="more_rows"))
    assert response.status_code == 200
    page = page_text(response)
    assert 'name="variants-5-sku"' in page and 'value="TEE-1-M"' in page
    assert catalog_counts(supplier) == (0, 0)


def test_create_product_with_variants(admin):
    supplier = make_supplier(currency="USD")
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/new", data=product_form())
    assert response.status_code == 302, page_text(response)
    product = the_product(supplier)
    assert (product.title, product.category, product.currency) == ("Organic Tee", "apparel", "USD")
    assert [(v.sku, v.options, v.wholesale_price, v.min_retail_price, v.stock) for v in product.variants] == [
        ("TEE-1-S", {"size": "S", "colour": "Sand"}, 1200, 1800, 40),
        ("TEE-1-M", {"size": "M", "colour": "Sand"}, 1250, 1900, 5),
    ]
    assert "Organic Tee" in page_text(admin.get(response.location))


def test_every_error_is_shown_at_its_field_and_nothing_is_written(admin):
    supplier = make_supplier()
    make_product(supplier, variants=[{"sku": "USED"}])
    before = catalog_counts(supplier)
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/new", data=product_form(**{
        "title": "", "category": "hats", "image_url": "javascript:alert(1)",
        "variants-0-wholesale_price": "12.5x", "variants-0-stock": "-1",
        "variants-1-min_retail_price": "10", "variants-2-sku": "USED", "variants-2-wholesale_price": "1",
        "variants-2-min_retail_price": "2", "variants-2-stock": "1",
    }))
    assert response.status_code == 422
    page = page_text(response)
    for message in ("The title is missing", "Unknown category", "not an image URL",
                    "“12.5x” is not a price", "stock cannot be negative",
                    "minimum retail price is below the wholesale price"):
        assert message in page, message
    assert 'id="variants-0-wholesale_price-error"' in page and 'id="variants-1-min_retail_price-error"' in page
    assert catalog_counts(supplier) == before


def test_database_rules_are_shown_per_row_and_nothing_is_written(admin):
    supplier = make_supplier()
    other = make_product(supplier, variants=[{"sku": "USED"}])
    before = catalog_counts(supplier)
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/new", data=product_form(**{
        "code": other.code, "variants-1-sku": "USED"}))
    assert response.status_code == 422
    page = page_text(response)
    assert f"already has a product with the code “{other.code}”" in page
    assert 'id="variants-1-sku-error"' in page and "already used by product" in page
    assert catalog_counts(supplier) == before


def test_a_product_needs_at_least_one_variant(admin):
    supplier = make_supplier()
    blank = {f"variants-{i}-{name}": "" for i in range(2)
             for name in ("sku", "options", "wholesale_price", "min_retail_price", "stock")}
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/new", data=product_form(**blank))
    assert response.status_code == 422 and "Add at least one variant" in page_text(response)
    assert catalog_counts(supplier) == (0, 0)


def edit_form(product, **changes) -> dict:
    data = {"code": product.code, "title": product.title, "description": product.description,
            "category": product.category, "image_url": product.image_url, "status": product.status,
            "action": "save"}
    for i, variant in enumerate(product.variants):
        data |= {f"variants-{i}-variant_id": str(variant.id), f"variants-{i}-sku": variant.sku,
                 f"variants-{i}-options": "; ".join(f"{k}={v}" for k, v in variant.options.items()),
                 f"variants-{i}-wholesale_price": "10.00", f"variants-{i}-min_retail_price": "15.00",
                 f"variants-{i}-stock": str(variant.stock)}
    data.update(changes)
    return data


def test_edit_product_changes_prices_and_adds_a_variant(admin):
    supplier = make_supplier()
    product = make_product(supplier, variants=[{"sku": "A-1", "options": {"size": "S"}}])
    page = page_text(admin.get(f"/admin/suppliers/{supplier.id}/products/{product.id}"))
    assert 'value="A-1"' in page and 'value="10.00"' in page and 'value="size=S"' in page
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/{product.id}", data=edit_form(product, **{
        "title": "Renamed", "status": "discontinued", "variants-0-min_retail_price": "16.50", "variants-0-stock": "0",
        "variants-1-sku": "A-2", "variants-1-options": "size=M", "variants-1-wholesale_price": "11",
        "variants-1-min_retail_price": "17", "variants-1-stock": "9"}))
    assert response.status_code == 302, page_text(response)
    product = the_product(supplier, product.code)
    assert (product.title, product.status) == ("Renamed", "discontinued")
    assert [(v.sku, v.min_retail_price, v.stock) for v in product.variants] == [("A-1", 1650, 0), ("A-2", 1700, 9)]


def test_edit_with_an_error_changes_nothing(admin):
    supplier = make_supplier()
    product = make_product(supplier, title="Kept", variants=[{"sku": "A-1", "wholesale": 1000, "min_retail": 1500}])
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/{product.id}", data=edit_form(product, **{
        "title": "Changed", "variants-0-min_retail_price": "9.00"}))
    assert response.status_code == 422 and "below the wholesale price" in page_text(response)
    product = the_product(supplier, product.code)
    assert product.title == "Kept" and product.variants[0].min_retail_price == 1500


def test_a_variant_of_another_product_cannot_be_edited_through_the_form(admin):
    supplier = make_supplier()
    product = make_product(supplier, variants=[{"sku": "A-1"}])
    other = make_product(supplier, variants=[{"sku": "B-1"}])
    response = admin.post(f"/admin/suppliers/{supplier.id}/products/{product.id}", data=edit_form(
        product, **{"variants-0-variant_id": str(other.variants[0].id)}))
    assert response.status_code == 422
    db.session.expire_all()
    assert other.variants[0].wholesale_price == 1000 and product.variants[0].sku == "A-1"


def test_product_of_another_supplier_is_404(admin):
    supplier, other = make_supplier(), make_supplier()
    product = make_product(other)
    assert admin.get(f"/admin/suppliers/{supplier.id}/products/{product.id}").status_code == 404


def test_products_page_lists_and_filters(admin):
    supplier = make_supplier("Filter Co")
    make_product(supplier, title="Findable Mug", category="home")
    make_product(supplier, title="Other Tee", category="apparel")
    page = page_text(admin.get("/admin/products?q=findable"))
    assert "Findable Mug" in page and "Other Tee" not in page
    page = page_text(admin.get(f"/admin/products?category=apparel&supplier={supplier.id}"))
    assert "Other Tee" in page and "Findable Mug" not in page
    select = re.search(r'<select[^>]*name="supplier"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert select.strip().startswith('<option value="">All suppliers</option>')
    assert chosen(select) == [str(supplier.id)]  # the filter shows what it filters by


@pytest.mark.parametrize("named_by_id", [500, 1], ids=["few SKU matches", "many SKU matches"])
def test_the_product_search_finds_titles_codes_and_skus_in_title_order(admin, monkeypatch, named_by_id):
    """A few products matching by SKU are named by id, many by a subquery: the same answer."""
    from app.catalog import services

    monkeypatch.setattr(services, "_SKU_MATCHES_BY_ID", named_by_id)
    supplier = make_supplier("Search Co")
    make_product(supplier, title="zebra mug", variants=[{"sku": "PLAIN-1"}])
    make_product(supplier, title="Teapot", variants=[{"sku": "ZEBRA-2"}, {"sku": "ZEBRA-3"}])
    make_product(supplier, title="Apron", variants=[{"sku": "A-9"}]).code = "ZEBRA-APRON"
    make_product(supplier, title="Bowl", variants=[{"sku": "ZEBRA-4"}])
    make_product(supplier, title="Cup", variants=[{"sku": "CUP-1"}])
    found = services.find_products(text="zebra")
    assert [product.title for product in found.items] == ["Apron", "Bowl", "Teapot", "zebra mug"]
