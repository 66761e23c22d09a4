"""Two shoppers racing for the last unit never both get it (real concurrent checkouts)."""

import threading

import pytest
from sqlalchemy import func, select

from app.catalog.models import SupplyVariant
from app.extensions import db
from app.orders.models import Order
from app.tenancy import unscoped
from tests.conftest import PLATFORM
from tests.factories import make_catalog, make_shop_with_listings

CHECKOUT = {"name": "Racer", "email": "racer@example.com", "phone": "+1 555 0100 200",
            "line1": "1 Main Street", "city": "Springfield", "postcode": "12345", "country": "US"}
SHOPPERS = 8


@pytest.mark.postgres
@pytest.mark.committed
def test_concurrent_checkouts_for_the_last_unit(app):
    fixture = make_shop_with_listings("racer", make_catalog())
    listing = fixture.listings[0]
    listing_id, last_unit_id = listing.id, listing.supply_product.variants[1].id  # stock 1
    db.session.commit()
    host = f"{fixture.shop.subdomain}.{PLATFORM}"

    # Each shopper fills a cart first (while stock is 1 everyone may add it).
    clients = []
    for _ in range(SHOPPERS):
        client = app.test_client()
        response = client.post("/cart/add", base_url=f"http://{host}", data={
            "listing_id": listing_id, "variant_id": last_unit_id, "quantity": 1})
        assert response.status_code == 302
        clients.append(client)

    barrier = threading.Barrier(SHOPPERS)
    results = []

    def checkout(client):
        barrier.wait()
        response = client.post("/checkout", base_url=f"http://{host}", data=CHECKOUT)
        results.append(response.location or str(response.status_code))

    threads = [threading.Thread(target=checkout, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    db.session.expire_all()
    with unscoped():
        orders = db.session.scalar(select(func.count(Order.id)).where(Order.shop_id == fixture.shop.id))
    stock = db.session.scalar(select(SupplyVariant.stock).where(SupplyVariant.id == last_unit_id))
    assert len(results) == SHOPPERS
    assert orders == 1, results
    assert stock == 0
    assert sum("/orders/" in r for r in results) == 1
    assert sum(r.endswith("/cart") for r in results) == SHOPPERS - 1
