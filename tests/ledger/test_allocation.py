"""The sharing arithmetic (app/ledger/allocation.py), checked over random carts, prices,
fees and refunds: the shares always add up to exactly what the shopper paid and kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger.allocation import (
    SaleLine,
    fee_returned,
    platform_fee,
    shop_take,
    split_refund,
    split_sale,
    supplier_costs,
    supplier_returns,
)

SHOP = 7


@pytest.fixture(autouse=True)
def _transaction():
    """Pure arithmetic: no database needed (overrides the suite's autouse fixture)."""
    yield


@st.composite
def sales(draw):
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        cost = draw(st.integers(1, 50_000))
        price = draw(st.integers(cost, cost * 3))  # listings never sell under wholesale
        lines.append(SaleLine(draw(st.integers(1, 3)), price, cost, draw(st.integers(1, 5))))
    total = sum(line.unit_price * line.quantity for line in lines)
    fee_bp = draw(st.integers(0, 3_000))
    processor_fee = draw(st.integers(0, total // 10 + 30))
    return lines, total, fee_bp, processor_fee


@given(sales())
def test_a_sale_is_shared_exactly(sale):
    lines, total, fee_bp, processor_fee = sale
    fee = platform_fee(total, fee_bp)
    shares = split_sale(lines, total, SHOP, fee, processor_fee)
    assert sum(share.amount for share in shares) == total
    by_type = {}
    for share in shares:
        by_type.setdefault(share.payee_type, 0)
        by_type[share.payee_type] += share.amount
    assert by_type.get("supplier", 0) == sum(supplier_costs(lines).values())
    assert by_type.get("platform", 0) == fee
    assert by_type.get("processor", 0) == processor_fee
    assert [s.payee_type for s in shares].count("shop") == 1


@settings(max_examples=300)
@given(sales(), st.lists(st.integers(1, 10_000), max_size=6), st.booleans())
def test_refunds_unwind_exactly_and_never_return_more_than_the_fee(sale, wishes, then_cancel):
    lines, total, fee_bp, processor_fee = sale
    fee = platform_fee(total, fee_bp)
    owed = supplier_costs(lines)
    ledger = split_sale(lines, total, SHOP, fee, processor_fee)
    refunded, cancelled = 0, False
    for wish in wishes:
        amount = min(wish, total - refunded)
        if amount <= 0:
            break
        ledger += split_refund(amount=amount, total=total, refunded_before=refunded, shop_id=SHOP,
                               fee=fee)
        refunded += amount
    if then_cancel and refunded < total:
        # Cancelled before shipping: the rest goes back and the suppliers return their costs.
        ledger += split_refund(amount=total - refunded, total=total, refunded_before=refunded,
                               shop_id=SHOP, fee=fee)
        ledger += supplier_returns(owed, SHOP)
        refunded, cancelled = total, True
    assert sum(share.amount for share in ledger) == total - refunded
    platform = sum(s.amount for s in ledger if s.payee_type == "platform")
    assert 0 <= platform <= fee
    assert platform == fee - fee_returned(fee, total, refunded)
    suppliers = sum(s.amount for s in ledger if s.payee_type == "supplier")
    assert 0 <= suppliers <= sum(owed.values())
    if refunded == total:
        assert platform == 0  # a full refund returns the whole fee
        assert sum(s.amount for s in ledger if s.payee_type == "processor") == processor_fee
        if cancelled:
            assert suppliers == 0
            assert sum(s.amount for s in ledger if s.payee_type == "shop") == -processor_fee


@pytest.mark.parametrize(("total", "bp", "fee"), [(1000, 500, 50), (999, 500, 50), (989, 500, 49),
                                                  (0, 500, 0), (12345, 0, 0), (1, 5000, 1)])
def test_platform_fee_rounds_half_up(total, bp, fee):
    assert platform_fee(total, bp) == fee


def test_refunding_more_than_was_paid_is_refused():
    with pytest.raises(ValueError):
        split_refund(amount=600, total=1000, refunded_before=500, shop_id=SHOP, fee=50)
    with pytest.raises(ValueError):
        split_refund(amount=0, total=1000, refunded_before=0, shop_id=SHOP, fee=50)


def test_the_shops_take_is_its_share_of_a_sale_after_the_platform_fee():
    """Issue 14, item 5: an item sold at $24.00 that costs $15.00, with a 5 % fee: the owner
    gets $7.80, not the $9.00 the listing form used to show."""
    take = shop_take(2400, 1500, 500)
    assert (take.fee, take.amount) == (120, 780)
    assert shop_take(2400, 1500, 0).amount == 900
    assert shop_take(1250, 1300, 500).amount == -113  # under the cost: shown as a loss, not hidden


@given(price=st.integers(0, 10**7), cost=st.integers(0, 10**7), fee_bp=st.integers(0, 3_000))
@settings(max_examples=200, deadline=None)
def test_the_take_of_one_item_is_what_a_sale_of_it_books(price, cost, fee_bp):
    fee = platform_fee(price, fee_bp)
    shares = split_sale([SaleLine(1, price, cost, 1)], price, SHOP, fee, 0)
    take = shop_take(price, cost, fee_bp)
    assert take.amount == next(share.amount for share in shares if share.payee_type == "shop")
    assert take.fee == fee and take.amount + take.fee + take.cost == price
