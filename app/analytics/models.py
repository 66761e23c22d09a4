"""One row per shop and day (the shop's own calendar day) with its figures, and the day's
counts per listing, promoter, share link and referring site.

The job writes absolute figures for a day (aggregation.py), so running it twice writes the
same rows. Money is in minor units of `currency` (the shop's, as its orders carry it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.tenancy import TenantMixin

COUNT_KINDS = ("listing", "promoter", "share", "site")


class AnalyticsDay(TenantMixin, db.Model):
    """A shop's day: visits (from the counters) and paid orders (from orders and the ledger)."""

    __tablename__ = "analytics_days"
    __table_args__ = (
        Index("ix_analytics_days_day", "day"),  # the admin's days across shops
        CheckConstraint("page_views >= 0 AND visits >= 0 AND visitors >= 0 AND orders >= 0",
                        name="counts_not_negative"),
    )

    shop_id: Mapped[int] = mapped_column(db.ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    page_views: Mapped[int] = mapped_column(default=0)
    visits: Mapped[int] = mapped_column(default=0)  # arrivals from outside the shop
    visitors: Mapped[int] = mapped_column(default=0)  # distinct (IP, browser) of the day, salted
    orders: Mapped[int] = mapped_column(default=0)  # placed this day and paid
    revenue: Mapped[int] = mapped_column(BigInteger, default=0)  # their totals less refunds
    margin: Mapped[int] = mapped_column(BigInteger, default=0)  # the shop's share, as the ledger books it
    currency: Mapped[str] = mapped_column(String(3), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnalyticsDayCount(TenantMixin, db.Model):
    """One listing's, promoter's, share link's or referring site's figures on a shop's day.
    `key`: a listing or promoter id, a share link's slug, a site's host name."""

    __tablename__ = "analytics_day_counts"
    __table_args__ = (
        CheckConstraint("kind IN ('listing', 'promoter', 'share', 'site')", name="kind_known"),
        CheckConstraint("views >= 0 AND orders >= 0", name="counts_not_negative"),
    )

    shop_id: Mapped[int] = mapped_column(db.ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    views: Mapped[int] = mapped_column(default=0)  # page views, share-link opens, arrivals
    orders: Mapped[int] = mapped_column(default=0)
    sales: Mapped[int] = mapped_column(BigInteger, default=0)  # goods, before refunds


class AnalyticsMark(db.Model):
    """How far the job has read an append-only source (the ledger, by entry id): the next
    run starts a little before it (aggregation.SLACK), so an entry whose transaction
    committed late is still seen."""

    __tablename__ = "analytics_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
