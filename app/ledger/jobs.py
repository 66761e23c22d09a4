"""Payout jobs. Each takes ids (or nothing), loads fresh rows and is safe to run twice."""

from __future__ import annotations

from flask import current_app
from rq import Retry, get_current_job

from app.extensions import db
from app.jobs import enqueue

from .payouts import create_payouts, pay_out

TRANSFER_TIMEOUT = 120


def run_payouts(trigger: str = "schedule") -> int:
    """Periodic (PAYOUT_EVERY_HOURS): create the due payouts, then one transfer job each.
    Run twice, the second run finds the balances already taken and creates nothing."""
    run, payout_ids = create_payouts(trigger)
    db.session.commit()
    for payout_id in payout_ids:
        enqueue_transfer(payout_id)
    return run.id


def enqueue_transfer(payout_id: int) -> None:
    """One transfer job per payout (a deterministic id: never two at once), retried with
    backoff (PAYOUT_RETRY_SECONDS) before it shows as failed."""
    intervals = current_app.config["PAYOUT_RETRY_SECONDS"]
    enqueue(pay_out_balance, payout_id, queue="payouts", job_id=f"payout-{payout_id}",
            timeout=TRANSFER_TIMEOUT,
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None)


def pay_out_balance(payout_id: int) -> str:
    """Make one payout's Stripe transfer, exactly once (app.ledger.payouts.pay_out)."""
    job = get_current_job()
    # Inline (no worker) there are no retries: the first failure is final, and visible.
    final = job is None or (job.retries_left or 0) == 0
    return pay_out(payout_id, final_attempt=final)
