"""A real RQ worker process takes a job from real Redis and runs it (CI's second run)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import get_queue, redis_connection
from app.notifications.models import OutboundEmail
from app.orders.jobs import send_order_confirmation
from app.tenancy import unscoped
from tests.factories import make_catalog, make_order, make_shop_with_listings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
@pytest.mark.committed
def test_worker_sends_order_confirmation_once(app, database_url):
    fixture = make_shop_with_listings("worker", make_catalog())
    order = make_order(fixture)
    order_id, order_number = order.id, order.number
    db.session.commit()

    redis_url = os.environ["REDIS_URL"]
    queue = get_queue("notifications", connection=redis_connection(redis_url))
    queue.empty()
    # Enqueued twice, as a retry or a double click might: the e-mail must exist once.
    first = queue.enqueue(send_order_confirmation, order_id)
    second = queue.enqueue(send_order_confirmation, order_id)

    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               SERVER_NAME="flagship.test", SECRET_KEY="worker-test")
    result = subprocess.run([sys.executable, "worker.py", "--burst", "--queues", "notifications"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    first.refresh()
    second.refresh()
    assert first.get_status() == "finished", result.stderr
    assert second.get_status() == "finished", result.stderr
    assert first.return_value() == "sent" or first.return_value() == "already recorded"
    db.session.expire_all()
    with unscoped():
        emails = db.session.scalars(select(OutboundEmail).where(
            OutboundEmail.dedupe_key == f"order-confirmation:{order_id}")).all()
    assert len(emails) == 1
    assert order_number in emails[0].subject


def test_inline_job_is_idempotent(shop_a):
    order_id = make_order(shop_a).id
    assert send_order_confirmation(order_id) == "sent"
    assert send_order_confirmation(order_id) == "already recorded"
    with unscoped():
        emails = db.session.scalars(select(OutboundEmail)).all()
    assert len(emails) == 1 and emails[0].status == "outbox"


def test_job_for_a_missing_order_does_nothing():
    assert send_order_confirmation(987654) == "missing"
