"""A community leader's weekly deal: which listings, the weekly order deadline, the handout
day; the round an order belongs to; the "sold n" counter; the leader's order sheet.

A round is the week that ends at a deadline. An order belongs to the first deadline at or
after the moment it was placed, so nothing needs moving when a deadline passes: an order
placed after it is simply in the next round. The counter and the sheet are read from the
orders themselves (never a stored number), so they are always the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.csv_export import csv_text
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.orders.models import Order, OrderLine
from app.shops.models import Listing, Shop
from app.shops.pickup import PickupPoint
from app.shops.timezones import zone

from .models import WeeklyDeal

WEEK = timedelta(days=7)


def weekly_deal() -> WeeklyDeal | None:
    return db.session.scalar(select(WeeklyDeal))


def save_weekly_deal(*, title, listing_ids, deadline_weekday, deadline_time, handout_weekday,
                     active: bool = True) -> WeeklyDeal:
    """Create or change the shop's weekly deal (current shop scope). Raises DomainError
    naming the field."""
    title = " ".join(str(title or "").split())
    if not title or len(title) > 80:
        raise DomainError(_('Give the weekly deal a title (up to 80 characters).'), field="title")
    wanted = {int(i) for i in listing_ids if str(i).isdigit()}
    own = set(db.session.scalars(select(Listing.id).where(Listing.id.in_(wanted)))) if wanted else set()
    if not own or own != wanted:
        raise DomainError(_('Choose at least one of your products.'), field="listing_ids")
    days = {}
    for field, value in (("deadline_weekday", deadline_weekday), ("handout_weekday", handout_weekday)):
        try:
            days[field] = int(value)
        except (TypeError, ValueError):
            days[field] = -1
        if not 0 <= days[field] <= 6:
            raise DomainError(_('Choose a day of the week.'), field=field)
    try:
        hours, minutes = (int(part) for part in str(deadline_time or "").split(":"))
        if not (0 <= hours <= 23 and 0 <= minutes <= 59):
            raise ValueError
    except ValueError:
        raise DomainError(_("Enter the deadline’s time like 20:00."), field="deadline_time") from None
    deal = weekly_deal() or WeeklyDeal()
    if deal.id is None:
        db.session.add(deal)
    deal.title, deal.listing_ids, deal.active = title, sorted(own), bool(active)
    deal.deadline_weekday, deal.handout_weekday = days["deadline_weekday"], days["handout_weekday"]
    deal.deadline_minutes = hours * 60 + minutes
    db.session.flush()
    return deal


def _zone(deal: WeeklyDeal):
    """The shop's clock: its deadlines and handout days are on it (DST included)."""
    shop = db.session.get(Shop, deal.shop_id) if deal.shop_id is not None else None
    return zone(shop.timezone if shop is not None else None)


def _on_clock(wall: datetime, tz) -> datetime:
    return wall.replace(tzinfo=tz).astimezone(UTC)


def weeks_before(deal: WeeklyDeal, deadline: datetime, weeks: int = 1) -> datetime:
    """The deadline `weeks` earlier, at the same time on the shop's clock."""
    tz = _zone(deal)
    return _on_clock(deadline.astimezone(tz).replace(tzinfo=None) - weeks * WEEK, tz)


def deadline_after(deal: WeeklyDeal, moment: datetime) -> datetime:
    """The first deadline at or after `moment`: the end of the round `moment` is in."""
    tz = _zone(deal)
    day = moment.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    wall = day + timedelta(days=(deal.deadline_weekday - day.weekday()) % 7, minutes=deal.deadline_minutes)
    deadline = _on_clock(wall, tz)
    return deadline if deadline >= moment else _on_clock(wall + WEEK, tz)


def handout_after(deal: WeeklyDeal, deadline: datetime) -> datetime:
    """The handout day (its start, on the shop's clock) that follows a round's deadline."""
    tz = _zone(deal)
    day = deadline.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return _on_clock(day + timedelta(days=(deal.handout_weekday - day.weekday()) % 7 or 7), tz)


def current_round(deal: WeeklyDeal, now: datetime | None = None) -> datetime:
    return deadline_after(deal, now or utcnow())


def _round_lines(deal: WeeklyDeal, deadline: datetime):
    """(order, line) of the round ending at `deadline`: the deal's listings, orders placed in
    the week before it, neither cancelled nor waiting on a group or pre-sale."""
    return db.session.execute(
        select(Order, OrderLine).join(OrderLine, (OrderLine.order_id == Order.id) & (OrderLine.shop_id == Order.shop_id))
        .where(*_in_round(deal, deadline)).order_by(Order.placed_at, OrderLine.id)).all()


def _in_round(deal: WeeklyDeal, deadline: datetime) -> tuple:
    """The week's lines of the deal's listings: neither cancelled nor waiting on a group or
    a pre-sale (those go ahead, or not, on their own terms). The sheet and the counter agree."""
    return (Order.placed_at > weeks_before(deal, deadline), Order.placed_at <= deadline, Order.status != "cancelled",
            Order.hold.in_(("", "shopper", "owner")), OrderLine.listing_id.in_(deal.listing_ids or [-1]))


def sold_this_round(deal: WeeklyDeal, now: datetime | None = None) -> dict[int, int]:
    """Listing id -> units ordered in the running round (the storefront's "n sold")."""
    deadline = current_round(deal, now)
    rows = db.session.execute(
        select(OrderLine.listing_id, func.sum(OrderLine.quantity))
        .join(Order, (OrderLine.order_id == Order.id) & (OrderLine.shop_id == Order.shop_id))
        .where(*_in_round(deal, deadline)).group_by(OrderLine.listing_id)).all()
    return {listing_id: int(total) for listing_id, total in rows}


@dataclass
class SheetRow:
    point: str  # the pickup point's name, or "Delivery" in the reader's language
    product: str
    shopper: str
    quantity: int
    order_number: str
    phone: str


def order_sheet(deal: WeeklyDeal, deadline: datetime) -> list[SheetRow]:
    """The leader's sheet of one round: per pickup point (deliveries last), per product, per
    shopper."""
    points = dict(db.session.execute(select(PickupPoint.id, PickupPoint.name)).all())
    delivery = _("Delivery")
    rows = [SheetRow(point=points.get(order.pickup_point_id, delivery) if order.pickup_point_id else delivery,
                     product=line.title + (f" ({line.variant_label})" if line.variant_label else ""),
                     shopper=order.customer_name, quantity=line.quantity, order_number=order.number,
                     phone=order.customer_phone)
            for order, line in _round_lines(deal, deadline)]
    return sorted(rows, key=lambda r: (r.point == delivery, r.point, r.product, r.shopper, r.order_number))


def sheet_totals(rows: list[SheetRow]) -> dict[tuple[str, str], int]:
    """(point, product) -> units: what to put aside for each point."""
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        totals[(row.point, row.product)] = totals.get((row.point, row.product), 0) + row.quantity
    return totals


def sheet_csv(rows: list[SheetRow]) -> str:
    return csv_text(["Pickup point", "Product", "Shopper", "Quantity", "Order", "Phone"],
                    [(r.point, r.product, r.shopper, r.quantity, r.order_number, r.phone) for r in rows])


def past_rounds(deal: WeeklyDeal, count: int = 4, now: datetime | None = None) -> list[datetime]:
    """The running round's deadline and the `count` before it, latest first."""
    deadline = current_round(deal, now)
    return [weeks_before(deal, deadline, n) for n in range(count + 1)]


@dataclass
class WeekOnShow:
    """What the storefront shows of a running weekly deal."""

    title: str
    deadline: datetime
    handout: datetime
    listing_ids: list
    sold: dict[int, int]


def on_show(now: datetime | None = None) -> WeekOnShow | None:
    deal = weekly_deal()
    if deal is None or not deal.active:
        return None
    deadline = current_round(deal, now)
    return WeekOnShow(deal.title, deadline, handout_after(deal, deadline), list(deal.listing_ids),
                      sold_this_round(deal, now))
