"""Every e-mail the platform sends, kept as the outbox (and the send-once record)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

EMAIL_STATUSES = ("outbox", "sent", "failed")


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One e-mail per purpose: "order-confirmation:42". Running a job twice cannot send twice.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    # Where the recipient's answer goes, when not to us: a shopper's message to a shop's
    # owners is answered straight to the shopper.
    reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="outbox")
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
