"""Discount codes a shop offers, and each use of one by an order (app/orders/discounts.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key

DISCOUNT_KINDS = ("percent", "amount")


class DiscountCode(TenantMixin, db.Model):
    """A code shoppers type at checkout: a percentage (`value` in basis points) or a fixed
    amount (`value` in minor units of the shop's currency) off the goods. `code` is kept
    upper-cased, so codes are case-insensitive and unique per shop."""

    __tablename__ = "discount_codes"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "code"),
        CheckConstraint("kind IN ('percent', 'amount')", name="kind_known"),
        CheckConstraint("(kind = 'percent' AND value BETWEEN 1 AND 10000) OR (kind = 'amount' AND value > 0)",
                        name="value_in_range"),
        CheckConstraint("min_order >= 0", name="min_order_not_negative"),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        # The second wall behind the conditional UPDATE: a limited code is never over-used.
        CheckConstraint("uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="uses_within_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[int]
    min_order: Mapped[int] = mapped_column(default=0)  # goods before the discount, minor units
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    max_uses: Mapped[int | None] = mapped_column(default=None)  # None: no limit
    once_per_shopper: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    uses: Mapped[int] = mapped_column(default=0, server_default="0")  # counted at checkout; given back only when a card order is cancelled unpaid
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())  # False: paused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscountUse(TenantMixin, db.Model):
    """One order's use of a code: what it took off, for whom. `once_key` is the shopper's
    e-mail when the code is once per shopper (else empty), so the unique key refuses a
    second use by the same address even when two checkouts race."""

    __tablename__ = "discount_uses"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "order_id"),  # one code per order
        UniqueConstraint("shop_id", "discount_code_id", "once_key"),
        ForeignKeyConstraint(["shop_id", "discount_code_id"], ["discount_codes.shop_id", "discount_codes.id"]),
        ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"], ondelete="CASCADE"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_code_id: Mapped[int] = mapped_column(index=True)
    order_id: Mapped[int] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    once_key: Mapped[str | None] = mapped_column(String(254), default=None)
    amount: Mapped[int]  # what the code took off the order's goods
    currency: Mapped[str] = mapped_column(String(3))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
