"""Fulfilment: an order split into one purchase order per supplier, shipped straight to the
shopper, and the order's fulfilment status that follows the lines as they ship.

Routing runs inside the order's shop scope. Supplier-side functions (the portal) run
unscoped but ALWAYS filter by the acting supplier's id, so supplier A never reads B's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _
from app.jobs import defer
from app.ledger.services import release_order
from app.pagination import window
from app.status_words import status_in_sentence
from app.tenancy import use_shop

from .fulfilment_models import OPEN_LAST, PurchaseOrder, PurchaseOrderLine
from .models import Order

# Only these are copied from the order: nothing else about the shopper reaches a supplier.
SHIP_FIELDS = ("ship_line1", "ship_line2", "ship_city", "ship_region", "ship_postcode", "ship_country")


def route_order(order: Order) -> list[PurchaseOrder]:
    """Split `order` into one PurchaseOrder per supplier (current shop scope). Idempotent:
    suppliers and lines already routed are skipped; returns only the new purchase orders."""
    if order.status == "cancelled":
        return []
    existing = {po.supplier_id: po for po in db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))}
    routed_lines = set(db.session.scalars(
        select(PurchaseOrderLine.order_line_id)
        .where(PurchaseOrderLine.order_line_id.in_([line.id for line in order.lines]))))
    by_supplier: dict[int, list] = {}
    for line in order.lines:
        if line.id not in routed_lines:
            by_supplier.setdefault(line.supplier_id, []).append(line)
    created = []
    next_n = len(existing) + 1
    for supplier_id in sorted(by_supplier):
        po = existing.get(supplier_id)
        if po is None:
            po = PurchaseOrder(
                shop_id=order.shop_id, order_id=order.id, supplier_id=supplier_id,
                number=f"{order.number}-{next_n}", status="open",
                ship_name=order.customer_name, ship_phone=order.customer_phone,
                pickup_point_id=order.pickup_point_id,
                **{field: getattr(order, field) for field in SHIP_FIELDS},
            )
            next_n += 1
            db.session.add(po)
            created.append(po)
        for line in by_supplier[supplier_id]:
            po.lines.append(PurchaseOrderLine(
                shop_id=order.shop_id, order_line_id=line.id, sku=line.sku, title=line.title,
                variant_label=line.variant_label, quantity=line.quantity,
                unit_cost=line.unit_cost, currency=line.currency,
            ))
    db.session.flush()
    return created


def purchase_orders_of(order: Order) -> list[PurchaseOrder]:
    """The purchase orders of an order (current shop scope), for the owner and the shopper."""
    return list(db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.order_id == order.id).order_by(PurchaseOrder.id)))


def tracking_of(order: Order) -> list[dict]:
    """Distinct (carrier, tracking number) pairs of an order's shipped lines."""
    seen, result = set(), []
    for po in purchase_orders_of(order):
        for line in po.lines:
            key = (line.carrier, line.tracking_number)
            if line.shipped_at and line.tracking_number and key not in seen:
                seen.add(key)
                result.append({"carrier": line.carrier, "tracking_number": line.tracking_number})
    return result


@dataclass
class ShipmentNotice:
    """What one shipment of an order carried (for the shopper's e-mail): its purchase order
    lines, their tracking, and the lines of the order still to come after it."""

    lines: list
    tracking: list[dict]
    still_to_come: list


def shipment_of(order: Order, line_ids) -> ShipmentNotice:
    """The shipment of these purchase order lines of `order` (current shop scope). Lines
    still to come are those that had not shipped when these did, so an e-mail written late
    still tells the shipment as it was."""
    wanted = {int(line_id) for line_id in line_ids}
    lines = [line for po in purchase_orders_of(order) if po.status != "cancelled" for line in po.lines]
    shipped = [line for line in lines if line.id in wanted and line.shipped_at is not None]
    when = max((line.shipped_at for line in shipped), default=None)
    tracking, seen = [], set()
    for line in shipped:
        key = (line.carrier, line.tracking_number)
        if key not in seen:
            seen.add(key)
            tracking.append({"carrier": line.carrier, "tracking_number": line.tracking_number})
    still_to_come = [line for line in lines if line.id not in wanted
                     and (line.shipped_at is None or (when is not None and line.shipped_at > when))]
    return ShipmentNotice(shipped, tracking, still_to_come)


def has_shipped(order: Order) -> bool:
    """Whether any line of the order has left a supplier's warehouse."""
    return db.session.scalar(
        select(func.count(PurchaseOrderLine.id))
        .join(PurchaseOrder, (PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
              & (PurchaseOrderLine.shop_id == PurchaseOrder.shop_id))
        .where(PurchaseOrder.order_id == order.id, PurchaseOrder.shop_id == order.shop_id,
               PurchaseOrderLine.shipped_at.is_not(None))) > 0


def cancel_purchase_orders(order: Order) -> None:
    """Cancel an order's open purchase orders. Refused once anything has shipped: goods on
    their way cannot be cancelled here (that is a return, handled outside this flow)."""
    pos = purchase_orders_of(order)
    if any(line.shipped_at for po in pos for line in po.lines):
        raise DomainError(_('Part of this order has already shipped, so it can no longer be cancelled.'))
    for po in pos:
        if po.status == "open":
            po.status = "cancelled"
    db.session.flush()


# Supplier side --------------------------------------------------------------------------


def supplier_purchase_orders(supplier_id: int, status: str | None = None, page: int = 1,
                             per_page: int = 20):
    """A supplier's purchase orders, open first, newest first (caller runs unscoped): a
    page of them, read from the supplier's queue index without counting them all."""
    query = select(PurchaseOrder).where(PurchaseOrder.supplier_id == supplier_id)
    if status:
        query = query.where(PurchaseOrder.status == status)
    query = query.order_by(text(OPEN_LAST), PurchaseOrder.created_at.desc(),
                           PurchaseOrder.id.desc()).options(selectinload(PurchaseOrder.lines))
    return window(query, page, per_page)


def supplier_purchase_order(supplier_id: int, po_id: int) -> PurchaseOrder:
    """One purchase order of this supplier, or NotFound (also for another supplier's)."""
    po = db.session.scalar(select(PurchaseOrder).where(
        PurchaseOrder.id == po_id, PurchaseOrder.supplier_id == supplier_id))
    if po is None:
        raise NotFound(_('No such purchase order.'))
    return po


def open_purchase_order_lines(supplier_id: int) -> list[tuple[PurchaseOrder, PurchaseOrderLine]]:
    """Every line still to ship of this supplier's open purchase orders (for the CSV export)."""
    rows = db.session.execute(
        select(PurchaseOrder, PurchaseOrderLine)
        .join(PurchaseOrderLine, (PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
              & (PurchaseOrderLine.shop_id == PurchaseOrder.shop_id))
        .where(PurchaseOrder.supplier_id == supplier_id, PurchaseOrder.status == "open",
               PurchaseOrderLine.shipped_at.is_(None))
        .order_by(PurchaseOrder.created_at, PurchaseOrder.id, PurchaseOrderLine.id)
    ).all()
    return [(po, line) for po, line in rows]


@dataclass
class Shipment:
    line: PurchaseOrderLine
    carrier: str
    tracking_number: str


def clean_tracking(carrier: str, tracking_number: str) -> tuple[str, str]:
    """Trimmed carrier and tracking number, or DomainError naming what is wrong."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier:
        raise DomainError(_('Enter the carrier.'), field="carrier")
    if not tracking_number:
        raise DomainError(_('Enter the tracking number.'), field="tracking_number")
    if len(carrier) > 60:
        raise DomainError(_('The carrier is too long (at most 60 characters).'), field="carrier")
    if len(tracking_number) > 80:
        raise DomainError(_('The tracking number is too long (at most 80 characters).'),
                          field="tracking_number")
    return carrier, tracking_number


def ship_lines(supplier_id: int, shipments: list[Shipment]) -> list[int]:
    """Mark lines shipped. Every line must belong to an open PO of this supplier and not be
    shipped yet. Each order's shopper is e-mailed about this shipment, once this transaction
    commits: "part of your order has shipped", or the whole order's shipping confirmation
    when this completes it. Returns ids of orders that became fully shipped."""
    if not shipments:
        raise DomainError(_('Choose at least one line to mark shipped.'))
    now = utcnow()
    touched: dict[int, PurchaseOrder] = {}
    for shipment in shipments:
        line = shipment.line
        po = line.purchase_order
        if po.supplier_id != supplier_id:
            raise NotFound(_('No such purchase order.'))
        if po.status != "open":
            raise DomainError(_('Purchase order %(number)s is %(status)s.', number=po.number, status=status_in_sentence(po.status)))
        if line.shipped_at is not None:
            raise DomainError(_('%(sku)s on %(number)s has already shipped.', sku=line.sku, number=po.number))
        line.carrier, line.tracking_number = clean_tracking(shipment.carrier, shipment.tracking_number)
        line.shipped_at = now
        touched[po.id] = po
    db.session.flush()
    shipped_orders = []
    for po in touched.values():
        if all(line.shipped_at for line in po.lines):
            po.status, po.shipped_at = "shipped", now
        with use_shop(po.shop_id):  # the order and its money are the shop's: act for it
            if refresh_fulfilment_status(po.order_id, po.shop_id) == "shipped" and po.order_id not in shipped_orders:
                shipped_orders.append(po.order_id)
    db.session.flush()
    _tell_shoppers(shipments, shipped_orders)
    return shipped_orders


def _tell_shoppers(shipments: list[Shipment], complete: list[int]) -> None:
    """One e-mail per order and shipment, as outbox jobs in the shipping's transaction: the
    shipping confirmation for an order this completes, else what this part carried."""
    shipped_now: dict[int, list[int]] = {}
    for shipment in shipments:
        shipped_now.setdefault(shipment.line.purchase_order.order_id, []).append(shipment.line.id)
    for order_id, line_ids in shipped_now.items():
        if order_id in complete:
            defer("app.orders.jobs.send_shipping_confirmation", order_id, queue="notifications",
                  job_id=f"shipping-confirmation-{order_id}")
        else:
            line_ids = sorted(line_ids)
            defer("app.orders.jobs.send_part_shipped", order_id, line_ids, queue="notifications",
                  job_id=f"part-shipped-{order_id}-{line_ids[0]}")


@dataclass
class PickupBatch:
    """A supplier's open purchase orders going to one pickup point: one parcel, one tracking."""

    shop_id: int
    point_id: int
    address: str
    purchase_orders: list
    lines: list  # [(sku, title, variant label, quantity)] summed over the orders

    @property
    def key(self) -> str:
        return f"{self.shop_id}-{self.point_id}"


def pickup_batches(supplier_id: int) -> list[PickupBatch]:
    """The supplier's open purchase orders for pickup points, one batch per point (the
    supplier portal's scope: its own rows only)."""
    pos = list(db.session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.supplier_id == supplier_id, PurchaseOrder.status == "open",
        PurchaseOrder.pickup_point_id.is_not(None)).order_by(PurchaseOrder.created_at)
        .options(selectinload(PurchaseOrder.lines))))
    batches: dict[tuple[int, int], PickupBatch] = {}
    for po in pos:
        batch = batches.get((po.shop_id, po.pickup_point_id))
        if batch is None:
            address = ", ".join(part for part in (po.ship_line2, po.ship_line1, po.ship_postcode, po.ship_city) if part)
            batch = batches[(po.shop_id, po.pickup_point_id)] = PickupBatch(po.shop_id, po.pickup_point_id,
                                                                             address, [], [])
        batch.purchase_orders.append(po)
    for batch in batches.values():
        summed: dict[tuple, int] = {}
        for po in batch.purchase_orders:
            for line in po.lines:
                if line.shipped_at is None:
                    key = (line.sku, line.title, line.variant_label)
                    summed[key] = summed.get(key, 0) + line.quantity
        batch.lines = [(*key, quantity) for key, quantity in sorted(summed.items())]
    return list(batches.values())


def ship_pickup_batch(supplier_id: int, key: str, carrier: str, tracking_number: str) -> tuple[PickupBatch, list[int]]:
    """Ship every open line going to one pickup point in one parcel. -> (the batch, ids of
    orders now fully shipped)."""
    batch = next((b for b in pickup_batches(supplier_id) if b.key == key), None)
    if batch is None:
        raise NotFound(_('Nothing open goes to that pickup point.'))
    shipments = [Shipment(line, carrier, tracking_number) for po in batch.purchase_orders
                 for line in po.lines if line.shipped_at is None]
    return batch, ship_lines(supplier_id, shipments)


def refresh_fulfilment_status(order_id: int, shop_id: int) -> str:
    """Recompute an order's fulfilment status from its purchase order lines."""
    total, shipped = db.session.execute(
        select(func.count(PurchaseOrderLine.id), func.count(PurchaseOrderLine.shipped_at))
        .join(PurchaseOrder, (PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
              & (PurchaseOrderLine.shop_id == PurchaseOrder.shop_id))
        .where(PurchaseOrder.order_id == order_id, PurchaseOrder.shop_id == shop_id,
               PurchaseOrder.status != "cancelled")
    ).one()
    order = db.session.scalar(select(Order).where(Order.id == order_id, Order.shop_id == shop_id))
    if not shipped:
        status = "unfulfilled"
    elif shipped < total:
        status = "partly_shipped"
    else:
        status = "shipped"
    if order.fulfilment_status != status:
        order.fulfilment_status = status
        if status == "shipped":
            order.shipped_at = utcnow()
            db.session.flush()
            release_order(order)  # its money becomes available after the hold period
    db.session.flush()
    return status
