"""A checkout whose answer is lost (the database connection dropped at the commit, a double
click, the browser resending) finds the order it placed instead of a 500 or a second order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.orders.models import Order
from app.tenancy import unscoped

from ..payments.helpers import CHECKOUT, add_to_cart


def _orders() -> list[Order]:
    with unscoped():
        return list(db.session.scalars(select(Order).execution_options(populate_existing=True)))


def _form_key(client) -> str:
    page = client.get("/checkout").get_data(as_text=True)
    return re.search(r'name="checkout_key"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def dropped_connection(monkeypatch):
    """The connection drops at the next commit of an order: `after` (the commit went through,
    its answer was lost) or `before` (while the order was being written: nothing was)."""
    state = {"when": None}
    engine = db.engines[None]
    real_commit = db.session.commit

    def commit_then_lose_the_answer():
        real_commit()
        if state["when"] == "after":
            state["when"] = None
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        if state["when"] == "before" and statement.startswith("INSERT INTO orders"):
            state["when"] = None
            raise OperationalError(statement, {}, Exception("connection reset by peer"))

    monkeypatch.setattr(db.session, "commit", commit_then_lose_the_answer)
    event.listen(engine, "before_cursor_execute", before_execute)
    yield state
    event.remove(engine, "before_cursor_execute", before_execute)


def test_the_same_checkout_sent_twice_places_one_order(shop_a, storefront):
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[0])
    key = _form_key(client)
    first = client.post("/checkout", data=dict(CHECKOUT, checkout_key=key))
    assert first.status_code == 302
    add_to_cart(client, shop_a.listings[0])  # even with a cart again, the same form is the same order
    second = client.post("/checkout", data=dict(CHECKOUT, checkout_key=key))
    assert second.status_code == 302 and second.location == first.location
    assert len(_orders()) == 1


def test_an_answer_lost_after_the_commit_shows_the_placed_order(shop_a, storefront,
                                                               dropped_connection):
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[0])
    key = _form_key(client)
    dropped_connection["when"] = "after"
    response = client.post("/checkout", data=dict(CHECKOUT, checkout_key=key))
    [order] = _orders()
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert f"/orders/{order.number}/{order.access_token}" in response.location
    assert order.checkout_key == key


def test_a_connection_lost_before_the_order_asks_to_try_again(shop_a, storefront, dropped_connection):
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[0])
    key = _form_key(client)
    dropped_connection["when"] = "before"
    response = client.post("/checkout", data=dict(CHECKOUT, checkout_key=key))
    assert response.status_code == 503
    assert "nothing was charged" in response.get_data(as_text=True)
    assert _orders() == []
    again = client.post("/checkout", data=dict(CHECKOUT, checkout_key=key))  # the cart is intact
    assert again.status_code == 302 and len(_orders()) == 1


def test_a_malformed_checkout_key_is_refused(shop_a, storefront):
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[0])
    response = client.post("/checkout", data=dict(CHECKOUT, checkout_key="<not a key>"))
    assert response.status_code == 422 and _orders() == []
