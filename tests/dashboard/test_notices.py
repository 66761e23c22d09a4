"""The owner's notices after a supplier sync: banner, list, approve, dismiss, settings; isolation."""

from __future__ import annotations

from sqlalchemy import select

from app.catalog.feeds_models import SyncRun
from app.catalog.models import SupplyProduct
from app.db_types import utcnow
from app.extensions import db
from app.shops.guardrails import review_listings_after_sync
from app.shops.models import Listing, Shop
from app.shops.notice_models import ListingNotice
from app.tenancy import unscoped, use_shop
from tests.dashboard.conftest import page_text


def _sync(supplier_id: int, product_id: int, **change) -> int:
    run = SyncRun(supplier_id=supplier_id, status="running", started_at=utcnow())
    db.session.add(run)
    db.session.flush()
    product = db.session.get(SupplyProduct, product_id)
    for variant in product.variants:
        if "wholesale" in change:
            variant.wholesale_price = change["wholesale"]
            variant.min_retail_price = max(variant.min_retail_price, change["wholesale"])
        if "stock" in change:
            variant.stock = change["stock"]
    product.updated_at = utcnow()
    db.session.flush()
    run_id = run.id
    review_listings_after_sync(run_id)
    return run_id


def _listing(shop_id, listing_id) -> Listing:
    with use_shop(shop_id):
        return db.session.scalar(select(Listing).where(Listing.id == listing_id)
                                 .execution_options(populate_existing=True))


def _notices(shop_id):
    with use_shop(shop_id):
        return list(db.session.scalars(select(ListingNotice).order_by(ListingNotice.id)
                                       .execution_options(populate_existing=True)))


def _setup(catalog, shop_a, shop_b, **change):
    ids = {"a": shop_a.shop.id, "b": shop_b.shop.id, "a_tee": shop_a.listings[0].id,
           "b_tee": shop_b.listings[0].id, "supplier": catalog.supplier.id, "tee": catalog.tee.id}
    ids["run"] = _sync(ids["supplier"], ids["tee"], **(change or {"wholesale": 1500}))
    return ids


def test_banner_and_notice_list(owner, catalog, shop_a, shop_b):
    _setup(catalog, shop_a, shop_b)
    home = page_text(owner.get("/dashboard/alpha/"))
    assert "1 listing needs your attention." in home
    assert 'href="/dashboard/alpha/notices"' in home
    page = owner.get("/dashboard/alpha/notices")
    text = page_text(page)
    assert page.status_code == 200
    assert "alpha Organic Cotton Tee" in text and "Price moved" in text and "$22.50" in text
    assert "Approve new price" in text and "bravo" not in text
    products = page_text(owner.get("/dashboard/alpha/products"))
    assert "Paused" in products and "Approve new price" in products


def test_empty_notice_list(owner):
    text = page_text(owner.get("/dashboard/alpha/notices"))
    assert "Nothing needs your attention" in text
    assert "need your attention" not in page_text(owner.get("/dashboard/alpha/"))


def test_approve_new_price(owner, catalog, shop_a, shop_b):
    ids = _setup(catalog, shop_a, shop_b)
    response = owner.post(f"/dashboard/alpha/products/{ids['a_tee']}/approve-price")
    assert response.status_code == 302 and response.location.endswith("/dashboard/alpha/notices")
    listing = _listing(ids["a"], ids["a_tee"])
    assert listing.status == "active" and set(listing.approved_prices.values()) == {2250}
    notices = _notices(ids["a"])
    assert notices and all(n.resolved_at for n in notices)
    assert _listing(ids["b"], ids["b_tee"]).status == "paused"
    assert "Nothing needs your attention" in page_text(owner.get(response.location))


def test_edit_page_shows_pause_and_saving_a_legal_rule_approves(owner, catalog, shop_a, shop_b):
    ids = _setup(catalog, shop_a, shop_b)
    page = page_text(owner.get(f"/dashboard/alpha/products/{ids['a_tee']}"))
    assert "Not on sale until you decide" in page and "Approve new price" in page
    response = owner.post(f"/dashboard/alpha/products/{ids['a_tee']}", data={
        "title": "alpha Organic Cotton Tee", "recommendation": "", "price_rule": "markup",
        "markup_percent": "30", "fixed_price": "", "is_visible": "y"})
    assert response.status_code == 302
    listing = _listing(ids["a"], ids["a_tee"])
    assert listing.status == "active" and set(listing.approved_prices.values()) == {1950}
    notices = _notices(ids["a"])
    assert notices and all(n.resolved_at for n in notices)


def test_illegal_rule_keeps_the_listing_paused(owner, catalog, shop_a, shop_b):
    ids = _setup(catalog, shop_a, shop_b)
    response = owner.post(f"/dashboard/alpha/products/{ids['a_tee']}", data={
        "title": "alpha Organic Cotton Tee", "recommendation": "", "price_rule": "fixed",
        "markup_percent": "", "fixed_price": "1.00", "is_visible": "y"})
    assert response.status_code == 422
    assert _listing(ids["a"], ids["a_tee"]).status == "paused"
    assert not any(n.resolved_at for n in _notices(ids["a"]))


def test_dismiss_stock_notice_but_not_an_open_price_notice(owner, catalog, shop_a, shop_b):
    ids = _setup(catalog, shop_a, shop_b, stock=0)
    [notice] = _notices(ids["a"])
    assert notice.kind == "out_of_stock"
    response = owner.post(f"/dashboard/alpha/notices/{notice.id}/dismiss")
    assert response.status_code == 302
    assert _notices(ids["a"])[0].resolved_at is not None

    _sync(ids["supplier"], ids["tee"], wholesale=1500, stock=5)
    price_notice = [n for n in _notices(ids["a"]) if n.kind == "price_change"][0]
    response = owner.post(f"/dashboard/alpha/notices/{price_notice.id}/dismiss")
    assert "Approve the new price or change the price rule" in page_text(owner.get(response.location))
    assert [n for n in _notices(ids["a"]) if n.kind == "price_change"][0].resolved_at is None


def test_settings_guardrail_fields(owner, shop_a):
    page = page_text(owner.get("/dashboard/alpha/settings"))
    assert 'name="price_change_tolerance" type="text" value="15"' in page or 'value="15"' in page
    response = owner.post("/dashboard/alpha/settings", data={
        "name": "Alpha Shop", "bio": "", "theme": "default",
        "price_change_tolerance": "20", "margin_floor": "12.5"})
    assert response.status_code == 302
    with unscoped():
        shop = db.session.scalar(select(Shop).where(Shop.id == shop_a.shop.id)
                                 .execution_options(populate_existing=True))
    assert (shop.price_change_tolerance_bp, shop.margin_floor_bp) == (2000, 1250)


def test_settings_guardrail_validation(owner, shop_a):
    for data, message in [({"price_change_tolerance": "150", "margin_floor": "0"}, "between 0% and 100%"),
                          ({"price_change_tolerance": "10", "margin_floor": "95"}, "between 0% and 90%"),
                          ({"price_change_tolerance": "ten", "margin_floor": "0"}, "as a number")]:
        page = owner.post("/dashboard/alpha/settings", data={
            "name": "Renamed", "bio": "", "theme": "default", **data})
        assert page.status_code == 422
        assert message in page_text(page)
    with unscoped():
        shop = db.session.scalar(select(Shop).where(Shop.id == shop_a.shop.id)
                                 .execution_options(populate_existing=True))
    assert (shop.name, shop.price_change_tolerance_bp, shop.margin_floor_bp) == ("Alpha Shop", 1500, 0)


def test_other_shops_notices_and_approvals_are_404(owner, catalog, shop_a, shop_b):
    ids = _setup(catalog, shop_a, shop_b)
    b_notice = _notices(ids["b"])[0].id
    assert owner.get("/dashboard/bravo/notices").status_code == 404
    assert owner.post(f"/dashboard/alpha/products/{ids['b_tee']}/approve-price").status_code == 404
    assert owner.post(f"/dashboard/bravo/products/{ids['b_tee']}/approve-price").status_code == 404
    assert owner.post(f"/dashboard/alpha/notices/{b_notice}/dismiss").status_code == 404
    assert _listing(ids["b"], ids["b_tee"]).status == "paused"
    assert _notices(ids["b"])[0].resolved_at is None
    assert "bravo" not in page_text(owner.get("/dashboard/alpha/notices"))
