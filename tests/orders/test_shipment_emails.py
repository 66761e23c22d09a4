"""The shopper hears of every shipment (app/orders/fulfilment.py ship_lines): a part of the
order ("part of your order has shipped", with what is still to come) or the shipment that
completes it (the shipping confirmation), pickup orders included; once per shipment, only
when the shipping commits, and only about the shopper's own order."""

from __future__ import annotations

import io
from dataclasses import replace

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.cart import build_cart, line_key
from app.orders.fulfilment import route_order
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.jobs import send_part_shipped
from app.orders.services import place_order
from app.tenancy import unscoped, use_shop
from tests.factories import CUSTOMER, run_job
from tests.payments.helpers import add_to_cart, latest_order
from tests.supplier.helpers import member_of, purchase_order, routed, split_order


def _emails(order_id: int) -> dict[str, OutboundEmail]:
    with unscoped():
        return {email.dedupe_key: email for email in db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.dedupe_key.like(f"%:{order_id}%"))
            .where(OutboundEmail.dedupe_key.like("%shipp%")))}


def _ship(client, po_id: int, lines, tracking: str, carrier: str = "UPS"):
    return client.post(f"/supplier/purchase-orders/{po_id}", data={
        "carrier": carrier, "tracking_number": tracking, "line_id": [str(line.id) for line in lines]})


def test_each_part_and_then_the_whole_order_e_mail_the_shopper_once(shop_a, catalog, client, login):
    split = split_order(shop_a, catalog)  # tee and crisps from supplier A, a mug from B
    pos = routed(split)
    po_a, po_b = purchase_order(pos[split.supplier_a.id]), purchase_order(pos[split.supplier_b.id])
    tee, crisps = po_a.lines
    login(member_of(split.supplier_a))
    assert _ship(client, po_a.id, [tee], "1ZTEE").status_code == 302
    [first] = _emails(split.order_id).values()
    assert first.dedupe_key == f"part-shipped:{split.order_id}:{tee.id}"
    assert first.to_address == "ada@example.com"
    assert first.subject == f"Part of your order {split.number} from Alpha Shop has shipped"
    shipped_now, still_to_come = first.body_text.split("Still to come")
    assert "2 × alpha Organic Cotton Tee" in shipped_now and "UPS: 1ZTEE" in shipped_now
    assert "3 × alpha Sea Salt Crisps" in still_to_come and "Mug" in still_to_come
    assert "1ZTEE" in first.body_html and "Still to come" in first.body_html

    assert _ship(client, po_a.id, [crisps], "1ZCRISPS").status_code == 302
    second = _emails(split.order_id)[f"part-shipped:{split.order_id}:{crisps.id}"]
    assert "UPS: 1ZCRISPS" in second.body_text and "1ZTEE" not in second.body_text
    assert "Mug" in second.body_text.split("Still to come")[1]
    assert "Tee" not in second.body_text.split("Still to come")[1]

    client.post("/logout")
    login(member_of(split.supplier_b))
    assert _ship(client, po_b.id, po_b.lines, "JD777", carrier="DHL").status_code == 302
    emails = _emails(split.order_id)
    assert len(emails) == 3  # two parts, then the whole order: one e-mail per shipment
    whole = emails[f"shipping-confirmation:{split.order_id}"]
    assert whole.subject == f"Your order {split.number} from Alpha Shop has shipped"
    for tracking in ("1ZTEE", "1ZCRISPS", "JD777"):
        assert tracking in whole.body_text
    assert "United States" in whole.body_text


def test_a_part_e_mail_is_recorded_once_however_often_its_job_runs(shop_a, catalog, client, login):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    po_a = purchase_order(pos[split.supplier_a.id])
    line_ids = [line.id for line in po_a.lines]
    login(member_of(split.supplier_a))
    _ship(client, po_a.id, po_a.lines, "1ZAAA")
    assert run_job(send_part_shipped, split.order_id, line_ids) == "already recorded"
    assert len(_emails(split.order_id)) == 1


def test_a_refused_shipping_e_mails_nobody(shop_a, catalog, client, login):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    po_a = purchase_order(pos[split.supplier_a.id])
    login(member_of(split.supplier_a))
    _ship(client, po_a.id, po_a.lines[:1], "1ZAAA")
    again = _ship(client, po_a.id, po_a.lines, "1ZBBB")  # the first line has shipped: refused
    assert again.status_code == 422 and "has already shipped" in again.get_data(as_text=True)
    assert [key.split(":")[0] for key in _emails(split.order_id)] == ["part-shipped"]
    assert purchase_order(po_a.id).lines[1].shipped_at is None


def test_one_upload_across_two_shops_tells_each_shopper_only_of_their_own_order(
        shop_a, shop_b, catalog, client, login):
    orders = {}
    for fixture, email in ((shop_a, "ada@example.com"), (shop_b, "bo@example.com")):
        with use_shop(fixture.shop.id):
            listing = fixture.listings[1]
            cart = build_cart({line_key(listing.id, listing.supply_product.variants[0].id): 1}, "USD")
            order = place_order(fixture.shop, cart, replace(CUSTOMER, email=email))
            route_order(order)
            po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))
            orders[email] = (order.id, order.number, po.number, po.lines[0].sku)
    login(member_of(catalog.supplier))
    body = "po_number,sku,carrier,tracking_number\n" + "".join(
        f"{po_number},{sku},UPS,1Z-{number}\n" for _, number, po_number, sku in orders.values())
    response = client.post("/supplier/shipments/upload", data={"file": (io.BytesIO(body.encode()), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    (ada_id, ada_number, _, _), (bo_id, bo_number, _, _) = orders.values()
    [ada] = _emails(ada_id).values()
    [bo] = _emails(bo_id).values()
    assert ada.to_address == "ada@example.com" and bo.to_address == "bo@example.com"
    assert ada_number in ada.body_text and bo_number not in ada.body_text and "bravo" not in ada.body_text
    assert bo_number in bo.body_text and ada_number not in bo.body_text and "alpha" not in bo.body_text
    assert ada.shop_id == shop_a.shop.id and bo.shop_id == shop_b.shop.id


def test_a_pickup_order_says_where_to_collect_it_and_to_bring_the_code(shop_a, storefront, client, login, catalog):
    from tests.storefront.test_pickup_points import PICKUP_CHECKOUT, _point

    point_id, _token = _point(shop_a.shop)
    shopper = storefront(shop_a.shop)
    add_to_cart(shopper, shop_a.listings[1])
    shopper.post("/checkout", data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}"))
    order = latest_order()
    code = f"{order.pickup_code[:4]}-{order.pickup_code[4:]}"
    with unscoped():
        po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))
    login(member_of(catalog.supplier))
    batch = f"{shop_a.shop.id}-{point_id}"
    assert client.post(f"/supplier/pickup-batches/{batch}/ship",
                       data={"carrier": "Local van", "tracking_number": f"LV-{po.id}"}).status_code == 302
    [email] = _emails(order.id).values()
    assert email.dedupe_key == f"shipping-confirmation:{order.id}"
    assert email.subject == f"Your order {order.number} from Alpha Shop is on its way to Maple lobby"
    assert code in email.body_text and "Bring the code" in email.body_text and "you pay there" in email.body_text
    assert code in email.body_html and "Maple lobby" in email.body_html
