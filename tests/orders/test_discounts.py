"""Discount codes (app/orders/discounts.py): the owner's rules, what a code takes off a cart
(never under the supplier's minimum retail price or the shop's margin floor), why a code does
not apply, counting uses when an order is placed, and the wall between shops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.ledger.allocation import platform_fee
from app.orders.cart import build_cart, line_key
from app.orders.discount_models import DiscountCode, DiscountUse
from app.orders.discounts import (
    allocate,
    apply_code,
    save_discount_code,
    set_code_active,
    unit_floor,
)
from app.orders.models import Order
from app.orders.quotes import priced_lines, quote_order
from app.orders.services import cancel_order, place_order
from app.tenancy import unscoped, use_shop
from tests.factories import CUSTOMER, make_shop_with_listings

# -- arithmetic ---------------------------------------------------------------------------------

@settings(max_examples=300)
@given(cost=st.integers(0, 200_000), extra=st.integers(0, 100_000), fee_bp=st.integers(0, 3_000),
       floor_bp=st.integers(0, 9_000), above=st.integers(0, 10_000))
def test_every_price_at_or_over_the_floor_keeps_the_rules(cost, extra, fee_bp, floor_bp, above):
    floor = unit_floor(cost=cost, min_retail=cost + extra, fee_bp=fee_bp, margin_floor_bp=floor_bp)
    price = floor + above
    assert price >= cost + extra  # the supplier's minimum retail price
    assert (price - cost) * 10_000 >= floor_bp * price  # the margin floor, as the guardrails read it
    assert price - cost - platform_fee(price, fee_bp) >= 0  # the shop never pays to sell it


@st.composite
def carts(draw):
    count = draw(st.integers(1, 6))
    totals = [draw(st.integers(1, 100_000)) for _ in range(count)]
    caps = [draw(st.integers(0, total)) for total in totals]
    return totals, caps


@settings(max_examples=300)
@given(carts(), st.sampled_from(["percent", "amount"]), st.integers(1, 300_000))
def test_a_discount_never_passes_a_cap_and_a_fixed_amount_is_given_in_full_where_there_is_room(cart, kind, value):
    totals, caps = cart
    if kind == "percent":
        value = value % 10_000 + 1
    parts = allocate(kind, value, totals, caps)
    assert all(0 <= part <= cap for part, cap in zip(parts, caps, strict=True))
    if kind == "amount":
        assert sum(parts) == min(value, sum(totals), sum(caps))
    else:
        assert parts == [min(total * value // 10_000, cap) for total, cap in zip(totals, caps, strict=True)]


def test_a_fixed_amount_is_shared_pro_rata_to_the_lines():
    assert allocate("amount", 300, [1000, 2000], [1000, 2000]) == [100, 200]
    assert allocate("amount", 100, [1, 1, 1], [1, 1, 1]) == [1, 1, 1]
    assert allocate("amount", 5000, [1000, 2000], [1000, 2000]) == [1000, 2000]  # never more than the goods
    # A capped line's part goes to a line with room.
    assert allocate("amount", 600, [1000, 2000], [50, 2000]) == [50, 550]


# -- the owner's codes --------------------------------------------------------------------------

@pytest.fixture
def roomy(catalog):
    """A shop pricing at 100% markup: a tee at $24.00 (floor $18.00), crisps at $5.00 (floor $3.50)."""
    return make_shop_with_listings("roomy", catalog, markup_bp=10_000)


def _uses(code) -> int:
    """A code's use count, read again (platform-wide: row-level security hides it outside a scope)."""
    with unscoped():
        return db.session.scalar(select(DiscountCode.uses).where(DiscountCode.id == code.id))


def _code(shop, **values):
    fields = {"text": "spring10", "kind": "percent", "value": "10"}
    fields.update(values)
    with use_shop(shop.id):
        return save_discount_code(None, shop, **fields)


def test_codes_are_upper_cased_and_unique_per_shop_whatever_the_case(roomy, shop_b):
    code = _code(roomy.shop)
    assert (code.code, code.kind, code.value) == ("SPRING10", "percent", 1000)
    with pytest.raises(DomainError, match="already has the code SPRING10") as clash:
        _code(roomy.shop, text="Spring10")
    assert clash.value.field == "code"
    assert _code(shop_b.shop).code == "SPRING10"  # another shop may have the same code


@pytest.mark.parametrize("values, field, message", [
    ({"text": "a b"}, "code", "3 to 32 letters"),
    ({"text": "<x>"}, "code", "3 to 32 letters"),
    ({"kind": "free"}, "kind", "percentage or an amount"),
    ({"value": "0"}, "value", "percentage from 0.01 to 100"),
    ({"value": "101"}, "value", "percentage from 0.01 to 100"),
    ({"value": "ten"}, "value", "percentage from 0.01 to 100"),
    ({"kind": "amount", "value": ""}, "value", "Enter the amount off"),
    ({"kind": "amount", "value": "1.234"}, "value", "as an amount"),
    ({"min_order": "-3"}, "min_order", "minimum order as an amount"),
    ({"starts": "tomorrow"}, "starts", "date and time"),
    ({"starts": "2026-12-24T18:00", "ends": "2026-12-24T10:00"}, "ends", "end must come after"),
    ({"max_uses": "0"}, "max_uses", "from 1 to"),
])
def test_a_bad_code_is_refused_in_plain_words_and_nothing_is_written(roomy, values, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        _code(roomy.shop, **values)
    assert refused.value.field == field
    with unscoped():
        assert db.session.scalar(select(DiscountCode.id)) is None


def test_dates_are_typed_on_the_shops_clock(roomy):
    roomy.shop.timezone = "Asia/Shanghai"
    code = _code(roomy.shop, kind="amount", value="5", min_order="30", starts="2026-12-24T08:00",
                 ends="2026-12-26T00:00", max_uses="100", once_per_shopper=True)
    assert (code.value, code.min_order, code.max_uses, code.once_per_shopper) == (500, 3000, 100, True)
    assert code.starts_at.isoformat() == "2026-12-24T00:00:00+00:00"  # 08:00 in Shanghai
    assert code.ends_at.isoformat() == "2026-12-25T16:00:00+00:00"


# -- at checkout --------------------------------------------------------------------------------

def _cart(fixture, *items):
    """items: (listing index, variant index, quantity)."""
    raw = {}
    for index, variant, quantity in items:
        listing = fixture.listings[index]
        raw[line_key(listing.id, listing.supply_product.variants[variant].id)] = quantity
    return build_cart(raw, fixture.shop.currency)


def test_a_percentage_comes_off_each_line(roomy):
    _code(roomy.shop)
    with use_shop(roomy.shop.id):
        quote = quote_order(roomy.shop, _cart(roomy, (0, 0, 1), (1, 0, 2)), code=" spring10 ")
    assert quote.subtotal == 2400 + 2 * 500
    assert quote.line_discounts == [240, 100]
    assert (quote.discount_total, quote.total, quote.discount_code) == (340, 3060, "SPRING10")
    assert not quote.discount.capped


def test_a_code_stops_at_the_supplier_minimum_and_says_it_is_capped(roomy):
    _code(roomy.shop, text="HALF", value="50")
    with use_shop(roomy.shop.id):
        quote = quote_order(roomy.shop, _cart(roomy, (0, 0, 1), (1, 0, 2)), code="half")
    # Tee: $24.00 down to its $18.00 minimum retail price; crisps: $5.00 down to $3.50.
    assert quote.line_discounts == [600, 300]
    assert quote.discount.capped and quote.discount.wanted == 1200 + 500


def test_the_margin_floor_caps_a_code_too(roomy):
    roomy.shop.margin_floor_bp = 4000  # price - wholesale must stay 40% of the price
    _code(roomy.shop, text="HALF", value="50")
    with use_shop(roomy.shop.id):
        quote = quote_order(roomy.shop, _cart(roomy, (0, 0, 1)), code="HALF")
    assert quote.line_discounts == [400]  # $24.00 -> $20.00: ($20 - $12) is 40% of $20


def test_a_code_that_cannot_take_anything_off_says_why(shop_a):
    # shop_a sells the tee at exactly the supplier's minimum retail price.
    _code(shop_a.shop)
    with use_shop(shop_a.shop.id):
        quote = quote_order(shop_a.shop, _cart(shop_a, (0, 0, 1)), code="SPRING10")
    assert "lowest price already" in quote.discount.refusal and quote.total == 1800
    with pytest.raises(DomainError, match="lowest price already"):
        quote.refuse_if_not_placeable()


@pytest.mark.parametrize("setup, reason", [
    (lambda code, now: None, "is not a code of this shop"),
    (lambda code, now: setattr(code, "active", False), "paused by the shop"),
    (lambda code, now: setattr(code, "starts_at", now + timedelta(days=2)), "This code starts on"),
    (lambda code, now: setattr(code, "ends_at", now - timedelta(minutes=1)), "This code expired on"),
    (lambda code, now: (setattr(code, "max_uses", 3), setattr(code, "uses", 3)), "has been used up"),
    (lambda code, now: setattr(code, "min_order", 5000), "at least $50.00; your items come to $24.00"),
])
def test_a_code_that_does_not_apply_says_why(roomy, setup, reason):
    code = _code(roomy.shop)
    now = utcnow()
    typed = "NOSUCH" if "not a code" in reason else "SPRING10"
    with use_shop(roomy.shop.id):
        setup(code, now)
        db.session.flush()
        applied = apply_code(roomy.shop, typed, priced_lines(_cart(roomy, (0, 0, 1))), now=now)
    assert reason in applied.refusal and applied.total == 0


def test_placing_the_order_books_the_discount_and_counts_one_use(roomy):
    code = _code(roomy.shop, max_uses="2")
    with use_shop(roomy.shop.id):
        order = place_order(roomy.shop, _cart(roomy, (0, 0, 1), (1, 0, 2)), CUSTOMER, discount_code="Spring10")
        lines = [(line.line_total, line.discount_total, line.net_total) for line in order.lines]
        use = db.session.scalar(select(DiscountUse).where(DiscountUse.order_id == order.id))
    assert (order.subtotal, order.discount_total, order.shipping_total, order.total) == (3400, 340, 0, 3060)
    assert order.discount_code == "SPRING10"
    assert lines == [(2400, 240, 2160), (1000, 100, 900)]
    assert (use.discount_code_id, use.amount, use.email, use.once_key) == (code.id, 340, "ada@example.com", None)
    assert _uses(code) == 1


def test_the_last_use_goes_to_one_order_and_the_next_is_refused_with_nothing_written(roomy):
    code = _code(roomy.shop, max_uses="1")
    with use_shop(roomy.shop.id):
        cart = _cart(roomy, (1, 0, 1))
        quote = quote_order(roomy.shop, cart, code="SPRING10")  # seen by the shopper: it applies
        place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, discount_code="SPRING10")
        # Another checkout that saw the code apply a moment earlier: its use is counted in vain.
        with pytest.raises(DomainError, match="no longer applies. This code has been used up") as late:
            place_order(roomy.shop, cart, CUSTOMER, quote=quote)
        assert late.value.field == "discount_code"
        orders = db.session.scalars(select(Order)).all()
    assert len(orders) == 1
    assert _uses(code) == 1


def test_a_code_once_per_shopper_is_refused_to_the_same_address(roomy):
    _code(roomy.shop, once_per_shopper=True)
    with use_shop(roomy.shop.id):
        place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, discount_code="SPRING10")
        with pytest.raises(DomainError, match="used this code already") as again:
            place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, discount_code="spring10")
        assert again.value.field == "discount_code"
        # The check at placement also stands when the quote was made before the first use.
        stale = quote_order(roomy.shop, _cart(roomy, (1, 0, 1)), code="SPRING10")
        with pytest.raises(DomainError, match="used this code already"):
            place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, quote=stale)
        assert len(db.session.scalars(select(Order)).all()) == 1


def test_a_paused_code_is_refused_at_placement_too(roomy):
    code = _code(roomy.shop)
    with use_shop(roomy.shop.id):
        quote = quote_order(roomy.shop, _cart(roomy, (1, 0, 1)), code="SPRING10")
        set_code_active(code, False)
        with pytest.raises(DomainError, match="paused by the shop"):
            place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, quote=quote)


def test_another_shops_code_does_nothing_here(roomy, shop_b):
    _code(shop_b.shop, text="BRAVO20", value="20")
    with use_shop(roomy.shop.id):
        quote = quote_order(roomy.shop, _cart(roomy, (0, 0, 1)), code="BRAVO20")
        assert "is not a code of this shop" in quote.discount.refusal and quote.total == 2400
        with pytest.raises(DomainError, match="not a code of this shop"):
            place_order(roomy.shop, _cart(roomy, (0, 0, 1)), CUSTOMER, discount_code="BRAVO20")
    with unscoped():
        assert db.session.scalar(select(DiscountCode.uses).where(DiscountCode.code == "BRAVO20")) == 0


def test_the_database_refuses_more_uses_than_the_limit(roomy):
    from sqlalchemy.exc import IntegrityError

    code = _code(roomy.shop, max_uses="1")
    with use_shop(roomy.shop.id), pytest.raises(IntegrityError), db.session.begin_nested():
        code.uses = 2
        db.session.flush()


def test_a_card_order_cancelled_before_it_was_paid_gives_its_use_back(roomy):
    # The shopper left Stripe's page: the order is cancelled when the checkout expires, and
    # a once-per-shopper, last-use code works again for them.
    code = _code(roomy.shop, max_uses="1", once_per_shopper=True)
    with use_shop(roomy.shop.id):
        abandoned = place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, "card", discount_code="SPRING10")
        assert _uses(code) == 1
        cancel_order(abandoned, reason="The card payment was not completed in time.", source="stripe")
        assert db.session.scalar(select(DiscountUse).where(DiscountUse.order_id == abandoned.id)) is None
        assert _uses(code) == 0
        again = place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, "card", discount_code="SPRING10")
        assert again.discount_total > 0 and _uses(code) == 1


def test_a_cancelled_pay_on_delivery_order_keeps_its_use(roomy):
    code = _code(roomy.shop, once_per_shopper=True)
    with use_shop(roomy.shop.id):
        order = place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, discount_code="SPRING10")
        cancel_order(order, reason="Changed my mind")
        assert _uses(code) == 1
        with pytest.raises(DomainError, match="used this code already"):
            place_order(roomy.shop, _cart(roomy, (1, 0, 1)), CUSTOMER, discount_code="SPRING10")
