"""The owners' e-mail about a new order (app/orders/jobs.py send_new_order_to_owners): one
per owner and order, queued through the outbox in the transaction in which the order goes
ahead (placed to pay on delivery, paid by card, confirmed, or its group filled), never to
another shop's owner, never for a transaction that rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import ShopMembership
from app.extensions import db
from app.jobs.models import OutboxJob
from app.notifications.models import OutboundEmail
from app.orders import confirmation
from app.orders.cart import build_cart, line_key
from app.orders.jobs import send_new_order_to_owners
from app.orders.services import cancel_order, place_order
from app.tenancy import unscoped, use_shop
from tests.factories import CUSTOMER, make_order, make_user, run_job
from tests.payments.helpers import card_checkout, fresh, session_id_of


def _emails(prefix: str) -> list[OutboundEmail]:
    with unscoped():
        return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.dedupe_key.like(f"{prefix}%"))
                                       .order_by(OutboundEmail.id)))


def _jobs(job_id: str) -> list[OutboxJob]:
    return list(db.session.scalars(select(OutboxJob).where(OutboxJob.job_id == job_id)))


def test_a_pay_on_delivery_order_e_mails_its_owner_once(shop_a, shop_b):
    order = make_order(shop_a)
    order_id, number = order.id, order.number  # the job commits: the row expires
    assert len(_jobs(f"new-order-{order_id}")) == 1  # queued with the order, in its transaction
    assert run_job(send_new_order_to_owners, order_id) == "1 sent"
    assert run_job(send_new_order_to_owners, order_id) == "0 sent"
    [email] = _emails(f"new-order:{order_id}:")
    assert email.to_address == "owner-alpha@example.com"
    assert email.subject == f"New order {number} at Alpha Shop: $18.00"
    for expected in (number, "1 × alpha Organic Cotton Tee (S / Sand): $18.00", "Total: $18.00",
                     "pay on delivery: the shopper pays when it arrives", "Ada Shopper", "1 Main Street",
                     "12345 Springfield", "United States", "mark the order paid",
                     f"http://flagship.test/dashboard/alpha/orders/{order_id}"):
        assert expected in email.body_text, expected
    assert f"http://flagship.test/dashboard/alpha/orders/{order_id}" in email.body_html
    assert "1 × alpha Organic Cotton Tee" in email.body_html and "$18.00" in email.body_html


def test_every_owner_gets_one_and_staff_and_other_shops_none(shop_a, shop_b):
    partner, helper = make_user("partner@example.com"), make_user("helper@example.com")
    db.session.add_all([ShopMembership(shop_id=shop_a.shop.id, user_id=partner.id, role="owner"),
                        ShopMembership(shop_id=shop_a.shop.id, user_id=helper.id, role="staff")])
    db.session.flush()
    order = make_order(shop_a)
    order_id = order.id
    assert run_job(send_new_order_to_owners, order_id) == "2 sent"
    assert sorted(e.to_address for e in _emails("new-order:")) == ["owner-alpha@example.com",
                                                                    "partner@example.com"]
    other = make_order(shop_b)
    other_id = other.id
    run_job(send_new_order_to_owners, other_id)
    assert [e.to_address for e in _emails(f"new-order:{other_id}:")] == ["owner-bravo@example.com"]
    assert all(e.shop_id == shop_a.shop.id for e in _emails(f"new-order:{order_id}:"))


def test_a_checkout_that_rolls_back_e_mails_nobody(shop_a):
    with use_shop(shop_a.shop.id):
        listing = shop_a.listings[0]
        cart = build_cart({line_key(listing.id, listing.supply_product.variants[0].id): 1}, "USD")
        savepoint = db.session.begin_nested()
        order = place_order(shop_a.shop, cart, CUSTOMER)
        order_id = order.id
        savepoint.rollback()
    assert _jobs(f"new-order-{order_id}") == []
    assert run_job(send_new_order_to_owners, order_id) == "missing"
    assert _emails("new-order:") == []


def test_an_order_held_for_approval_e_mails_the_owner_only_once_approved(shop_a):
    with use_shop(shop_a.shop.id):
        listing = shop_a.listings[0]
        cart = build_cart({line_key(listing.id, listing.supply_product.variants[0].id): 1}, "USD")
        order = place_order(shop_a.shop, cart, CUSTOMER, held=True)
        confirmation.hold(order, shop_a.shop, "owner")
        order_id = order.id
        assert _jobs(f"new-order-{order_id}") == []
        confirmation.approve(order)
    assert len(_jobs(f"new-order-{order_id}")) == 1
    run_job(send_new_order_to_owners, order_id)
    assert len(_emails(f"new-order:{order_id}:")) == 1


def test_an_order_cancelled_before_the_job_ran_e_mails_nobody(shop_a):
    order = make_order(shop_a)
    with use_shop(shop_a.shop.id):
        cancel_order(order)
    assert run_job(send_new_order_to_owners, order.id) == "cancelled"
    assert _emails("new-order:") == []


def test_a_card_order_e_mails_the_owner_once_paid(fake_stripe, shop_a, shop_b, storefront):
    order, url = card_checkout(storefront(shop_a.shop), (shop_a.listings[1], 2))
    assert _emails("new-order:") == []  # not paid yet: nothing went ahead
    fake_stripe.pay_session(session_id_of(url))
    order = fresh(order)
    assert order.status == "paid"
    [email] = _emails(f"new-order:{order.id}:")
    assert email.to_address == "owner-alpha@example.com"
    assert "Payment: paid by card" in email.body_text and "2 × alpha Sea Salt Crisps" in email.body_text
    assert "mark the order paid" not in email.body_text


@pytest.fixture
def group_deal(shop_a):
    from app.deals import services

    crisps = shop_a.listings[1]
    with use_shop(shop_a.shop.id):
        variant = crisps.supply_product.variants[0]
        deal = services.save_group_buy(crisps, prices={variant.id: "3.60"}, group_size=2,
                                       time_limit_hours=24, max_open_groups=2)
        return deal.id, variant.id


def test_a_group_buy_e_mails_the_owner_for_each_member_once_the_group_fills(shop_a, group_deal, storefront):
    from tests.storefront.test_shopping import CHECKOUT

    deal_id, variant_id = group_deal
    started = storefront(shop_a.shop).post(f"/group-checkout?deal={deal_id}&variant={variant_id}", data=CHECKOUT)
    token = started.location.split("/groups/")[1].split("?")[0]
    assert _emails("new-order:") == []  # a member waiting for the group is not an order yet
    storefront(shop_a.shop).post(f"/group-checkout?deal={deal_id}&variant={variant_id}&group={token}",
                                 data=dict(CHECKOUT, email="bo@example.com", name="Bo Chen"))
    emails = _emails("new-order:")
    assert len(emails) == 2 and {e.to_address for e in emails} == {"owner-alpha@example.com"}
    assert {"Ada Shopper" in e.body_text for e in emails} == {True, False}
