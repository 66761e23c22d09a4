"""'Find my order' (issue 14, day-one item 5): the links to a shopper's orders at this shop,
e-mailed to the address itself; the page never says whether it has orders."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.notifications.models import OutboundEmail
from app.tenancy import unscoped
from tests.payments.helpers import CHECKOUT, add_to_cart, latest_order


def _mails(to):
    with unscoped():
        return db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == to,
                                                              OutboundEmail.dedupe_key.like("order-links:%"))).all()


def _order(storefront, fixture, email):
    client = storefront(fixture.shop)
    add_to_cart(client, fixture.listings[1])
    assert client.post("/checkout", data=dict(CHECKOUT, email=email)).status_code == 302
    return latest_order()


def test_the_links_go_to_the_address_and_only_this_shops_orders(shop_a, shop_b, storefront):
    first = _order(storefront, shop_a, "ada@example.com")
    second = _order(storefront, shop_a, "ada@example.com")
    elsewhere = _order(storefront, shop_b, "ada@example.com")
    client = storefront(shop_a.shop)
    assert "Find my order" in client.get("/").get_data(as_text=True)
    sent = client.post("/orders/find", data={"email": "ADA@example.com "})
    assert sent.status_code == 200 and "is on its way" in sent.get_data(as_text=True)
    [mail] = _mails("ada@example.com")
    assert first.number in mail.body_text and second.number in mail.body_text
    assert first.access_token in mail.body_text and elsewhere.number not in mail.body_text
    client.post("/orders/find", data={"email": "ada@example.com"})
    assert len(_mails("ada@example.com")) == 1  # once an hour per shop and address


def test_an_address_without_orders_learns_nothing_and_a_bad_one_is_refused(shop_a, storefront):
    client = storefront(shop_a.shop)
    nobody = client.post("/orders/find", data={"email": "nobody@example.com"})
    assert nobody.status_code == 200 and "is on its way" in nobody.get_data(as_text=True)
    with unscoped():
        assert db.session.scalar(select(func.count(OutboundEmail.id)).where(
            OutboundEmail.dedupe_key.like("order-links:%"))) == 0
    bad = client.post("/orders/find", data={"email": "not an address"})
    assert bad.status_code == 422 and "Enter an email address" in bad.get_data(as_text=True)
