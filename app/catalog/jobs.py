"""Catalog jobs. Each takes ids, loads fresh rows and is safe to run twice."""

from __future__ import annotations

from rq import get_current_job
from sqlalchemy import select

from app.extensions import db
from app.i18n import _, speaking
from app.jobs import defer

from . import sync
from .feeds_models import SyncRun
from .models import Supplier

SYNC_TIMEOUT = 2 * 3600


def enqueue_sync(run: SyncRun) -> None:
    """Hand a queued run to the `sync` queue once the transaction that made it commits."""
    defer(sync_supplier_catalog, run.id, queue="sync", job_id=run.job_id or sync.job_id_for(run.id),
            timeout=SYNC_TIMEOUT)


def sync_supplier_catalog(run_id: int) -> str:
    """Sync the run's supplier from its feed. A finished run is left alone; a run already
    running (or another run of the same supplier running) is refused. An unexpected error
    puts the run back in the queue while RQ has retries left, else fails it. What the run
    stores for people (its error, the reasons rows were rejected) is in the supplier's
    language."""
    run = db.session.get(SyncRun, run_id)
    if run is None:
        return "missing"
    with speaking(db.session.get(Supplier, run.supplier_id).language):
        return _sync(run)


def _sync(run: SyncRun) -> str:
    run_id = run.id
    if run.status in sync.FINISHED:
        return f"already {run.status}"
    if run.status == "running":
        return "already running"
    other = db.session.scalar(select(SyncRun.id).where(
        SyncRun.supplier_id == run.supplier_id, SyncRun.status == "running", SyncRun.id != run.id))
    if other is not None:
        sync.finish_failed(run_id, _("Refused: run #%(other)s of this supplier is still running.", other=other))
        return "refused"
    if not sync.claim_run(run_id):
        return "already running"
    try:
        status = sync.execute_run(run_id)
    except Exception as error:
        job = get_current_job()
        reason = f"{type(error).__name__}: {error}"
        if job is not None and (job.retries_left or 0) > 0:
            sync.requeue(run_id, reason)
        else:
            sync.finish_failed(run_id, _("The sync stopped on an unexpected error (%(reason)s).", reason=reason))
        raise
    if status in ("succeeded", "partly_failed"):
        _review_listings(run_id)
    return status


REVIEW_LISTINGS_JOB = "app.shops.guardrails.review_listings_after_sync"


def _review_listings(run_id: int) -> None:
    """Let shops' listings follow the synced products. The job is named by its path: shops
    sit above the catalog (they list its products), so the catalog never imports them."""
    defer(REVIEW_LISTINGS_JOB, run_id, queue="default", job_id=f"review-listings-{run_id}")
    db.session.commit()


def enqueue_due_syncs() -> int:
    """Queue a run for every supplier whose feed schedule has elapsed (periodic job)."""
    queued = 0
    for supplier_id in sync.due_suppliers():
        supplier = db.session.get(Supplier, supplier_id)
        run, created = sync.start_sync(supplier, trigger="schedule")
        if created:
            enqueue_sync(run)
            queued += 1
        db.session.commit()
    return queued


def sweep_abandoned_sync_runs() -> int:
    """Fail the runs whose worker died mid-sync (periodic job)."""
    swept = sync.sweep_abandoned_runs()
    db.session.commit()
    return swept
