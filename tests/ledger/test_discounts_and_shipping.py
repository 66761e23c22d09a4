"""Sales with a discount code and shipping, over random carts, codes, floors, fees and refunds:
the shares add up to exactly what the shopper paid (goods - discount + shipping), the shop
bears the discount and gets the shipping, and refunds (line by line, then everything left)
never give back more than was paid, and exactly that once everything is refunded."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger.allocation import SaleLine, platform_fee, split_refund, split_sale, supplier_costs
from app.orders.discounts import allocate, unit_floor
from app.payments.refunds import line_refund

SHOP = 3


@pytest.fixture(autouse=True)
def _transaction():
    """Pure arithmetic: no database needed (overrides the suite's autouse fixture)."""
    yield


@st.composite
def discounted_sales(draw):
    fee_bp = draw(st.integers(0, 2_000))
    margin_floor_bp = draw(st.integers(0, 5_000))
    lines, minimums = [], []
    for _ in range(draw(st.integers(1, 5))):
        cost = draw(st.integers(1, 20_000))
        minimums.append(draw(st.integers(cost, cost * 2)))
        price = draw(st.integers(minimums[-1], minimums[-1] * 3))
        lines.append(SaleLine(draw(st.integers(1, 3)), price, cost, draw(st.integers(1, 4))))
    kind = draw(st.sampled_from(["percent", "amount"]))
    value = draw(st.integers(1, 10_000)) if kind == "percent" else draw(st.integers(1, 200_000))
    floors = [unit_floor(cost=line.unit_cost, min_retail=minimum, fee_bp=fee_bp, margin_floor_bp=margin_floor_bp)
              for line, minimum in zip(lines, minimums, strict=True)]
    caps = [max(line.unit_price * line.quantity - line.quantity * floor, 0)
            for line, floor in zip(lines, floors, strict=True)]
    parts = allocate(kind, value, [line.unit_price * line.quantity for line in lines], caps)
    shipping = draw(st.integers(0, 5_000))
    processor_fee = draw(st.integers(0, 500))
    return lines, parts, shipping, fee_bp, processor_fee, floors


@settings(max_examples=400)
@given(discounted_sales())
def test_the_shares_of_a_discounted_sale_with_shipping_add_up_to_what_was_paid(sale):
    lines, parts, shipping, fee_bp, processor_fee, floors = sale
    goods = sum(line.unit_price * line.quantity for line in lines)
    total = goods - sum(parts) + shipping
    for line, part, floor in zip(lines, parts, floors, strict=True):
        assert line.unit_price * line.quantity - part >= line.quantity * min(floor, line.unit_price)
    fee = platform_fee(total, fee_bp)
    shares = split_sale(lines, total, SHOP, fee, processor_fee)
    assert sum(share.amount for share in shares) == total
    shop = next(share.amount for share in shares if share.payee_type == "shop")
    # The shop gets the shipping and bears the discount: the suppliers are paid their costs in full.
    assert shop == goods - sum(parts) + shipping - sum(supplier_costs(lines).values()) - fee - processor_fee


@settings(max_examples=400)
@given(discounted_sales(), st.data())
def test_refunds_line_by_line_then_the_rest_never_exceed_what_was_paid(sale, data):
    lines, parts, shipping, fee_bp, _, _ = sale
    order_lines = [SimpleNamespace(unit_price=line.unit_price, quantity=line.quantity, discount_total=part)
                   for line, part in zip(lines, parts, strict=True)]
    total = sum(line.unit_price * line.quantity for line in lines) - sum(parts) + shipping
    fee = platform_fee(total, fee_bp)
    refunded, given_back = 0, [0] * len(order_lines)
    for _ in range(data.draw(st.integers(0, 6))):
        index = data.draw(st.integers(0, len(order_lines) - 1))
        line = order_lines[index]
        left = line.quantity - given_back[index]
        if not left:
            continue
        quantity = data.draw(st.integers(1, left))
        amount = line_refund(line, quantity, given_back[index])
        given_back[index] += quantity
        assert 0 <= amount <= total - refunded
        if amount:
            shares = split_refund(amount=amount, total=total, refunded_before=refunded, shop_id=SHOP, fee=fee)
            assert sum(share.amount for share in shares) == -amount
        refunded += amount
    # Each line fully refunded gives back exactly what was paid for it.
    for line, units in zip(order_lines, given_back, strict=True):
        if units == line.quantity:
            assert sum(line_refund(line, 1, n) for n in range(line.quantity)) == \
                line.unit_price * line.quantity - line.discount_total
    rest = total - refunded  # "refund everything left": the other items and the shipping
    assert rest >= shipping
    if rest:
        shares = split_refund(amount=rest, total=total, refunded_before=refunded, shop_id=SHOP, fee=fee)
        assert sum(share.amount for share in shares) == -rest
    assert refunded + rest == total
