"""Shoppers racing for a discount code's last use (real concurrent checkouts on PostgreSQL):
one gets it, the others are told it is used up and place nothing; a once-per-shopper code
raced by one address's two checkouts is used once."""

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.orders.discount_models import DiscountCode, DiscountUse
from app.orders.discounts import save_discount_code
from app.orders.models import Order
from app.tenancy import unscoped, use_shop
from tests.conftest import PLATFORM
from tests.factories import make_catalog, make_shop_with_listings

SHOPPERS = 6


def _race(app, host: str, listing_id: int, variant_id: int, emails: list[str]) -> list[tuple[int, str]]:
    clients = []
    for _ in emails:
        client = app.test_client()
        response = client.post("/cart/add", base_url=f"http://{host}", data={
            "listing_id": listing_id, "variant_id": variant_id, "quantity": 1})
        assert response.status_code == 302
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    results = []

    def checkout(client, email):
        barrier.wait()
        response = client.post("/checkout", base_url=f"http://{host}", data={
            "name": "Racer", "email": email, "phone": "+1 555 0100 200", "line1": "1 Main Street",
            "city": "Springfield", "postcode": "12345", "country": "US", "discount_code": "LAST"})
        results.append((response.status_code, response.location or response.get_data(as_text=True)))

    threads = [threading.Thread(target=checkout, args=pair) for pair in zip(clients, emails, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _setup(once_per_shopper: bool, max_uses: str):
    fixture = make_shop_with_listings("racer", make_catalog(), markup_bp=10_000)
    listing = fixture.listings[1]  # crisps: plenty of stock
    with use_shop(fixture.shop.id):
        save_discount_code(None, fixture.shop, text="LAST", kind="percent", value="10", max_uses=max_uses,
                           once_per_shopper=once_per_shopper)
    ids = (fixture.shop.id, listing.id, listing.supply_product.variants[0].id)  # before the commit (RLS)
    db.session.commit()
    return ids, f"{fixture.shop.subdomain}.{PLATFORM}"


def _counts(shop_id):
    db.session.expire_all()
    with unscoped():
        orders = db.session.scalar(select(func.count(Order.id)).where(Order.shop_id == shop_id))
        discounted = db.session.scalar(select(func.count(Order.id)).where(
            Order.shop_id == shop_id, Order.discount_total > 0))
        uses = db.session.scalar(select(DiscountCode.uses).where(DiscountCode.shop_id == shop_id))
        rows = db.session.scalar(select(func.count(DiscountUse.id)).where(DiscountUse.shop_id == shop_id))
    return orders, discounted, uses, rows


@pytest.mark.postgres
@pytest.mark.committed
def test_concurrent_checkouts_for_a_codes_last_use(app):
    (shop_id, listing_id, variant_id), host = _setup(False, "1")
    results = _race(app, host, listing_id, variant_id, [f"racer{i}@example.com" for i in range(SHOPPERS)])
    assert len(results) == SHOPPERS
    assert sum(status == 302 and "/orders/" in r for status, r in results) == 1, results
    assert sum(status == 422 and "used up" in r for status, r in results) == SHOPPERS - 1, results
    assert _counts(shop_id) == (1, 1, 1, 1)


@pytest.mark.postgres
@pytest.mark.committed
def test_one_shoppers_two_checkouts_use_a_once_per_shopper_code_once(app):
    (shop_id, listing_id, variant_id), host = _setup(True, "")
    results = _race(app, host, listing_id, variant_id, ["same@example.com"] * 2)
    assert sum(status == 302 and "/orders/" in r for status, r in results) == 1, results
    assert sum(status == 422 and "used this code already" in r for status, r in results) == 1, results
    assert _counts(shop_id) == (1, 1, 1, 1)
