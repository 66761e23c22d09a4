"""Refunds by the owner and the admin, cancels of paid orders, and their ledger entries."""

from __future__ import annotations

from sqlalchemy import func, select

from app.catalog.models import SupplyVariant
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.fulfilment_models import PurchaseOrder
from app.payments import refunds
from app.payments.models import Refund
from app.tenancy import unscoped, use_shop
from tests import factories

from .helpers import card_checkout, fresh, payment_of, session_id_of


def _paid_card_order(fake_stripe, shop, storefront, *items):
    order, url = card_checkout(storefront(shop.shop), *items)
    fake_stripe.pay_session(session_id_of(url))
    return fresh(order)


def _entries(order):
    with unscoped():
        return db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order.id)
                                  .order_by(LedgerEntry.id)).all()


def _stock(variant) -> int:
    with unscoped():
        return db.session.scalar(select(SupplyVariant.stock).where(SupplyVariant.id == variant.id))


def _refunds(order):
    with unscoped():
        return db.session.scalars(select(Refund).where(Refund.order_id == order.id)
                                  .order_by(Refund.id).execution_options(populate_existing=True)).all()


def test_owner_refunds_one_item_through_stripe(fake_stripe, shop_a, shop_b, storefront, login):
    tee = shop_a.listings[0]
    order = _paid_card_order(fake_stripe, shop_a, storefront, (tee, 2))
    line = order.lines[0]
    owner = login(shop_a.owner)
    response = owner.post(f"/dashboard/alpha/orders/{order.id}/refund",
                          data={f"qty-{line.id}": "1", "reason": "Arrived damaged"})
    assert response.status_code == 302
    order = fresh(order)
    assert order.refunded_total == 1800 and order.status == "paid"
    [refund] = _refunds(order)
    assert refund.status == "succeeded" and refund.lines == {str(line.id): 1} and refund.stripe_refund_id
    [request] = fake_stripe.find_requests("POST", "/v1/refunds")
    assert request.idempotency_key == f"refund-{refund.id}-attempt-0"
    assert request.params["amount"] == "1800" and request.params["metadata"]["refund_id"] == str(refund.id)
    assert request.params["payment_intent"] == payment_of(order).payment_intent_id
    entries = _entries(order)
    assert sum(e.amount for e in entries) == 2 * 1800 - 1800
    refund_entries = {e.payee_type: e.amount for e in entries if e.kind == "refund"}
    assert refund_entries == {"platform": -90, "shop": -1710}  # the supplier keeps its cost
    # Stripe's own charge.refunded for it arrived after the request: nothing doubled.
    assert order.refunded_total == 1800 and len(_refunds(order)) == 1
    page = owner.get(f"/dashboard/alpha/orders/{order.id}").get_data(as_text=True)
    assert "Arrived damaged" in page and "How the money is shared" in page
    status_page = storefront(shop_a.shop).get(f"/orders/{order.number}/{order.access_token}")
    assert "$18.00 has been refunded" in status_page.get_data(as_text=True)


def test_refund_everything_left_makes_the_order_refunded(fake_stripe, shop_a, storefront, login):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1), (shop_a.listings[1], 2))
    owner = login(shop_a.owner)
    owner.post(f"/dashboard/alpha/orders/{order.id}/refund", data={"whole": "1"})
    order = fresh(order)
    assert order.status == "refunded" and order.refunded_total == order.total
    assert sum(e.amount for e in _entries(order)) == 0
    assert fake_stripe.get(payment_of(order).charge_id)["refunded"] is True
    again = owner.post(f"/dashboard/alpha/orders/{order.id}/refund", data={"whole": "1"})
    assert again.status_code == 302 and len(_refunds(order)) == 1


def test_refunding_more_than_is_left_is_refused_with_nothing_written(fake_stripe, shop_a, storefront, login):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    line = order.lines[0]
    owner = login(shop_a.owner)
    for bad in ("2", "-1", "lots"):
        response = owner.post(f"/dashboard/alpha/orders/{order.id}/refund", data={f"qty-{line.id}": bad},
                              follow_redirects=True)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "only 1 left" in text or "zero or more" in text or "whole number" in text
    none_chosen = owner.post(f"/dashboard/alpha/orders/{order.id}/refund", data={f"qty-{line.id}": "0"},
                             follow_redirects=True)
    assert "Choose at least one item" in none_chosen.get_data(as_text=True)
    assert _refunds(order) == [] and fake_stripe.find_requests("POST", "/v1/refunds") == []


def test_stripe_refusing_a_refund_marks_it_failed_and_changes_no_money(fake_stripe, shop_a, storefront, login):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    fake_stripe.open_dispute(payment_of(order).charge_id)  # a disputed charge cannot be refunded
    before = [(e.entry_key, e.amount) for e in _entries(order)]
    owner = login(shop_a.owner)
    response = owner.post(f"/dashboard/alpha/orders/{order.id}/refund", data={"whole": "1"},
                          follow_redirects=True)
    assert "Stripe refused the refund" in response.get_data(as_text=True)
    [refund] = _refunds(order)
    assert refund.status == "failed" and refund.failure_message
    assert [(e.entry_key, e.amount) for e in _entries(order)] == before
    assert fresh(order).refunded_total == 0


def test_a_webhook_before_stripes_answer_completes_the_refund_once(fake_stripe, shop_a, storefront):
    """Stripe sends charge.refunded before our call has returned: the pending refund is
    completed by whichever comes first; the other finds it done."""
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
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
    # Meanwhile the webhook (delivered from the fake's thread, after the call) completed it.
    with use_shop(shop_a.shop.id):
        refunds.submit_refund(refund_id)  # the retry: replays Stripe's answer, finds it done
    [refund] = _refunds(order)
    assert refund.status == "succeeded"
    assert len([e for e in _entries(order) if e.kind == "refund"]) == 2  # platform + shop, once
    assert fresh(order).refunded_total == order.total
    assert len(fake_stripe.objects("refund")) == 1


def test_cancelling_a_paid_card_order_refunds_it_and_suppliers_give_back_their_costs(
        fake_stripe, shop_a, storefront, login):
    tee = shop_a.listings[0]
    variant = tee.supply_product.variants[0]
    order = _paid_card_order(fake_stripe, shop_a, storefront, (tee, 2))
    stock_after_sale = _stock(variant)
    owner = login(shop_a.owner)
    response = owner.post(f"/dashboard/alpha/orders/{order.id}/cancel", follow_redirects=True)
    assert "refunded" in response.get_data(as_text=True)
    order = fresh(order)
    assert order.status == "cancelled" and order.refunded_total == order.total
    by_payee = {}
    for entry in _entries(order):
        by_payee[entry.payee_type] = by_payee.get(entry.payee_type, 0) + entry.amount
    fee = payment_of(order).processor_fee
    assert by_payee == {"supplier": 0, "platform": 0, "processor": fee, "shop": -fee}
    assert _stock(variant) == stock_after_sale + 2
    with unscoped():
        assert {po.status for po in db.session.scalars(select(PurchaseOrder).where(
            PurchaseOrder.order_id == order.id))} == {"cancelled"}


def test_a_shipped_order_cannot_be_cancelled_but_can_be_refunded(fake_stripe, shop_a, storefront, login):
    from app.orders.fulfilment import Shipment, ship_lines

    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    with use_shop(shop_a.shop.id):
        po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))
        ship_lines(po.supplier_id, [Shipment(po.lines[0], "UPS", "1Z999")])
    owner = login(shop_a.owner)
    refused = owner.post(f"/dashboard/alpha/orders/{order.id}/cancel", follow_redirects=True)
    assert "already shipped" in refused.get_data(as_text=True)
    assert fresh(order).status == "paid" and fake_stripe.find_requests("POST", "/v1/refunds") == []
    owner.post(f"/dashboard/alpha/orders/{order.id}/refund", data={"whole": "1"})
    assert fresh(order).status == "refunded"


def test_cash_orders_refund_and_cancel_in_the_books(shop_a, login):
    from app.orders.services import mark_paid

    order = factories.make_order(shop_a)
    with use_shop(shop_a.shop.id):
        mark_paid(order)
    entries = _entries(order)
    assert sum(e.amount for e in entries if e.kind != "cash_collected") == order.total
    assert [e.amount for e in entries if e.kind == "cash_collected"] == [-order.total]
    owner = login(shop_a.owner)
    owner.post(f"/dashboard/alpha/orders/{order.id}/cancel")
    order = fresh(order)
    assert order.status == "cancelled"
    totals = {}
    for entry in _entries(order):
        totals[entry.payee_type] = totals.get(entry.payee_type, 0) + entry.amount
    assert set(totals.values()) == {0}  # nobody owes anybody anything


def test_a_card_order_cannot_be_marked_paid_by_hand(fake_stripe, shop_a, storefront, login):
    order, _url = card_checkout(storefront(shop_a.shop), (shop_a.listings[0], 1))
    response = login(shop_a.owner).post(f"/dashboard/alpha/orders/{order.id}/mark-paid",
                                        follow_redirects=True)
    assert "marked paid by Stripe" in response.get_data(as_text=True)
    assert fresh(order).status == "pending"


def test_an_owner_cannot_refund_another_shops_order(fake_stripe, shop_a, shop_b, storefront, login):
    order_b = _paid_card_order(fake_stripe, shop_b, storefront, (shop_b.listings[0], 1))
    owner = login(shop_a.owner)
    for path in (f"/dashboard/alpha/orders/{order_b.id}/refund", f"/dashboard/bravo/orders/{order_b.id}/refund",
                 f"/dashboard/alpha/orders/{order_b.id}/cancel"):
        assert owner.post(path, data={"whole": "1"}).status_code == 404
    assert fresh(order_b).refunded_total == 0 and _refunds(order_b) == []


def test_the_admin_refunds_any_shops_order(fake_stripe, shop_a, storefront, login):
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[1], 2))
    admin = login(factories.make_user("boss@example.com", is_admin=True))
    page = admin.get(f"/admin/shops/{shop_a.shop.id}/orders/{order.id}")
    assert page.status_code == 200 and "Refund everything left" in page.get_data(as_text=True)
    line = order.lines[0]
    admin.post(f"/admin/shops/{shop_a.shop.id}/orders/{order.id}/refund", data={f"qty-{line.id}": "1"})
    [refund] = _refunds(order)
    assert refund.source == "admin" and refund.amount == line.unit_price
    # The order id with the wrong shop is not found.
    assert admin.get(f"/admin/shops/{shop_a.shop.id + 999}/orders/{order.id}").status_code == 404


def test_a_refund_stripe_did_not_answer_is_settled_by_the_periodic_job(fake_stripe, shop_a, storefront):
    from datetime import timedelta

    from app.db_types import utcnow

    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    fake_stripe.auto_deliver = False  # no webhook either
    with use_shop(shop_a.shop.id):
        refund = refunds.start_refund(fresh(order), None)
        refund.created_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
    assert refunds.resubmit_pending_refunds() == 1
    assert _refunds(order)[0].status == "succeeded" and fresh(order).status == "refunded"
    assert refunds.resubmit_pending_refunds() == 0
    with unscoped():
        assert db.session.scalar(select(func.count(Refund.id))) == 1
    assert len(fake_stripe.objects("refund")) == 1
