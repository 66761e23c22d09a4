"""Start an RQ worker (with the scheduler) on REDIS_URL: `python worker.py [--burst]`.

Unless --burst or --no-periodic, the process also runs the periodic loop
(app/jobs/schedule.py): the outbox sweep, the due feed syncs, the abandoned-run sweeper,
the payout run and the check of card checkouts whose webhook never came.

Redis away (not up yet, restarting, refusing): the worker logs it and tries again with
backoff instead of exiting, so the Procfile's worker survives a Redis restart."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from redis.exceptions import RedisError
from rq.exceptions import StopRequested

from app import create_app
from app.jobs import QUEUES, FlagshipWorker, redis_connection
from app.jobs.schedule import PeriodicScheduler, release_stale_scheduler_locks

log = logging.getLogger("flagship.worker")
# RQ claims a free scheduler lock (a dead worker's, freed by the periodic loop) only in its
# maintenance, which it looks at between blocking reads of worker_ttl - 15 s (405 s by
# default). Reads of 5 s, each followed by maintenance: claimed within ~5 s of being freed,
# so backoff retries resume within ~20 s of a killed worker's restart (it was up to 45 s
# with reads of 15 s and maintenance every 15 s, which the second read could just miss).
# The cost: a few Redis commands per queue every 5 s (cleaning the registries).
MAINTENANCE_SECONDS = 4
WORKER_TTL_SECONDS = 20
MAX_BACKOFF_SECONDS = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--queues", nargs="*", default=list(QUEUES))
    parser.add_argument("--no-periodic", action="store_true",
                        help="do not run the periodic loop (app/jobs/schedule.py)")
    args = parser.parse_args(argv)

    app = create_app()
    if not app.config["REDIS_URL"]:
        print("REDIS_URL is not set: jobs run inline in the web process; no worker needed.",
              file=sys.stderr)
        return 2
    FlagshipWorker.flask_app = app
    with app.app_context():
        periodic = None
        if not args.burst and not args.no_periodic:
            periodic = PeriodicScheduler(redis_connection(), app=app, queues=args.queues)
            periodic.start()
        try:
            return _work(args)
        except StopRequested:  # a signal while it waited for Redis
            return 0
        finally:
            if periodic is not None:
                periodic.stop()


def _work(args) -> int:
    """Run the RQ worker until it is asked to stop (or, in burst mode, runs dry); start it
    again whenever it stopped because Redis went away."""
    delay = 1
    while True:
        try:
            connection = redis_connection()
            connection.ping()
            release_stale_scheduler_locks(connection, args.queues)
            worker = FlagshipWorker(args.queues, connection=connection, worker_ttl=WORKER_TTL_SECONDS,
                                    maintenance_interval=MAINTENANCE_SECONDS)
            started = time.monotonic()
            worker.work(with_scheduler=True, burst=args.burst)
            if args.burst or worker._shutdown_requested_date is not None:
                return 0  # asked to stop (SIGTERM, SIGINT), or ran dry in burst mode
            log.warning("the worker stopped (Redis connection lost?); starting it again")
            if time.monotonic() - started > 60:
                delay = 1
        except RedisError as error:
            if args.burst:
                log.error("Redis is unavailable (%s)", error)
                return 1
            log.warning("Redis is unavailable (%s); trying again in %s s", error, delay)
        time.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)


if __name__ == "__main__":
    raise SystemExit(main())
