"""Pre-sales end to end: the owner opens one (bad values refused), shoppers pre-order (pay on
delivery or by card; no stock taken: made to order), and at the close the pre-sale goes ahead
(every order on, one consolidated production order per supplier, the ledger only then) or
fails (every order cancelled, money returned, everyone told); the owner can close early."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db_types import utcnow
from app.deals import jobs, services
from app.deals.models import DealEvent, DealRound, ProductionOrder
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.tenancy import unscoped, use_shop
from tests.factories import run_job
from tests.payments.helpers import CHECKOUT, fresh, latest_order, payment_of, session_id_of

from .test_group_buys import _count, _fresh, _stock
from .test_group_card import _ledger


@pytest.fixture
def tee(shop_a):
    """Shop A's tee: wholesale 12.00, minimum retail 18.00 (sold at 18.00)."""
    return shop_a.listings[0]


def _when(**delta) -> str:
    return (utcnow() + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def _open(shop, listing, minimum=3, price="19.00"):
    with use_shop(shop.id):
        variant = listing.supply_product.variants[0]
        deal, run = services.open_presale(
            listing, prices={v.id: price for v in listing.supply_product.variants}, minimum=minimum,
            closes_at=_when(days=10), ships_by=(utcnow() + timedelta(days=30)).strftime("%Y-%m-%d"))
        return deal.id, run.id, variant.id


def _preorder(client, deal_id, variant_id, qty=1, email="ada@example.com", method="cod"):
    return client.post(f"/group-checkout?deal={deal_id}&variant={variant_id}&qty={qty}",
                       data=dict(CHECKOUT, email=email, payment_method=method))


def _due(run_id):
    with unscoped():
        db.session.get(DealRound, run_id).deadline = utcnow() - timedelta(seconds=1)
        db.session.flush()


def test_the_owner_opens_a_pre_sale_and_bad_values_are_refused(shop_a, tee, login):
    tee_id = tee.id  # (a commit expires the row; RLS hides a reload outside a scope)
    owner = login(shop_a.owner)
    variant = tee.supply_product.variants[0]
    url = f"/dashboard/alpha/products/{tee_id}/pre-sale"
    page = owner.get(url)
    assert page.status_code == 200 and "Open a pre-sale" in page.get_data(as_text=True)
    prices = {f"price_{v.id}": "19.00" for v in tee.supply_product.variants}
    good = dict(prices, minimum="20", closes_at=_when(days=7), ships_by=(utcnow() + timedelta(days=20)).strftime("%Y-%m-%d"))
    for change, message in [({f"price_{variant.id}": "10.00"}, "at least $18.00"),
                            ({"minimum": "0"}, "from 1 to 10000"),
                            ({"closes_at": _when(minutes=10)}, "between 1 hour and 60 days"),
                            ({"closes_at": "next week"}, "as a date and time"),
                            ({"ships_by": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d")}, "after the pre-sale closes")]:
        refused = owner.post(url, data=dict(good, **change))
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    assert _count(DealRound) == 0
    assert owner.post(url, data=good).status_code == 302
    [run] = _fresh(DealRound)
    assert (run.target, run.status, run.progress) == (20, "open", 0)
    again = owner.post(url, data=good)
    assert again.status_code == 422 and "close it before opening another" in again.get_data(as_text=True)
    shown = owner.get(url).get_data(as_text=True)
    assert "Running now" in shown and "Close now" in shown


def test_pre_orders_take_no_stock_and_a_pre_sale_that_reaches_its_minimum_goes_ahead(
        shop_a, tee, storefront, login):
    tee_id, handle = tee.id, tee.handle  # (a commit expires the row; RLS hides a reload outside a scope)
    deal_id, run_id, variant_id = _open(shop_a.shop, tee, minimum=3)
    before = _stock(variant_id)
    client = storefront(shop_a.shop)
    product = client.get(f"/products/{handle}").get_data(as_text=True)
    assert "Pre-order: $19.00" in product and "0</strong> of 3 ordered" in product and "ships by" in product
    form = client.get(f"/group-checkout?deal={deal_id}&variant={variant_id}&qty=2").get_data(as_text=True)
    assert "made to order" in form and "$38.00" in form

    placed = _preorder(client, deal_id, variant_id, qty=2)
    assert placed.status_code == 302 and "placed=1" in placed.location
    order = latest_order()
    sku = order.lines[0].sku  # (read now: a commit expires the row, and RLS hides a reload outside a scope)
    assert (order.hold, order.made_to_order, order.total) == ("deal", True, 3800)
    assert _stock(variant_id) == before  # made to order
    assert "Pre-order, made to order" in client.get(placed.location).get_data(as_text=True)
    assert _count(OutboundEmail, dedupe_key=f"presale-joined:{order.id}") == 1
    assert _preorder(storefront(shop_a.shop), deal_id, variant_id, email="bo@example.com").status_code == 302
    assert _fresh(DealRound)[0].progress == 3
    assert _count(PurchaseOrder) == 0  # nothing goes ahead before the close

    _due(run_id)
    assert run_job(jobs.sweep_due_rounds) == 1
    [run] = _fresh(DealRound)
    assert run.status == "filled" and run.closed_at is not None
    orders = _fresh(type(order))
    assert all(o.hold == "" and o.confirmed_at for o in orders)
    assert _count(PurchaseOrder) == 2  # each shopper's order ships on its own
    [production] = _fresh(ProductionOrder)
    assert production.total_quantity == 3 and production.lines[0]["sku"] == sku
    assert production.ships_by == run.ships_by
    assert _stock(variant_id) == before
    assert [e.kind for e in _fresh(DealEvent)][-1] == "closed"
    page = login(shop_a.owner).get(f"/dashboard/alpha/products/{tee_id}/pre-sale").get_data(as_text=True)
    assert production.number in page and "Went ahead" in page and "Open another pre-sale" in page
    closed = storefront(shop_a.shop).get(f"/group-checkout?deal={deal_id}&variant={variant_id}")
    assert closed.status_code == 302  # closed: back to the product page


def test_a_pre_sale_below_its_minimum_fails_and_refunds_card_pre_orders(fake_stripe, shop_a, tee, storefront):
    deal_id, run_id, variant_id = _open(shop_a.shop, tee, minimum=5)
    cod = _preorder(storefront(shop_a.shop), deal_id, variant_id)
    assert cod.status_code == 302
    card = _preorder(storefront(shop_a.shop), deal_id, variant_id, qty=2, email="bo@example.com", method="card")
    assert card.status_code == 303
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    assert "capture_method" not in request.params["payment_intent_data"]  # closes in 10 days: charged now
    fake_stripe.pay_session(session_id_of(card.location))
    bo = latest_order()
    assert (bo.hold, payment_of(bo).status, _ledger(bo)) == ("deal", "paid", 0)
    assert _fresh(DealRound)[0].progress == 3

    _due(run_id)
    assert run_job(jobs.close_round_if_due, run_id) == "failed"
    orders = _fresh(type(bo))
    assert [o.status for o in orders] == ["cancelled", "cancelled"]
    assert payment_of(bo).status == "refunded" and fake_stripe.objects("refund")[0]["amount"] == bo.total
    assert _ledger(bo) == 0 and _count(ProductionOrder) == 0 and _count(PurchaseOrder) == 0
    for order in orders:
        [mail] = _fresh(OutboundEmail, dedupe_key=f"deal-failed:{order.id}")
        assert "pre-sale of" in mail.body_text and "without reaching its minimum" in mail.body_text


def test_the_owner_closes_early_and_card_pre_orders_enter_the_ledger_only_then(
        fake_stripe, shop_a, tee, storefront, login):
    tee_id = tee.id  # (a commit expires the row; RLS hides a reload outside a scope)
    deal_id, run_id, variant_id = _open(shop_a.shop, tee, minimum=2)
    card = _preorder(storefront(shop_a.shop), deal_id, variant_id, qty=2, method="card")
    fake_stripe.pay_session(session_id_of(card.location))
    ada = latest_order()
    assert _ledger(ada) == 0
    owner = login(shop_a.owner)
    closed = owner.post(f"/dashboard/alpha/products/{tee_id}/pre-sale/close")
    assert closed.status_code == 302
    ada = fresh(ada)
    assert ada.status == "paid" and _ledger(ada) > 0
    assert _fresh(DealRound)[0].status == "filled" and _count(ProductionOrder) == 1
    assert "closed by the owner" in _fresh(DealEvent)[-1].detail
    again = owner.post(f"/dashboard/alpha/products/{tee_id}/pre-sale/close")
    assert again.status_code == 302 and _count(ProductionOrder) == 1


def test_another_shop_cannot_see_pre_order_into_or_close_a_pre_sale(shop_a, shop_b, tee, storefront, login):
    tee_id = tee.id  # (a commit expires the row; RLS hides a reload outside a scope)
    deal_id, run_id, variant_id = _open(shop_a.shop, tee)
    stranger = storefront(shop_b.shop)
    assert stranger.get(f"/group-checkout?deal={deal_id}&variant={variant_id}").status_code == 404
    assert _preorder(stranger, deal_id, variant_id).status_code == 404
    owner_b = login(shop_b.owner)
    assert owner_b.post(f"/dashboard/bravo/products/{tee_id}/pre-sale/close").status_code == 404
    assert owner_b.post(f"/dashboard/alpha/products/{tee_id}/pre-sale/close").status_code in (403, 404)
    assert _fresh(DealRound)[0].status == "open"
    with unscoped():
        assert db.session.scalar(select(DealRound.progress).where(DealRound.id == run_id)) == 0


def test_the_supplier_sees_what_to_make_and_another_supplier_does_not(shop_a, tee, catalog, storefront, login):
    from tests.supplier.helpers import add_second_supplier, member_of

    other, _mug = add_second_supplier(shop_a)
    maker, stranger = member_of(catalog.supplier), member_of(other)
    deal_id, run_id, variant_id = _open(shop_a.shop, tee, minimum=1)
    assert _preorder(storefront(shop_a.shop), deal_id, variant_id, qty=4).status_code == 302
    _due(run_id)
    assert run_job(jobs.close_round_if_due, run_id) == "filled"
    [production] = _fresh(ProductionOrder)
    portal = login(maker)
    page = portal.get("/supplier/").get_data(as_text=True)
    assert "Made to order" in page and production.number in page and "4 ×" in page
    portal.post("/logout")
    other_page = login(stranger).get("/supplier/").get_data(as_text=True)
    assert "Second Supplier" in other_page and production.number not in other_page


def test_the_admin_sees_every_shops_deals_and_a_deadline_left_unhandled(shop_a, shop_b, tee, storefront, login):
    from tests.factories import make_user

    deal_a, run_a, variant_a = _open(shop_a.shop, tee, minimum=2)
    assert _preorder(storefront(shop_a.shop), deal_a, variant_a).status_code == 302
    deal_b, run_b, _variant_b = _open(shop_b.shop, shop_b.listings[0], minimum=2)
    with unscoped():  # its deadline passed an hour ago and nothing closed it
        db.session.get(DealRound, run_b).deadline = utcnow() - timedelta(hours=1)
        db.session.flush()
    admin = login(make_user("boss@flagship.example", is_admin=True))
    page = admin.get("/admin/deals").get_data(as_text=True)
    assert "Alpha Shop" in page and "Bravo Shop" in page and "Joined" in page and "Opened" in page
    assert "Past their deadline, not closed" in page and "0 of 2" in page
    only_a = admin.get(f"/admin/deals?shop={shop_a.shop.id}").get_data(as_text=True)
    assert "Alpha Shop" in only_a and "Bravo Shop</a>" not in only_a
    groups = admin.get("/admin/deals?kind=group").get_data(as_text=True)
    assert "No group buys or pre-sales" in groups
    admin.post("/logout")
    assert login(shop_a.owner).get("/admin/deals").status_code == 404


@pytest.mark.parametrize("theme", ["default", "boutique", "journal", "market"])
def test_every_theme_shows_the_pre_sale_and_the_group_buy(shop_a, tee, storefront, theme):
    handle = tee.handle
    deal_id, _run_id, _variant_id = _open(shop_a.shop, tee, minimum=4)
    with use_shop(shop_a.shop.id):
        crisps = shop_a.listings[1]
        services.save_group_buy(crisps, prices={crisps.supply_product.variants[0].id: "3.60"}, group_size=2,
                                time_limit_hours=24, max_open_groups=2)
        shop_a.shop.theme = theme
        db.session.flush()
        crisps_handle = crisps.handle
    client = storefront(shop_a.shop)
    page = client.get(f"/products/{handle}").get_data(as_text=True)
    assert 'id="presale-title"' in page and "0</strong> of 4 ordered" in page
    assert 'id="group-buy-title"' in client.get(f"/products/{crisps_handle}").get_data(as_text=True)
