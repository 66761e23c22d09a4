"""Supplier staff accounts and invitations (shared: no shop_id), and supplier webhooks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class SupplierMember(db.Model):
    """A user who works for a supplier and uses the /supplier/ portal."""

    __tablename__ = "supplier_members"
    __table_args__ = (UniqueConstraint("supplier_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))  # (led by the unique key)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supplier = relationship("Supplier")
    user = relationship("User")


class SupplierInvitation(db.Model):
    """An admin's e-mailed invitation for supplier staff; only a hash of the token is kept."""

    __tablename__ = "supplier_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    supplier = relationship("Supplier")


class WebhookDelivery(db.Model):
    """One event (a purchase order) to one supplier's webhook, retried until it answers 2xx."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("purchase_order_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    purchase_order_id: Mapped[int]  # (led by the unique key)
    # The purchase order's shop: the payload holds its shopper's address, so PostgreSQL RLS
    # shows the row only to that shop or platform-wide. NULL only for rows older than it
    # whose order was gone.
    shop_id: Mapped[int | None] = mapped_column(index=True, default=None)
    event: Mapped[str] = mapped_column(String(40), default="purchase_order.created")
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body that is signed
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/delivered/failed
    attempt_count: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    attempts: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id", cascade="all, delete-orphan"
    )


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempts")
