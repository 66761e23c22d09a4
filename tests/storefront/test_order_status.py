"""The shopper's order status page: the badge follows the order to the door (issue 14, item 7)."""

import re

from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.tenancy import unscoped

CHECKOUT = {"name": "Ada Shopper", "email": "ada@example.com", "phone": "+1 555 0100 200",
            "line1": "1 Main Street", "city": "Springfield", "postcode": "12345", "country": "US"}


def _badge(page: str) -> tuple[str, ...]:
    return re.search(r'<span class="status status-(\w+)">([^<]+)</span>', page).groups()


def _set(order_id, **values):
    with unscoped():
        order = db.session.get(Order, order_id)
        for name, value in values.items():
            setattr(order, name, value)
        db.session.commit()


def test_the_badge_says_shipped_once_the_order_ships(shop_a, storefront):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    client.post("/cart/add", data={"listing_id": listing.id,
                                   "variant_id": listing.supply_product.variants[0].id, "quantity": 1})
    status_url = client.post("/checkout", data=CHECKOUT).location
    with unscoped():
        order_id = db.session.scalar(select(Order.id).where(Order.shop_id == shop_a.shop.id))
    page = client.get(status_url).get_data(as_text=True)
    assert _badge(page) == ("pending", "Order received")

    _set(order_id, status="paid")
    assert _badge(client.get(status_url).get_data(as_text=True)) == ("paid", "Paid")

    _set(order_id, fulfilment_status="partly_shipped")
    page = client.get(status_url).get_data(as_text=True)
    assert _badge(page) == ("shipped", "Partly shipped")
    assert "Part of your order is on its way" in page

    _set(order_id, fulfilment_status="shipped")
    page = client.get(status_url).get_data(as_text=True)
    assert _badge(page) == ("shipped", "Shipped")
    assert "your order is on its way" in page
    steps = re.findall(r'<li class="(done|upcoming)[^"]*"><span>([^<]+)</span>', page)
    assert steps == [("done", "Placed"), ("done", "Paid"), ("done", "Shipped")]

    _set(order_id, status="pending")  # pay on delivery: shipped, not paid yet
    page = client.get(status_url).get_data(as_text=True)
    assert _badge(page) == ("shipped", "Shipped")
    assert "You’ll pay" in page and "on its way" in page

    _set(order_id, status="refunded")
    assert _badge(client.get(status_url).get_data(as_text=True)) == ("refunded", "Refunded")
