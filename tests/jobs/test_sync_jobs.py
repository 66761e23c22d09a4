"""Sync jobs: the schedule, the sweeper, the Jobs page, and a real worker on real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.catalog.feeds_models import SyncRun
from app.catalog.jobs import enqueue_due_syncs, sweep_abandoned_sync_runs, sync_supplier_catalog
from app.catalog.models import SupplyProduct
from app.db_types import utcnow
from app.extensions import db
from app.jobs import get_queue, redis_connection
from app.jobs.schedule import PERIODIC_JOBS, PERIODIC_KEY, PeriodicJob, enqueue_due
from tests.admin.conftest import admin, page_text
from tests.catalog.feed_helpers import feed_csv, feeds_dir, upload_feed
from tests.factories import make_supplier, run_job

__all__ = ["admin", "feeds_dir"]
ROOT = Path(__file__).resolve().parents[2]
MUG = "MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,"


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (read from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def runs_of(supplier_id):
    return list(db.session.scalars(select(SyncRun).where(SyncRun.supplier_id == supplier_id)
                                   .order_by(SyncRun.id).execution_options(populate_existing=True)))


def test_periodic_jobs_have_unique_deterministic_ids():
    ids = [job.id for job in PERIODIC_JOBS]
    assert len(ids) == len(set(ids))
    assert "periodic-enqueue-due-syncs" in ids and "periodic-sweep-abandoned-sync-runs" in ids


def test_due_syncs_are_queued_and_run_inline_once(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(MUG), schedule_minutes=60)
    supplier_id = supplier.id
    assert run_job(enqueue_due_syncs) == 1
    [run] = runs_of(supplier_id)
    assert run.trigger == "schedule" and run.status == "succeeded"
    assert run_job(enqueue_due_syncs) == 0  # not due again for an hour
    assert len(runs_of(supplier_id)) == 1


def test_sweeper_job_is_safe_to_run_twice(feeds_dir):
    supplier = make_supplier()
    run = SyncRun(supplier_id=supplier.id, status="running", heartbeat_at=utcnow() - timedelta(minutes=30))
    never = SyncRun(supplier_id=make_supplier().id, status="queued", queued_at=utcnow() - timedelta(hours=2))
    db.session.add_all([run, never])
    db.session.flush()
    assert sweep_abandoned_sync_runs() == 2
    assert sweep_abandoned_sync_runs() == 0
    assert runs_of(supplier.id)[0].error.startswith("abandoned: no heartbeat since")


def test_sync_job_twice_does_not_double_anything(feeds_dir):
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(MUG))
    run = SyncRun(supplier_id=supplier.id, status="queued")
    db.session.add(run)
    db.session.commit()
    assert sync_supplier_catalog(run.id) == "succeeded"
    assert sync_supplier_catalog(run.id) == "already succeeded"
    assert db.session.scalar(select(func.count(SupplyProduct.id)).where(
        SupplyProduct.supplier_id == supplier.id)) == 1


def failing_job():
    raise RuntimeError("the supplier's server is on fire")


def noop_job():
    return "ok"


@pytest.mark.redis
def test_enqueue_due_skips_a_pending_periodic_job():
    connection = redis_connection(os.environ["REDIS_URL"])
    get_queue("default", connection=connection).empty()
    job = PeriodicJob("periodic-test-noop", noop_job, 60)
    connection.delete(PERIODIC_KEY.format(job.id))
    assert enqueue_due(connection, jobs=[job]) == ["periodic-test-noop"]
    assert enqueue_due(connection, jobs=[job]) == []  # interval not elapsed (claimed in Redis)
    connection.delete(PERIODIC_KEY.format(job.id))  # as if the interval had passed
    assert enqueue_due(connection, jobs=[job]) == []  # still queued
    connection.delete(PERIODIC_KEY.format(job.id))
    get_queue("default", connection=connection).empty()


@pytest.mark.redis
def test_jobs_page_lists_failed_jobs_and_retries_them(app, admin, monkeypatch):
    from rq import SimpleWorker
    from rq.registry import FailedJobRegistry

    redis_url = os.environ["REDIS_URL"]
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    connection = redis_connection(redis_url)
    queue = get_queue("sync", connection=connection)
    queue.empty()
    registry = FailedJobRegistry(queue=queue)
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)
    job = queue.enqueue(failing_job, job_id="test-failing-job")
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert job.id in registry.get_job_ids()

    page = page_text(admin.get("/admin/jobs"))
    assert "test-failing-job" in page and "on fire" in page and "Retry" in page
    response = admin.post("/admin/jobs/sync/test-failing-job/retry", follow_redirects=True)
    assert "queued again" in page_text(response)
    assert job.id not in registry.get_job_ids() and job.id in queue.get_job_ids()
    queue.empty()


@pytest.mark.redis
@pytest.mark.committed
def test_a_real_worker_runs_a_sync_from_real_redis(app, database_url, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FEEDS_DIR", str(tmp_path / "feeds"))
    supplier = make_supplier()
    upload_feed(supplier, feed_csv("TEE,Organic Tee,,apparel,TEE-S,size=S,12.00,18.00,4,",
                                   "TEE,,,,TEE-M,size=M,12.00,18.00,5,", MUG))
    run = SyncRun(supplier_id=supplier.id, status="queued", job_id=f"sync-supplier-{supplier.id}")
    db.session.add(run)
    db.session.flush()
    run_id, supplier_id = run.id, supplier.id  # read before the commit: no open read afterwards
    db.session.commit()

    redis_url = os.environ["REDIS_URL"]
    queue = get_queue("sync", connection=redis_connection(redis_url))
    queue.empty()
    job = queue.enqueue(sync_supplier_catalog, run_id, job_id=f"sync-supplier-{supplier_id}")
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, FEEDS_DIR=str(tmp_path / "feeds"),
               SERVER_NAME="flagship.test", SECRET_KEY="worker-test")
    result = subprocess.run([sys.executable, "worker.py", "--burst", "--queues", "sync"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    job.refresh()
    assert job.get_status() == "finished", result.stderr
    assert job.return_value() == "succeeded"
    [run] = runs_of(supplier_id)
    assert run.status == "succeeded" and run.created_count == 2 and run.heartbeat_at is not None
    # The same job again (a retry, a double enqueue) changes nothing.
    assert sync_supplier_catalog(run_id) == "already succeeded"
    assert db.session.scalar(select(func.count(SupplyProduct.id)).where(
        SupplyProduct.supplier_id == supplier_id)) == 2
    get_queue("default", connection=redis_connection(redis_url)).empty()


def test_an_unexpected_error_fails_the_run_inline(feeds_dir, monkeypatch):
    from app.catalog import sync

    supplier = make_supplier()
    upload_feed(supplier, feed_csv(MUG))
    run = SyncRun(supplier_id=supplier.id, status="queued")
    db.session.add(run)
    db.session.flush()
    run_id = run.id
    db.session.commit()

    def explode(self, groups):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sync._Sync, "write", explode)
    with pytest.raises(RuntimeError):
        sync_supplier_catalog(run_id)
    [run] = runs_of(supplier.id)
    assert run.status == "failed" and "database went away" in run.error
    assert sync_supplier_catalog(run_id) == "already failed"


@pytest.mark.redis
@pytest.mark.committed
def test_the_worker_process_runs_the_schedule(app, database_url, tmp_path, monkeypatch):
    """`python worker.py` (not burst) enqueues the due syncs itself and runs them."""
    import time

    monkeypatch.setitem(app.config, "FEEDS_DIR", str(tmp_path / "feeds"))
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(MUG), schedule_minutes=60)
    supplier_id = supplier.id
    db.session.commit()
    redis_url = os.environ["REDIS_URL"]
    connection = redis_connection(redis_url)
    for name in ("sync", "default"):
        get_queue(name, connection=connection).empty()
    for job in PERIODIC_JOBS:
        connection.delete(f"rq:job:{job.id}", PERIODIC_KEY.format(job.id))

    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, FEEDS_DIR=str(tmp_path / "feeds"),
               SERVER_NAME="flagship.test", SECRET_KEY="worker-test")
    worker = subprocess.Popen([sys.executable, "worker.py", "--queues", "sync"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        runs = []
        while time.monotonic() < deadline:
            runs = runs_of(supplier_id)
            db.session.rollback()
            if runs and runs[0].status == "succeeded":
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert runs and runs[0].status == "succeeded" and runs[0].trigger == "schedule", output
    assert len(runs) == 1
    get_queue("default", connection=connection).empty()


def test_listing_review_is_enqueued_after_a_finished_sync(feeds_dir, monkeypatch):
    """After a succeeded or partly failed run (committed), shops' listings are reviewed once."""
    import types

    reviewed = []
    guardrails = types.ModuleType("app.shops.guardrails")

    def review_listings_after_sync(run_id):
        # The run is committed and finished when the review runs.
        run = db.session.scalar(select(SyncRun).where(SyncRun.id == run_id))
        reviewed.append((run_id, run.status))

    # Jobs are found again by their dotted path, as in the worker.
    review_listings_after_sync.__module__ = guardrails.__name__
    review_listings_after_sync.__qualname__ = review_listings_after_sync.__name__
    guardrails.review_listings_after_sync = review_listings_after_sync
    monkeypatch.setitem(sys.modules, "app.shops.guardrails", guardrails)
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(MUG, "PEN,Pen,,toys,PEN-1,,1.00,2.00,1,"))
    run = SyncRun(supplier_id=supplier.id, status="queued")
    failing = SyncRun(supplier_id=make_supplier().id, status="queued")
    db.session.add_all([run, failing])
    db.session.flush()
    run_id, failing_id = run.id, failing.id
    db.session.commit()
    assert run_job(sync_supplier_catalog, run_id) == "partly_failed"
    assert run_job(sync_supplier_catalog, run_id) == "already partly_failed"
    assert run_job(sync_supplier_catalog, failing_id) == "failed"  # no feed: nothing to review
    assert reviewed == [(run_id, "partly_failed")]


@pytest.mark.redis
@pytest.mark.committed
def test_a_worker_killed_mid_sync_leaves_the_run_failed_and_a_new_run_finishes(
        app, database_url, tmp_path, monkeypatch):
    """SIGKILL the worker after its first batches: the run is swept as abandoned (not
    "running" forever), the batches it committed stay whole, and the next run completes."""
    import signal
    import time

    from app.catalog.sync import ABANDONED_AFTER, sweep_abandoned_runs
    from tests.catalog.feed_helpers import sync_now

    monkeypatch.setitem(app.config, "FEEDS_DIR", str(tmp_path / "feeds"))
    products = 20_000
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*(f"P{n:05d},Product {n},,home,SKU-{n:05d},,5.00,9.00,3,"
                                     for n in range(products))))
    run = SyncRun(supplier_id=supplier.id, status="queued", job_id=f"sync-supplier-{supplier.id}")
    db.session.add(run)
    db.session.flush()
    run_id, supplier_id = run.id, supplier.id
    db.session.commit()

    redis_url = os.environ["REDIS_URL"]
    queue = get_queue("sync", connection=redis_connection(redis_url))
    queue.empty()
    queue.enqueue(sync_supplier_catalog, run_id, job_id=f"sync-supplier-{supplier_id}")
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, FEEDS_DIR=str(tmp_path / "feeds"),
               SERVER_NAME="flagship.test", SECRET_KEY="worker-test")
    worker = subprocess.Popen([sys.executable, "worker.py", "--queues", "sync", "--no-periodic"],
                              cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            [seen] = runs_of(supplier_id)
            db.session.rollback()
            if seen.status != "queued" and seen.created_count > 0:
                break
            time.sleep(0.05)
        assert seen.status == "running", "the sync finished before it could be killed"
    finally:
        # The work horse (RQ forks one per job, in a session of its own), then the worker:
        # no clean-up of any kind runs.
        for pid in _children(worker.pid):
            os.kill(pid, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        output = worker.communicate(timeout=30)[0]

    [killed] = runs_of(supplier_id)
    assert killed.status == "running" and 0 < killed.created_count < products, output
    written = db.session.scalar(select(func.count(SupplyProduct.id)).where(
        SupplyProduct.supplier_id == supplier_id))
    assert written == killed.created_count  # only whole, committed batches
    db.session.rollback()

    assert sweep_abandoned_runs(supplier_id, now=utcnow()) == 0  # not yet: it may be alive
    assert sweep_abandoned_runs(supplier_id, now=utcnow() + ABANDONED_AFTER + timedelta(minutes=1)) == 1
    db.session.commit()
    [swept] = runs_of(supplier_id)
    assert swept.status == "failed" and swept.error.startswith("abandoned") and swept.finished_at

    rerun, result = sync_now(db.session.get(type(supplier), supplier_id))
    assert result == "succeeded"
    assert rerun.created_count == products - killed.created_count
    assert rerun.unchanged_count == killed.created_count
    queue.empty()
