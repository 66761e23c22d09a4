"""Pickup points: the owner adds one; checkout offers it (no address needed); the order ships
to the point with a pickup code; the person in charge hands it over on their own page, once,
at their own point and shop only; a pay-on-delivery order's cash is taken there."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.fulfilment import Shipment, ship_lines
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order
from app.shops import pickup
from app.tenancy import unscoped, use_shop
from tests.payments.helpers import add_to_cart, fresh, latest_order

POINT = {"name": "Maple lobby", "line1": "12 Maple Street", "city": "Burlington", "postcode": "05401",
         "country": "US", "hours": "Mon-Fri 17:00-20:00", "contact_name": "Rosa Lee", "contact_phone": ""}
PICKUP_CHECKOUT = {"name": "Ada Shopper", "email": "ada@example.com", "phone": "+1 555 0100 200",
                   "line1": "", "city": "", "postcode": "", "country": "US"}


def _point(shop, **changes):
    with use_shop(shop.id):
        point, token = pickup.save_pickup_point(None, **dict(POINT, **changes))
        return point.id, token


def _ship(order_id):
    with unscoped():
        po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order_id))
        ship_lines(po.supplier_id, [Shipment(line, "Local van", f"LV-{po.id}") for line in po.lines])
        db.session.flush()


def _entries(order_id):
    with unscoped():
        return db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)).all()


def test_the_owner_adds_a_point_and_gets_the_desk_link_once(shop_a, shop_b, login):
    owner = login(shop_a.owner)
    refused = owner.post("/dashboard/alpha/pickup-points", data=dict(POINT, hours=""))
    assert refused.status_code == 422 and "Enter the opening hours" in refused.get_data(as_text=True)
    added = owner.post("/dashboard/alpha/pickup-points", data=POINT, follow_redirects=True)
    text = added.get_data(as_text=True)
    link = re.search(r"http://alpha\.flagship\.test/pickup/\d+/[\w-]+", text).group(0)
    with unscoped():
        point = db.session.scalar(select(pickup.PickupPoint))
    assert point.staff_token_hash and link.rsplit("/", 1)[1] not in point.staff_token_hash  # only a hash kept
    assert "Maple lobby" in owner.get("/dashboard/alpha/pickup-points").get_data(as_text=True)
    twice = owner.post("/dashboard/alpha/pickup-points", data=POINT)
    assert twice.status_code == 422 and "Another pickup point has this name" in twice.get_data(as_text=True)
    owner.post("/logout")
    stranger = login(shop_b.owner)
    assert stranger.get(f"/dashboard/alpha/pickup-points/{point.id}").status_code in (403, 404)
    assert stranger.get(f"/dashboard/bravo/pickup-points/{point.id}").status_code == 404


def test_a_shopper_picks_up_and_the_person_in_charge_hands_it_over_once(shop_a, storefront):
    point_id, token = _point(shop_a.shop)
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[1], quantity=2)
    form = client.get("/checkout").get_data(as_text=True)
    assert "Pick up at Maple lobby" in form and "12 Maple Street" in form
    placed = client.post("/checkout", data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}"))
    assert placed.status_code == 302, placed.get_data(as_text=True)[:2000]
    order = latest_order()
    assert order.pickup_point_id == point_id and re.fullmatch(r"[A-Z0-9]{8}", order.pickup_code)
    assert (order.ship_line1, order.ship_line2, order.ship_city) == ("12 Maple Street", "c/o Maple lobby",
                                                                     "Burlington")
    with unscoped():
        po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))
    assert po.ship_line1 == "12 Maple Street" and po.ship_name == "Ada Shopper"
    page = client.get(placed.location).get_data(as_text=True)
    code = order.pickup_code
    assert f"{code[:4]}-{code[4:]}" in page and "Collect at Maple lobby" in page and "<svg" in page

    desk_url = f"/pickup/{point_id}/{token}"
    desk = storefront(shop_a.shop)
    assert desk.get(f"/pickup/{point_id}/wrong-token").status_code == 404
    assert "Ada Shopper" in desk.get(desk_url).get_data(as_text=True)  # on the way
    early = desk.post(desk_url, data={"code": code})
    assert early.status_code == 422 and "has not arrived" in early.get_data(as_text=True)

    _ship(order.id)
    handed = desk.post(desk_url, data={"code": f"{code[:4].lower()}-{code[4:].lower()}"}, follow_redirects=True)
    assert "collected. Hand it over" in handed.get_data(as_text=True)
    order = fresh(order)
    assert order.collected_at is not None and order.status == "paid"  # the cash was taken at the point
    assert _entries(order.id)  # the sale entered the ledger with the cash
    again = desk.post(desk_url, data={"code": code})
    assert again.status_code == 422 and "was collected on" in again.get_data(as_text=True)
    assert "You collected this order" in client.get(placed.location).get_data(as_text=True)


def test_a_code_works_only_at_its_own_point_and_shop(shop_a, shop_b, storefront):
    point_id, _token = _point(shop_a.shop)
    other_id, other_token = _point(shop_a.shop, name="Oak corner")
    b_point, b_token = _point(shop_b.shop)
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[1])
    client.post("/checkout", data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}"))
    order = latest_order()
    _ship(order.id)
    wrong_point = storefront(shop_a.shop).post(f"/pickup/{other_id}/{other_token}", data={"code": order.pickup_code})
    assert wrong_point.status_code == 422 and "No order with this code" in wrong_point.get_data(as_text=True)
    other_shop = storefront(shop_b.shop).post(f"/pickup/{b_point}/{b_token}", data={"code": order.pickup_code})
    assert other_shop.status_code == 422
    assert storefront(shop_b.shop).get(f"/pickup/{point_id}/{_token}").status_code == 404  # A's link on B's host
    assert fresh(order).collected_at is None


def test_a_closed_point_is_not_offered_and_the_address_is_needed_for_delivery(shop_a, storefront):
    point_id, _token = _point(shop_a.shop)
    with use_shop(shop_a.shop.id):
        pickup.set_point_active(pickup.get_pickup_point(point_id), False)
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[1])
    assert "Pick up at" not in client.get("/checkout").get_data(as_text=True)
    refused = client.post("/checkout", data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}"))
    assert refused.status_code == 422
    with unscoped():
        assert db.session.scalar(select(Order.id)) is None


def test_a_group_buy_member_picks_up_at_a_point(shop_a, storefront):
    from app.deals import services as deals

    point_id, _token = _point(shop_a.shop)
    crisps = shop_a.listings[1]
    with use_shop(shop_a.shop.id):
        variant_id = crisps.supply_product.variants[0].id
        deal = deals.save_group_buy(crisps, prices={variant_id: "3.60"}, group_size=2, time_limit_hours=24,
                                    max_open_groups=2)
        deal_id = deal.id
    client = storefront(shop_a.shop)
    form = client.get(f"/group-checkout?deal={deal_id}&variant={variant_id}").get_data(as_text=True)
    assert "Pick up at Maple lobby" in form
    joined = client.post(f"/group-checkout?deal={deal_id}&variant={variant_id}",
                         data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}"))
    assert joined.status_code == 302 and "/groups/" in joined.location
    order = latest_order()
    assert (order.hold, order.pickup_point_id, order.ship_line2) == ("deal", point_id, "c/o Maple lobby")
    assert order.pickup_code


def test_the_supplier_ships_a_points_orders_in_one_parcel(shop_a, shop_b, catalog, storefront, login):
    from tests.supplier.helpers import add_second_supplier, member_of

    point_id, token = _point(shop_a.shop)
    other, _mug = add_second_supplier(shop_a)
    maker, stranger = member_of(catalog.supplier), member_of(other)
    for email in ("ada@example.com", "bo@example.com"):
        client = storefront(shop_a.shop)
        add_to_cart(client, shop_a.listings[1], quantity=2)
        assert client.post("/checkout", data=dict(PICKUP_CHECKOUT, email=email,
                                                  delivery=f"pickup-{point_id}")).status_code == 302
    portal = login(maker)
    page = portal.get("/supplier/").get_data(as_text=True)
    assert "To pickup points" in page and "c/o Maple lobby" in page and "4 × " in page
    key = re.search(r"/supplier/pickup-batches/([\d-]+)/ship", page).group(1)
    refused = portal.post(f"/supplier/pickup-batches/{key}/ship", data={"carrier": "", "tracking_number": "X"},
                          follow_redirects=True)
    assert "Enter the carrier" in refused.get_data(as_text=True)
    portal.post("/logout")
    assert login(stranger).post(f"/supplier/pickup-batches/{key}/ship",
                                data={"carrier": "Van", "tracking_number": "V1"}).status_code == 404
    login(stranger).post("/logout")
    shipped = login(maker).post(f"/supplier/pickup-batches/{key}/ship",
                                data={"carrier": "Local van", "tracking_number": "LV-1"}, follow_redirects=True)
    assert "2 purchase orders for c/o Maple lobby" in shipped.get_data(as_text=True)
    with unscoped():
        orders = db.session.scalars(select(Order).where(Order.pickup_point_id == point_id)).all()
        assert [o.fulfilment_status for o in orders] == ["shipped", "shipped"]
    desk = storefront(shop_a.shop).get(f"/pickup/{point_id}/{token}").get_data(as_text=True)
    assert "Waiting to be collected (2)" in desk


def test_the_confirmation_and_shipping_e_mails_carry_the_pickup_code(shop_a, storefront):
    from app.notifications.models import OutboundEmail

    point_id, _token = _point(shop_a.shop)
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[1])
    client.post("/checkout", data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}"))
    order = latest_order()
    code = f"{order.pickup_code[:4]}-{order.pickup_code[4:]}"
    _ship(order.id)
    from app.orders.jobs import send_shipping_confirmation
    from tests.factories import run_job

    run_job(send_shipping_confirmation, order.id)
    with unscoped():
        mails = {m.dedupe_key.split(":")[0]: m for m in db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.to_address == "ada@example.com"))}
    confirmation = mails["order-confirmation"]
    assert code in confirmation.body_text and "Collect it at Maple lobby" in confirmation.body_text
    assert code in confirmation.body_html and "pay on delivery" in confirmation.body_text
    shipping = mails["shipping-confirmation"]
    assert code in shipping.body_text and "on its way to the pickup point" in shipping.body_text


def test_hong_kong_needs_no_postcode_and_the_owner_sees_country_names(shop_a, storefront, login):
    """Issue 14, item 11."""
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[1])
    us = client.post("/checkout", data=dict(PICKUP_CHECKOUT, line1="1 Main St", city="Springfield"))
    assert us.status_code == 422 and "Enter the postcode." in us.get_data(as_text=True)
    hk = client.post("/checkout", data=dict(PICKUP_CHECKOUT, line1="8 Finance Street", city="Central",
                                            country="HK"))
    assert hk.status_code == 302, hk.get_data(as_text=True)[:1500]
    order = latest_order()
    assert (order.ship_country, order.ship_postcode) == ("HK", "")
    page = login(shop_a.owner).get(f"/dashboard/alpha/orders/{order.id}").get_data(as_text=True)
    assert "Hong Kong" in page


def test_a_point_earns_its_fee_per_order_handed_over_and_is_paid_out(shop_a, storefront, fake_stripe, app,
                                                                      monkeypatch, login):
    from app.ledger import connect
    from app.ledger.jobs import run_payouts
    from app.ledger.models import Payout
    from app.ledger.services import balances
    from tests.factories import run_job

    owner = login(shop_a.owner)
    refused = owner.post("/dashboard/alpha/pickup-points", data=dict(POINT, fee_per_order="a lot"))
    assert refused.status_code == 422 and "Enter the fee as an amount" in refused.get_data(as_text=True)
    assert owner.post("/dashboard/alpha/pickup-points", data=dict(POINT, fee_per_order="0.40")).status_code == 302
    with unscoped():
        point = db.session.scalar(select(pickup.PickupPoint))
    point_id = point.id
    assert point.fee_per_order == 40
    assert 'value="0.40"' in owner.get(f"/dashboard/alpha/pickup-points/{point_id}").get_data(as_text=True)
    with use_shop(shop_a.shop.id):
        token = pickup.new_staff_link(point)
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[1], quantity=2)
    assert client.post("/checkout", data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}")).status_code == 302
    order = latest_order()
    order_id, code = order.id, order.pickup_code
    _ship(order_id)
    desk = storefront(shop_a.shop)
    desk_url = f"/pickup/{point_id}/{token}"
    assert desk.post(desk_url, data={"code": code}).status_code == 302
    fees = [(e.payee_type, e.amount) for e in _entries(order_id) if e.kind == "pickup_fee"]
    assert fees == [("pickup_point", 40), ("shop", -40)]
    page = desk.get(desk_url).get_data(as_text=True)
    assert "Your fees" in page and "$0.40" in page and "Connect a payout account" in page

    started = desk.post(f"{desk_url}/payouts")
    assert started.status_code == 303
    with unscoped():
        fake_stripe.complete_onboarding(connect.account_of("pickup_point", point_id).stripe_account_id)
    assert "connected" in desk.get(f"{desk_url}/payouts/done", follow_redirects=True).get_data(as_text=True)
    monkeypatch.setitem(app.config, "PAYOUT_MINIMUM", 10)
    db.session.commit()
    run_job(run_payouts)
    with unscoped():
        [payout] = db.session.scalars(select(Payout).where(Payout.payee_type == "pickup_point")).all()
    assert (payout.payee_id, payout.amount, payout.status) == (point_id, 40, "paid")
    assert balances("pickup_point", point_id)[0].paid_out == 40
