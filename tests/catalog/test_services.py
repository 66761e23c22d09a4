"""Supplier and product rules (app/catalog/services.py), shared by the admin form and the CSV import."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.catalog import services as catalog
from app.catalog.models import Supplier, SupplyVariant
from app.errors import DomainError
from app.extensions import db
from tests.catalog.conftest import catalog_counts
from tests.factories import make_product, make_supplier


def details(**changes) -> catalog.SupplierDetails:
    values = {"name": "Harbour Knitwear", "contact_name": "Ines", "contact_email": "Ines@Harbour.example",
              "contact_phone": "+44 20 7946 0000", "currency": "GBP", "status": "pending"}
    values.update(changes)
    return catalog.SupplierDetails(**values)


def test_create_supplier_cleans_and_saves():
    supplier = catalog.create_supplier(details(name="  Harbour   Knitwear "))
    assert supplier.id and supplier.name == "Harbour Knitwear"
    assert supplier.contact_email == "ines@harbour.example" and supplier.currency == "GBP"


@pytest.mark.parametrize("changes, field", [
    ({"name": "x"}, "name"),
    ({"contact_email": "not an email"}, "contact_email"),
    ({"currency": "XXX"}, "currency"),
    ({"status": "sleeping"}, "status"),
    ({"contact_phone": "1" * 41}, "contact_phone"),
])
def test_create_supplier_refuses_bad_details(changes, field):
    with pytest.raises(DomainError) as caught:
        catalog.create_supplier(details(**changes))
    assert caught.value.field == field
    assert db.session.scalar(select(Supplier).where(Supplier.name == "Harbour Knitwear")) is None


def test_supplier_name_is_unique_ignoring_case():
    make_supplier("Harbour Knitwear")
    with pytest.raises(DomainError, match="already exists") as caught:
        catalog.create_supplier(details(name="harbour KNITWEAR"))
    assert caught.value.field == "name"


def test_update_supplier_keeps_its_own_name_and_refuses_another():
    supplier = catalog.create_supplier(details())
    make_supplier("Taken Name")
    catalog.update_supplier(supplier, details(status="active"))
    assert supplier.status == "active"
    with pytest.raises(DomainError, match="already exists"):
        catalog.update_supplier(supplier, details(name="Taken Name"))


def test_currency_cannot_change_once_the_supplier_has_products():
    supplier = catalog.create_supplier(details())
    catalog.update_supplier(supplier, details(currency="EUR"))  # no products yet: fine
    make_product(supplier)
    with pytest.raises(DomainError, match="currency stays EUR") as caught:
        catalog.update_supplier(supplier, details(currency="USD"))
    assert caught.value.field == "currency"


def test_parse_options():
    assert catalog.parse_options("size=M; colour=Red") == {"size": "M", "colour": "Red"}
    assert catalog.parse_options(" size = M ;") == {"size": "M"}
    assert catalog.parse_options("") == {}
    for bad in ("size", "size=", "=M", "size=M; size=L", "size=M=L"):
        with pytest.raises(DomainError):
            catalog.parse_options(bad)


@pytest.mark.parametrize("url, ok", [
    ("https://cdn.example.com/a.png", True), ("http://x.example/a.jpg", True),
    ("/static/demo/organic-tee.svg", True), ("", True),
    ("javascript:alert(1)", False), ("ftp://x.example/a.png", False), ("/etc/passwd", False),
    ("/static/../secret", False), ("https://", False), ("https://x.example/a b.png", False),
])
def test_image_urls(url, ok):
    if ok:
        assert catalog.clean_image_url(url) == url
    else:
        with pytest.raises(DomainError):
            catalog.clean_image_url(url)


@pytest.mark.parametrize("url", [
    "https://cdn.example.com/a.png", "HTTP://CDN.EXAMPLE:8080?x=1", "https://a#b", "https://a-b.c-d/",
    "https://x.example:99999/a.png", "https://user@x.example/a.png", "https://[::1]/a.png", "https://-x/",
    "https://x./a", "https://:80/a", "https:///a.png", "https://x.example\u2028/a", "https://é.example/a",
])
def test_plain_image_urls_take_the_short_way_to_the_same_answer(url):
    """PLAIN_WEB_URL_RE accepts only what urlsplit would: the short way never lets more in."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        long_way = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        long_way = False
    if catalog.PLAIN_WEB_URL_RE.match(url):
        assert long_way
    try:
        accepted = catalog.clean_image_url(url) == url
    except DomainError:
        accepted = False
    assert accepted == (long_way and not catalog.URL_FORBIDDEN_RE.search(url))


def test_read_variant_collects_every_problem():
    variant, problems = catalog.read_variant(
        {"sku": "", "options": "size", "wholesale_price": "12.5x", "min_retail_price": "-1",
         "stock": "-3"}, "USD")
    assert variant is None
    assert {p.field for p in problems} == {"sku", "options", "wholesale_price", "min_retail_price", "stock"}


def test_read_variant_refuses_min_retail_below_wholesale_and_yen_decimals():
    _, problems = catalog.read_variant({"sku": "A", "wholesale_price": "10", "min_retail_price": "9.99",
                                        "stock": "1"}, "USD")
    assert [p.field for p in problems] == ["min_retail_price"]
    _, problems = catalog.read_variant({"sku": "A", "wholesale_price": "10.5", "min_retail_price": "20",
                                        "stock": "1"}, "JPY")
    assert "decimal places" in problems[0].message


def spec(code="TEE", title="Tee", category="apparel") -> catalog.ProductSpec:
    return catalog.ProductSpec(code, title, "", category)


def variant(sku, options=None, wholesale=1000, min_retail=1500, stock=5, variant_id=None):
    return catalog.VariantSpec(sku, options or {}, wholesale, min_retail, stock, variant_id)


def test_save_product_creates_and_updates():
    supplier = make_supplier()
    outcome = catalog.save_product(supplier, spec(), [variant("T-S", {"size": "S"}),
                                                      variant("T-M", {"size": "M"})])
    product = outcome.product
    assert outcome.created and outcome.variants_created == 2
    assert product.currency == supplier.currency and [v.sku for v in product.variants] == ["T-S", "T-M"]

    small = product.variants[0]
    outcome = catalog.save_product(supplier, spec(title="Better Tee"), [
        variant("T-S", {"size": "S"}, wholesale=1100, min_retail=1600, stock=2, variant_id=small.id),
        variant("T-L", {"size": "L"}),
    ], product)
    assert not outcome.created and (outcome.variants_created, outcome.variants_updated) == (1, 1)
    assert catalog_counts(supplier) == (1, 3)
    db.session.refresh(small)
    assert (small.wholesale_price, small.min_retail_price, small.stock) == (1100, 1600, 2)


def test_save_product_reports_every_clash_and_writes_nothing():
    supplier = make_supplier()
    other = make_product(supplier, variants=[{"sku": "USED"}])
    before = catalog_counts(supplier)
    with pytest.raises(catalog.ProductInvalid) as caught:
        catalog.save_product(supplier, spec(code=other.code), [
            variant("A", {"size": "S"}), variant("A", {"size": "M"}), variant("USED", {"size": "L"}),
            variant("B", {"size": "s"}),
        ])
    problems = {(p.field, p.row) for p in caught.value.problems}
    assert ("code", None) in problems  # the code is taken
    assert ("sku", 1) in problems  # A twice
    assert ("sku", 2) in problems  # used by another product
    assert ("options", 3) in problems  # same options as row 0 (case-insensitively)
    assert catalog_counts(supplier) == before


def test_a_new_product_needs_a_variant():
    with pytest.raises(catalog.ProductInvalid) as caught:
        catalog.save_product(make_supplier(), spec(), [])
    assert caught.value.problems[0].field == "variants"


def test_skus_and_codes_are_per_supplier():
    first, second = make_supplier(), make_supplier()
    catalog.save_product(first, spec(), [variant("SAME")])
    catalog.save_product(second, spec(), [variant("SAME")])  # another supplier may reuse both
    assert catalog_counts(second) == (1, 1)


def test_database_refuses_min_retail_below_wholesale():
    supplier = make_supplier()
    product = make_product(supplier)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(SupplyVariant(product_id=product.id, supplier_id=supplier.id, sku="BAD",
                                     options={}, wholesale_price=1000, min_retail_price=999, stock=1))
        db.session.flush()


def test_decimal_commas_are_refused_but_thousands_separators_are_fine():
    assert catalog.parse_price("1,200.50", "USD", "price") == 120050
    for bad in ("12,50", "1,20", "12,5000"):
        with pytest.raises(DomainError, match="write decimals with a dot"):
            catalog.parse_price(bad, "USD", "price")
