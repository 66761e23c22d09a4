"""Shared by the analytics tests: visits through the real storefront, paid orders, rows."""

from __future__ import annotations

from datetime import date

from app.analytics.aggregation import write_visits
from app.analytics.counting import DayTally
from app.extensions import db
from app.orders.services import mark_paid
from app.tenancy import use_shop
from tests import factories

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"


def visit(front, path: str, **headers):
    """A shopper's GET; closed as a WSGI server closes it (that is when it is counted)."""
    response = front.get(path, headers={"User-Agent": BROWSER, **headers})
    response.close()
    return response


def paid_order(fixture, quantities=None):
    order = factories.make_order(fixture, quantities)
    with use_shop(fixture.shop.id):
        mark_paid(order)
    db.session.flush()
    return order


def past_visits(shop, day: date, visitors: int, **counts) -> None:
    """A day's visit figures as the job would write them (visits = visitors, pages twice)."""
    fields = {"views": visitors * 2, "visits": visitors, **counts}
    with use_shop(shop.id):
        write_visits(shop, [DayTally(shop.id, day, fields, visitors, replace=True)])
    db.session.flush()
