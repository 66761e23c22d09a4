"""Custom domains: a shop's own host names, verified before they serve the storefront."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin

DOMAIN_STATUSES = ("pending", "verified", "failed")


class ShopDomain(TenantMixin, db.Model):
    """A host name an owner claims. Several shops may claim a name while it is pending;
    the first to pass the check gets it, and then no other shop can (partial unique index)."""

    __tablename__ = "shop_domains"
    __table_args__ = (
        UniqueConstraint("shop_id", "id"),
        UniqueConstraint("shop_id", "hostname"),
        CheckConstraint("status IN ('pending', 'verified', 'failed')", name="status_known"),
        Index("uq_shop_domains_verified_hostname", "hostname", unique=True,
              sqlite_where=text("status = 'verified'"), postgresql_where=text("status = 'verified'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(String(253), index=True)
    token: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    is_primary: Mapped[bool] = mapped_column(default=False)
    check_count: Mapped[int] = mapped_column(default=0)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_verified(self) -> bool:
        return self.status == "verified"
