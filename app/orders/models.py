"""Orders and their lines. A line snapshots what was sold so catalog changes never rewrite it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy import (
    false as sa_false,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.tenancy import TenantMixin, row_key

ORDER_STATUSES = ("pending", "paid", "refunded", "cancelled")
PAYMENT_METHODS = ("cod", "card")
PAYMENT_METHOD_LABELS = {"cod": _l("Pay on delivery"), "card": _l("Card (Stripe)")}
# "deal": a member waiting for its group or pre-sale; "deal-pay": a card order whose payment
# has not arrived yet (not a member until it does); "balance": a pre-order that went ahead,
# waiting for its balance (until hold_expires_at).
HOLDS = ("", "shopper", "owner", "deal", "deal-pay", "balance")
# The fields an owner searches orders by, lowercased, one per line: a search's text never
# holds a line break (OrderFilters.read folds whitespace), so no match spans two fields.
# Under row-level security PostgreSQL uses no index for ILIKE (it is not leakproof), so a
# search read every order of the shop from the table: 180-310 ms for 50,000 orders. Read
# from the index that carries this column, 20 ms (bench/README.md).
SEARCH_TEXT = "lower(number || '\n' || customer_name || '\n' || customer_email || '\n' || customer_phone)"


class Order(TenantMixin, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "number"),  # and globally, through OrderNumber
        # One order per checkout form: a resubmission after a lost answer finds it again.
        # (An index, not a constraint: SQLite adds it without rebuilding the table.)
        Index("uq_orders_shop_id_checkout_key", "shop_id", "checkout_key", unique=True),
        Index("uq_orders_shop_id_pickup_code", "shop_id", "pickup_code", unique=True),  # codes work once, in one shop
        # The expiry sweep reads only orders held for a confirmation.
        Index("ix_orders_held", "hold_expires_at", postgresql_where=text("hold <> ''"),
              sqlite_where=text("hold <> ''")),
        # A shop's orders newest first (the dashboard, keyset-ready), and its summary by
        # status over the last days read from the index alone (PostgreSQL: total included),
        # so a shop's history does not slow its dashboard. The search text rides along in
        # the first: a search walks the index, not the table (app/orders/search.py).
        Index("ix_orders_shop_id_placed_at", "shop_id", "placed_at", "id", postgresql_include=["search_text"]),
        Index("ix_orders_shop_id_status_placed_at", "shop_id", "status", "placed_at", postgresql_include=["total"]),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    access_token: Mapped[str] = mapped_column(String(64))  # the private order-status link
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # Separate from the payment status, as Shopify does: unfulfilled / partly_shipped / shipped.
    fulfilment_status: Mapped[str] = mapped_column(String(20), default="unfulfilled")
    payment_method: Mapped[str] = mapped_column(String(20), default="cod")
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int]  # the goods at their prices
    # What a discount code took off the goods (app/orders/discounts.py), and the code as typed
    # (upper-cased; "" for none). total = subtotal - discount_total + shipping_total.
    discount_total: Mapped[int] = mapped_column(default=0, server_default="0")
    discount_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    shipping_total: Mapped[int] = mapped_column(default=0)  # by the shop's zones (app/orders/shipping.py)
    total: Mapped[int]
    refunded_total: Mapped[int] = mapped_column(default=0)  # given back so far (refunds)
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_phone: Mapped[str] = mapped_column(String(40))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_region: Mapped[str] = mapped_column(String(100), default="")
    ship_postcode: Mapped[str] = mapped_column(String(20))
    ship_country: Mapped[str] = mapped_column(String(2))
    # What the owner's order search matches, kept by the database: never loaded with an order.
    search_text: Mapped[str] = mapped_column(Text, Computed(SEARCH_TEXT, persisted=True), deferred=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    checkout_key: Mapped[str | None] = mapped_column(String(40), default=None)
    # The language the shopper bought in: their e-mails speak it (None: the shop's).
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    # A pay-on-delivery order held until someone confirms it (the shop's COD_CONFIRMATION):
    # "" goes ahead; "shopper" waits for the e-mail link; "owner" for the owner's approval.
    hold: Mapped[str] = mapped_column(String(10), default="", server_default="")
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    confirm_token_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A deal's order (app/deals): the round it waits for (hold "deal" until the round fills).
    deal_round_id: Mapped[int | None] = mapped_column(default=None, index=True)
    # Made to order (a pre-sale): no stock was taken, so a cancel puts none back.
    made_to_order: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Collected at a pickup point (app/shops/pickup.py) instead of delivered: the supplier
    # ships to the point; the shopper shows `pickup_code` (unique in the shop) to collect.
    pickup_point_id: Mapped[int | None] = mapped_column(default=None, index=True)
    pickup_code: Mapped[str | None] = mapped_column(String(12), default=None)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def pickup_place(self) -> str:
        """Where a pickup order is collected: the point's name, as its address carries it."""
        return self.pickup_place_of(self)

    @staticmethod
    def pickup_place_of(order) -> str:
        """`pickup_place` of an order or of a row with its ship_line2 and pickup_point_id."""
        return (order.ship_line2 or "").removeprefix("c/o ") if order.pickup_point_id else ""

    lines: Mapped[list[OrderLine]] = relationship(
        primaryjoin=lambda: and_(
            Order.id == foreign(OrderLine.order_id), Order.shop_id == OrderLine.shop_id
        ),
        order_by=lambda: OrderLine.id,
        back_populates="order",
        cascade="all, delete-orphan",
    )

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def payment_label(self) -> str:
        return str(PAYMENT_METHOD_LABELS.get(self.payment_method, self.payment_method))

    @property
    def net_total(self) -> int:
        """What the shopper has paid and not had back."""
        return self.total - self.refunded_total


class OrderLine(TenantMixin, db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["shop_id", "listing_id"], ["listings.shop_id", "listings.id"]),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(index=True)
    listing_id: Mapped[int] = mapped_column(index=True)
    supply_variant_id: Mapped[int] = mapped_column(ForeignKey("supply_variants.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # snapshot of the listing title
    variant_label: Mapped[str] = mapped_column(String(200), default="")
    sku: Mapped[str] = mapped_column(String(80))
    image_url: Mapped[str] = mapped_column(String(500), default="")
    currency: Mapped[str] = mapped_column(String(3))
    unit_price: Mapped[int]  # the unit's price before any discount, minor units
    unit_cost: Mapped[int]  # the supplier's wholesale price per unit at the time of sale
    quantity: Mapped[int]
    # This line's share of the order's discount (line refunds give back the rest, pro rata).
    discount_total: Mapped[int] = mapped_column(default=0, server_default="0")

    order: Mapped[Order] = relationship(
        primaryjoin=lambda: and_(
            Order.id == foreign(OrderLine.order_id), Order.shop_id == OrderLine.shop_id
        ),
        back_populates="lines",
    )

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def net_total(self) -> int:
        """What the shopper paid for this line: its price less its share of the discount."""
        return self.line_total - self.discount_total


class OrderNumber(db.Model):
    """Order numbers are unique across the platform, and a Stripe event names only the
    number: this small table (a reference table on Citus, where a unique constraint on a
    distributed table must include shop_id) holds each number once, with its shop."""

    __tablename__ = "order_numbers"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int]

