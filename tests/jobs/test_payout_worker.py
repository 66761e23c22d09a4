"""Payouts through a real RQ worker on real Redis, against the fake Stripe (CI's second run):
the transfer's answer is lost once, RQ retries, and the payee is paid exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import get_queue, redis_connection
from app.ledger.jobs import run_payouts
from app.ledger.models import LedgerEntry, Payout
from app.tenancy import unscoped
from tests.ledger.helpers import owed_connected_supplier

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
@pytest.mark.committed
def test_a_real_worker_pays_out_once_despite_a_lost_answer(app, database_url, fake_stripe):
    owed_connected_supplier(fake_stripe, "payouts")
    db.session.commit()

    redis_url = os.environ["REDIS_URL"]
    queue = get_queue("payouts", connection=redis_connection(redis_url))
    queue.empty()
    # The run enqueued twice (a manual run on top of the scheduled one): still one payout.
    queue.enqueue(run_payouts, "schedule", job_id="test-run-1")
    queue.enqueue(run_payouts, "manual", job_id="test-run-2")
    # The first transfer happens at Stripe but its answer never reaches the worker.
    fake_stripe.fail_next("/v1/transfers", status=500, commit=True, method="POST")
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SERVER_NAME="flagship.test",
               SECRET_KEY="worker-test", STRIPE_SECRET_KEY="sk_test_flagship_fake",
               STRIPE_API_BASE=fake_stripe.url, STRIPE_NETWORK_RETRIES="0",
               PAYOUT_RETRY_SECONDS="0,0,0", NO_PROXY="127.0.0.1,localhost")
    result = subprocess.run([sys.executable, "worker.py", "--burst", "--queues", "payouts"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    [payout] = db.session.scalars(select(Payout)).all()
    assert payout.status == "paid" and payout.amount == 3 * 1200, result.stderr[-3000:]
    assert payout.failed_attempts == 1  # the lost answer, then found by its transfer group
    assert len(fake_stripe.objects("transfer")) == 1
    assert fake_stripe.objects("transfer")[0]["id"] == payout.transfer_id
    with unscoped():
        assert db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "payout")) == 1
    queue.empty()
