"""The shopper's e-mails when an order is cancelled by the shop or money goes back
(app/payments/emails.py): one per event and order, with who cancelled and why, and what
happens to the money; never for a change that rolled back, never doubled with the e-mails
group buys, pre-sales and holds already send, never to another shop's shopper."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.cart import build_cart, line_key
from app.orders.services import mark_paid, place_order
from app.payments import refunds
from app.tenancy import unscoped, use_shop
from tests import factories
from tests.factories import CUSTOMER

from .helpers import card_checkout, fresh, payment_of, session_id_of


def _emails(order_id: int, kind: str | None = None) -> list[OutboundEmail]:
    """The order's e-mails about cancelling and refunding (or those of one `kind`)."""
    kinds = (kind,) if kind else ("order-cancelled", "order-refunded")
    with unscoped():
        return [email for email in db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id))
                if email.dedupe_key.split(":")[0] in kinds and email.dedupe_key.split(":")[1] == str(order_id)]


def _paid_card_order(fake_stripe, shop, storefront, *items):
    order, url = card_checkout(storefront(shop.shop), *items)
    fake_stripe.pay_session(session_id_of(url))
    return fresh(order)


def _refunds_of(order):
    with use_shop(order.shop_id):
        return refunds.refunds_of(order)


def _order(fixture, email="ada@example.com", quantity=1):
    with use_shop(fixture.shop.id):
        listing = fixture.listings[1]
        cart = build_cart({line_key(listing.id, listing.supply_product.variants[0].id): quantity}, "USD")
        return place_order(fixture.shop, cart, replace(CUSTOMER, email=email))


# Cancellations -------------------------------------------------------------------------------


def test_the_owner_cancels_an_unpaid_order_and_the_shopper_is_told_why_once(shop_a, shop_b, login):
    order = _order(shop_a)
    _order(shop_b, email="bo@example.com")
    owner = login(shop_a.owner)
    page = owner.get(f"/dashboard/alpha/orders/{order.id}/cancel").get_data(as_text=True)
    assert 'name="reason"' in page and "is e-mailed that you cancelled the order" in page
    response = owner.post(f"/dashboard/alpha/orders/{order.id}/cancel",
                          data={"reason": "The supplier ran out of this flavour"})
    assert response.status_code == 302 and fresh(order).status == "cancelled"
    [email] = _emails(order.id)
    assert email.dedupe_key == f"order-cancelled:{order.id}" and email.to_address == "ada@example.com"
    assert email.subject == f"Your order {order.number} from Alpha Shop is cancelled"
    for expected in (f"Alpha Shop cancelled your order: {order.number}.",
                     "The reason given: “The supplier ran out of this flavour”",
                     "Nothing was charged and nothing is due.", "1 × alpha Sea Salt Crisps"):
        assert expected in email.body_text, expected
    assert "Alpha Shop cancelled your order" in email.body_html and "ran out of this flavour" in email.body_html
    owner.post(f"/dashboard/alpha/orders/{order.id}/cancel")  # refused: already cancelled
    assert len(_emails(order.id)) == 1
    with unscoped():  # nothing to the other shop's shopper
        assert db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == "bo@example.com")) is None


def test_a_cancel_without_a_reason_says_who_and_what_happens_to_the_money(shop_a, login):
    order = _order(shop_a)
    login(shop_a.owner).post(f"/dashboard/alpha/orders/{order.id}/cancel")
    [email] = _emails(order.id)
    assert "Alpha Shop cancelled your order" in email.body_text and "reason" not in email.body_text


def test_cancelling_a_paid_card_order_sends_one_e_mail_with_the_refund(fake_stripe, shop_a, storefront, login):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 2))
    login(shop_a.owner).post(f"/dashboard/alpha/orders/{order.id}/cancel", data={"reason": "Sold out"})
    assert fresh(order).status == "cancelled"
    [email] = _emails(order.id)  # one event: no separate refund e-mail
    assert email.dedupe_key == f"order-cancelled:{order.id}"
    assert "$36.00 goes back to the card you paid with" in email.body_text
    assert "5 to 10 business days" in email.body_text and "Sold out" in email.body_text


def test_cancelling_a_paid_cash_order_says_the_cash_was_given_back(shop_a, login):
    order = factories.make_order(shop_a)
    with use_shop(shop_a.shop.id):
        mark_paid(order)
    login(shop_a.owner).post(f"/dashboard/alpha/orders/{order.id}/cancel")
    [email] = _emails(order.id)
    assert "You paid $18.00 on delivery: Alpha Shop has given it back to you in cash." in email.body_text


def test_a_refused_cancel_e_mails_nobody(fake_stripe, shop_a, storefront, login):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    fake_stripe.open_dispute(payment_of(order).charge_id)  # Stripe refuses to refund it
    response = login(shop_a.owner).post(f"/dashboard/alpha/orders/{order.id}/cancel", follow_redirects=True)
    assert "Stripe refused the refund" in response.get_data(as_text=True)
    assert fresh(order).status == "paid" and _emails(order.id) == []


def test_a_cancel_whose_transaction_rolls_back_leaves_no_e_mail(shop_a):
    from app.jobs.models import OutboxJob

    order = factories.make_order(shop_a)
    order_id = order.id  # (the rollback expires the row; RLS hides a reload outside a scope)
    with use_shop(shop_a.shop.id):
        mark_paid(order)
        savepoint = db.session.begin_nested()
        refunds.refund_cash(order, None, reason="Changed their mind", cancels_order=True)
        assert order.status == "cancelled" and len(_emails(order_id)) == 1  # in the transaction...
        savepoint.rollback()
    assert _emails(order_id) == []  # ...and gone with it, its sending too
    assert db.session.scalar(select(OutboxJob).where(OutboxJob.job_id.like("send-email-%"))) is None


def test_the_shoppers_own_cancel_of_a_card_payment_sends_nothing(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    order, _url = card_checkout(client, (shop_a.listings[0], 1))
    response = client.post(f"/orders/{order.number}/{order.access_token}/cancel-payment")
    assert response.status_code == 302 and fresh(order).status == "cancelled"
    assert _emails(order.id) == []


# Refunds -------------------------------------------------------------------------------------


def test_each_refund_e_mails_the_amount_and_items_but_never_the_shops_note(fake_stripe, shop_a, storefront, login):
    tee = shop_a.listings[0]
    order = _paid_card_order(fake_stripe, shop_a, storefront, (tee, 2))
    line = order.lines[0]
    owner = login(shop_a.owner)
    owner.post(f"/dashboard/alpha/orders/{order.id}/refund",
               data={f"qty-{line.id}": "1", "reason": "Shopper was rude on the phone"})
    [first] = _emails(order.id)
    [refund] = _refunds_of(order)
    assert first.dedupe_key == f"order-refunded:{order.id}:{refund.id}" and first.to_address == "ada@example.com"
    assert first.subject == f"$18.00 refunded on your order {order.number} from Alpha Shop"
    for expected in ("$18.00 of your order", "1 × alpha Organic Cotton Tee (S / Sand): $18.00",
                     "goes back to the card you paid with", "5 to 10 business days",
                     "Still paid on this order: $18.00."):
        assert expected in first.body_text, expected
    assert "rude" not in first.body_text and "rude" not in first.body_html
    owner.post(f"/dashboard/alpha/orders/{order.id}/refund", data={"whole": "1"})
    emails = _emails(order.id)
    assert len(emails) == 2 and emails[0].id == first.id
    assert "refunded in full" in emails[1].body_text and fresh(order).status == "refunded"
    assert not _emails(order.id, "order-cancelled")


def test_a_cash_refund_says_the_cash_was_given_back(shop_a, login):
    order = factories.make_order(shop_a)
    with use_shop(shop_a.shop.id):
        mark_paid(order)
    line_id = order.lines[0].id
    login(shop_a.owner).post(f"/dashboard/alpha/orders/{order.id}/refund", data={f"qty-{line_id}": "1"})
    [email] = _emails(order.id)
    assert "Alpha Shop has given it back to you in cash" in email.body_text
    assert "refunded in full" in email.body_text


def test_a_refund_made_in_stripes_dashboard_is_e_mailed_once(fake_stripe, shop_a, storefront, client):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    fake_stripe.refund_from_dashboard(payment_of(order).charge_id, 500)
    assert fresh(order).refunded_total == 500
    [email] = _emails(order.id)
    assert "$5.00 of your order" in email.body_text and "Still paid on this order: $13.00." in email.body_text
    event = fake_stripe.last_event("charge.refunded")  # delivered again: nothing doubled
    payload, headers = fake_stripe.signed_event_request(event)
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 200
    assert len(_emails(order.id)) == 1


def test_a_refund_completed_by_the_webhook_and_our_call_is_e_mailed_once(fake_stripe, shop_a, storefront):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    order_id = order.id  # (the commits expire the row; RLS hides a reload outside a scope)
    with use_shop(shop_a.shop.id):
        refund = refunds.start_refund(fresh(order), None, reason="race")
        db.session.commit()
        refund_id = refund.id
    fake_stripe.fail_next("/v1/refunds", status=500, commit=True, method="POST")  # made, answer lost
    with use_shop(shop_a.shop.id):
        try:
            refunds.submit_refund(refund_id)
        except Exception:
            db.session.rollback()
    with use_shop(shop_a.shop.id):
        refunds.submit_refund(refund_id)
    assert len(_emails(order_id)) == 1


# Deals: their own e-mails, not doubled --------------------------------------------------------


def _presale(shop, minimum: int):
    from datetime import timedelta

    from app.db_types import utcnow
    from app.deals import services
    from tests.deals.test_presales import _when

    tee = shop.listings[0]
    with use_shop(shop.shop.id):
        deal, run = services.open_presale(
            tee, prices={v.id: "20.00" for v in tee.supply_product.variants}, minimum=minimum,
            closes_at=_when(days=10), ships_by=(utcnow() + timedelta(days=30)).strftime("%Y-%m-%d"),
            deposit_percent="20")
        return deal.id, run.id, tee.supply_product.variants[0].id


def test_the_owner_cancelling_a_pre_order_awaiting_its_balance_tells_of_the_deposit(
        fake_stripe, shop_a, storefront, login):
    from app.deals import jobs
    from tests.deals.test_presale_deposits import _pre_order_deposit
    from tests.deals.test_presales import _due
    from tests.factories import run_job

    deal_id, run_id, variant_id = _presale(shop_a, minimum=1)
    ada = _pre_order_deposit(fake_stripe, storefront(shop_a.shop), deal_id, variant_id)
    order_id = ada.id
    _due(run_id)
    run_job(jobs.close_round_if_due, run_id)
    login(shop_a.owner).post(f"/dashboard/alpha/orders/{order_id}/cancel", data={"reason": "out of fabric"})
    [email] = _emails(order_id)
    assert email.dedupe_key == f"order-cancelled:{order_id}"
    assert "$8.00 goes back to the card you paid with" in email.body_text and "out of fabric" in email.body_text


def test_a_failed_pre_sale_sends_only_its_own_e_mail(fake_stripe, shop_a, storefront):
    from app.deals import jobs
    from tests.deals.test_presale_deposits import _pre_order_deposit
    from tests.deals.test_presales import _due
    from tests.factories import run_job

    deal_id, run_id, variant_id = _presale(shop_a, minimum=10)  # never reached
    ada = _pre_order_deposit(fake_stripe, storefront(shop_a.shop), deal_id, variant_id)
    order_id = ada.id
    _due(run_id)
    assert run_job(jobs.close_round_if_due, run_id) == "failed"
    assert fresh(ada).status == "cancelled"
    assert _emails(order_id) == []  # the deal's "did not go ahead" e-mail says it all
    [failed] = _emails(order_id, "deal-failed")
    assert "closed without reaching its minimum" in failed.body_text
    assert "closed without reaching its minimum" in failed.body_html and "did not fill" not in failed.body_html
