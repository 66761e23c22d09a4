"""The demo data (app/demo): what it creates, that it obeys the rules, and that it loads once."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from app.catalog.models import Supplier, SupplyProduct, SupplyVariant
from app.config import BASE_DIR
from app.demo import ADMIN_EMAIL, ADMIN_PASSWORD, OWNER_PASSWORD, load_demo, print_logins
from app.demo.shops import SHOPS
from app.errors import DomainError
from app.extensions import db
from app.orders.models import Order
from app.shops.models import Collection, Listing, Shop
from app.shops.pricing import PriceRule, check_price_rule
from app.tenancy import unscoped, use_shop
from tests import factories

STATIC_DIR = BASE_DIR / "app" / "static"


@pytest.fixture
def demo():
    assert load_demo() is True
    with unscoped():
        return {spec["subdomain"]: db.session.scalar(select(Shop).where(Shop.subdomain == spec["subdomain"]))
                for spec in SHOPS}


def count(model) -> int:
    with unscoped():
        return db.session.scalar(select(func.count()).select_from(model))


def test_demo_creates_three_active_suppliers_and_forty_six_products(demo):
    suppliers = db.session.scalars(select(Supplier)).all()
    assert {s.name: s.currency for s in suppliers} == {
        "Harvest & Home Goods": "USD", "Northwind Apparel Co.": "USD", "云岭茶园": "CNY"}
    assert all(s.status == "active" for s in suppliers)
    products = db.session.scalars(select(SupplyProduct)).all()
    assert len(products) == 46
    assert all(p.currency == p.supplier.currency for p in products)
    assert {p.category for p in products} == {"apparel", "snacks", "beauty", "home"}
    for product in products:
        assert 1 <= len(product.variants) <= 6, product.title
        assert product.description and product.code
        assert all(v.min_retail_price >= v.wholesale_price > 0 for v in product.variants)
    stocks = [v.stock for v in db.session.scalars(select(SupplyVariant))]
    assert 0 in stocks  # some options sold out
    assert any(1 <= s <= 5 for s in stocks)  # some running low


def test_demo_variants_carry_the_options_of_their_category(demo):
    expected = {"apparel": {"size", "colour"}, "snacks": {"pack", "规格"}, "beauty": {"shade", "size"},
                "home": {"colour", "颜色"}}
    for product in db.session.scalars(select(SupplyProduct)):
        for variant in product.variants:
            assert variant.options and set(variant.options) <= expected[product.category]


def test_demo_creates_four_shops_with_listings_collections_and_orders(demo):
    assert set(demo) == {"mia", "nora", "maple", "lin"}
    assert {s.subdomain: (s.language, s.currency) for s in demo.values()} == {
        "mia": ("en", "USD"), "nora": ("en", "USD"), "maple": ("en", "USD"), "lin": ("zh", "CNY")}
    for shop in demo.values():
        with use_shop(shop.id):
            listings = db.session.scalars(select(Listing)).all()
            collections = db.session.scalars(select(Collection)).all()
            orders = db.session.scalars(select(Order)).all()
            assert 6 <= len(listings) <= 15
            assert all(listing.recommendation for listing in listings)
            assert 1 <= len(collections) <= 3 and all(c.entries for c in collections)
            statuses = {order.status for order in orders}
            assert {"pending", "paid"} <= statuses
            for order in orders:
                assert order.total == sum(line.unit_price * line.quantity for line in order.lines) > 0
                assert (order.paid_at is not None) == (order.status == "paid")
    owners = {m.user_id for shop in demo.values() for m in _memberships(shop)}
    assert len(owners) == 4


def _memberships(shop):
    from app.accounts.models import ShopMembership

    return db.session.scalars(select(ShopMembership).where(ShopMembership.shop_id == shop.id)).all()


def test_every_demo_listing_is_priced_legally(demo):
    with unscoped():
        listings = db.session.scalars(select(Listing)).all()
    assert len(listings) >= 30
    for listing in listings:
        check_price_rule(PriceRule.of(listing), listing.supply_product, listing.currency)  # raises if too low
    assert {listing.price_rule for listing in listings} == {"markup", "fixed"}


def test_demo_orders_took_stock_and_the_cancelled_one_gave_it_back(demo):
    with use_shop(demo["nora"].id):
        cancelled = db.session.scalar(select(Order).where(Order.status == "cancelled"))
        throw = db.session.get(SupplyVariant, cancelled.lines[0].supply_variant_id)
    assert throw.stock == 8  # the catalog's figure, restored
    with use_shop(demo["maple"].id):
        order = db.session.scalar(select(Order).where(Order.customer_name == "Walter Nguyen"))
        coffee = db.session.get(SupplyVariant, order.lines[0].supply_variant_id)
    assert coffee.stock == 50 - 2 - 1  # Walter's two bags and one of Nora's reader's


def test_demo_images_exist_and_are_small_square_svgs(demo):
    urls = {p.image_url for p in db.session.scalars(select(SupplyProduct))}
    assert len(urls) == 40  # one illustration per product (the tea garden shares Harvest's)
    for url in urls:
        assert url.startswith("/static/demo/") and url.endswith(".svg")
        path = STATIC_DIR / url.removeprefix("/static/")
        assert path.is_file(), url
        assert path.stat().st_size < 8_000
        root = ElementTree.parse(path).getroot()
        assert root.get("viewBox") == "0 0 800 800"


def test_demo_images_are_served_on_storefront_hosts(demo, storefront):
    product = db.session.scalars(select(SupplyProduct)).first()
    response = storefront(demo["mia"]).get(product.image_url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"


def test_loading_the_demo_again_changes_nothing(demo):
    before = [count(model) for model in (Supplier, SupplyProduct, Shop, Listing, Order)]
    assert load_demo(if_empty=True) is False
    assert load_demo(if_empty=False) is False  # already loaded: no duplicates, no error
    assert [count(model) for model in (Supplier, SupplyProduct, Shop, Listing, Order)] == before


def test_if_empty_leaves_a_database_with_any_supplier_alone():
    factories.make_supplier("Someone Else's Supplier")
    assert load_demo(if_empty=True) is False
    assert count(Shop) == 0 and count(Supplier) == 1


def test_demo_refuses_to_take_over_an_existing_login_and_writes_nothing():
    factories.make_user("nora@flagship.example")
    with pytest.raises(DomainError, match="nora@flagship.example already exists"):
        load_demo()
    assert count(Supplier) == 0 and count(Shop) == 0


def test_demo_refuses_a_taken_subdomain(catalog):
    factories.make_shop_with_listings("maple", catalog)
    with pytest.raises(DomainError, match="subdomain maple is taken"):
        load_demo()
    assert count(Supplier) == 1  # only the fixture's


def test_platform_home_lists_the_demo_shops(demo, client):
    page = client.get("/").get_data(as_text=True)
    for name in ("Mia&#39;s Closet", "Nora Writes", "Maple Street Market"):
        assert name in page
    assert "http://maple.flagship.test/" in page


def test_demo_storefront_home_and_product_pages_render(demo, storefront):
    shop = demo["nora"]
    home = storefront(shop).get("/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "Nora Writes" in text and "The Writing Mug" in text
    assert "Maple" not in text and "Mia" not in text
    with use_shop(shop.id):
        handle = db.session.scalar(select(Listing.handle).where(Listing.title == "The Writing Mug"))
    product = storefront(shop).get(f"/products/{handle}")
    assert product.status_code == 200
    assert "the mug from the newsletter photos" in product.get_data(as_text=True)


def test_demo_logins_work(demo, client):
    response = client.post("/login", data={"email": "mia@flagship.example", "password": OWNER_PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code in (200, 302)
    client.post("/logout")
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_print_logins_shows_platform_admin_owners_and_storefronts(demo, capsys):
    print_logins()
    out = capsys.readouterr().out
    assert "http://flagship.test/" in out
    assert f"{ADMIN_EMAIL} / {ADMIN_PASSWORD}" in out
    for spec in SHOPS:
        assert spec["owner"] in out
        assert f"http://{spec['subdomain']}.flagship.test/" in out
    assert OWNER_PASSWORD in out


def test_print_logins_without_the_demo_says_so(capsys):
    print_logins()
    out = capsys.readouterr().out
    assert "not loaded" in out and ADMIN_PASSWORD not in out


def test_demo_suppliers_have_portal_logins_and_purchase_orders(demo, client):
    from app.demo.suppliers import SUPPLIER_PASSWORD, SUPPLIER_STAFF
    from app.orders.fulfilment_models import PurchaseOrder

    with unscoped():
        pos = db.session.scalars(select(PurchaseOrder)).all()
        orders = db.session.scalars(select(Order)).all()
    routed = {po.order_id for po in pos}
    # Every order goes to its suppliers, but those cancelled and the demo group's and
    # pre-sale's, which wait (two members, two pre-orders made to order).
    assert routed == {o.id for o in orders if o.status != "cancelled" and not o.hold}
    assert sum(o.hold == "deal" for o in orders) == 4
    assert sum(o.made_to_order for o in orders) == 2
    assert any(po.status == "shipped" for po in pos) and any(po.status == "open" for po in pos)
    assert all(line.tracking_number for po in pos if po.status == "shipped" for line in po.lines)
    assert {o.fulfilment_status for o in orders} >= {"shipped", "unfulfilled"}
    client.post("/login", data={"email": SUPPLIER_STAFF["Northwind Apparel Co."],
                                "password": SUPPLIER_PASSWORD})
    page = client.get("/supplier/").get_data(as_text=True)
    assert "Northwind Apparel Co." in page and "FS-" in page


def test_syncing_the_demo_feed_rejects_one_row_and_pauses_the_coffee_listings(demo):
    from app.catalog.feeds import get_feed
    from tests.catalog.feed_helpers import sync_now

    supplier = db.session.scalar(select(Supplier).where(Supplier.name == "Harvest & Home Goods"))
    assert get_feed(supplier).source == "upload"
    run, result = sync_now(supplier)
    assert result == "partly_failed" and run.discontinued_count == 0
    assert run.updated_count == 19  # every other product gets its feed hash; none is lost
    bad, sibling = run.rejected_rows  # a bad row rejects its product's every row, and says so
    assert "stock" in bad.reason and sibling.line == bad.line + 1 and f"line {bad.line}" in sibling.reason
    for subdomain in ("nora", "maple"):
        with use_shop(demo[subdomain].id):
            statuses = db.session.scalars(select(Listing.status).where(Listing.title.contains("Coffee"))).all()
        assert statuses == ["paused"], subdomain
