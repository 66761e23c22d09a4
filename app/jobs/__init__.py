"""RQ glue: queues, enqueueing with retries, and the worker class.

With no REDIS_URL (a fresh machine, the quick test run) jobs run inline, in the request,
so the app still works end to end. Job functions live in their domain's `jobs.py`, take
ids, load fresh rows and are safe to run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from redis import Redis
from rq import Queue, Retry, Worker

QUEUES = ("default", "notifications", "sync", "payouts")
DEFAULT_TIMEOUT = 300
DEFAULT_RETRY = Retry(max=3, interval=[10, 60, 300])

log = logging.getLogger(__name__)


def redis_connection(url: str | None = None) -> Redis:
    return Redis.from_url(url or current_app.config["REDIS_URL"])


def get_queue(name: str = "default", connection: Redis | None = None) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection or redis_connection())


def enqueue(func: Callable, *args, queue: str = "default", job_id: str | None = None,
            timeout: int = DEFAULT_TIMEOUT, retry: Retry | None = DEFAULT_RETRY):
    """Run `func(*args)` as a job. Call only after the commit that made its rows visible.

    Inline mode runs it now and logs (does not raise) a failure, as a worker would: the
    caller's own work is already committed. A job records its own outcome (an e-mail's
    status, a sync run's state), so the failure stays visible either way.
    """
    if current_app.config["JOBS_INLINE"]:
        try:
            return func(*args)
        except Exception:
            log.exception("inline job %s%r failed", func.__name__, args)
            return None
    return get_queue(queue).enqueue(
        func, *args, job_id=job_id, job_timeout=timeout, retry=retry,
        result_ttl=24 * 3600, failure_ttl=30 * 24 * 3600,
    )


class FlagshipWorker(Worker):
    """An RQ worker that runs each job inside the Flask app, on fresh database connections."""

    flask_app = None  # set by worker.py

    def perform_job(self, job, queue):
        from app.extensions import db

        with self.flask_app.app_context():
            # The work horse is a fork: never reuse the parent's pooled connections.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()
