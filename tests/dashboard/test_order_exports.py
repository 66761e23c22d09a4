"""A large shop's orders CSV is made by a job and e-mailed as a link (app/orders/exports.py):
the download page offers it past ORDERS_CSV_INLINE_MOST orders, the job writes the very file
the direct download would, the link serves it to the shop's members only, for a week."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db_types import utcnow
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders import exports, search
from app.orders.export_models import OrderExport
from app.tenancy import unscoped, use_shop
from tests.dashboard.conftest import fetch_all, page_text
from tests.factories import make_order


@pytest.fixture
def small_limit(app, monkeypatch):
    """Two orders are "too many" to write in the request."""
    monkeypatch.setitem(app.config, "ORDERS_CSV_INLINE_MOST", 1)


def _ask(owner, **filters):
    """The owner clicks Download CSV, sees the offer, and asks for the file."""
    offer = owner.get("/dashboard/alpha/orders.csv", query_string=filters)
    assert offer.status_code == 200 and offer.mimetype == "text/html"
    text = page_text(offer)
    assert "These filters find more than 1 order." in text
    token = re.search(r'name="csrf_token" value="([^"]*)"', text).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', text))
    assert {key: hidden[key] for key in filters} == {key: str(value) for key, value in filters.items()}
    return owner.post("/dashboard/alpha/orders/exports", data={**hidden, "csrf_token": token})


def _emails(shop_id):
    with unscoped():
        return list(db.session.scalars(select(OutboundEmail).where(
            OutboundEmail.shop_id == shop_id, OutboundEmail.dedupe_key.like("order-export:%"))))


def test_a_big_export_is_made_by_a_job_and_e_mailed_as_a_link(owner, shop_a, small_limit, app):
    orders = [make_order(shop_a) for _ in range(3)]
    direct = owner.get("/dashboard/alpha/orders.csv", query_string={"q": orders[0].number})
    assert direct.mimetype == "text/csv"  # one order: downloaded at once, as before

    asked = _ask(owner)
    assert asked.status_code == 302
    assert "We will e-mail owner-alpha" in page_text(owner.get(asked.headers["Location"]))
    [export] = fetch_all(OrderExport, shop_id=shop_a.shop.id)
    assert (export.status, export.row_count, export.requested_by_id) == ("ready", 3, shop_a.owner.id)

    [email] = _emails(shop_a.shop.id)
    assert email.to_address == shop_a.owner.email and "is ready" in email.subject
    link = re.search(r"http://[^\s]+/dashboard/alpha/orders/exports/\d+", email.body_text).group(0)
    assert "3 orders" in email.body_text and link in email.body_html
    download = owner.get(re.sub(r"^http://[^/]+", "", link))
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert f"filename=orders-alpha-{export.created_at:%Y-%m-%d}-{export.id}.csv" in download.headers["Content-Disposition"]
    with app.test_request_context(), use_shop(shop_a.shop.id):
        expected = search.orders_csv(search.OrderFilters(timezone=shop_a.shop.timezone))
    assert download.get_data(as_text=True) == expected  # the very file the direct download writes
    assert all(order.number in expected for order in orders)

    listed = page_text(owner.get("/dashboard/alpha/orders"))
    assert "Order files you asked for" in listed and f"/dashboard/alpha/orders/exports/{export.id}" in listed


def test_the_export_keeps_the_lists_filters(owner, shop_a, small_limit):
    paid = [make_order(shop_a) for _ in range(2)]
    pending = make_order(shop_a).number
    paid_ids, paid_numbers = [o.id for o in paid], [o.number for o in paid]
    with use_shop(shop_a.shop.id):
        db.session.execute(update(search.Order).where(search.Order.id.in_(paid_ids)).values(status="paid"))
        db.session.commit()
    assert _ask(owner, status="paid").status_code == 302
    [export] = fetch_all(OrderExport, shop_id=shop_a.shop.id)
    assert export.filters == {"status": "paid"} and export.row_count == 2
    body = owner.get(f"/dashboard/alpha/orders/exports/{export.id}").get_data(as_text=True)
    assert all(number in body for number in paid_numbers) and pending not in body


def test_the_job_run_twice_makes_one_file_and_one_e_mail(owner, shop_a, small_limit, app):
    for _ in range(2):
        make_order(shop_a)
    _ask(owner)
    [export] = fetch_all(OrderExport, shop_id=shop_a.shop.id)
    with app.test_request_context():
        assert exports.build_export(shop_a.shop.id, export.id) == "already ready"
        assert exports.build_export(shop_a.shop.id, 999_999) == "missing"
    assert len(_emails(shop_a.shop.id)) == 1


def test_another_shops_export_is_404_and_never_listed(owner, shop_a, shop_b, small_limit, app):
    for _ in range(2):
        make_order(shop_b)
    with app.test_request_context(), use_shop(shop_b.shop.id):
        theirs = exports.request_export(search.OrderFilters(), shop_b.owner).id
        db.session.commit()
        assert exports.build_export(shop_b.shop.id, theirs) == "2 orders"
    for path in (f"/dashboard/alpha/orders/exports/{theirs}", f"/dashboard/bravo/orders/exports/{theirs}"):
        assert owner.get(path).status_code == 404, path
    assert f"exports/{theirs}" not in page_text(owner.get("/dashboard/alpha/orders"))
    assert owner.post("/dashboard/bravo/orders/exports", data={}).status_code == 404
    assert [e.id for e in fetch_all(OrderExport, shop_id=shop_b.shop.id)] == [theirs]
    with app.test_request_context(), use_shop(shop_a.shop.id):  # shop A's scope sees none of B's
        assert exports.recent_exports() == []


def test_an_old_export_is_refused_then_forgotten(owner, shop_a, small_limit, app):
    for _ in range(2):
        make_order(shop_a)
    _ask(owner)
    [export] = [row.id for row in fetch_all(OrderExport, shop_id=shop_a.shop.id)]
    with unscoped():
        db.session.execute(update(OrderExport).where(OrderExport.id == export)
                           .values(created_at=utcnow() - timedelta(days=exports.KEPT_DAYS, minutes=1)))
        db.session.commit()
    refused = owner.get(f"/dashboard/alpha/orders/exports/{export}")
    assert refused.status_code == 302
    assert "no longer kept" in page_text(owner.get(refused.headers["Location"]))
    assert "Order files you asked for" not in page_text(owner.get("/dashboard/alpha/orders"))
    assert exports.forget_old_exports() == 1
    assert fetch_all(OrderExport, shop_id=shop_a.shop.id) == []


def test_a_failed_export_says_so_and_is_kept_for_the_retry(owner, shop_a, small_limit, app, monkeypatch):
    for _ in range(2):
        make_order(shop_a)

    def broken(filters):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(search, "orders_export", broken)
    assert _ask(owner).status_code == 302  # the job failed after the request (inline here)
    [export] = fetch_all(OrderExport, shop_id=shop_a.shop.id)
    assert (export.status, export.error) == ("failed", "RuntimeError")
    assert "Could not be made" in page_text(owner.get("/dashboard/alpha/orders"))
    assert _emails(shop_a.shop.id) == []
    monkeypatch.undo()  # RQ's retry: the file is made after all
    with app.test_request_context():
        assert exports.build_export(shop_a.shop.id, export.id) == "2 orders"
    assert fetch_all(OrderExport, shop_id=shop_a.shop.id)[0].status == "ready"
    assert len(_emails(shop_a.shop.id)) == 1
