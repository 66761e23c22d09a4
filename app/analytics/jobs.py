"""The analytics job: visits counted since the last run and sales the ledger changed are
folded into the day rows. Periodic (app/jobs/schedule.py); safe to run twice."""

from __future__ import annotations

from flask import current_app

from app.tenancy import unscoped

from .aggregation import catch_up_sales, fold_visits
from .counting import visit_counter


def aggregate_analytics() -> dict:
    """Fold this process's (or Redis's) visit counters and catch up with the ledger."""
    with unscoped():
        counter = visit_counter()
        days = fold_visits(counter) if counter is not None else 0
        orders = catch_up_sales()
    return {"visit_days": days, "orders": orders}


def refresh_when_inline() -> None:
    """With no worker (no Redis, jobs inline) nothing runs the periodic job, and the counts
    live in this very process: bring the figures up to date before a report shows them."""
    if current_app.config["JOBS_INLINE"]:
        aggregate_analytics()
