"""Supplier feeds and the record of each catalog sync run (shared catalog: no shop_id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

FEED_SOURCES = ("url", "upload")
# "auto": told from the content; the exports of other platforms: app.catalog.feed_formats.
FEED_FORMATS = ("auto", "csv", "json", "shopify", "google", "woo")
SYNC_STATUSES = ("queued", "running", "succeeded", "partly_failed", "failed")


class SupplierFeed(db.Model):
    """Where a supplier's catalog comes from, in which format, and how often to sync it."""

    __tablename__ = "supplier_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), unique=True)
    source: Mapped[str] = mapped_column(String(10), default="url")
    url: Mapped[str] = mapped_column(String(500), default="")
    upload_path: Mapped[str] = mapped_column(String(500), default="")  # under FEEDS_DIR
    upload_name: Mapped[str] = mapped_column(String(255), default="")
    format: Mapped[str] = mapped_column(String(10), default="csv")
    # Our column name -> the supplier's column name, for CSVs with other headers.
    column_mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    schedule_minutes: Mapped[int | None] = mapped_column(default=None)  # None: manual only
    is_full_feed: Mapped[bool] = mapped_column(default=True)  # missing products are discontinued
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supplier = relationship("Supplier")


class SyncRun(db.Model):
    """One sync of one supplier's feed: the admin watches it live and reads its rejects."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_supplier_queued", "supplier_id", "queued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))  # (ix_sync_runs_supplier_queued leads with it)
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # manual / schedule
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    job_id: Mapped[str] = mapped_column(String(100), default="")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    bytes_total: Mapped[int | None] = mapped_column(default=None)
    bytes_read: Mapped[int] = mapped_column(default=0)
    rows_read: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    discontinued_count: Mapped[int] = mapped_column(default=0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    # Resuming after a dead worker: the feed as read (sha256 of its body and how it is read),
    # and, with each batch commit, how far the committed batches reach (products, rows).
    feed_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    products_done: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_done: Mapped[int] = mapped_column(default=0, server_default="0")
    # The abandoned run of the same feed whose committed batches this run did not write again.
    resumed_from_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"), default=None)
    resumed_products: Mapped[int] = mapped_column(default=0, server_default="0")

    supplier = relationship("Supplier")
    rejected_rows: Mapped[list[SyncRejectedRow]] = relationship(
        back_populates="run", order_by="SyncRejectedRow.line", cascade="all, delete-orphan"
    )


class SyncRejectedRow(db.Model):
    __tablename__ = "sync_rejected_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    line: Mapped[int]
    sku: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(String(500))

    run: Mapped[SyncRun] = relationship(back_populates="rejected_rows")
