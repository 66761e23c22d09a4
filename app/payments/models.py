"""Card payments (Stripe Checkout), refunds, and the Stripe events already handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key

PAYMENT_STATUSES = ("open", "authorised", "paid", "expired", "failed", "released", "refunded")
# What a payment pays: the whole order, or a pre-sale's deposit and then its balance.
PAYMENT_PURPOSES = ("order", "deposit", "balance")
REFUND_STATUSES = ("pending", "succeeded", "failed")


class Payment(TenantMixin, db.Model):
    """One Stripe Checkout Session of an order, and what came of it."""

    __tablename__ = "payments"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "checkout_session_id"),  # with shop_id: Citus distributes by it
        ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(index=True)
    provider: Mapped[str] = mapped_column(String(20), default="stripe")
    purpose: Mapped[str] = mapped_column(String(10), default="order", server_default="order")
    checkout_session_id: Mapped[str] = mapped_column(String(255), index=True)
    checkout_url: Mapped[str] = mapped_column(String(1000), default="")  # Stripe's page, while open
    payment_intent_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    charge_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    processor_fee: Mapped[int | None] = mapped_column(default=None)  # from the balance transaction
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    dispute_id: Mapped[str] = mapped_column(String(255), default="")
    dispute_status: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Refund(TenantMixin, db.Model):
    """Money given back to the shopper: some lines, the whole order, or (made in Stripe's
    own dashboard) just an amount. `lines` maps order line id -> quantity refunded."""

    __tablename__ = "refunds"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "stripe_refund_id"),
        ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(20), default="dashboard")  # dashboard/admin/stripe
    cancels_order: Mapped[bool] = mapped_column(default=False)  # the whole order, before it shipped
    status: Mapped[str] = mapped_column(String(20), default="pending")
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), index=True, default=None)
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)  # answered but undecided calls to Stripe
    created_by_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def idempotency_key(self) -> str:
        """Stripe replays a key's first answer, a 500 included: after an undecided answer we
        look the refund up first (by the id in its metadata), and only then try a new key."""
        return f"refund-{self.id}-attempt-{self.attempts}"


class StripeEvent(db.Model):
    """A Stripe webhook event already handled: its row is written in the same transaction
    as the event's effects, so a redelivery (or a replay) changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
