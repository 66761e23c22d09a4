"""The job: visits into day rows on the shop's clock, paid orders and refunds into the same
rows, and both safe to run twice."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.analytics.aggregation import fold_visits
from app.analytics.counting import Hit, RedisVisitStore
from app.analytics.jobs import aggregate_analytics
from app.analytics.models import AnalyticsDay, AnalyticsDayCount
from app.extensions import db
from app.ledger.services import shop_sale_share, shop_total
from app.orders.models import Order
from app.shops.timezones import shop_today
from app.tenancy import unscoped, use_shop
from tests import factories
from tests.analytics.helpers import BROWSER, paid_order, visit


def day_row(shop_id, day=None):
    db.session.expire_all()
    with unscoped():
        query = select(AnalyticsDay).where(AnalyticsDay.shop_id == shop_id)
        if day is not None:
            query = query.where(AnalyticsDay.day == day)
        return db.session.scalars(query).all()


def counts_of(shop_id, kind):
    with unscoped():
        return {row.key: (row.views, row.orders, row.sales) for row in db.session.scalars(
            select(AnalyticsDayCount).where(AnalyticsDayCount.shop_id == shop_id, AnalyticsDayCount.kind == kind))}


def test_visits_become_a_day_row_per_shop_and_running_twice_changes_nothing(shop_a, shop_b, storefront):
    shop_id, listing_id, handle = shop_a.shop.id, shop_a.listings[0].id, shop_a.listings[0].handle
    shop_b_id, timezone = shop_b.shop.id, shop_a.shop.timezone  # ids first: the job commits
    front = storefront(shop_a.shop)
    visit(front, "/", Referer="https://www.instagram.com/")
    visit(front, f"/products/{handle}", Referer="http://alpha.flagship.test/")
    visit(front, "/?ref=nobody1")
    front.get("/", headers={"User-Agent": "Googlebot/2.1"}).close()  # a bot: not counted
    front.open("/", method="HEAD", headers={"User-Agent": BROWSER}).close()  # HEAD: not counted
    aggregate_analytics()
    [row] = day_row(shop_id)
    assert (row.page_views, row.visits, row.visitors) == (2, 1, 1)  # the ref link: its redirect
    assert row.day == shop_today(timezone)
    assert counts_of(shop_id, "listing") == {str(listing_id): (1, 0, 0)}
    assert counts_of(shop_id, "site") == {"instagram.com": (1, 0, 0)}
    assert counts_of(shop_id, "promoter") == {}  # no such promoter: dropped
    assert day_row(shop_b_id) == []

    aggregate_analytics()
    [again] = day_row(shop_id)
    assert (again.page_views, again.visits, again.visitors) == (2, 1, 1)

    visit(front, "/cart", Referer="http://alpha.flagship.test/")
    aggregate_analytics()
    [later] = day_row(shop_id)
    assert (later.page_views, later.visits, later.visitors) == (3, 1, 1)


def test_a_visit_counts_on_the_shops_own_calendar_day(shop_a, storefront):
    shop_a.shop.timezone = "Pacific/Kiritimati"  # UTC+14: usually already tomorrow in UTC terms
    db.session.flush()
    shop_id = shop_a.shop.id
    visit(storefront(shop_a.shop), "/")
    aggregate_analytics()
    [row] = day_row(shop_id)
    assert row.day == shop_today("Pacific/Kiritimati")
    assert row.day == (datetime.now(UTC) + timedelta(hours=14)).date()


def test_paid_orders_revenue_and_margin_on_the_day_they_were_placed(shop_a, shop_b):
    shop_id = shop_a.shop.id
    shop_a.shop.timezone = "America/New_York"
    order = paid_order(shop_a)
    unpaid = factories.make_order(shop_a)  # waits for its cash: not counted
    placed = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)  # 21:30 on 1 March in New York
    with use_shop(shop_id):
        order.placed_at = placed
        db.session.flush()
        margin = shop_sale_share(order.id, shop_id)
    order_id, total, unpaid_id, listing_id = order.id, order.total, unpaid.id, shop_a.listings[0].id
    assert aggregate_analytics()["orders"] >= 1
    [row] = day_row(shop_id)
    assert str(row.day) == "2026-03-01"
    assert (row.orders, row.revenue, row.margin, row.currency) == (1, total, margin, "USD")
    assert 0 < margin < total
    assert counts_of(shop_id, "listing") == {str(listing_id): (0, 1, total)}
    assert unpaid_id != order_id

    assert aggregate_analytics()["orders"] >= 1  # the slack reads the same entries again: same figures
    [again] = day_row(shop_id)
    assert (again.orders, again.revenue, again.margin) == (1, total, margin)


def test_a_refund_lowers_that_days_revenue_and_margin(shop_a):
    from app.payments.refunds import refund_order

    shop_id = shop_a.shop.id
    order = paid_order(shop_a)
    order_id, total = order.id, order.total
    aggregate_analytics()
    with use_shop(shop_id):
        refund_order(db.session.get(Order, order_id), None, source="dashboard", user_id=None)
    aggregate_analytics()
    [row] = day_row(shop_id)
    assert row.orders == 1 and row.revenue == 0 and row.revenue < total
    with use_shop(shop_id):  # as the ledger books it: a refund after the sale, the goods still paid for
        booked = shop_sale_share(order_id, shop_id) + shop_total(order_id, shop_id, "refund")
    assert row.margin == booked < 0


def test_the_job_does_not_empty_the_storefronts_page_cache(shop_a, storefront, app):
    cache = app.extensions["page_cache"]
    shop_id = shop_a.shop.id
    visit(storefront(shop_a.shop), "/")
    paid_order(shop_a)
    db.session.commit()  # the order's own commit moves the generation: not ours
    before = dict(cache.generations.local)
    aggregate_analytics()
    assert day_row(shop_id)
    assert cache.generations.local == before


@pytest.mark.redis
def test_redis_keeps_the_whole_day_and_folding_twice_writes_the_same_row(shop_a):
    from redis import Redis

    redis = Redis.from_url(os.environ["REDIS_URL"])
    store = RedisVisitStore(redis)
    shop_id, today = shop_a.shop.id, shop_today("UTC")
    listing_id, handle = shop_a.listings[0].id, shop_a.listings[0].handle
    keys = [f"flagship:visits:{shop_id}:{today}", f"flagship:visitors:{shop_id}:{today}"]
    redis.delete(*keys)
    redis.srem(RedisVisitStore.DAYS, f"{shop_id}:{today}")

    class Counter:
        pass

    counter = Counter()
    counter.store = store
    try:
        for visitor in ("a" * 16, "b" * 16, "a" * 16):
            store.record(Hit(shop_id, today, visitor, ("views", "visits", f"p:{handle}")))
        store.record(Hit(shop_id, today, None, ("s:h",)))
        with unscoped():
            fold_visits(counter)
            fold_visits(counter)
        [row] = day_row(shop_id)
        assert (row.page_views, row.visits, row.visitors) == (3, 3, 2)
        assert counts_of(shop_id, "share") == {"h": (1, 0, 0)}
        assert counts_of(shop_id, "listing") == {str(listing_id): (3, 0, 0)}
        assert 0 < redis.ttl(keys[0]) <= 9 * 86400
        assert store.salt(today) == store.salt(today) and len(store.salt(today)) == 32
    finally:
        redis.delete(*keys)
        redis.srem(RedisVisitStore.DAYS, f"{shop_id}:{today}")


@pytest.mark.redis
def test_a_web_process_sends_its_hits_to_redis_once_a_second_or_every_500(shop_a):
    import time

    from redis import Redis

    from app.analytics import counting

    redis = Redis.from_url(os.environ["REDIS_URL"])
    shop_id, today = shop_a.shop.id, shop_today("UTC")
    counts_key = f"flagship:visits:{shop_id}:{today}"
    redis.delete(counts_key, f"flagship:visitors:{shop_id}:{today}")
    try:
        store = RedisVisitStore(redis, flush_seconds=0.3)
        store.record(Hit(shop_id, today, "a" * 16, ("views", "visits")))
        store.record(Hit(shop_id, today, "b" * 16, ("views",)))
        assert not redis.exists(counts_key)  # held: no round trip per hit
        deadline = time.monotonic() + 5
        while not redis.exists(counts_key) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert redis.hgetall(counts_key) == {b"views": b"2", b"visits": b"1"}
        assert redis.pfcount(f"flagship:visitors:{shop_id}:{today}") == 2

        patient = RedisVisitStore(redis, flush_seconds=600)
        for _ in range(counting.FLUSH_HITS):
            patient.record(Hit(shop_id, today, None, ("views",)))
        assert redis.hget(counts_key, "views") == str(2 + counting.FLUSH_HITS).encode()
        assert patient.held == 0 and patient.timer is None
    finally:
        redis.delete(counts_key, f"flagship:visitors:{shop_id}:{today}")
        redis.srem(RedisVisitStore.DAYS, f"{shop_id}:{today}")


def test_hits_that_cannot_reach_redis_are_dropped_with_a_warning(caplog, monkeypatch):
    from redis import Redis

    from app.analytics import counting

    monkeypatch.setattr(counting.log, "disabled", False)  # the test migrations' fileConfig disables it

    gone = RedisVisitStore(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
                           flush_seconds=600)
    gone.record(Hit(1, shop_today("UTC"), "a" * 16, ("views",)))
    gone.flush()  # logged, not raised
    assert "1 visits could not be counted" in caplog.text
    assert gone.held == 0
