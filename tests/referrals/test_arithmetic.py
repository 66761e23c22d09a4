"""Commission arithmetic as properties: one level, two levels, refunds, the margin cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.referrals.arithmetic import capped, commission, kept_base, margin_after

amounts = st.integers(0, 10_000_000)
rates = st.integers(0, 5_000)


@given(base=amounts, rate=rates)
def test_a_commission_never_exceeds_its_rate_of_the_goods(base, rate):
    paid = commission(base, rate)
    assert 0 <= paid <= base * rate / 10_000 < paid + 1


@given(base=amounts, shipping=amounts, refunded=amounts, rate=rates)
def test_refunds_only_lower_it_and_a_full_refund_ends_it(base, shipping, refunded, rate):
    total = base + shipping
    kept = kept_base(base, total, min(refunded, total))
    assert 0 <= kept <= base
    assert commission(kept, rate) <= commission(base, rate)
    assert kept_base(base, total, total) == 0
    assert kept_base(base, total, 0) == base


@given(base=amounts, total_extra=amounts, first=st.integers(0, 10_000_000), second=st.integers(0, 10_000_000))
def test_more_refunded_never_pays_more(base, total_extra, first, second):
    total = base + total_extra
    low, high = sorted((min(first, total), min(second, total)))
    assert kept_base(base, total, high) <= kept_base(base, total, low)


@given(wanted=st.lists(st.integers(0, 1_000_000), min_size=1, max_size=2), margin=st.integers(-1000, 2_000_000))
def test_two_levels_together_stay_within_the_margin_first_level_first(wanted, margin):
    paid = capped(wanted, margin)
    assert len(paid) == len(wanted)
    assert all(0 <= p <= w for p, w in zip(paid, wanted, strict=True))
    assert sum(paid) <= max(margin, 0)
    if wanted[0] <= max(margin, 0):
        assert paid[0] == wanted[0]  # the promoter is served before their recruiter
    if sum(wanted) <= max(margin, 0):
        assert paid == wanted


@given(take=st.integers(-1000, 1_000_000), price=amounts, rate=rates)
def test_margin_after_is_take_less_every_level(take, price, rate):
    assert margin_after(take, price, rate) == take - commission(price, rate)
