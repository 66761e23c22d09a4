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
from app.catalog.sync import job_id_for
from app.db_types import utcnow
from app.extensions import db
from app.jobs import get_queue, redis_connection
from app.jobs.outbox import relay_committed
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


def test_every_periodic_job_names_a_job_function():
    # The list names functions by dotted path (app/jobs sits below the domains): a typo
    # would only show when the worker runs it, so resolve them all here.
    from rq.utils import import_attribute

    from app.catalog.jobs import REVIEW_LISTINGS_JOB

    for path in [job.func for job in PERIODIC_JOBS] + [REVIEW_LISTINGS_JOB]:
        assert callable(import_attribute(path)), path


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
    run = SyncRun(supplier_id=supplier.id, status="queued")
    db.session.add(run)
    db.session.flush()
    run.job_id = job_id_for(run.id)
    run_id, supplier_id, job_id = run.id, supplier.id, run.job_id  # no open read after the commit
    db.session.commit()

    redis_url = os.environ["REDIS_URL"]
    queue = get_queue("sync", connection=redis_connection(redis_url))
    queue.empty()
    job = queue.enqueue(sync_supplier_catalog, run_id, job_id=job_id)
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
def test_a_worker_killed_mid_sync_is_swept_in_time_and_the_next_run_resumes(
        app, database_url, tmp_path, monkeypatch):
    """SIGKILL the worker after its first batches. While it lived, a batch stalled for longer
    than the abandoned threshold was not taken for dead (its heartbeat thread beat on); once
    killed, "Sync now" starts a new run within the threshold (production: 90 s, under the
    two minutes; here scaled down to seconds), the batches it committed stay whole, and the
    new run resumes after them and ends as an uninterrupted sync would."""
    import signal
    import time

    from app.catalog.models import Supplier
    from app.catalog.sync import start_sync, sweep_abandoned_runs

    beat, threshold = 0.5, 3.0
    monkeypatch.setitem(app.config, "FEEDS_DIR", str(tmp_path / "feeds"))
    monkeypatch.setitem(app.config, "SYNC_ABANDONED_SECONDS", threshold)
    products = 20_000
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(*(f"P{n:05d},Product {n},,home,SKU-{n:05d},,5.00,9.00,3,"
                                     for n in range(products))))
    run = SyncRun(supplier_id=supplier.id, status="queued")
    db.session.add(run)
    db.session.flush()
    run.job_id = job_id_for(run.id)
    run_id, supplier_id, job_id = run.id, supplier.id, run.job_id
    db.session.commit()

    redis_url = os.environ["REDIS_URL"]
    queue = get_queue("sync", connection=redis_connection(redis_url))
    queue.empty()
    queue.enqueue(sync_supplier_catalog, run_id, job_id=job_id)
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, FEEDS_DIR=str(tmp_path / "feeds"),
               SERVER_NAME="flagship.test", SECRET_KEY="worker-test", SYNC_HEARTBEAT_SECONDS=str(beat))
    worker = subprocess.Popen([sys.executable, "worker.py", "--queues", "sync", "--no-periodic"],
                              cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait_for(done, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            [seen] = runs_of(supplier_id)
            db.session.rollback()
            if done(seen):
                return seen
            time.sleep(0.05)
        raise AssertionError("timed out")

    try:
        seen = wait_for(lambda run: run.status != "queued" and run.created_count > 0)
        assert seen.status == "running", "the sync finished before it could be killed"
        if db.engine.dialect.name == "postgresql":
            # Stall the next batch: its inserts wait for the supplier row's key-share lock.
            with db.engine.connect() as blocker:
                blocker.execute(select(Supplier.id).where(Supplier.id == supplier_id).with_for_update())
                stalled = wait_for(lambda run: run.products_done > 0).products_done  # (a number:
                time.sleep(threshold * 2)  # the identity map gives one object for the run)
                [still] = runs_of(supplier_id)
                assert still.products_done == stalled  # no batch committed ...
                assert sweep_abandoned_runs(supplier_id) == 0  # ... and yet alive: it beats
                assert utcnow() - still.heartbeat_at < timedelta(seconds=threshold)
                db.session.commit()
                blocker.rollback()
            seen = wait_for(lambda run: run.products_done > stalled)
            assert seen.status == "running", "the sync finished before it could be killed"
    finally:
        # The work horse (RQ forks one per job, in a session of its own), then the worker:
        # no clean-up of any kind runs.
        for pid in _children(worker.pid):
            os.kill(pid, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        output = worker.communicate(timeout=30)[0]

    [killed] = runs_of(supplier_id)
    assert killed.status == "running" and 0 < killed.created_count < products, output
    assert killed.products_done == killed.created_count
    killed_id, killed_done = killed.id, killed.products_done
    written = db.session.scalar(select(func.count(SupplyProduct.id)).where(
        SupplyProduct.supplier_id == supplier_id))
    assert written == killed.created_count  # only whole, committed batches
    db.session.rollback()

    # "Sync now", clicked again and again: refused while the run may be alive, then started.
    while True:
        rerun, created = start_sync(db.session.get(Supplier, supplier_id))
        if created:
            break
        db.session.rollback()
        assert time.monotonic() - killed_at < threshold + beat + 5, "the dead run was never swept"
        time.sleep(0.2)
    freed_after = time.monotonic() - killed_at
    rerun_id = rerun.id
    db.session.commit()
    assert 0 < freed_after < threshold + beat + 5
    [swept, _] = runs_of(supplier_id)
    assert swept.status == "failed" and swept.error.startswith("abandoned") and swept.finished_at

    assert sync_supplier_catalog(rerun_id) == "succeeded"
    [_, rerun] = runs_of(supplier_id)
    assert (rerun.resumed_from_id, rerun.resumed_products) == (killed_id, killed_done)
    assert (rerun.created_count, rerun.unchanged_count, rerun.rows_read) == (products, 0, products)
    assert db.session.scalar(select(func.count(SupplyProduct.id)).where(
        SupplyProduct.supplier_id == supplier_id)) == products
    queue.empty()


@pytest.mark.redis
def test_a_scheduled_retry_and_the_next_run_keep_their_own_jobs(app, feeds_dir, monkeypatch):
    """A run's job fails while the database is away (so the run could not even be put back
    in the queue): RQ schedules a retry. The run is swept as abandoned and "Sync now" starts
    the next one: its job must not overwrite the scheduled retry's job in Redis (a shared
    job id made the retry run the new run, and the new run's job vanish with the retry)."""
    from rq import SimpleWorker
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from app.catalog import sync
    from app.catalog.jobs import enqueue_sync

    redis_url = os.environ["REDIS_URL"]
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    connection = redis_connection(redis_url)
    queue = get_queue("sync", connection=connection)
    queue.empty()
    scheduled = ScheduledJobRegistry(queue=queue)
    supplier = make_supplier()
    upload_feed(supplier, feed_csv(MUG))
    first, _ = sync.start_sync(supplier)
    first_id = first.id
    enqueue_sync(first)  # an outbox row in the run's transaction, relayed after the commit
    db.session.commit()
    assert relay_committed() == 1

    def database_away(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sync, "execute_run", database_away)
    monkeypatch.setattr(sync, "requeue", database_away)
    SimpleWorker([queue], connection=connection).work(burst=True)
    first_job = Job.fetch(sync.job_id_for(first_id), connection=connection)
    try:
        assert first_job.id in scheduled.get_job_ids()  # the retry waits for its time
        assert runs_of(supplier.id)[0].status == "running"
        assert sync.sweep_abandoned_runs(supplier.id, now=utcnow() + timedelta(seconds=100)) == 1

        second, created = sync.start_sync(db.session.get(type(supplier), supplier.id))
        second_id = second.id
        enqueue_sync(second)
        db.session.commit()
        assert relay_committed() == 1
        assert created and second.job_id != first_job.id
        assert Job.fetch(first_job.id, connection=connection).args == (first_id,)
        assert Job.fetch(second.job_id, connection=connection).args == (second_id,)
        assert queue.get_job_ids() == [second.job_id] and first_job.id in scheduled.get_job_ids()
    finally:
        queue.empty()
        for job_id in scheduled.get_job_ids():
            scheduled.remove(job_id, delete_job=True)
