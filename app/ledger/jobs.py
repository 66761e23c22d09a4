"""Payout jobs. Each takes ids (or nothing), loads fresh rows and is safe to run twice."""

from __future__ import annotations

from flask import current_app
from rq import get_current_job

from app.extensions import db
from app.jobs import defer

from .payouts import create_payouts, pay_out, stuck_payouts

TRANSFER_TIMEOUT = 120


def run_payouts(trigger: str = "schedule") -> int:
    """Periodic (PAYOUT_EVERY_HOURS): create the due payouts with one transfer job each, in
    one transaction (the outbox), and send again the transfers of payouts left pending far
    longer than their retries take. Run twice, the second run finds the balances already
    taken and creates nothing."""
    run, payout_ids = create_payouts(trigger)
    for payout_id in payout_ids:
        queue_transfer(payout_id)
    for payout in stuck_payouts():
        queue_transfer(payout.id)
    db.session.commit()
    return run.id


def queue_transfer(payout_id: int) -> None:
    """One transfer job per payout once this transaction commits (the outbox), retried
    with backoff (PAYOUT_RETRY_SECONDS) before it shows as failed. Safe to repeat: the
    transfer is made once (a row lock, the transfer group, the idempotency key)."""
    defer(pay_out_balance, payout_id, queue="payouts", job_id=f"payout-{payout_id}",
          timeout=TRANSFER_TIMEOUT, retry=current_app.config["PAYOUT_RETRY_SECONDS"])


def pay_out_balance(payout_id: int) -> str:
    """Make one payout's Stripe transfer, exactly once (app.ledger.payouts.pay_out)."""
    job = get_current_job()
    # Inline (no worker) there are no retries: the first failure is final, and visible.
    final = job is None or (job.retries_left or 0) == 0
    return pay_out(payout_id, final_attempt=final)
