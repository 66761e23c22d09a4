"""The record of each catalog sync run: queueing, claiming, the heartbeat and the sweep of
runs whose worker died. The engine that does the sync is app.catalog.sync.

A running run's `heartbeat_at` is beaten by a thread of its own (`Heartbeat`) every
SYNC_HEARTBEAT_SECONDS, whatever its batches do, and by each batch commit; a run without a
beat for SYNC_ABANDONED_SECONDS has lost its worker and is swept (failed), by the periodic
sweep and by "Sync now" and the schedule, which sweep the supplier's runs first.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _, speaking

from .feeds import get_feed
from .feeds_models import SupplierFeed, SyncRejectedRow, SyncRun
from .models import Supplier

HEARTBEAT_SECONDS = 15.0  # the heartbeat thread's beat (SYNC_HEARTBEAT_SECONDS)
ABANDONED_AFTER = timedelta(seconds=90)  # running with no beat this long (SYNC_ABANDONED_SECONDS)
NEVER_STARTED_AFTER = timedelta(hours=1)  # queued this long: every retry is spent
ACTIVE = ("queued", "running")
FINISHED = ("succeeded", "partly_failed", "failed")

log = logging.getLogger(__name__)


def job_id_for(run_id: int) -> str:
    """Each run its own RQ job id, so a scheduled retry of one run and the job of a newer run
    never overwrite each other in Redis. One run per supplier at a time is the database's
    rule (`active_run` under the supplier's row lock, `claim_run`), not the job id's."""
    return f"sync-run-{run_id}"


def heartbeat_seconds() -> float:
    return float(current_app.config.get("SYNC_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


def abandoned_after() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("SYNC_ABANDONED_SECONDS",
                                                          ABANDONED_AFTER.total_seconds())))


def active_run(supplier_id: int) -> SyncRun | None:
    return db.session.scalar(select(SyncRun).where(
        SyncRun.supplier_id == supplier_id, SyncRun.status.in_(ACTIVE)).order_by(SyncRun.id))


def start_sync(supplier: Supplier, trigger: str = "manual") -> tuple[SyncRun, bool]:
    """Queue a run for `supplier` -> (run, True); or (the queued/running one, False).

    The caller commits, then enqueues `sync_supplier_catalog(run.id)` with the run's job_id.
    """
    feed = get_feed(supplier)
    if feed is None:
        raise DomainError(_("Set up this supplier’s feed first."))
    # Lock the supplier row (PostgreSQL) so two clicks cannot both queue a run.
    db.session.execute(select(Supplier.id).where(Supplier.id == supplier.id).with_for_update())
    sweep_abandoned_runs(supplier.id)
    existing = active_run(supplier.id)
    if existing is not None:
        return existing, False
    run = SyncRun(supplier_id=supplier.id, trigger=trigger, status="queued", queued_at=utcnow())
    db.session.add(run)
    db.session.flush()
    run.job_id = job_id_for(run.id)
    db.session.flush()
    return run, True


def get_run(run_id) -> SyncRun:
    try:
        run = db.session.get(SyncRun, int(run_id))
    except (TypeError, ValueError):
        run = None
    if run is None:
        raise NotFound(_('No such sync run.'))
    return run


def supplier_runs(supplier: Supplier, page: int = 1, per_page: int = 25):
    query = select(SyncRun).where(SyncRun.supplier_id == supplier.id).order_by(SyncRun.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def last_runs_by_supplier(supplier_ids: list[int]) -> dict[int, SyncRun]:
    """The latest sync run of each of these suppliers that has one (admin's feed list)."""
    if not supplier_ids:
        return {}
    latest = (select(func.max(SyncRun.id)).where(SyncRun.supplier_id.in_(supplier_ids))
              .group_by(SyncRun.supplier_id))
    return {run.supplier_id: run for run in db.session.scalars(select(SyncRun).where(SyncRun.id.in_(latest)))}


def rejected_rows(run: SyncRun, page: int = 1, per_page: int = 50):
    query = (select(SyncRejectedRow).where(SyncRejectedRow.run_id == run.id)
             .order_by(SyncRejectedRow.line, SyncRejectedRow.id))
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def progress(run: SyncRun) -> dict:
    """What the run page's progress bar polls."""
    percent = None
    if run.status in FINISHED:
        percent = 100
    elif run.bytes_total:
        percent = min(99, int(run.bytes_read * 100 / run.bytes_total))
    return {
        "id": run.id, "status": run.status, "finished": run.status in FINISHED, "percent": percent,
        "bytes_read": run.bytes_read, "bytes_total": run.bytes_total, "rows_read": run.rows_read,
        "created": run.created_count, "updated": run.updated_count, "unchanged": run.unchanged_count,
        "discontinued": run.discontinued_count, "rejected": run.rejected_count, "error": run.error,
        "queued_at": _iso(run.queued_at), "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at), "heartbeat_at": _iso(run.heartbeat_at),
        "products_done": run.products_done, "resumed_from": run.resumed_from_id,
        "resumed_products": run.resumed_products,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def sweep_abandoned_runs(supplier_id: int | None = None, now: datetime | None = None) -> int:
    """Mark failed the runs whose worker died: running with no heartbeat for
    SYNC_ABANDONED_SECONDS, or queued for NEVER_STARTED_AFTER (every retry spent).
    Flushes; returns how many."""
    now = now or utcnow()
    silent_since = now - abandoned_after()
    query = select(SyncRun).where(SyncRun.status.in_(ACTIVE))
    if supplier_id is not None:
        query = query.where(SyncRun.supplier_id == supplier_id)
    swept = 0
    for run in db.session.scalars(query):
        if run.status == "running":
            last = run.heartbeat_at or run.started_at or run.queued_at
            if last > silent_since:
                continue
            with speaking(db.session.get(Supplier, run.supplier_id).language):
                run.error = _("abandoned: no heartbeat since %(since)s UTC (the worker stopped).",
                              since=last.strftime("%Y-%m-%d %H:%M:%S"))
        else:
            if run.queued_at > now - NEVER_STARTED_AFTER:
                continue
            with speaking(db.session.get(Supplier, run.supplier_id).language):
                run.error = (_("abandoned: queued since %(since)s UTC and never finished; see the Jobs page.",
                               since=run.queued_at.strftime("%Y-%m-%d %H:%M:%S")) + " " + (run.error or "")).strip()
        run.status, run.finished_at = "failed", now
        swept += 1
    db.session.flush()
    return swept


def due_suppliers(now: datetime | None = None) -> list[int]:
    """Active suppliers whose feed schedule has elapsed since their last run was queued."""
    now = now or utcnow()
    last = (select(SyncRun.supplier_id, func.max(SyncRun.queued_at).label("last"))
            .group_by(SyncRun.supplier_id).subquery())
    rows = db.session.execute(
        select(SupplierFeed.supplier_id, SupplierFeed.schedule_minutes, last.c.last)
        .join(Supplier, Supplier.id == SupplierFeed.supplier_id)
        .outerjoin(last, last.c.supplier_id == SupplierFeed.supplier_id)
        .where(SupplierFeed.schedule_minutes.is_not(None), Supplier.status == "active")
        .order_by(SupplierFeed.supplier_id)
    )
    due = []
    for supplier_id, minutes, last_queued in rows:
        if last_queued is not None and last_queued.tzinfo is None:  # SQLite's max() is naive
            last_queued = last_queued.replace(tzinfo=UTC)
        if last_queued is None or last_queued <= now - timedelta(minutes=minutes):
            due.append(supplier_id)
    return due


def claim_run(run_id: int) -> bool:
    """queued -> running, for exactly one worker (a conditional UPDATE); commits."""
    now = utcnow()
    claimed = db.session.execute(
        update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now, error="")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def finish_failed(run_id: int, reason: str) -> None:
    """Record a run's failure (after a rollback: nothing of the run's batches is pending)."""
    db.session.rollback()
    db.session.execute(update(SyncRun).where(SyncRun.id == run_id).values(
        status="failed", finished_at=utcnow(), heartbeat_at=utcnow(), error=reason[:2000]
    ).execution_options(synchronize_session=False))
    db.session.commit()


def requeue(run_id: int, reason: str) -> None:
    """Put a running run back to queued so the job's next retry can claim it again. A run
    swept meanwhile stays failed: a newer run of the supplier may be running."""
    db.session.rollback()
    db.session.execute(update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "running").values(
        status="queued", error=_("retrying after an error: %(reason)s", reason=reason)[:2000]
    ).execution_options(synchronize_session=False))
    db.session.commit()


class Heartbeat:
    """Beat a running run's `heartbeat_at` every `every` seconds from a thread of its own, in
    short transactions on a connection of its own, until the job ends (`with Heartbeat(...)`).

    A batch that takes minutes on a big feed (or a slow download, or reading the feed
    through) thus never looks like a dead worker, while a worker that died stops beating at
    once. The thread stops by itself once the run is no longer running (finished, swept).
    """

    def __init__(self, run_id: int, every: float | None = None):
        self.run_id = run_id
        self.every = heartbeat_seconds() if every is None else every
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        bind = db.session.get_bind()
        # A session bound to one connection (the tests' outer transaction) has no second
        # connection to beat on; a worker's session is bound to the engine.
        self.engine = bind if isinstance(bind, Engine) else None

    def __enter__(self) -> Heartbeat:
        if self.engine is not None and self.every > 0:
            self.thread = threading.Thread(target=self._beat, name=f"sync-run-{self.run_id}-heartbeat",
                                           daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def _beat(self) -> None:
        runs = SyncRun.__table__
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    beaten = connection.execute(
                        update(runs).where(runs.c.id == self.run_id, runs.c.status == "running")
                        .values(heartbeat_at=utcnow())).rowcount
            except Exception:  # the next beat tries again; the sweep judges only the silence
                log.warning("sync run %s: heartbeat failed", self.run_id, exc_info=True)
                continue
            if beaten == 0:
                return
