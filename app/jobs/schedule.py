"""Periodic jobs: declared once here, enqueued by the small scheduler loop in worker.py.

Each periodic job has a deterministic job id, so however many worker processes run the
loop, a job that is still queued or running is not enqueued a second time. With no
REDIS_URL (jobs inline) there is no scheduler: syncs then run only on "Sync now".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.catalog.jobs import enqueue_due_syncs, sweep_abandoned_sync_runs
from app.ledger.jobs import run_payouts
from app.payments.jobs import settle_stale_checkouts

from . import DEFAULT_RETRY, get_queue

log = logging.getLogger(__name__)
TICK_SECONDS = 60


@dataclass(frozen=True)
class PeriodicJob:
    id: str  # the RQ job id: one instance at a time
    func: Callable
    every_seconds: int
    queue: str = "default"
    timeout: int = 300
    every_hours_setting: str = ""  # a config key that overrides every_seconds, in hours

    def interval(self) -> int:
        if self.every_hours_setting:
            from flask import current_app

            return int(current_app.config[self.every_hours_setting]) * 3600
        return self.every_seconds


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("periodic-enqueue-due-syncs", enqueue_due_syncs, 60, queue="sync"),
    PeriodicJob("periodic-sweep-abandoned-sync-runs", sweep_abandoned_sync_runs, 60, queue="sync"),
    PeriodicJob("periodic-settle-stale-checkouts", settle_stale_checkouts, 600),
    PeriodicJob("periodic-run-payouts", run_payouts, 24 * 3600, queue="payouts",
                every_hours_setting="PAYOUT_EVERY_HOURS"),
]


def _pending(job_id: str, connection: Redis) -> bool:
    try:
        status = Job.fetch(job_id, connection=connection).get_status(refresh=True)
    except NoSuchJobError:
        return False
    return status in ("queued", "started", "scheduled", "deferred")


def enqueue_due(connection: Redis, last_run: dict[str, float], now: float | None = None,
                jobs: list[PeriodicJob] | None = None) -> list[str]:
    """Enqueue each periodic job whose interval has elapsed (and is not already pending).
    `last_run` (job id -> monotonic time) is the loop's memory; returns the ids enqueued."""
    now = time.monotonic() if now is None else now
    enqueued = []
    for job in PERIODIC_JOBS if jobs is None else jobs:
        previous = last_run.get(job.id)
        if previous is not None and now - previous < job.interval():
            continue
        last_run[job.id] = now
        if _pending(job.id, connection):
            continue
        get_queue(job.queue, connection=connection).enqueue(
            job.func, job_id=job.id, job_timeout=job.timeout, retry=DEFAULT_RETRY,
            result_ttl=3600, failure_ttl=7 * 24 * 3600)
        enqueued.append(job.id)
    return enqueued


class PeriodicScheduler(threading.Thread):
    """A daemon thread of the worker process: every TICK_SECONDS, enqueue the due jobs."""

    def __init__(self, connection: Redis, tick: float = TICK_SECONDS, app=None):
        super().__init__(name="flagship-periodic-scheduler", daemon=True)
        self.connection, self.tick, self.app = connection, tick, app
        self.stopping = threading.Event()
        self.last_run: dict[str, float] = {}

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with self.app.app_context() if self.app is not None else nullcontext():
                    enqueued = enqueue_due(self.connection, self.last_run)
                if enqueued:
                    log.info("enqueued periodic jobs: %s", ", ".join(enqueued))
            except Exception:  # Redis away for a moment: try again on the next tick
                log.exception("periodic scheduler tick failed")
            self.stopping.wait(self.tick)

    def stop(self) -> None:
        self.stopping.set()
