"""The transactional outbox: work that must follow a commit is written in that commit.

`defer(func, *ids)` adds an `OutboxJob` row to the current transaction, beside the order,
payment or payout that causes it: both commit, or neither does. After the commit the relay
hands the rows to RQ (with their deterministic job ids) and marks them sent; with no Redis
(jobs inline) it runs them at once. Whatever the relay cannot hand over (Redis refusing or
stalling, the process dying between the commit and the relay) stays `pending`, and the
sweep (`relay_due`, every few seconds in the worker) sends it later. A row may so be sent
twice (sent, then the process died before marking it): jobs are idempotent, and a swept row
whose job RQ already holds is not pushed again.

Where the relay runs: after each request (`relay_committed`, an after_request hook), after
each job in the worker, and in the worker's periodic loop (`relay_due`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from uuid import uuid4

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.utils import import_attribute
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.db_types import utcnow
from app.extensions import db

from . import DEFAULT_RETRY_INTERVALS, DEFAULT_TIMEOUT, QUEUES, get_queue, redis_connection
from .models import OutboxJob

log = logging.getLogger(__name__)

_FLUSHED = "flagship_outbox_flushed"  # session.info: ids written in the open transaction
_COMMITTED = "flagship_outbox_committed"  # ... and committed, not yet relayed
SWEEP_AFTER = timedelta(seconds=5)  # a pending row this old is the sweep's (its relay failed)
MAX_ROUNDS = 50  # inline jobs that defer jobs that defer jobs ...: a bound, not a limit in practice
BATCH = 200


def job_path(func: Callable | str) -> str:
    return func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"


def defer(func: Callable | str, *args, queue: str = "default", job_id: str | None = None,
          timeout: int = DEFAULT_TIMEOUT, retry: list[int] | tuple[int, ...] | None = DEFAULT_RETRY_INTERVALS,
          run_at: datetime | None = None) -> OutboxJob:
    """Run `func(*args)` as a job once the current transaction commits (never if it rolls
    back). `args` are primitives (ids); `job_id` a deterministic RQ id where a duplicate
    would hurt; `retry` the seconds between RQ's retries; `run_at` not before then."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    # Not flushed here: the rows a transaction defers go out in one INSERT with its other
    # writes (a placed order defers three), and their ids are noted as they are flushed.
    row = OutboxJob(func=job_path(func), args=list(args), queue=queue, job_id=job_id or f"outbox-{uuid4().hex}",
                    timeout=timeout, retry_intervals=list(retry or ()), run_at=run_at or utcnow())
    db.session.add(row)
    return row


def _on_flush(session: Session, flush_context) -> None:
    # (In after_flush, session.new still holds what this flush inserted.)
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxJob)]
    if ids:
        session.info.setdefault(_FLUSHED, set()).update(ids)


def _on_commit(session: Session) -> None:
    flushed = session.info.pop(_FLUSHED, None)
    if flushed:
        session.info.setdefault(_COMMITTED, set()).update(flushed)


def _on_rollback(session: Session) -> None:
    session.info.pop(_FLUSHED, None)


_installed = False


def install_outbox_hooks() -> None:
    """Track the outbox rows each session commits, so they are relayed right after (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _on_flush)
    event.listen(Session, "after_commit", _on_commit)
    event.listen(Session, "after_rollback", _on_rollback)
    _installed = True


def relay_committed() -> int:
    """Relay the rows this session committed since the last relay, and what those jobs
    defer when run inline. Never raises: what it cannot relay waits for the sweep."""
    relayed = 0
    for _ in range(MAX_ROUNDS):
        ids = db.session.info.pop(_COMMITTED, None)
        if not ids:
            break
        relayed += relay(ids=sorted(ids))
    return relayed


def relay_due(older_than: timedelta = SWEEP_AFTER, limit: int = BATCH) -> int:
    """The sweep: relay pending rows older than `older_than` (their relay failed or never
    ran) and delayed rows now due. Never raises."""
    relayed = relay(older_than=older_than, limit=limit)
    return relayed + relay_committed()


def relay(ids: list[int] | None = None, *, older_than: timedelta | None = None,
          limit: int = BATCH) -> int:
    """Hand due pending rows (these `ids`, or those older than `older_than`) to RQ, or run
    them inline. Returns how many were relayed."""
    try:
        if current_app.config["JOBS_INLINE"]:
            return _run_inline(ids, older_than, limit)
        return _send(ids, older_than, limit)
    except Exception:
        db.session.rollback()
        log.exception("outbox relay failed; the jobs stay pending for the sweep")
        return 0


def _due(ids, older_than, limit, *, lock: bool) -> list[OutboxJob]:
    now = utcnow()
    query = select(OutboxJob).where(OutboxJob.status == "pending", OutboxJob.run_at <= now)
    if ids is not None:
        query = query.where(OutboxJob.id.in_(ids))
    if older_than is not None:
        query = query.where(OutboxJob.created_at <= now - older_than)
    query = query.order_by(OutboxJob.id).limit(limit)
    if lock:  # two relays (a request's and the sweep) never send one row at once
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _send(ids, older_than, limit) -> int:
    rows = _due(ids, older_than, limit, lock=True)
    if not rows:
        db.session.rollback()
        return 0
    connection = redis_connection()
    sent = 0
    for row in rows:
        try:
            # A swept row may have reached Redis before its process died: not twice.
            if ids is not None or not _held_by_rq(row.job_id, connection):
                _push(row, connection)
        except RedisError as error:
            row.relay_attempts += 1
            row.last_error = f"Redis: {error}"[:500]
            log.warning("outbox: could not hand job %s to Redis (%s); the sweep will retry",
                        row.job_id, error)
            break  # Redis is away: the rest waits too
        row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
        sent += 1
    db.session.commit()
    return sent


def _push(row: OutboxJob, connection) -> None:
    intervals = list(row.retry_intervals or ())
    get_queue(row.queue, connection=connection).enqueue(
        row.func, *row.args, job_id=row.job_id, job_timeout=row.timeout,
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
        result_ttl=24 * 3600, failure_ttl=30 * 24 * 3600, description=row.description,
    )


def _held_by_rq(job_id: str, connection) -> bool:
    try:
        status = Job.fetch(job_id, connection=connection).get_status(refresh=True)
    except NoSuchJobError:
        return False
    return status in ("queued", "started", "scheduled", "deferred")


def _run_inline(ids, older_than, limit) -> int:
    """No Redis: run each job now, in this process, as a worker would (no shop scope, its
    own commits). A failure is logged and kept on the row (`failed`, with the error)."""
    jobs = [(row.id, row.func, list(row.args)) for row in _due(ids, older_than, limit, lock=False)]
    db.session.rollback()
    for row_id, path, args in jobs:
        error = ""
        try:
            with _as_worker():
                import_attribute(path)(*args)
        except Exception as exc:
            db.session.rollback()
            log.exception("inline job %s%r failed", path, tuple(args))
            error = f"{type(exc).__name__}: {exc}"[:500]
        db.session.execute(
            update(OutboxJob).where(OutboxJob.id == row_id, OutboxJob.status == "pending")
            .values(status="failed" if error else "done", sent_at=utcnow(), last_error=error))
        db.session.commit()
    return len(jobs)


@contextmanager
def _as_worker():
    """Run an inline job outside the request's shop scope, as the worker runs it."""
    from app.tenancy.context import outside_any_shop

    with outside_any_shop():
        yield


_last_inline_sweep = 0.0


def sweep_inline_now_and_then() -> None:
    """With no worker (jobs inline), requests also sweep, at most every
    OUTBOX_INLINE_SWEEP_SECONDS (0: never): rows left by a crash or by the CLI, and
    delayed rows now due."""
    global _last_inline_sweep
    every = current_app.config["OUTBOX_INLINE_SWEEP_SECONDS"]
    now = time.monotonic()
    if not every or now - _last_inline_sweep < every:
        return
    _last_inline_sweep = now
    relay_due(older_than=timedelta(seconds=every))


def stuck_jobs(older_than: timedelta = timedelta(minutes=2), limit: int = 50) -> list[OutboxJob]:
    """Pending rows the relay has not managed to send for a while (Redis away), and failed
    inline runs: what the admin's Jobs page shows."""
    cutoff = utcnow() - older_than
    return list(db.session.scalars(
        select(OutboxJob).where(
            ((OutboxJob.status == "pending") & (OutboxJob.run_at <= cutoff))
            | (OutboxJob.status == "failed"))
        .order_by(OutboxJob.id.desc()).limit(limit)))


def send_again(row_id: int) -> OutboxJob | None:
    """An admin sends a stuck or failed outbox job again (jobs are idempotent). Returns the
    row as it is afterwards, or None if there is no such row."""
    row = db.session.get(OutboxJob, row_id)
    if row is None:
        return None
    if row.status in ("pending", "failed"):
        row.status, row.run_at = "pending", min(row.run_at, utcnow())
        db.session.commit()
        relay(ids=[row.id])
        db.session.refresh(row)
    return row
