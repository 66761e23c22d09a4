"""Things a shop owner must look at: a listing paused by a price move, a product gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin

NOTICE_KINDS = ("price_change", "margin_floor", "below_minimum", "discontinued", "out_of_stock")


class ListingNotice(TenantMixin, db.Model):
    __tablename__ = "listing_notices"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "listing_id"], ["listings.shop_id", "listings.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(index=True)
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
