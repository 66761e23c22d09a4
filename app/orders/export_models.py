"""An owner's orders CSV made in the background: a large shop's export took a web worker
2.2 s (50,000 orders), so past `ORDERS_CSV_INLINE_MOST` orders the file is made by a job, kept
here (gzip) for `exports.KEPT_DAYS`, and the owner is e-mailed a link to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key


class OrderExport(TenantMixin, db.Model):
    __tablename__ = "order_exports"
    __table_args__ = (
        row_key(),
        CheckConstraint("status IN ('preparing', 'ready', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who asked (the e-mail goes to them); kept if their account goes.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filters: Mapped[dict] = mapped_column(JSON)  # search.OrderFilters.query_args(): what the list showed
    status: Mapped[str] = mapped_column(String(12), default="preparing")
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    file_gzip: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
