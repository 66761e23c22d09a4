"""Card-payment test helpers: a shopper checking out by card against the fake Stripe."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment
from app.tenancy import unscoped

CHECKOUT = {"name": "Ada Shopper", "email": "ada@example.com", "phone": "+1 555 0100 200",
            "line1": "1 Main Street", "city": "Springfield", "postcode": "12345", "country": "US"}


def add_to_cart(client, listing, variant=None, quantity=1):
    variant = variant or listing.supply_product.variants[0]
    response = client.post("/cart/add", data={"listing_id": listing.id, "variant_id": variant.id,
                                              "quantity": quantity})
    assert response.status_code == 302, response.data


def card_checkout(client, *items):
    """Add (listing, quantity) items and check out by card -> (the order, Stripe's page URL)."""
    for listing, quantity in items:
        add_to_cart(client, listing, quantity=quantity)
    response = client.post("/checkout", data=dict(CHECKOUT, payment_method="card"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return latest_order(), response.location


def latest_order() -> Order:
    with unscoped():
        return db.session.scalar(select(Order).order_by(Order.id.desc()).limit(1)
                                 .options(selectinload(Order.lines))
                                 .execution_options(populate_existing=True))


def payment_of(order) -> Payment:
    with unscoped():
        return db.session.scalar(select(Payment).where(Payment.order_id == order.id)
                                 .execution_options(populate_existing=True))


def session_id_of(stripe_url: str) -> str:
    return urlparse(stripe_url).path.rsplit("/", 1)[-1]


def fresh(order) -> Order:
    """The order read again, with its lines (loaded now: outside a shop scope, a lazy load
    would find nothing on PostgreSQL, where row-level security hides them)."""
    with unscoped():
        return db.session.scalar(select(Order).where(Order.id == order.id)
                                 .options(selectinload(Order.lines))
                                 .execution_options(populate_existing=True))


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}
