"""Orders collected at a pickup point: the person in charge hands an order over against its
pickup code, once, at its own point (a code of another point or shop finds nothing), and
takes the cash of a pay-on-delivery order there; the point earns its fee per order, if the
shop pays one."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _, format_datetime
from app.ledger.services import record_point_fee

from .models import Order
from .services import mark_paid


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()[:12]


def collect(point, code: str) -> Order:
    """Mark the order of `code` collected at `point` (current shop scope). Raises
    DomainError saying why not: unknown here, cancelled, not gone ahead, not arrived yet,
    or collected already (a code works once: a conditional UPDATE decides a double scan)."""
    code = _normalise(code)
    order = db.session.scalar(select(Order).where(Order.pickup_code == code)) if code else None
    if order is None or order.pickup_point_id != point.id:
        raise DomainError(_('No order with this code is waiting at this point.'), field="code")
    if order.status == "cancelled":
        raise DomainError(_('Order %(number)s was cancelled: do not hand it over.', number=order.number), field="code")
    if order.collected_at is not None:
        raise DomainError(_('Order %(number)s was collected on %(collected_at)s UTC.', number=order.number, collected_at=format_datetime(order.collected_at, "short")),
                          field="code")
    if order.hold or (order.status == "pending" and order.payment_method == "card"):
        raise DomainError(_('Order %(number)s has not gone ahead yet: do not hand it over.', number=order.number), field="code")
    if order.fulfilment_status != "shipped":
        raise DomainError(_('Order %(number)s has not arrived from the supplier yet.', number=order.number), field="code")
    won = db.session.execute(
        update(Order).where(Order.id == order.id, Order.shop_id == order.shop_id, Order.collected_at.is_(None))
        .values(collected_at=utcnow()).execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(order)
    if not won:
        raise DomainError(_('Order %(number)s was collected a moment ago.', number=order.number), field="code")
    if order.payment_method == "cod" and order.status == "pending":
        mark_paid(order)  # the person in charge took the cash
    if point.fee_per_order:
        record_point_fee(order, point.id, point.fee_per_order, order.collected_at)
    return order


def orders_at(point) -> dict[str, list[Order]]:
    """A point's orders: arrived and waiting to be collected, still on their way, and the
    latest collected."""
    rows = list(db.session.scalars(select(Order).where(
        Order.pickup_point_id == point.id, Order.status != "cancelled", Order.hold == "")
        .order_by(Order.placed_at)))
    return {
        "waiting": [o for o in rows if o.collected_at is None and o.fulfilment_status == "shipped"],
        "coming": [o for o in rows if o.collected_at is None and o.fulfilment_status != "shipped"],
        "collected": sorted((o for o in rows if o.collected_at is not None),
                            key=lambda o: o.collected_at, reverse=True)[:20],
    }
