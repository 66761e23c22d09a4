"""The job outbox: work that must follow a commit, written in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

# pending: waiting for the relay; sent: handed to RQ (the job records its own outcome);
# done / failed: run inline (no Redis), with the error of a failed run.
OUTBOX_STATUSES = ("pending", "sent", "done", "failed")


class OutboxJob(db.Model):
    """One job to run once the transaction that wrote this row has committed.

    Holds a job function's dotted path and its primitive arguments (ids), never shop data,
    so it is a platform table (no shop scope, no row-level security)."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_status_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    func: Mapped[str] = mapped_column(String(200))  # "app.orders.jobs.route_order_to_suppliers"
    args: Mapped[list] = mapped_column(JSON, default=list)
    queue: Mapped[str] = mapped_column(String(20), default="default")
    job_id: Mapped[str] = mapped_column(String(120))  # RQ's id: deterministic where it matters
    timeout: Mapped[int] = mapped_column(Integer, default=300)
    retry_intervals: Mapped[list] = mapped_column(JSON, default=list)  # seconds; [] = no retry
    status: Mapped[str] = mapped_column(String(10), default="pending")
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # not before this
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    relay_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")

    @property
    def description(self) -> str:
        return f"{self.func.rsplit('.', 1)[-1]}({', '.join(map(repr, self.args))})"
