"""Who gets what of a payment, and who gives what back on a refund: pure arithmetic.

Integer minor units throughout. The shop's share is always the remainder, so the shares
of a sale add up to exactly what the shopper paid, and after refunds to exactly what the
shopper paid minus what they got back, whatever the rounding.

- Sale: each supplier its wholesale cost (unit cost x quantity of its lines), the platform
  its fee (basis points of the total, rounded half up), the processor the fee it took,
  the shop the rest (which may be negative: it is recovered from later sales).
- Refund: the platform gives back its fee in proportion to the money refunded, computed
  on the running total so that a full refund returns exactly the whole fee; the processor
  keeps its fee (Stripe does not return it); the shop gives back the rest. The suppliers
  keep their costs: the goods are theirs to ship.
- Cancel before shipping: on top of refunding what is left, each supplier gives the cost
  it is still owed back to the shop (`supplier_returns`): nothing will ship.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SaleLine:
    supplier_id: int
    unit_price: int
    unit_cost: int
    quantity: int


@dataclass(frozen=True)
class Share:
    payee_type: str  # supplier / shop / platform / processor
    payee_id: int
    amount: int


def platform_fee(total: int, fee_bp: int) -> int:
    """`fee_bp` basis points (500 = 5 %) of `total`, rounded half up."""
    if total < 0 or fee_bp < 0:
        raise ValueError("total and fee must not be negative")
    return (total * fee_bp + 5_000) // 10_000


def supplier_costs(lines: Iterable[SaleLine]) -> dict[int, int]:
    costs: dict[int, int] = {}
    for line in lines:
        costs[line.supplier_id] = costs.get(line.supplier_id, 0) + line.unit_cost * line.quantity
    return costs


def split_sale(lines: Iterable[SaleLine], total: int, shop_id: int, fee: int,
               processor_fee: int) -> list[Share]:
    """The shares of a paid order; they add up to `total`."""
    if processor_fee < 0 or fee < 0:
        raise ValueError("fees must not be negative")
    shares = [Share("supplier", supplier_id, cost)
              for supplier_id, cost in sorted(supplier_costs(lines).items()) if cost]
    if fee:
        shares.append(Share("platform", 0, fee))
    if processor_fee:
        shares.append(Share("processor", 0, processor_fee))
    shares.append(Share("shop", shop_id, total - sum(share.amount for share in shares)))
    return shares


@dataclass(frozen=True)
class Take:
    """What one item sold at `price` leaves the shop, as a sale books it."""

    price: int
    cost: int  # the supplier's wholesale cost
    fee: int  # the platform's fee
    amount: int  # the shop's share: price - cost - fee (before any card processing fee)


def shop_take(price: int, cost: int, fee_bp: int) -> Take:
    """The shop's share of one item sold alone at `price`: the same fee and split as a paid
    order's (`platform_fee`, `split_sale`), so what the owner is shown is what is booked.
    Card payments also pay the processor's fee, known only once Stripe has charged."""
    fee = platform_fee(price, fee_bp)
    shares = split_sale([SaleLine(0, price, cost, 1)], price, 0, fee, 0)
    return Take(price, cost, fee, next(share.amount for share in shares if share.payee_type == "shop"))


def fee_returned(fee: int, total: int, refunded: int) -> int:
    """How much of the platform fee has gone back once `refunded` of `total` is refunded."""
    if total <= 0:
        return 0
    return fee * min(refunded, total) // total


def split_refund(*, amount: int, total: int, refunded_before: int, shop_id: int,
                 fee: int) -> list[Share]:
    """The (negative) shares of refunding `amount` more of an order paid `total`; they add
    up to -amount."""
    if amount <= 0:
        raise ValueError("a refund is a positive amount")
    if refunded_before + amount > total:
        raise ValueError("cannot refund more than was paid")
    shares = []
    fee_back = fee_returned(fee, total, refunded_before + amount) - fee_returned(fee, total, refunded_before)
    if fee_back:
        shares.append(Share("platform", 0, -fee_back))
    shares.append(Share("shop", shop_id, -amount - sum(share.amount for share in shares)))
    return shares


def supplier_returns(supplier_owed: Mapping[int, int], shop_id: int) -> list[Share]:
    """A cancel before shipping: each supplier gives what it is still owed back to the
    shop. In pairs (the supplier's share, then the shop's); they add up to zero."""
    shares = []
    for supplier_id, owed in sorted(supplier_owed.items()):
        if owed > 0:
            shares += [Share("supplier", supplier_id, -owed), Share("shop", shop_id, owed)]
    return shares
