"""A shop's shipping zones (app/orders/shipping.py): a flat rate per order for a set of countries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin, row_key


class ShippingZone(TenantMixin, db.Model):
    """Countries (ISO codes, app/orders/countries.py) that pay `rate` per order, free once the
    goods (after any discount) come to `free_over`. A `rest_of_world` zone covers every
    country no other zone names; without one, the shop does not ship there."""

    __tablename__ = "shipping_zones"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "name"),
        # At most one "rest of the world" per shop.
        Index("uq_shipping_zones_rest_of_world", "shop_id", unique=True,
              postgresql_where=text("rest_of_world"), sqlite_where=text("rest_of_world")),
        CheckConstraint("rate >= 0", name="rate_not_negative"),
        CheckConstraint("free_over IS NULL OR free_over > 0", name="free_over_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    countries: Mapped[list] = mapped_column(JSON, default=list)
    rest_of_world: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    rate: Mapped[int] = mapped_column(default=0)  # per order, minor units of the shop's currency
    free_over: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
