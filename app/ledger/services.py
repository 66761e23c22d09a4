"""Writing the ledger (sales, refunds, disputes, releases) and reading balances.

Every write goes through `_append`, which gives each entry a deterministic `entry_key`:
writing the same business fact twice hits the unique key instead of doubling money. The
callers run inside the order's shop scope; the ledger itself is platform-wide, so reads
for a shop always name the shop as payee. On PostgreSQL row-level security shows a shop
scope only the entries of its own orders and payouts (entries of no shop: platform-wide
only), so the readers here act for the payee whose entries they add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, event, func, select
from sqlalchemy.orm import Session

from app.db_types import utcnow
from app.extensions import db
from app.tenancy import unscoped, use_shop

from . import memos
from .allocation import (
    SaleLine,
    Share,
    Take,
    platform_fee,
    shop_take,
    split_refund,
    split_sale,
    supplier_returns,
)
from .models import LedgerEntry, OrderRelease, Payout


class LedgerError(RuntimeError):
    """An attempt to change or remove a ledger entry: the ledger is append-only."""


def _refuse_changes(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, LedgerEntry) and session.is_modified(obj):
            raise LedgerError("ledger entries are append-only: write a reversing entry instead")
    for obj in session.deleted:
        if isinstance(obj, LedgerEntry):
            raise LedgerError("ledger entries are append-only: they are never deleted")


_installed = False


def install_ledger_guard() -> None:
    """Refuse, in every ORM session, a flush that changes or deletes a ledger entry (the
    database trigger is the second wall). Idempotent."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _refuse_changes)
        _installed = True


_money_handlers: list = []


def on_money_back(handler) -> None:
    """Call `handler(order, event)` once a refund or a dispute took money back from an order
    ("refund"), or the order is cancelled before shipping ("cancel"), inside that
    transaction (the referral programme lowers or cancels its commissions): packages above
    the ledger subscribe, so it imports none of them. Idempotent."""
    if handler not in _money_handlers:
        _money_handlers.append(handler)


def _money_back(order, event: str) -> None:
    for handler in _money_handlers:
        handler(order, event)


def _append(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    db.session.add_all(entries)
    db.session.flush()
    return entries


def _entry(key: str, kind: str, share: Share, currency: str, *, shop_id: int | None,
           order_id: int | None = None, refund_id: int | None = None, payout_id: int | None = None,
           available_at: datetime | None = None, memo: str = "") -> LedgerEntry:
    return LedgerEntry(entry_key=key, kind=kind, payee_type=share.payee_type, payee_id=share.payee_id,
                       amount=share.amount, currency=currency, shop_id=shop_id, order_id=order_id,
                       refund_id=refund_id, payout_id=payout_id, available_at=available_at,
                       memo=memo[:200])


def fee_bp_for(shop) -> int:
    """The shop's platform fee in basis points: the admin's override, else the platform's
    (also for a shop not opened yet: `shop` None)."""
    if shop is not None and shop.platform_fee_bp is not None:
        return shop.platform_fee_bp
    return current_app.config["PLATFORM_FEE_BP"]


def take_for(shop, price: int, cost: int) -> Take:
    """What the shop gets of one item at `price` with its platform fee, as `record_sale`
    books it (see `allocation.shop_take`)."""
    return shop_take(price, cost, fee_bp_for(shop))


def fee_percent(fee_bp: int) -> str:
    """500 -> "5%", 250 -> "2.5%", 1275 -> "12.75%"."""
    whole, rest = divmod(fee_bp, 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") + "%"


def order_entries(order_id: int) -> list[LedgerEntry]:
    return list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.order_id == order_id).order_by(LedgerEntry.id)))


def _has_entry(order_id: int, kind: str) -> bool:
    return db.session.scalar(select(LedgerEntry.id).where(
        LedgerEntry.order_id == order_id, LedgerEntry.kind == kind).limit(1)) is not None


def is_booked(order_id: int) -> bool:
    """Whether the order's sale is in the ledger (it was paid, or its cash collected)."""
    return _has_entry(order_id, "sale")


def record_sale(order, shop, processor_fee: int = 0) -> list[LedgerEntry]:
    """The shares of a paid order. Pay on delivery: the owner also holds the cash, recorded
    as owed back by the shop (netted against its card sales). Once per order."""
    if _has_entry(order.id, "sale"):
        return []
    lines = [SaleLine(line.supplier_id, line.unit_price, line.unit_cost, line.quantity)
             for line in order.lines]
    fee = platform_fee(order.total, fee_bp_for(shop))
    entries = [_entry(f"sale:{order.id}:{share.payee_type}:{share.payee_id}", "sale", share,
                      order.currency, shop_id=shop.id, order_id=order.id, memo=memos.memo("order", number=order.number))
               for share in split_sale(lines, order.total, shop.id, fee, processor_fee)]
    if order.payment_method == "cod":
        entries.append(_entry(f"cash:{order.id}", "cash_collected", Share("shop", shop.id, -order.total),
                              order.currency, shop_id=shop.id, order_id=order.id,
                              memo=memos.memo("cash_collected", number=order.number)))
    return _append(entries)


@dataclass
class OrderMoney:
    """What the ledger says of one order so far."""

    fee: int  # the platform fee of the sale
    refunded: int  # money given back so far (refunds and lost disputes)
    supplier_owed: dict[int, int]  # per supplier, net of what it already gave back


def order_money(order_id: int) -> OrderMoney:
    fee, refunded, owed = 0, 0, {}
    for entry in order_entries(order_id):
        if entry.payee_type == "platform" and entry.kind == "sale":
            fee += entry.amount
        if entry.payee_type == "supplier":
            owed[entry.payee_id] = owed.get(entry.payee_id, 0) + entry.amount
        if entry.kind in ("refund", "dispute", "dispute_won"):
            refunded -= entry.amount
    return OrderMoney(fee, refunded, owed)


def record_refund(order, refund) -> list[LedgerEntry]:
    """Reversing entries of a succeeded refund (see app.ledger.allocation). Once per refund."""
    money = order_money(order.id)
    shares = split_refund(amount=refund.amount, total=order.total, refunded_before=money.refunded,
                          shop_id=order.shop_id, fee=money.fee)
    refund_memo = memos.memo("refund", number=order.number)
    entries = [_entry(f"refund:{refund.id}:{share.payee_type}:{share.payee_id}", "refund", share,
                      order.currency, shop_id=order.shop_id, order_id=order.id, refund_id=refund.id,
                      memo=refund_memo) for share in shares]
    if order.payment_method == "cod":
        entries.append(_entry(f"cash_refund:{refund.id}", "cash_returned",
                              Share("shop", order.shop_id, refund.amount), order.currency,
                              shop_id=order.shop_id, order_id=order.id, refund_id=refund.id,
                              memo=memos.memo("cash_returned", number=order.number)))
    written = _append(entries)
    _money_back(order, "refund")
    return written


def record_supplier_returns(order) -> list[LedgerEntry]:
    """The order is cancelled before anything shipped: each supplier gives back the cost it
    was owed for it, to the shop (which refunded the shopper, or holds the cash). Once."""
    shares = supplier_returns(order_money(order.id).supplier_owed, order.shop_id)
    cancelled = memos.memo("supplier_return", number=order.number)
    entries = []
    for supplier_side, shop_side in zip(shares[::2], shares[1::2], strict=True):
        for share in (supplier_side, shop_side):  # keyed by the supplier on both sides
            entries.append(_entry(f"supplier_return:{order.id}:{supplier_side.payee_id}:{share.payee_type}",
                                  "supplier_return", share, order.currency, shop_id=order.shop_id,
                                  order_id=order.id, memo=cancelled))
    written = _append(entries)
    _money_back(order, "cancel")
    return written


def record_dispute(order, payment, won: bool = False) -> list[LedgerEntry]:
    """A chargeback takes the money back like a refund of what is left (the shop bears it);
    a dispute won later puts those same amounts back. Once each per payment."""
    kind = "dispute_won" if won else "dispute"
    if _has_entry(order.id, kind):
        return []
    if won:
        lost = [entry for entry in order_entries(order.id) if entry.kind == "dispute"]
        shares = [Share(entry.payee_type, entry.payee_id, -entry.amount) for entry in lost]
    else:
        money = order_money(order.id)
        remaining = order.total - money.refunded
        if remaining <= 0:
            return []
        shares = split_refund(amount=remaining, total=order.total, refunded_before=money.refunded,
                              shop_id=order.shop_id, fee=money.fee)
    written = _append([_entry(f"{kind}:{payment.id}:{share.payee_type}:{share.payee_id}", kind, share,
                              order.currency, shop_id=order.shop_id, order_id=order.id,
                              memo=memos.memo(kind, number=order.number))
                       for share in shares])
    _money_back(order, "refund")
    return written


def shop_total(order_id: int, shop_id: int, kind: str) -> int:
    """The sum of the shop's entries of one kind on an order."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.order_id == order_id, LedgerEntry.payee_type == "shop",
        LedgerEntry.payee_id == shop_id, LedgerEntry.kind == kind)))


def shop_sale_share(order_id: int, shop_id: int) -> int:
    """The shop's own share of an order's sale (after suppliers, the platform fee and the
    card processor): its margin on the whole order."""
    return shop_total(order_id, shop_id, "sale")


def _from_shop(key: str, kind: str, order, payee: tuple[str, int], amount: int, memo: str,
               now: datetime) -> list[LedgerEntry]:
    """`amount` moves from the shop's share of the order to `payee` (a negative amount moves
    back), available at once: a promoter's commission, a pickup point's fee."""
    payee_type, payee_id = payee
    return _append([
        _entry(f"{key}:{to_type}", kind, Share(to_type, to_id, sign * amount), order.currency,
               shop_id=order.shop_id, order_id=order.id, available_at=now, memo=memo)
        for to_type, to_id, sign in ((payee_type, payee_id, 1), ("shop", order.shop_id, -1))])


def record_point_fee(order, point_id: int, fee: int, now: datetime) -> list[LedgerEntry]:
    """A pickup point's fee for handing the order over: out of the shop's share of the sale,
    never more than it, available at once. Once per order (its key)."""
    left = shop_sale_share(order.id, order.shop_id) + shop_total(order.id, order.shop_id, "commission")
    amount = min(fee, max(left, 0))
    if amount <= 0 or not is_booked(order.id):
        return []
    return _from_shop(f"point_fee:{order.id}", "pickup_fee", order, ("pickup_point", point_id), amount,
                      memos.memo("pickup_fee", number=order.number), now)


def record_commission(*, key: str, order, promoter_id: int, amount: int, memo: str,
                      now: datetime) -> list[LedgerEntry]:
    """A promoter's commission moves out of the shop's share (`amount` > 0), or a refund
    takes some of it back (< 0). Available at once: it is written only after the order's
    refund window. `key` names the business fact, so it is written once."""
    if amount == 0:
        return []
    return _from_shop(key, "commission", order, ("promoter", promoter_id), amount, memo, now)


def release_order(order) -> OrderRelease | None:
    """The order shipped: its held entries become available after the hold period. Once."""
    if order.shipped_at is None:
        return None
    existing = db.session.get(OrderRelease, order.id)
    if existing is not None:
        return existing
    hold = timedelta(days=current_app.config["LEDGER_HOLD_DAYS"])
    release = OrderRelease(order_id=order.id, shop_id=order.shop_id, shipped_at=order.shipped_at,
                           available_at=order.shipped_at + hold)
    db.session.add(release)
    db.session.flush()
    return release


def _payout_entry(payout: Payout, kind: str, amount: int, available_at: datetime,
                  memo: str) -> LedgerEntry:
    return _entry(f"{kind}:{payout.id}", kind, Share(payout.payee_type, payout.payee_id, amount),
                  payout.currency, shop_id=payout.payee_id if payout.payee_type == "shop" else None,
                  payout_id=payout.id, available_at=available_at, memo=memo)


def record_payouts(payouts: list[Payout]) -> list[LedgerEntry]:
    """Each payout takes its amount out of the payee's available balance at once (one
    flush for the whole run)."""
    return _append([_payout_entry(payout, "payout", -payout.amount, payout.created_at,
                                  memos.memo("payout", number=payout.id)) for payout in payouts])


def record_payout_reversal(payout: Payout) -> LedgerEntry:
    """A payout given up on: its amount goes back to the payee's balance."""
    return _append([_payout_entry(payout, "payout_reversal", payout.amount, utcnow(),
                                  memos.memo("payout_reversal", number=payout.id))])[0]


# Reading -----------------------------------------------------------------------------------


def availability(now: datetime):
    """A SQL expression: 1 when an entry is available at `now`, else 0."""
    when = func.coalesce(LedgerEntry.available_at, OrderRelease.available_at)
    return case((when <= now, 1), else_=0)


@dataclass
class Balance:
    currency: str
    pending: int = 0  # held: the order has not shipped, or the hold period has not passed
    available: int = 0  # ready for the next payout (negative: owed back, netted later)
    paid_out: int = 0
    cash_held: int = 0  # pay-on-delivery cash the shop collected (and keeps), net of cash refunds


def _reading_for(payee_type: str, payee_id: int):
    """The scope that sees all of a payee's entries (PostgreSQL RLS on the ledger): a shop's
    own, since each carries its shop; any other payee's span every shop: platform-wide."""
    return use_shop(payee_id) if payee_type == "shop" else unscoped()


def balances(payee_type: str, payee_id: int, now: datetime | None = None) -> list[Balance]:
    """A payee's balances per currency."""
    with _reading_for(payee_type, payee_id):
        return _balances(payee_type, payee_id, now)


def _balances(payee_type: str, payee_id: int, now: datetime | None) -> list[Balance]:
    now = now or utcnow()
    is_available = availability(now)
    is_cash = LedgerEntry.kind.in_(("cash_collected", "cash_returned"))

    def total(condition):
        return func.coalesce(func.sum(case((condition, LedgerEntry.amount), else_=0)), 0)

    rows = db.session.execute(
        select(LedgerEntry.currency, total(is_available == 1), total(is_available == 0), total(is_cash))
        .outerjoin(OrderRelease, OrderRelease.order_id == LedgerEntry.order_id)
        .where(LedgerEntry.payee_type == payee_type, LedgerEntry.payee_id == payee_id)
        .group_by(LedgerEntry.currency)
    ).all()
    paid = dict(db.session.execute(
        select(Payout.currency, func.sum(Payout.amount))
        .where(Payout.payee_type == payee_type, Payout.payee_id == payee_id, Payout.status == "paid")
        .group_by(Payout.currency)).all())
    found = {currency: Balance(currency, pending=int(pending), available=int(available),
                               paid_out=int(paid.get(currency, 0)), cash_held=-int(cash))
             for currency, available, pending, cash in rows}
    for currency, amount in paid.items():
        found.setdefault(currency, Balance(currency, paid_out=int(amount)))
    return sorted(found.values(), key=lambda balance: balance.currency)


@dataclass
class CashOrders:
    """A shop's pay-on-delivery orders, in one currency: the cash the owner collected, and
    how the ledger shares it. What is not the shop's margin the owner owes (the platform
    pays the suppliers); the ledger nets it against the shop's other sales."""

    currency: str
    collected: int = 0  # cash the owner holds (net of cash given back on refunds)
    margin: int = 0  # the shop's own share of those orders: the owner keeps it
    supplier_costs: int = 0
    platform_fees: int = 0
    other: int = 0  # anyone else's share (a processor's fee; none for cash so far)

    @property
    def owed(self) -> int:
        """What the owner owes for these orders: everything collected that is not theirs."""
        return self.supplier_costs + self.platform_fees + self.other


def cash_orders(shop_id: int) -> list[CashOrders]:
    """Per currency, the shop's pay-on-delivery orders as the ledger books them: entries of
    every payee on the orders whose cash the shop collected. `collected` is always `margin`
    plus `owed` (a sale's shares add up to what was paid)."""
    with use_shop(shop_id):
        cod_orders = (select(LedgerEntry.order_id)
                      .where(LedgerEntry.shop_id == shop_id, LedgerEntry.kind == "cash_collected",
                             LedgerEntry.payee_type == "shop", LedgerEntry.payee_id == shop_id))
        is_cash = LedgerEntry.kind.in_(("cash_collected", "cash_returned"))
        rows = db.session.execute(
            select(LedgerEntry.currency, LedgerEntry.payee_type, is_cash, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.shop_id == shop_id, LedgerEntry.order_id.in_(cod_orders))
            .group_by(LedgerEntry.currency, LedgerEntry.payee_type, is_cash)).all()
    found: dict[str, CashOrders] = {}
    for currency, payee_type, cash, amount in rows:
        summary = found.setdefault(currency, CashOrders(currency))
        amount = int(amount)
        if payee_type == "shop" and cash:
            summary.collected -= amount
        elif payee_type == "shop":
            summary.margin += amount
        elif payee_type == "supplier":
            summary.supplier_costs += amount
        elif payee_type == "platform":
            summary.platform_fees += amount
        else:
            summary.other += amount
    return sorted(found.values(), key=lambda summary: summary.currency)


def payee_entries(payee_type: str, payee_id: int, page: int = 1, per_page: int = 50):
    """A payee's entries, newest first, paginated. Each entry's `available_on` is when it
    becomes (or became) available: its own date, its order's release, or None (held until
    the order ships)."""
    with _reading_for(payee_type, payee_id):
        return _payee_entries(payee_type, payee_id, page, per_page)


def _payee_entries(payee_type: str, payee_id: int, page: int, per_page: int):
    query = (select(LedgerEntry).where(LedgerEntry.payee_type == payee_type,
                                       LedgerEntry.payee_id == payee_id)
             .order_by(LedgerEntry.id.desc()))
    page = db.paginate(query, page=page, per_page=per_page, error_out=False)
    order_ids = {entry.order_id for entry in page.items if entry.order_id}
    released = dict(db.session.execute(select(OrderRelease.order_id, OrderRelease.available_at)
                                       .where(OrderRelease.order_id.in_(order_ids))).all()) if order_ids else {}
    for entry in page.items:
        entry.available_on = entry.available_at or released.get(entry.order_id)
    return page


@unscoped()  # fees of every shop's orders
def platform_income() -> list[dict]:
    """The platform's fee income and the processor's fees, per currency."""
    rows = db.session.execute(
        select(LedgerEntry.payee_type, LedgerEntry.currency, func.sum(LedgerEntry.amount),
               func.count(func.distinct(LedgerEntry.order_id)))
        .where(LedgerEntry.payee_type.in_(("platform", "processor")))
        .group_by(LedgerEntry.payee_type, LedgerEntry.currency)
        .order_by(LedgerEntry.currency)).all()
    income: dict[str, dict] = {}
    for payee_type, currency, amount, orders in rows:
        row = income.setdefault(currency, {"currency": currency, "platform": 0, "processor": 0, "orders": 0})
        row[payee_type] = int(amount)
        if payee_type == "platform":
            row["orders"] = orders
    return list(income.values())
