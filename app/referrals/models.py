"""Promoters, the shoppers bound to them, and the commissions they earn.

Two levels at most, by construction: a commission row names its `level`, which a CHECK
keeps to 1 (the promoter whose link brought the shopper) or 2 (the promoter who recruited
that one), and an order has at most one commission per level (a unique key). A third
level cannot be written, whatever the code above tries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key

COMMISSION_STATUSES = ("pending", "payable", "cancelled")
MAX_LEVELS = 2


class Promoter(TenantMixin, db.Model):
    """Someone who recommends a shop with a personal link (`?ref=<code>`) and earns a share
    of what the shoppers they bring pay. Their page is reached by a secret link e-mailed
    to them; only its hash is kept."""

    __tablename__ = "promoters"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "code"),
        UniqueConstraint("shop_id", "email"),
        ForeignKeyConstraint(["shop_id", "recruited_by_id"], ["promoters.shop_id", "promoters.id"]),
        CheckConstraint("recruited_by_id IS NULL OR recruited_by_id <> id", name="not_own_recruiter"),
        CheckConstraint("status IN ('active', 'paused')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    code: Mapped[str] = mapped_column(String(16))  # in links: letters and digits
    page_token_hash: Mapped[str] = mapped_column(String(64))
    # Who brought this promoter in: they earn the second-level commission on this one's sales.
    recruited_by_id: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active / paused
    clicks: Mapped[int] = mapped_column(default=0)  # visits through the link, one per browser
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @hybrid_property
    def is_active(self) -> bool:
        """Earning, and their link counting clicks. One rule for loaded rows and queries."""
        return self.status == "active"


class ReferralBinding(TenantMixin, db.Model):
    """A shopper (by e-mail) bound to the promoter who first brought them, until
    `expires_at`: their orders in that time earn that promoter a commission, from any
    device, as a guest too. One binding per address; an expired one may be bound anew."""

    __tablename__ = "referral_bindings"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "email"),
        ForeignKeyConstraint(["shop_id", "promoter_id"], ["promoters.shop_id", "promoters.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    promoter_id: Mapped[int] = mapped_column(index=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the first visit through the link
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Commission(TenantMixin, db.Model):
    """What one promoter earns on one order. `amount` is what it comes to now (a refund
    lowers it, a cancel ends it); `booked` is how much of it the ledger holds (written once
    the order was delivered and its refund window passed: then the status is payable)."""

    __tablename__ = "commissions"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "order_id", "level"),
        ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["shop_id", "promoter_id"], ["promoters.shop_id", "promoters.id"]),
        CheckConstraint("level IN (1, 2)", name="two_levels_at_most"),
        CheckConstraint("rate_bp > 0 AND rate_bp <= 5000", name="rate_in_range"),
        CheckConstraint("amount >= 0 AND booked >= 0", name="amounts_not_negative"),
        CheckConstraint("status IN ('pending', 'payable', 'cancelled')", name="status_known"),
        Index("ix_commissions_pending", "status", "shop_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(index=True)
    promoter_id: Mapped[int] = mapped_column(index=True)
    level: Mapped[int]
    rate_bp: Mapped[int]  # the programme's rate when the order was placed
    base: Mapped[int] = mapped_column(BigInteger)  # the goods' price (not shipping)
    amount: Mapped[int] = mapped_column(BigInteger)
    booked: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
