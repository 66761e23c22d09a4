"""Periodic work of the worker process: the outbox sweep, the periodic jobs, and RQ's
scheduler locks.

Periodic jobs are declared once here. Each has a deterministic job id, and its interval is
claimed in Redis (`SET flagship:periodic:<id> NX EX <interval>`), so however many worker
processes run the loop, and however often they restart, a job runs once per interval (a
restart no longer starts a payout run). With no REDIS_URL (jobs inline) there is no
scheduler: syncs then run only on "Sync now".
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from rq.scheduler import RQScheduler
from rq.scripts import release_lock

from . import DEFAULT_RETRY_INTERVALS, QUEUES, get_queue
from .outbox import _held_by_rq, relay_due

log = logging.getLogger(__name__)
TICK_SECONDS = 5  # the outbox sweep's pace: a job whose relay failed waits about this long
PERIODIC_KEY = "flagship:periodic:{}"
# RQ's scheduler refreshes its lock (TTL interval + 60 = 61 s) every second; a lock not
# refreshed for this long belongs to a dead scheduler (a SIGKILLed worker).
SCHEDULER_LOCK_TTL = 61
STALE_SCHEDULER_SECONDS = 10


@dataclass(frozen=True)
class PeriodicJob:
    id: str  # the RQ job id: one instance at a time
    func: str  # the job function's dotted path: app/jobs sits below the domains it runs
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
    PeriodicJob("periodic-enqueue-due-syncs", "app.catalog.jobs.enqueue_due_syncs", 60, queue="sync"),
    # Not on `sync`, where it would wait behind the long syncs it watches: with the 90 s
    # heartbeat threshold, a dead run is freed within two minutes.
    PeriodicJob("periodic-sweep-abandoned-sync-runs", "app.catalog.jobs.sweep_abandoned_sync_runs", 30),
    PeriodicJob("periodic-settle-stale-checkouts", "app.payments.jobs.settle_stale_checkouts", 600),
    PeriodicJob("periodic-expire-held-orders", "app.orders.confirmation.expire_held_orders", 600),
    # Deadlines have their own job each; this catches one that was missed (worker down).
    PeriodicJob("periodic-sweep-deal-rounds", "app.deals.jobs.sweep_due_rounds", 60),
    PeriodicJob("periodic-expire-unpaid-balances", "app.payments.holds.expire_unpaid_balances", 600),
    PeriodicJob("periodic-settle-commissions", "app.referrals.jobs.settle_commissions", 3600),
    # Visits counted in Redis and sales the ledger changed, into the owners' analytics.
    PeriodicJob("periodic-aggregate-analytics", "app.analytics.jobs.aggregate_analytics", 300),
    # Orders CSVs made in the background are kept a week (their files hold shoppers' addresses).
    PeriodicJob("periodic-forget-old-order-exports", "app.orders.exports.forget_old_exports", 3600),
    PeriodicJob("periodic-run-payouts", "app.ledger.jobs.run_payouts", 24 * 3600, queue="payouts",
                every_hours_setting="PAYOUT_EVERY_HOURS"),
]


def enqueue_due(connection: Redis, jobs: list[PeriodicJob] | None = None) -> list[str]:
    """Enqueue each periodic job whose interval (claimed in Redis) has elapsed and that is
    not still pending. Returns the ids enqueued."""
    enqueued = []
    for job in PERIODIC_JOBS if jobs is None else jobs:
        key = PERIODIC_KEY.format(job.id)
        if not connection.set(key, int(time.time()), nx=True, ex=job.interval()):
            continue  # ran within its interval (here, in another worker, or before a restart)
        if _held_by_rq(job.id, connection):
            continue
        try:
            get_queue(job.queue, connection=connection).enqueue(
                job.func, job_id=job.id, job_timeout=job.timeout,
                retry=_retry(), result_ttl=3600, failure_ttl=7 * 24 * 3600)
        except RedisError:
            connection.delete(key)  # not enqueued: not claimed either
            raise
        enqueued.append(job.id)
    return enqueued


def _retry():
    from rq import Retry

    return Retry(max=len(DEFAULT_RETRY_INTERVALS), interval=list(DEFAULT_RETRY_INTERVALS))


def release_stale_scheduler_locks(connection: Redis, queues=QUEUES) -> list[str]:
    """Free the scheduler locks of a dead RQ scheduler, so a live worker's scheduler takes
    them within seconds instead of when the lock expires and the worker next looks
    (up to ten minutes): backoff retries resume soon after a killed worker restarts."""
    released = []
    for name in queues:
        key = RQScheduler.get_locking_key(name)
        holder = connection.get(key)
        if holder is None:
            continue
        ttl = connection.ttl(key)
        if 0 <= ttl < SCHEDULER_LOCK_TTL - STALE_SCHEDULER_SECONDS and release_lock(
                connection, key, holder.decode()):
            log.warning("released queue %s's scheduler lock held by dead scheduler %s",
                        name, holder.decode())
            released.append(name)
    return released


class PeriodicScheduler(threading.Thread):
    """A daemon thread of the worker process: every TICK_SECONDS, sweep the outbox, free
    dead schedulers' locks and enqueue the due periodic jobs. Each step survives Redis or
    the database being away and tries again on the next tick."""

    def __init__(self, connection: Redis, tick: float = TICK_SECONDS, app=None, queues=QUEUES):
        super().__init__(name="flagship-periodic-scheduler", daemon=True)
        self.connection, self.tick, self.app, self.queues = connection, tick, app, queues
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.app.app_context() if self.app is not None else nullcontext():
                self.run_once()
            self.stopping.wait(self.tick)

    def run_once(self) -> None:
        try:
            relay_due()
        except Exception:
            log.exception("outbox sweep failed")
        try:
            release_stale_scheduler_locks(self.connection, self.queues)
            enqueued = enqueue_due(self.connection)
            if enqueued:
                log.info("enqueued periodic jobs: %s", ", ".join(enqueued))
        except Exception as error:  # Redis away for a moment: try again on the next tick
            log.warning("periodic scheduler tick failed: %s", error)

    def stop(self) -> None:
        self.stopping.set()
