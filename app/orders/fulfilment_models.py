"""Purchase orders: an order split per supplier, each shipped straight to the shopper."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    and_,
    exists,
    text,
)
from sqlalchemy.orm import Mapped, aliased, foreign, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key

PURCHASE_ORDER_STATUSES = ("open", "shipped", "cancelled")
OPEN_LAST = "(status <> 'open')"  # false for the open ones: sorted ascending, they come first


class PurchaseOrder(TenantMixin, db.Model):
    """What one supplier must ship for one order. Carries the shipping address and nothing
    else about the shopper: the supplier portal reads only this."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "order_id", "supplier_id"),  # one per supplier per order: routing is idempotent
        UniqueConstraint("shop_id", "number"),
        ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"], ondelete="CASCADE"),
        # The supplier portal reads across shops, so no (shop_id, id) key serves it: its list,
        # open first then newest, is one range of this index (app/orders/fulfilment.py; on
        # PostgreSQL: SQLite's inspector cannot read an index on an expression)...
        Index("ix_purchase_orders_supplier_queue", "supplier_id", text(OPEN_LAST), text("created_at DESC"),
              text("id DESC")).ddl_if(dialect="postgresql"),
        # ...and a page's purchase orders, or one of them, are found by id in this one.
        Index("ix_purchase_orders_supplier_id_id", "supplier_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    number: Mapped[str] = mapped_column(String(40), index=True)  # the order's number, -1, -2...
    # A pickup order's point: the supplier ships every order of a point together.
    pickup_point_id: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    ship_name: Mapped[str] = mapped_column(String(120))
    ship_phone: Mapped[str] = mapped_column(String(40), default="")
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_region: Mapped[str] = mapped_column(String(100), default="")
    ship_postcode: Mapped[str] = mapped_column(String(20))
    ship_country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @classmethod
    def supplier_criteria(cls, supplier_id: int):
        """Which rows a supplier's portal sees (app/tenancy: the supplier scope)."""
        return cls.supplier_id == supplier_id

    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        primaryjoin=lambda: and_(
            PurchaseOrder.id == foreign(PurchaseOrderLine.purchase_order_id),
            PurchaseOrder.shop_id == PurchaseOrderLine.shop_id,
        ),
        order_by=lambda: PurchaseOrderLine.id,
        back_populates="purchase_order",
        cascade="all, delete-orphan",
    )


class PurchaseOrderLine(TenantMixin, db.Model):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("shop_id", "order_line_id"),
        ForeignKeyConstraint(["shop_id", "purchase_order_id"],
                             ["purchase_orders.shop_id", "purchase_orders.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(index=True)
    order_line_id: Mapped[int] = mapped_column(index=True)
    sku: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    variant_label: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int]
    unit_cost: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    carrier: Mapped[str] = mapped_column(String(60), default="")
    tracking_number: Mapped[str] = mapped_column(String(80), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @classmethod
    def supplier_criteria(cls, supplier_id: int):
        po = aliased(PurchaseOrder)  # never correlated with a PurchaseOrder the query joins
        return exists().where(po.id == cls.purchase_order_id, po.shop_id == cls.shop_id,
                              po.supplier_id == supplier_id)

    purchase_order: Mapped[PurchaseOrder] = relationship(
        primaryjoin=lambda: and_(
            PurchaseOrder.id == foreign(PurchaseOrderLine.purchase_order_id),
            PurchaseOrder.shop_id == PurchaseOrderLine.shop_id,
        ),
        back_populates="lines",
    )
