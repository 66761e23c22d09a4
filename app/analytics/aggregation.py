"""Folding counts and sales into the day rows (`AnalyticsDay`, `AnalyticsDayCount`).

Visits: each day the store holds is written as it stands (Redis: the day's whole figures,
replacing the row's; this process: what was added since the last fold, added to it).
Sales: every order the ledger touched since the last run (by entry id) has its shop's
day recounted from the orders and the ledger, as absolute figures. Either way a second run
writes the same rows.

Rows are written with Core statements (INSERT ... ON CONFLICT, UPDATE on the table), not
ORM flushes: figures are not storefront content, and an ORM flush of a tenant row would
move the shop's page-cache generation (app/storefront/page_cache.py) every few minutes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.db_types import utcnow
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.models import Order, OrderLine
from app.referrals.models import Commission, Promoter
from app.shops.models import Listing, Shop
from app.shops.timezones import from_local, local

from .counting import DayTally, VisitCounter
from .models import AnalyticsDay, AnalyticsDayCount, AnalyticsMark

# The shop's own entries that make its margin (not cash it holds, not payouts).
MARGIN_KINDS = ("sale", "refund", "dispute", "dispute_won", "supplier_return", "commission", "pickup_fee")
SLACK = 500  # ledger entries read again each run: a transaction may commit after a later one
BATCH = 5000
COUNT_KINDS = {"p": "listing", "r": "promoter", "s": "share", "w": "site"}


def _upsert(model, rows: list[dict], columns: list[str], *, add: tuple[str, ...] = ()) -> None:
    """Insert the rows, or on their key set `columns` and add to the `add` ones."""
    if not rows:
        return
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(rows)
    values = {name: statement.excluded[name] for name in columns}
    values.update({name: table.c[name] + statement.excluded[name] for name in add})
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[column.name for column in table.primary_key], set_=values))


# Visits ---------------------------------------------------------------------------------------


def _resolve(model, column, shop_id: int, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    return {name: row_id for row_id, name in db.session.execute(
        select(model.id, column).where(model.shop_id == shop_id, column.in_(sorted(names))))}


def write_visits(shop: Shop, tallies: list[DayTally]) -> None:
    """One shop's tallies into its day rows. Handles and promoter codes become ids here,
    not in the request (a handle renamed since is dropped)."""
    add = not tallies[0].replace
    wanted: dict[str, set[str]] = defaultdict(set)
    for tally in tallies:
        for name in tally.counts:
            prefix, _, key = name.partition(":")
            if key:
                wanted[prefix].add(key)
    ids = {"p": _resolve(Listing, Listing.handle, shop.id, wanted["p"]),
           "r": _resolve(Promoter, Promoter.code, shop.id, wanted["r"])}
    now = utcnow()
    days, counts = [], defaultdict(int)
    for tally in tallies:
        days.append({"shop_id": shop.id, "day": tally.day, "page_views": tally.counts.get("views", 0),
                     "visits": tally.counts.get("visits", 0), "visitors": tally.visitors,
                     "currency": shop.currency, "updated_at": now})
        for name, number in tally.counts.items():
            prefix, _, key = name.partition(":")
            if prefix not in COUNT_KINDS or not key:
                continue
            if prefix in ids:
                if key not in ids[prefix]:
                    continue
                key = str(ids[prefix][key])
            counts[(tally.day, COUNT_KINDS[prefix], key[:100])] += number
    figures = ("page_views", "visits", "visitors")
    _upsert(AnalyticsDay, days, ["updated_at", *([] if add else figures)], add=figures if add else ())
    _upsert(AnalyticsDayCount, [{"shop_id": shop.id, "day": day, "kind": kind, "key": key, "views": n}
                                for (day, kind, key), n in counts.items()],
            [] if add else ["views"], add=("views",) if add else ())


def fold_visits(counter: VisitCounter, now: datetime | None = None) -> int:
    """Write what the counter's store holds; returns how many shop-days. Commits."""
    tallies = counter.store.pending()
    by_shop: dict[int, list[DayTally]] = defaultdict(list)
    for tally in tallies:
        by_shop[tally.shop_id].append(tally)
    shops = {shop.id: shop for shop in db.session.scalars(select(Shop).where(Shop.id.in_(sorted(by_shop))))} \
        if by_shop else {}
    for shop_id, items in by_shop.items():
        if shop_id in shops:  # a shop deleted since: its counts go with it
            write_visits(shops[shop_id], items)
    db.session.commit()
    counter.store.done(tallies, (now or datetime.now(UTC)).date())
    return len(tallies)


# Sales ----------------------------------------------------------------------------------------


def day_bounds(shop, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC moments the shop's days `first` to `last` (both included) begin and end."""
    return (from_local(datetime.combine(first, time()), shop),
            from_local(datetime.combine(last + timedelta(days=1), time()), shop))


def recount_sales(shop: Shop, first: date, last: date) -> None:
    """The shop's paid orders placed on its days `first` to `last`, written over what the
    rows said: orders, revenue (totals less refunds), margin (the shop's ledger entries on
    them), and per listing and per promoter."""
    start, end = day_bounds(shop, first, last)
    placed = and_(Order.shop_id == shop.id, Order.placed_at >= start, Order.placed_at < end,
                  Order.paid_at.is_not(None))
    orders = db.session.execute(select(Order.id, Order.placed_at, Order.total, Order.refunded_total)
                                .where(placed)).all()
    day_of = {order.id: local(order.placed_at, shop).date() for order in orders}
    margins = dict(db.session.execute(
        select(LedgerEntry.order_id, func.sum(LedgerEntry.amount))
        .join(Order, and_(Order.id == LedgerEntry.order_id, Order.shop_id == shop.id))
        .where(placed, LedgerEntry.shop_id == shop.id, LedgerEntry.payee_type == "shop",
               LedgerEntry.payee_id == shop.id, LedgerEntry.kind.in_(MARGIN_KINDS))
        .group_by(LedgerEntry.order_id)).all())
    lines = db.session.execute(
        select(OrderLine.order_id, OrderLine.listing_id,
               func.sum(OrderLine.unit_price * OrderLine.quantity - OrderLine.discount_total))
        .join(Order, and_(Order.id == OrderLine.order_id, Order.shop_id == OrderLine.shop_id))
        .where(placed).group_by(OrderLine.order_id, OrderLine.listing_id)).all()
    brought = db.session.execute(
        select(Commission.order_id, Commission.promoter_id, Commission.base)
        .join(Order, and_(Order.id == Commission.order_id, Order.shop_id == Commission.shop_id))
        .where(placed, Commission.level == 1, Commission.status != "cancelled")).all()

    days: dict[date, dict] = defaultdict(lambda: {"orders": 0, "revenue": 0, "margin": 0})
    for order in orders:
        figures = days[day_of[order.id]]
        figures["orders"] += 1
        figures["revenue"] += order.total - order.refunded_total
        figures["margin"] += int(margins.get(order.id) or 0)
    counts: dict[tuple, dict] = defaultdict(lambda: {"orders": 0, "sales": 0})
    for order_id, listing_id, sales in lines:
        figures = counts[(day_of[order_id], "listing", str(listing_id))]
        figures["orders"] += 1
        figures["sales"] += int(sales or 0)
    for order_id, promoter_id, base in brought:
        figures = counts[(day_of[order_id], "promoter", str(promoter_id))]
        figures["orders"] += 1
        figures["sales"] += int(base or 0)

    # Days whose orders went (refunded to nothing is still an order; a deleted one is not).
    table, count_table = AnalyticsDay.__table__, AnalyticsDayCount.__table__
    db.session.execute(update(table).where(table.c.shop_id == shop.id, table.c.day.between(first, last))
                       .values(orders=0, revenue=0, margin=0))
    db.session.execute(update(count_table).where(
        count_table.c.shop_id == shop.id, count_table.c.day.between(first, last),
        count_table.c.kind.in_(("listing", "promoter"))).values(orders=0, sales=0))
    now = utcnow()
    _upsert(AnalyticsDay, [{"shop_id": shop.id, "day": day, "currency": shop.currency, "updated_at": now,
                            **figures} for day, figures in days.items()],
            ["orders", "revenue", "margin", "currency", "updated_at"])
    _upsert(AnalyticsDayCount, [{"shop_id": shop.id, "day": day, "kind": kind, "key": key, **figures}
                                for (day, kind, key), figures in counts.items()], ["orders", "sales"])


def _runs(days: set[date]) -> list[tuple[date, date]]:
    """Sorted days as ranges of consecutive days: [(first, last), ...]."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][1] <= timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def catch_up_sales(batch: int = BATCH) -> int:
    """Recount the days of every order with ledger entries newer than the mark (less
    SLACK), then move the mark. Returns how many orders. Commits."""
    mark = db.session.get(AnalyticsMark, "ledger") or AnalyticsMark(name="ledger", last_id=0)
    top = db.session.scalar(select(func.max(LedgerEntry.id))) or 0
    since = max(mark.last_id - SLACK, 0)
    touched = 0
    while since < top:
        until = min(since + batch, top)
        pairs = db.session.execute(
            select(LedgerEntry.shop_id, LedgerEntry.order_id).distinct()
            .where(LedgerEntry.id > since, LedgerEntry.id <= until, LedgerEntry.order_id.is_not(None),
                   LedgerEntry.shop_id.is_not(None))).all()
        orders_of: dict[int, set[int]] = defaultdict(set)
        for shop_id, order_id in pairs:
            orders_of[shop_id].add(order_id)
        for shop_id, order_ids in orders_of.items():
            shop = db.session.get(Shop, shop_id)
            if shop is None:
                continue
            placed = db.session.scalars(select(Order.placed_at).where(
                Order.shop_id == shop_id, Order.id.in_(sorted(order_ids)))).all()
            for first, last in _runs({local(moment, shop).date() for moment in placed}):
                recount_sales(shop, first, last)
            touched += len(order_ids)
        mark.last_id, mark.updated_at = max(mark.last_id, until), utcnow()
        db.session.add(mark)
        db.session.commit()
        since = until
    return touched


def recount_all_sales(shop: Shop) -> None:
    """Every day of the shop's paid orders (the demo; a repair by hand). Flushes only."""
    placed = db.session.execute(select(func.min(Order.placed_at), func.max(Order.placed_at))
                                .where(Order.shop_id == shop.id, Order.paid_at.is_not(None))).one()
    if placed[0] is not None:
        recount_sales(shop, local(placed[0], shop).date(), local(placed[1], shop).date())
