"""Commission arithmetic: pure, in integer minor units (property-tested).

A commission is a rate (basis points) of what the shopper paid for the goods (not the
shipping), on the part of the order they kept: a refund of a third of the order leaves
two thirds of the commission, a full refund none. Rounded down to the minor unit. It is
paid out of the shop's margin, and never more than it: the first level is served first.
"""

from __future__ import annotations

BP = 10_000


def kept_base(base: int, total: int, refunded: int) -> int:
    """The part of `base` (the goods) the shopper kept once `refunded` of `total` went back."""
    if base < 0 or total < 0 or refunded < 0:
        raise ValueError("amounts must not be negative")
    if total == 0 or refunded >= total:
        return 0
    return base * (total - refunded) // total


def commission(base: int, rate_bp: int) -> int:
    if not 0 <= rate_bp <= BP:
        raise ValueError("a rate is 0 to 100%")
    return base * rate_bp // BP


def capped(wanted: list[int], margin: int) -> list[int]:
    """Each level's commission, in level order, within the shop's `margin` on the order."""
    left, paid = max(margin, 0), []
    for amount in wanted:
        paid.append(min(amount, left))
        left -= paid[-1]
    return paid


def margin_after(take: int, price: int, rates_bp: int) -> int:
    """What one item sold at `price` leaves the shop (its `take` after the platform fee)
    once every level's commission on it is paid."""
    return take - commission(price, rates_bp)
