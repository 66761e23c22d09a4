"""A shopper applies a discount code at checkout: sees what it takes off before placing, is
told why a code does not apply, and pays exactly the discounted total (on delivery or by card,
where Stripe's page charges it); refunds give back what was paid, the ledger adds up, and a
promoter's commission is on the discounted goods."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.discount_models import DiscountCode
from app.orders.discounts import save_discount_code
from app.orders.models import Order
from app.orders.services import mark_paid
from app.payments.refunds import refund_cash, refund_order
from app.tenancy import unscoped, use_shop
from tests.factories import make_shop_with_listings
from tests.payments.helpers import (
    CHECKOUT,
    add_to_cart,
    fresh,
    latest_order,
    payment_of,
    session_id_of,
)


@pytest.fixture
def roomy(catalog, shop_b):
    """A shop pricing at 100% markup (a tee at $24.00, crisps at $5.00), and another shop."""
    return make_shop_with_listings("roomy", catalog, markup_bp=10_000)


def _uses(code) -> int:
    """A code's use count, read again (platform-wide: row-level security hides it outside a scope)."""
    with unscoped():
        return db.session.scalar(select(DiscountCode.uses).where(DiscountCode.id == code.id))


def _code(shop, **values):
    fields = {"text": "SPRING10", "kind": "percent", "value": "10"}
    fields.update(values)
    with use_shop(shop.id):
        code = save_discount_code(None, shop, **fields)
    db.session.flush()
    return code


def _shopper(storefront, fixture, *items):
    client = storefront(fixture.shop)
    for index, quantity in items:
        add_to_cart(client, fixture.listings[index], quantity=quantity)
    return client


def _entries(order_id):
    with unscoped():
        return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)))


def test_apply_shows_the_discount_before_placing_and_keeps_what_was_typed(roomy, storefront):
    _code(roomy.shop)
    client = _shopper(storefront, roomy, (0, 1), (1, 2))
    page = client.get("/checkout").get_data(as_text=True)
    assert "Discount code" in page and "$34.00" in page
    applied = client.post("/checkout", data={"name": "Ada", "discount_code": "spring10", "apply_code": "1"})
    text = applied.get_data(as_text=True)
    assert applied.status_code == 200
    assert "SPRING10" in text and "−$3.40" in text and "$30.60" in text and "takes $3.40 off your items" in text
    assert 'value="Ada"' in text and 'name="quoted_total" value="3060"' in text
    assert "Please check the highlighted fields" not in text  # nothing else was checked yet
    removed = client.post("/checkout", data={"discount_code": "SPRING10", "remove_code": "1"})
    assert "−$3.40" not in removed.get_data(as_text=True)
    with unscoped():
        assert db.session.scalar(select(func.count(Order.id))) == 0


@pytest.mark.parametrize("typed, reason", [("NOPE", "“NOPE” is not a code of this shop"),
                                           ("BRAVO20", "“BRAVO20” is not a code of this shop")])
def test_a_code_that_does_not_apply_says_why_on_its_field(roomy, shop_b, storefront, typed, reason):
    _code(shop_b.shop, text="BRAVO20", value="20")  # another shop's code does nothing here
    client = _shopper(storefront, roomy, (0, 1))
    response = client.post("/checkout", data={"discount_code": typed, "apply_code": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and reason in text and 'aria-invalid="true"' in text
    placed = client.post("/checkout", data=dict(CHECKOUT, discount_code=typed, quoted_total="2400"))
    assert placed.status_code == 422 and reason in placed.get_data(as_text=True)
    with unscoped():
        assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_code_typed_but_not_applied_is_shown_before_the_order_is_placed(roomy, storefront):
    _code(roomy.shop)
    client = _shopper(storefront, roomy, (0, 1))
    shown = client.post("/checkout", data=dict(CHECKOUT, discount_code="SPRING10", quoted_total="2400"))
    text = shown.get_data(as_text=True)
    assert shown.status_code == 409 and "Your total is now $21.60" in text
    with unscoped():
        assert db.session.scalar(select(func.count(Order.id))) == 0
    placed = client.post("/checkout", data=dict(CHECKOUT, discount_code="SPRING10", quoted_total="2160"))
    assert placed.status_code == 302
    order = latest_order()
    assert (order.subtotal, order.discount_total, order.total, order.discount_code) == (2400, 240, 2160, "SPRING10")
    status = client.get(placed.location).get_data(as_text=True)
    assert "SPRING10" in status and "−$2.40" in status and "$21.60" in status


def test_a_capped_code_says_up_to_how_much_here(roomy, storefront):
    _code(roomy.shop, text="HALF", value="50")
    client = _shopper(storefront, roomy, (0, 1))
    text = client.post("/checkout", data={"discount_code": "half", "apply_code": "1"}).get_data(as_text=True)
    assert "up to $6.00 off, as no item goes under its supplier’s minimum price or the shop’s margin" in text


def test_pay_on_delivery_books_the_discounted_total_and_refunds_give_back_what_was_paid(roomy, storefront):
    code = _code(roomy.shop, kind="amount", value="7.00")
    client = _shopper(storefront, roomy, (0, 1), (1, 3))
    client.post("/checkout", data=dict(CHECKOUT, discount_code="SPRING10", quoted_total="3200"))
    order = latest_order()
    # $7.00 shared pro rata: $24.00 of tee and $15.00 of crisps.
    assert [(line.line_total, line.discount_total) for line in order.lines] == [(2400, 431), (1500, 269)]
    assert order.total == 3900 - 700
    with use_shop(roomy.shop.id):
        order = db.session.get(Order, order.id)
        mark_paid(order)
        shares = {(e.payee_type): e.amount for e in _entries(order.id) if e.kind == "sale"}
        # The suppliers their costs, the platform its fee on the total; the shop bears the discount.
        assert shares == {"supplier": 1200 + 3 * 250, "platform": 160, "shop": 3200 - 1950 - 160}
        assert sum(shares.values()) == order.total
        crisps = order.lines[1]
        first = refund_cash(order, {crisps.id: 1})
        second = refund_cash(order, {crisps.id: 2})
        assert (first.amount, second.amount) == (500 - 89, 1000 - 180)  # 269 back pro rata: 89, then 180
        assert first.amount + second.amount == crisps.net_total
        rest = refund_cash(order, None)  # everything left: the tee as paid
        assert rest.amount == 2400 - 431
        assert order.refunded_total == order.total and order.status == "refunded"
    assert _uses(code) == 1  # a refund does not give the use back


def test_card_checkout_charges_exactly_the_discounted_total(roomy, storefront, fake_stripe):
    _code(roomy.shop)
    client = _shopper(storefront, roomy, (0, 1), (1, 3))
    response = client.post("/checkout", data=dict(CHECKOUT, payment_method="card", discount_code="spring10"))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    order = latest_order()
    assert (order.subtotal, order.discount_total, order.total) == (3900, 390, 3510)
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    items = [(i["price_data"]["product_data"]["name"], i["price_data"]["unit_amount"], i["quantity"])
             for i in request.params["line_items"]]
    assert items == [("roomy Organic Cotton Tee (S / Sand), code SPRING10", "2160", "1"),
                     ("roomy Sea Salt Crisps, code SPRING10", "450", "3")]
    session = fake_stripe.get(session_id_of(response.location))
    assert session["amount_total"] == order.total == payment_of(order).amount
    fake_stripe.pay_session(session_id_of(response.location))
    order = fresh(order)
    assert order.status == "paid"
    entries = _entries(order.id)
    assert sum(e.amount for e in entries if e.kind == "sale") == 3510
    with use_shop(roomy.shop.id):
        order = db.session.get(Order, order.id)
        refund = refund_order(order, {order.lines[1].id: 1}, source="dashboard", user_id=None)
        assert refund.status == "succeeded" and refund.amount == 450
    [made] = fake_stripe.objects("refund")
    assert made["amount"] == 450


def test_a_discount_that_does_not_divide_by_the_quantity_is_one_stripe_item(roomy, storefront, fake_stripe):
    _code(roomy.shop, kind="amount", value="1.00")
    client = _shopper(storefront, roomy, (1, 3))
    response = client.post("/checkout", data=dict(CHECKOUT, payment_method="card", discount_code="SPRING10"))
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    items = [(i["price_data"]["product_data"]["name"], i["price_data"]["unit_amount"], i["quantity"])
             for i in request.params["line_items"]]
    assert items == [("3 × roomy Sea Salt Crisps, code SPRING10", "1400", "1")]
    assert fake_stripe.get(session_id_of(response.location))["amount_total"] == latest_order().total == 1400


def test_a_promoters_commission_is_on_the_discounted_goods(roomy, storefront):
    from tests.referrals.helpers import commissions, open_programme, promoter

    open_programme(roomy.shop, level1_bp=1000, level2_bp=0)
    _, code, _ = promoter(roomy.shop, "Leo", "leo@example.com")
    _code(roomy.shop)
    client = _shopper(storefront, roomy, (0, 1))
    client.get(f"/?ref={code}")
    client.post("/checkout", data=dict(CHECKOUT, discount_code="SPRING10"))
    order = latest_order()
    [level1] = commissions(order.id)
    assert (level1.base, level1.amount) == (2160, 216)


def test_group_buys_take_no_codes(roomy, storefront):
    from app.deals import services as deals

    with use_shop(roomy.shop.id):
        listing = roomy.listings[1]
        variant = listing.supply_product.variants[0]
        deal = deals.save_group_buy(listing, prices={variant.id: "4.00"}, group_size="2",
                                    time_limit_hours="24", max_open_groups="5")
        deal_id, variant_id = deal.id, variant.id
    _code(roomy.shop)
    client = storefront(roomy.shop)
    page = client.get(f"/group-checkout?deal={deal_id}&variant={variant_id}&qty=1").get_data(as_text=True)
    assert "Discount code" not in page and 'name="discount_code"' not in page
    client.post(f"/group-checkout?deal={deal_id}&variant={variant_id}&qty=1",
                data=dict(CHECKOUT, discount_code="SPRING10"))
    order = latest_order()
    assert order.deal_round_id and order.discount_total == 0 and order.total == 400
    with unscoped():
        assert db.session.scalar(select(DiscountCode.uses)) == 0
