"""RQ glue: queues, the Redis connection, the outbox that hands jobs to RQ, the worker class.

Jobs are never enqueued directly: `defer()` (app/jobs/outbox.py) writes them into the
transaction that causes them, and the relay hands them to RQ after the commit. With no
REDIS_URL (a fresh machine, the quick test run) the relay runs them inline, in the
request, so the app still works end to end. Job functions live in their domain's
`jobs.py`, take ids, load fresh rows and are safe to run twice.
"""

from __future__ import annotations

import logging

from flask import current_app
from redis import Redis
from rq import Queue, Worker

QUEUES = ("default", "notifications", "sync", "payouts")
DEFAULT_TIMEOUT = 300
DEFAULT_RETRY_INTERVALS = (10, 60, 300)

log = logging.getLogger(__name__)


def redis_connection(url: str | None = None) -> Redis:
    """A connection that fails fast: a web request must not hang on a stalled Redis (the
    relay then leaves its jobs to the sweep). RQ's worker lengthens the read timeout of its
    own connection for its blocking reads."""
    config = current_app.config
    return Redis.from_url(url or config["REDIS_URL"],
                          socket_connect_timeout=config["REDIS_CONNECT_TIMEOUT"],
                          socket_timeout=config["REDIS_SOCKET_TIMEOUT"])


def get_queue(name: str = "default", connection: Redis | None = None) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection or redis_connection())


def defer(*args, **kwargs):
    """See app.jobs.outbox.defer: a job to run once the current transaction commits."""
    from .outbox import defer as outbox_defer

    return outbox_defer(*args, **kwargs)


class FlagshipWorker(Worker):
    """An RQ worker that runs each job inside the Flask app, on fresh database connections,
    and relays the outbox rows the job committed as soon as it ends."""

    flask_app = None  # set by worker.py

    def perform_job(self, job, queue):
        from app.extensions import db

        from .outbox import relay_committed

        if self.flask_app is None:
            raise RuntimeError("FlagshipWorker.flask_app is not set (worker.py sets it)")
        with self.flask_app.app_context():
            # The work horse is a fork: never reuse the parent's pooled connections.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            except BaseException:
                # RQ's work horse exits 1 on this without a word: say what went wrong.
                log.exception("job %s crashed its work horse", job.id)
                raise
            finally:
                relay_committed()
                db.session.remove()
