"""Finding a shop's orders: search by number, name, e-mail or phone; filter by status,
fulfilment, delivery and the day placed; the same filters for the list, the CSV export and
the packing slips. Always in the current shop's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import selectinload

from app.csv_export import csv_text
from app.db_types import contains_pattern
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.money import to_major
from app.pagination import Slice, SortKey, count_up_to, keyset_slice, narrowed_by_ids
from app.shops.timezones import shop_today, zone

from .models import ORDER_STATUSES, Order, OrderLine

FULFILMENT_STATUSES = ("unfulfilled", "partly_shipped", "shipped")
DELIVERIES = ("delivery", "pickup")
MAX_EXPORT = 50_000  # one CSV; past this, narrow the dates


@dataclass(frozen=True)
class OrderFilters:
    text: str = ""
    status: str = ""
    fulfilment: str = ""
    delivery: str = ""
    placed_from: date | None = None
    placed_to: date | None = None  # inclusive
    timezone: str = "UTC"  # the shop's clock: the days are its days

    @classmethod
    def read(cls, args, timezone: str = "UTC") -> OrderFilters:
        """From a query string; raises DomainError naming the field that makes no sense."""
        def day(name: str, label: str) -> date | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise DomainError(_('Enter the %(label)s date as YYYY-MM-DD.', label=label), field=name) from None

        status = args.get("status") or ""
        if status and status not in ORDER_STATUSES:
            raise DomainError(_('There is no “%(status)s” status.', status=status[:40]), field="status")
        fulfilment = args.get("fulfilment") or ""
        if fulfilment and fulfilment not in FULFILMENT_STATUSES:
            raise DomainError(_('Choose a fulfilment state from the list.'), field="fulfilment")
        delivery = args.get("delivery") or ""
        if delivery and delivery not in DELIVERIES:
            raise DomainError(_('Choose delivery or pickup.'), field="delivery")
        found = cls(text=" ".join((args.get("q") or "").split())[:100], status=status, fulfilment=fulfilment,
                    delivery=delivery, placed_from=day("from", "first"), placed_to=day("to", "last"),
                    timezone=timezone)
        if found.placed_from and found.placed_to and found.placed_to < found.placed_from:
            raise DomainError(_('The last date is before the first.'), field="to")
        return found

    def query_args(self) -> dict:
        """The filters as a query string's arguments (for links that keep them)."""
        args = {"q": self.text, "status": self.status, "fulfilment": self.fulfilment, "delivery": self.delivery,
                "from": self.placed_from.isoformat() if self.placed_from else "",
                "to": self.placed_to.isoformat() if self.placed_to else ""}
        return {key: value for key, value in args.items() if value}

    @property
    def any(self) -> bool:
        return bool(self.query_args())


def matching(filters: OrderFilters):
    """The select of the orders the filters find, newest first."""
    query = select(Order)
    if filters.text:
        # Number, name, e-mail or phone: one generated column, lowercased as the database
        # lowercases (models.SEARCH_TEXT).
        query = query.where(Order.search_text.like(func.lower(contains_pattern(filters.text)), escape="\\"))
    if filters.status:
        query = query.where(Order.status == filters.status)
    if filters.fulfilment:
        query = query.where(Order.fulfilment_status == filters.fulfilment)
    if filters.delivery == "pickup":
        query = query.where(Order.pickup_point_id.is_not(None))
    elif filters.delivery == "delivery":
        query = query.where(Order.pickup_point_id.is_(None))
    tz = zone(filters.timezone)
    if filters.placed_from:
        query = query.where(Order.placed_at >= _midnight(filters.placed_from, tz))
    if filters.placed_to:
        query = query.where(Order.placed_at < _midnight(filters.placed_to + timedelta(days=1), tz))
    return query.order_by(Order.placed_at.desc(), Order.id.desc())


def _midnight(day: date, tz) -> datetime:
    """When the shop's day begins, in UTC: its days run from its midnight to the next."""
    return datetime.combine(day, time(), tz).astimezone(UTC)


SUMMARY_DAYS = 30
_NOTHING = {"count": 0, "total": 0}


@dataclass(frozen=True)
class OrderSummary:
    """The dashboard's orders at a glance: {status: {"count", "total"}}; the orders paid or
    cancelled are those placed from `first_day` (the shop's day), today included."""

    first_day: date
    days: int
    by_status: dict

    def of(self, status: str) -> dict:
        return self.by_status.get(status, _NOTHING)


def order_summary(timezone: str, days: int = SUMMARY_DAYS) -> OrderSummary:
    """Every order of the current shop waiting for payment (the owner's to-do, however old),
    and those paid or cancelled over its last `days` days, the days the order list's filter
    means. Each part is one range of the (shop_id, status, placed_at) index, read without
    the table on PostgreSQL (count(*), total included): years of orders cost nothing."""
    def by_status(*criteria):
        return select(Order.status, func.count(), func.coalesce(func.sum(Order.total), 0)).where(
            *criteria).group_by(Order.status)

    tz = zone(timezone)
    first_day = shop_today(timezone) - timedelta(days=days - 1)
    rows = db.session.execute(union_all(
        by_status(Order.status == "pending"),
        by_status(Order.status.in_(("paid", "cancelled")), Order.placed_at >= _midnight(first_day, tz)),
    )).all()
    return OrderSummary(first_day, days, {status: {"count": count, "total": total} for status, count, total in rows})


ORDER_KEY = SortKey((Order.placed_at, Order.id), (datetime.fromisoformat, int))


def find_orders(filters: OrderFilters, *, older: str | None = None, newer: str | None = None,
                per_page: int = 25, counted: bool = True) -> Slice:
    """A page of the current shop's orders, newest first: the newest, or those just older
    (newer) than a cursor of ORDER_KEY; their lines loaded with them (one more query, not
    one per order); counted up to pagination.COUNT_UP_TO."""
    query = matching(filters)
    # A search finds the page's ids in the index first: it drops the orders that do not
    # match without reading them from the table (PostgreSQL).
    found = keyset_slice(query.options(selectinload(Order.lines)), ORDER_KEY, older=older, newer=newer,
                         per_page=per_page, ids_first=bool(filters.text))
    if counted:
        # A list that fits on its first page is counted already (an order number or an
        # e-mail searched for): the count would read every order of the shop again.
        found.total = len(found.items) if found.whole else count_up_to(query)
    return found


def orders_for_slips(filters: OrderFilters, ids: list[int] | None = None, limit: int = 200) -> list[Order]:
    """Orders to print packing slips for: the ones chosen, else those the filters find."""
    query = matching(filters).options(selectinload(Order.lines))
    if ids:
        query = query.where(Order.id.in_(ids))
    elif filters.text:  # as the list does: the matches' ids from the index, then their rows
        query = narrowed_by_ids(query, Order.id, limit)
    return list(db.session.scalars(query.limit(limit)))


CSV_HEADER = ("Order", "Placed", "Status", "Fulfilment", "Payment", "Customer", "Email", "Phone",
              "Address", "City", "Region", "Postcode", "Country", "Pickup point", "Items", "Subtotal",
              "Discount", "Shipping", "Total", "Refunded", "Currency", "Discount code")


# The export reads rows of columns, not Order objects: 49,874 orders with their lines took
# 5.9 s as 175,000 objects, 2.2 s as rows (bench/README.md).
_CSV_COLUMNS = (Order.id, Order.number, Order.placed_at, Order.status, Order.fulfilment_status,
                Order.payment_method, Order.customer_name, Order.customer_email, Order.customer_phone,
                Order.ship_line1, Order.ship_line2, Order.ship_city, Order.ship_region, Order.ship_postcode,
                Order.ship_country, Order.pickup_point_id, Order.subtotal, Order.discount_total,
                Order.shipping_total, Order.total, Order.refunded_total, Order.currency, Order.discount_code)


def _items(exported) -> dict[int, str]:
    """order id -> "2 × Tea (Large); 1 × Mug" for the `exported` orders (a select of their
    ids), in each order's line order: one statement."""
    items: dict[int, list[str]] = {}
    for order_id, quantity, title, label in db.session.execute(
            select(OrderLine.order_id, OrderLine.quantity, OrderLine.title, OrderLine.variant_label)
            .where(OrderLine.order_id.in_(exported)).order_by(OrderLine.order_id, OrderLine.id)):
        items.setdefault(order_id, []).append(f"{quantity} × {title}{f' ({label})' if label else ''}")
    return {order_id: "; ".join(lines) for order_id, lines in items.items()}


def _csv_rows(orders: list, items: dict[int, str], tz) -> Iterator[list]:
    for order in orders:
        money = [str(to_major(amount, order.currency)) for amount in
                 (order.subtotal, order.discount_total, order.shipping_total, order.total, order.refunded_total)]
        yield [order.number, order.placed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"), order.status,
               order.fulfilment_status, order.payment_method, order.customer_name, order.customer_email,
               order.customer_phone, " ".join(part for part in (order.ship_line1, order.ship_line2) if part),
               order.ship_city, order.ship_region, order.ship_postcode, order.ship_country, Order.pickup_place_of(order),
               items.get(order.id, ""), *money, order.currency, order.discount_code]


def orders_csv(filters: OrderFilters) -> str:
    """The orders the filters find (up to MAX_EXPORT, newest first), as a spreadsheet-safe CSV
    (app/csv_export.py)."""
    return orders_export(filters)[0]


def orders_export(filters: OrderFilters) -> tuple[str, int]:
    """`orders_csv`, and how many orders it holds."""
    exported = matching(filters).limit(MAX_EXPORT)
    orders = db.session.execute(exported.with_only_columns(*_CSV_COLUMNS)).all()
    items = _items(exported.with_only_columns(Order.id)) if orders else {}
    return csv_text(CSV_HEADER, _csv_rows(orders, items, zone(filters.timezone))), len(orders)

