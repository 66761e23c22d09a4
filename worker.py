"""Start an RQ worker (with the scheduler) on REDIS_URL: `python worker.py [--burst]`.

Unless --burst or --no-periodic, the process also runs the periodic scheduler loop
(app/jobs/schedule.py) that enqueues the due feed syncs, the abandoned-run sweeper,
the payout run and the check of card checkouts whose webhook never came."""

from __future__ import annotations

import argparse
import sys

from app import create_app
from app.jobs import QUEUES, FlagshipWorker, redis_connection
from app.jobs.schedule import PeriodicScheduler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--queues", nargs="*", default=list(QUEUES))
    parser.add_argument("--no-periodic", action="store_true",
                        help="do not run the periodic scheduler loop (app/jobs/schedule.py)")
    args = parser.parse_args(argv)

    app = create_app()
    if not app.config["REDIS_URL"]:
        print("REDIS_URL is not set: jobs run inline in the web process; no worker needed.",
              file=sys.stderr)
        return 2
    with app.app_context():
        connection = redis_connection()
        FlagshipWorker.flask_app = app
        worker = FlagshipWorker(args.queues, connection=connection)
        periodic = None
        if not args.burst and not args.no_periodic:
            # Every minute, enqueue the due periodic jobs (feed syncs, the abandoned-run sweeper).
            periodic = PeriodicScheduler(connection, app=app)
            periodic.start()
        try:
            worker.work(with_scheduler=True, burst=args.burst)
        finally:
            if periodic is not None:
                periodic.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
