"""The transactional outbox: jobs are written with the change that causes them and relayed
after the commit; a Redis that refuses or hangs loses nothing (the sweep sends them later)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db_types import utcnow
from app.extensions import db
from app.jobs import defer
from app.jobs.models import OutboxJob
from app.jobs.outbox import relay_committed, relay_due, stuck_jobs
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order
from app.tenancy import unscoped
from tests.conftest import test_config as app_config
from tests.factories import PASSWORD, make_user

from ..payments.helpers import CHECKOUT, add_to_cart, card_checkout, fresh, session_id_of

CALLS: list = []


def record_call(value) -> str:
    CALLS.append(value)
    return "ok"


def explode(value) -> None:
    raise RuntimeError(f"on fire: {value}")


def _rows(**where):
    query = select(OutboxJob).order_by(OutboxJob.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxJob, name) == value)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_a_deferred_job_runs_after_the_commit_and_never_after_a_rollback():
    defer(record_call, "rolled back")
    db.session.rollback()
    assert relay_committed() == 0 and CALLS == [] and _rows() == []

    row = defer(record_call, "committed", job_id="test-call")
    assert CALLS == []  # nothing runs before the commit
    db.session.commit()
    assert relay_committed() == 1
    assert CALLS == ["committed"]
    [row] = _rows()
    assert (row.status, row.job_id, row.func) == ("done", "test-call", f"{__name__}.record_call")
    assert relay_committed() == 0 and relay_due(older_than=timedelta(0)) == 0  # once only


def test_an_inline_job_that_fails_is_kept_with_its_error():
    defer(explode, 7)
    db.session.commit()
    assert relay_committed() == 1  # never raises: the caller's own work is committed
    [row] = _rows()
    assert row.status == "failed" and row.last_error == "RuntimeError: on fire: 7"
    assert stuck_jobs() == [row]  # shown on the admin's Jobs page


def test_a_delayed_job_waits_for_its_time():
    defer(record_call, "later", run_at=utcnow() + timedelta(hours=1))
    db.session.commit()
    assert relay_committed() == 0 and CALLS == []
    [row] = _rows()
    row.run_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert relay_due(older_than=timedelta(0)) == 1 and CALLS == ["later"]


def test_a_refusing_redis_leaves_the_jobs_pending_for_the_sweep(redis_proxy):
    defer(record_call, "a")
    defer(record_call, "b")
    db.session.commit()
    started = time.monotonic()
    assert relay_committed() == 0
    assert time.monotonic() - started < 2
    rows = _rows()
    assert [r.status for r in rows] == ["pending", "pending"]
    assert rows[0].relay_attempts == 1 and "Redis" in rows[0].last_error
    assert rows[1].relay_attempts == 0  # Redis is away: the rest was not even tried
    for row in rows:
        row.created_at = row.run_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert {r.id for r in stuck_jobs()} == {r.id for r in rows}


def test_a_hanging_redis_does_not_hang_the_request(redis_proxy, app, monkeypatch):
    redis_proxy.stall()
    monkeypatch.setitem(app.config, "REDIS_SOCKET_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "REDIS_CONNECT_TIMEOUT", 0.5)
    defer(record_call, "stalled")
    db.session.commit()
    started = time.monotonic()
    assert relay_committed() == 0
    assert time.monotonic() - started < 3
    assert _rows()[0].status == "pending"


def _order_count(shop) -> int:
    with unscoped():
        return db.session.scalar(select(func.count(Order.id)).where(Order.shop_id == shop.id))


def test_a_cash_checkout_while_redis_refuses_shows_the_order_and_keeps_its_jobs(
        shop_a, storefront, redis_proxy):
    """Issue finding 1: the order was committed, then the enqueue raised: a 500, an empty
    cart, and no purchase order or e-mail ever. Now the shopper sees the order and its
    jobs wait in the outbox."""
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[0])
    started = time.monotonic()
    response = client.post("/checkout", data=CHECKOUT)
    assert response.status_code == 302 and "/orders/" in response.location
    assert time.monotonic() - started < 3
    assert _order_count(shop_a.shop) == 1
    with unscoped():
        order = db.session.scalar(select(Order).where(Order.shop_id == shop_a.shop.id))
    jobs = {row.job_id: row.status for row in _rows()}
    assert jobs == {f"order-confirmation-{order.id}": "pending", f"new-order-{order.id}": "pending",
                    f"route-order-{order.id}": "pending"}
    page = client.get(response.location)
    assert page.status_code == 200 and order.number in page.get_data(as_text=True)


def test_a_placed_order_writes_its_jobs_in_one_statement(shop_a, storefront, redis_proxy):
    """defer() no longer flushes each row on its own, nor names its job in an UPDATE after
    the INSERT: the order's three jobs go in with its other writes, in one INSERT on
    PostgreSQL (SQLAlchemy's ORM inserts row by row on SQLite)."""
    from tests.test_statement_counts import recording

    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[0])
    with recording() as counter:
        assert client.post("/checkout", data=CHECKOUT).status_code == 302
    inserts = [s for s in counter.statements if s.startswith("INSERT INTO outbox_jobs")]
    assert len(inserts) == (1 if db.engine.dialect.name == "postgresql" else 3)
    assert not [s for s in counter.statements if s.startswith("UPDATE outbox_jobs SET job_id")]
    rows = _rows(status="pending")
    assert len(rows) == 3 and all(row.job_id for row in rows)


def test_the_sweep_runs_what_a_refusing_redis_left_behind(shop_a, storefront, redis_proxy, app,
                                                          monkeypatch):
    client = storefront(shop_a.shop)
    add_to_cart(client, shop_a.listings[0])
    client.post("/checkout", data=CHECKOUT)
    # Redis stays away; no worker will come: the inline sweep (the embedded default) runs them.
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    for row in _rows():
        row.created_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert relay_due() == 3
    with unscoped():
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 1
        assert db.session.scalar(select(func.count(OutboundEmail.id)).where(
            OutboundEmail.dedupe_key.like("order-confirmation:%"))) == 1
    assert [row.status for row in _rows()] == ["done", "done", "done"]


def test_a_card_payment_webhook_while_redis_refuses_is_answered_200(
        fake_stripe, shop_a, storefront, redis_proxy):
    """Issue finding 2: the webhook committed the payment, the enqueue raised, Stripe got a
    500 and then "duplicate" forever. Now the jobs are committed with the payment."""
    order, url = card_checkout(storefront(shop_a.shop), (shop_a.listings[0], 1))
    fake_stripe.pay_session(session_id_of(url))
    [delivery] = [d for d in fake_stripe.deliveries if d.type == "checkout.session.completed"]
    assert delivery.status == 200
    assert fresh(order).status == "paid"
    assert {row.job_id for row in _rows(status="pending")} == {
        f"order-confirmation-{order.id}", f"new-order-{order.id}", f"route-order-{order.id}"}


@pytest.mark.committed
def test_login_works_while_the_rate_limit_storage_is_away(app, database_url):
    """Issue finding: login answered 500 (the limiter's Redis); now limits fall back to
    memory, within a second."""
    import socket

    from app import create_app

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there: connections are refused
    other = create_app(app_config(database_url, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0"))
    with other.app_context():
        user = make_user("fallback@example.com")
        db.session.commit()
        client = other.test_client()
        started = time.monotonic()
        response = client.post("/login", base_url="http://flagship.test",
                               data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert time.monotonic() - started < 2
        db.session.remove()
        db.engine.dispose()
    # The limiter is one object shared by every app: give it back the suite's storage, or
    # later tests would count their attempts against the dead Redis.
    from app.extensions import limiter

    limiter.init_app(app)



def test_the_admin_sees_a_failed_outbox_job_and_sends_it_again(login, monkeypatch):
    """Admin Jobs lists outbox jobs that failed inline or wait too long, with "Send now"."""
    import tests.jobs.test_outbox as this

    admin = login(make_user("jobs-admin@example.com", is_admin=True))
    defer(record_call, "flaky")
    db.session.commit()
    monkeypatch.setattr(this, "record_call", explode)  # the first run fails
    relay_committed()
    [row] = _rows()
    assert row.status == "failed"
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Waiting in the outbox" in page and row.job_id in page and "on fire: flaky" in page
    monkeypatch.undo()  # the cause is fixed
    response = admin.post(f"/admin/jobs/outbox/{row.id}/send", follow_redirects=True)
    assert "was sent" in response.get_data(as_text=True)
    assert CALLS == ["flaky"] and _rows()[0].status == "done"
    assert "Waiting in the outbox" not in admin.get("/admin/jobs").get_data(as_text=True)


def test_sending_a_shop_email_reports_its_status_after_the_commit(shop_a, app, monkeypatch):
    """The send job reads its e-mail platform-wide, then commits: its answer must not read the
    row again outside the shop's scope (row-level security would hide it: "deleted")."""
    from app.notifications.jobs import send_email
    from app.notifications.services import record_email
    from app.tenancy import use_shop

    with use_shop(shop_a.shop.id):
        email, _ = record_email("test-shop-email", to="owner@example.com", subject="Hello",
                                body_text="Hello", shop_id=shop_a.shop.id)
        email_id = email.id
        db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    assert send_email(email_id) == "outbox"
