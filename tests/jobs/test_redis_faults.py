"""Faults against real Redis, PostgreSQL and real worker processes (CI's second run): Redis
refusing while orders, payments and payouts commit; Redis restarting under a running
worker; workers SIGKILLed mid-transfer and with their scheduler's lock held. Redis
misbehaves through a TCP proxy of the test's own (tests/fakes/tcp_proxy.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Retry
from sqlalchemy import func, select, update

from app.db_types import utcnow
from app.extensions import db
from app.jobs import get_queue, redis_connection
from app.jobs.models import OutboxJob
from app.jobs.outbox import relay_committed, relay_due
from app.ledger.jobs import run_payouts
from app.ledger.models import LedgerEntry, Payout
from app.ledger.payouts import stuck_after
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.jobs import send_order_confirmation
from app.orders.models import Order
from app.tenancy import unscoped, use_shop
from tests.factories import make_catalog, make_order, make_shop_with_listings
from tests.ledger.helpers import owed_connected_supplier

from ..payments.helpers import CHECKOUT, add_to_cart, card_checkout, session_id_of

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.committed]


def _env(database_url: str, redis_url: str, **extra) -> dict:
    return dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SERVER_NAME="flagship.test",
                SECRET_KEY="worker-test", NO_PROXY="127.0.0.1,localhost", **extra)


def _burst(database_url: str, *queues: str, **extra) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "worker.py", "--burst", "--queues", *queues], cwd=ROOT,
        env=_env(database_url, os.environ["REDIS_URL"], **extra), capture_output=True, text=True,
        timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _start(database_url: str, redis_url: str, *args: str, **extra) -> subprocess.Popen:
    """A long-running worker in its own process group (so a SIGKILL takes its work horse
    and its scheduler process too)."""
    return subprocess.Popen([sys.executable, "worker.py", *args], cwd=ROOT,
                            env=_env(database_url, redis_url, **extra), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _descendants(pid: int) -> list[int]:
    """Every live process below `pid` (read from /proc): RQ's work horse calls setsid(), so
    a signal to the worker's process group does not reach it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> str:
    """Signal the worker (SIGTERM: a warm shutdown; SIGKILL: the worker, its scheduler and
    its work horse all die at once, mid-job)."""
    if worker.poll() is None:
        doomed = _descendants(worker.pid) if sig == signal.SIGKILL else []
        os.killpg(worker.pid, sig)
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    try:
        return worker.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        output = worker.communicate(timeout=30)[0]
        raise AssertionError(f"the worker did not stop on {sig!r}:\n{output[-3000:]}") from None


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"waited {seconds} s for {what}")


def _empty(*queues: str) -> None:
    connection = redis_connection(os.environ["REDIS_URL"])
    for name in queues:
        get_queue(name, connection=connection).empty()


def _count(model, *where) -> int:
    with unscoped():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _fulfilled(order_ids) -> tuple[int, int] | None:
    """None when every order has its purchase order and exactly one confirmation e-mail,
    else (orders routed, e-mails)."""
    routed = _count(PurchaseOrder, PurchaseOrder.order_id.in_(order_ids))
    emails = _count(OutboundEmail, OutboundEmail.dedupe_key.in_(
        [f"order-confirmation:{order_id}" for order_id in order_ids]))
    return None if routed == emails == len(order_ids) else (routed, emails)


def test_cash_orders_placed_while_redis_refuses_all_reach_fulfilment(app, database_url, storefront,
                                                                    redis_proxy):
    """Finding 1: 32 of 32 orders never got their purchase order or e-mail. Now every
    shopper sees their order, and every order is routed and e-mailed once Redis is back."""
    fixture = make_shop_with_listings("outage", make_catalog())
    for variant in fixture.listings[0].supply_product.variants:
        variant.stock = 100
    shop_id, host = fixture.shop.id, f"{fixture.shop.subdomain}.flagship.test"
    db.session.commit()
    _empty("default", "notifications")
    placed = 12
    with use_shop(shop_id):  # committed rows are read again inside their shop (RLS)
        for _ in range(placed):
            client = storefront(host)
            add_to_cart(client, fixture.listings[0])
            response = client.post("/checkout", data=CHECKOUT)
            assert response.status_code == 302 and "/orders/" in response.location
    with unscoped():
        order_ids = list(db.session.scalars(select(Order.id).where(Order.shop_id == shop_id)))
    assert len(order_ids) == placed
    # Per order: the shopper's confirmation, the routing to suppliers, the owners' e-mail.
    assert _count(OutboxJob, OutboxJob.status == "pending") == 3 * placed
    assert _fulfilled(order_ids) is not None

    redis_proxy.restore()  # Redis is back; the worker's sweep (relay_due) runs every 5 s
    assert relay_due(older_than=timedelta(0)) == 3 * placed
    worker = _burst(database_url, "default", "notifications")
    db.session.rollback()
    assert _fulfilled(order_ids) is None, (_fulfilled(order_ids), worker.stderr[-3000:])
    assert _count(OutboxJob, OutboxJob.status != "sent") == 0


def test_a_card_payment_while_redis_refuses_is_routed_once_redis_is_back(
        app, database_url, storefront, fake_stripe, redis_proxy):
    """Finding 2: the webhook answered 500, Stripe's redelivery got "duplicate" and the
    order was never routed (3 of 3)."""
    fixture = make_shop_with_listings("cardout", make_catalog())
    shop_id, host = fixture.shop.id, f"{fixture.shop.subdomain}.flagship.test"
    db.session.commit()
    _empty("default", "notifications")
    order_ids = []
    with use_shop(shop_id):
        for _ in range(3):
            order, url = card_checkout(storefront(host), (fixture.listings[0], 1))
            order_ids.append(order.id)
            fake_stripe.pay_session(session_id_of(url))
    completed = [d for d in fake_stripe.deliveries if d.type == "checkout.session.completed"]
    assert [d.status for d in completed] == [200, 200, 200]
    assert _fulfilled(order_ids) is not None
    redis_proxy.restore()
    relay_due(older_than=timedelta(0))
    _burst(database_url, "default", "notifications")
    db.session.rollback()
    assert _fulfilled(order_ids) is None


def test_payouts_created_while_redis_refuses_are_paid_once_it_is_back(
        app, database_url, fake_stripe, redis_proxy):
    """Finding 4: the run committed its payouts, the enqueue failed, and they stayed pending
    forever while Money said every payout went through."""
    owed_connected_supplier(fake_stripe, "payout-outage")
    db.session.commit()
    _empty("payouts")
    run_payouts()
    assert relay_committed() == 0  # Redis refuses: the transfer job waits in the outbox
    [payout] = db.session.scalars(select(Payout)).all()
    assert payout.status == "pending"
    assert _count(OutboxJob, OutboxJob.job_id == f"payout-{payout.id}", OutboxJob.status == "pending") == 1

    redis_proxy.restore()
    relay_due(older_than=timedelta(0))
    _burst(database_url, "payouts", STRIPE_SECRET_KEY="sk_test_flagship_fake",
           STRIPE_API_BASE=fake_stripe.url, STRIPE_NETWORK_RETRIES="0")
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == "paid"
    assert len(fake_stripe.objects("transfer")) == 1


def test_the_worker_waits_for_redis_and_survives_a_restart(app, database_url, redis_proxy):
    """Finding: `worker.py` exited after ~15 s without Redis. Now it waits (with backoff) and
    works on when Redis comes back, and again after Redis restarts under it."""
    fixture = make_shop_with_listings("patient", make_catalog())
    first, second = make_order(fixture).id, make_order(fixture).id
    db.session.commit()
    _empty("notifications")
    worker = _start(database_url, app.config["REDIS_URL"], "--queues", "notifications", "--no-periodic")
    try:
        time.sleep(20)
        assert worker.poll() is None, "the worker exited while Redis was away"
        redis_proxy.restore()
        queue = get_queue("notifications", connection=redis_connection(os.environ["REDIS_URL"]))
        queue.enqueue(send_order_confirmation, first)
        _wait_for(lambda: _count(OutboundEmail, OutboundEmail.dedupe_key == f"order-confirmation:{first}"),
                  60, "the first e-mail")
        redis_proxy.refuse()  # Redis restarts: every connection is cut
        time.sleep(3)
        redis_proxy.restore()
        queue.enqueue(send_order_confirmation, second)
        _wait_for(lambda: _count(OutboundEmail, OutboundEmail.dedupe_key == f"order-confirmation:{second}"),
                  60, "the second e-mail after the restart")
        assert worker.poll() is None
    finally:
        output = _stop(worker)
    assert "Redis is unavailable" in output


FLAKY_KEY = "flagship:test:flaky-job"


def flaky_job() -> str:
    """Fails on its first run, succeeds on its retry (counts runs in Redis)."""
    from flask import current_app

    runs = redis_connection(current_app.config["REDIS_URL"]).incr(FLAKY_KEY)
    if runs == 1:
        raise RuntimeError("first run fails")
    return "retried"


def test_backoff_retries_resume_soon_after_a_killed_worker_restarts(app, database_url):
    """Finding: after a SIGKILL and an immediate restart, the dead scheduler's lock kept the
    new worker's scheduler from starting, so every backoff retry waited up to 10 minutes."""
    redis_url = os.environ["REDIS_URL"]
    connection = redis_connection(redis_url)
    _empty("default")
    connection.delete(FLAKY_KEY)
    lock = "rq:scheduler-lock:default"
    dead = _start(database_url, redis_url, "--queues", "default")
    try:
        _wait_for(lambda: connection.exists(lock), 30, "the first worker's scheduler lock")
    finally:
        _stop(dead, signal.SIGKILL)
    assert connection.exists(lock)  # the dead scheduler's lock stays behind
    worker = _start(database_url, redis_url, "--queues", "default")
    started = time.monotonic()
    job = get_queue("default", connection=connection).enqueue(flaky_job, retry=Retry(max=1, interval=[1]))
    deadline = started + 60
    while time.monotonic() < deadline and job.get_status(refresh=True) != "finished":
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    output = _stop(worker)
    assert elapsed < 35, output[-4000:]  # about 10 s; at worst ~22 s (worker.py)
    assert job.return_value() == "retried"
    connection.delete(FLAKY_KEY)


def test_a_worker_killed_during_a_transfer_pays_once(app, database_url, fake_stripe, monkeypatch):
    """A literal SIGKILL while Stripe is making the transfer (its answer held back by the
    fake): the payout stays pending, shows as stuck, and sending it again finds the transfer
    Stripe made instead of paying twice."""
    redis_url = os.environ["REDIS_URL"]
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    owed_connected_supplier(fake_stripe, "killed-transfer")
    db.session.commit()
    _empty("payouts")
    stall = fake_stripe.stall_next("/v1/transfers", method="POST")
    run_payouts()
    relay_committed()
    [payout] = db.session.scalars(select(Payout)).all()
    stripe_env = {"STRIPE_SECRET_KEY": "sk_test_flagship_fake", "STRIPE_API_BASE": fake_stripe.url,
                  "STRIPE_NETWORK_RETRIES": "0"}
    worker = _start(database_url, redis_url, "--queues", "payouts", "--no-periodic", **stripe_env)
    try:
        assert stall.reached.wait(60), "the transfer never reached Stripe"
    finally:
        _stop(worker, signal.SIGKILL)
        stall.release.set()
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == "pending"
    assert len(fake_stripe.objects("transfer")) == 1  # made at Stripe, never recorded here

    # Much later: the payout is stuck; the next run sends its transfer job again.
    db.session.execute(update(Payout).where(Payout.id == payout.id).values(
        created_at=utcnow() - stuck_after() - timedelta(minutes=1)))
    db.session.commit()
    run_payouts()
    relay_committed()
    _burst(database_url, "payouts", **stripe_env)
    db.session.expire_all()
    paid = db.session.get(Payout, payout.id)
    assert paid.status == "paid" and paid.transfer_id == fake_stripe.objects("transfer")[0]["id"]
    assert len(fake_stripe.objects("transfer")) == 1
    assert _count(LedgerEntry, LedgerEntry.kind == "payout") == 1
