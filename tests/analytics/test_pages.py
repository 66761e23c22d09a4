"""The owner's and the admin's analytics pages, the CSV, and the walls between shops."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.analytics import reports
from app.extensions import db
from app.shops.timezones import shop_today
from app.tenancy import use_shop
from tests import factories
from tests.analytics.helpers import paid_order, past_visits


@pytest.fixture
def figures(shop_a, shop_b):
    """Alpha: 11 visitors yesterday and a paid order today; bravo: 777 visitors yesterday."""
    yesterday = shop_today("UTC") - timedelta(days=1)
    past_visits(shop_a.shop, yesterday, 11, **{f"p:{shop_a.listings[0].handle}": 5, "w:instagram.com": 4})
    past_visits(shop_b.shop, yesterday, 777)
    paid_order(shop_a)
    return yesterday


def test_the_owner_sees_the_shops_figures(figures, shop_a, login, client):
    login(shop_a.owner)
    page = client.get("/dashboard/alpha/analytics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Analytics" in html and 'aria-current="page">Analytics' in html
    assert ">11<" in html and "777" not in html
    assert "instagram.com" in html and shop_a.listings[0].title in html
    assert '<svg viewBox' in html and "<title id=\"chart-1-svg-title\">Visitors</title>" in html
    assert "<desc" in html and "9.1%" in html  # 1 order / 11 visitors
    assert "<script src=\"http" not in html  # no third party: the charts are drawn on the server


def test_an_empty_shop_says_so(shop_a, login, client):
    login(shop_a.owner)
    page = client.get("/dashboard/alpha/analytics?period=7d&by=week")
    assert page.status_code == 200
    assert "No visits or orders in this period yet" in page.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("period=custom&from=2026-05-10&to=2026-05-01", "The end date is before the start date."),
    ("period=custom&from=yesterday&to=2026-05-01", "Enter the start date as YYYY-MM-DD."),
    ("period=custom&from=2020-01-01&to=2022-01-01", "Choose a range of at most 366 days."),
    ("period=forever", "Choose a period from the list."),
    ("by=hour", "Show figures by day, week or month."),
])
def test_a_bad_range_is_refused_with_a_clear_error(shop_a, login, client, query, message):
    login(shop_a.owner)
    page = client.get(f"/dashboard/alpha/analytics?{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    assert client.get(f"/dashboard/alpha/analytics.csv?{query}").status_code == 400


def test_a_future_start_is_refused_and_a_custom_range_by_month_works(figures, shop_a, login, client):
    login(shop_a.owner)
    tomorrow = shop_today("UTC") + timedelta(days=1)
    assert client.get(f"/dashboard/alpha/analytics?period=custom&from={tomorrow}&to={tomorrow}").status_code == 400
    start = figures - timedelta(days=40)
    page = client.get(f"/dashboard/alpha/analytics?period=custom&from={start}&to={figures}&by=month")
    assert page.status_code == 200 and "By month" in page.get_data(as_text=True)


def test_the_csv_is_the_pages_table(figures, shop_a, login, client):
    login(shop_a.owner)
    response = client.get("/dashboard/alpha/analytics.csv?period=7d")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=analytics-alpha-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(reports.CSV_HEADER)
    assert len(rows) == 1 + 7 + 1
    by_day = {row[0]: row for row in rows[1:]}
    assert by_day[figures.isoformat()][2:5] == ["11", "11", "22"]
    assert rows[-1][0] == "total" and rows[-1][5] == "1" and rows[-1][-1] == "USD"


def test_an_owner_never_sees_another_shops_numbers_by_url(figures, shop_a, shop_b, login, client):
    login(shop_a.owner)
    for path in ("/dashboard/bravo/analytics", "/dashboard/bravo/analytics.csv"):
        assert client.get(path).status_code == 404
    # Another shop's id in the query changes nothing: the shop is the URL's, checked against membership.
    page = client.get(f"/dashboard/alpha/analytics?shop={shop_b.shop.id}&shop_id={shop_b.shop.id}")
    assert "777" not in page.get_data(as_text=True) and ">11<" in page.get_data(as_text=True)


def test_an_owner_never_sees_another_shops_numbers_by_query(figures, shop_a, shop_b):
    period = reports.default_period(shop_today("UTC"))
    with use_shop(shop_a.shop.id):
        # Asking for bravo's report while acting for alpha: the tenancy wall filters it out.
        assert reports.shop_report(shop_b.shop, period).total.visitors == 0
        assert reports.shop_report(shop_a.shop, period).total.visitors == 11
    with use_shop(shop_b.shop.id):
        assert reports.shop_report(shop_b.shop, period).total.visitors == 777


@pytest.mark.postgres
def test_row_level_security_keeps_raw_sql_in_its_shop(figures, shop_a, shop_b):
    db.session.flush()
    for fixture in (shop_a, shop_b):
        with use_shop(fixture.shop.id):
            for table in ("analytics_days", "analytics_day_counts"):
                found = set(db.session.execute(text(f"SELECT shop_id FROM {table}")).scalars())
                assert found <= {fixture.shop.id}, table
            assert db.session.execute(text("SELECT sum(visitors) FROM analytics_days")).scalar() in (11, 777)


def test_the_admin_sees_every_shop(figures, shop_a, shop_b, login, client):
    login(factories.make_user(is_admin=True))
    page = client.get("/admin/analytics?period=30d")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Analytics across shops" in html and "Alpha Shop" in html and "Bravo Shop" in html
    assert "788" in html  # 11 + 777 visitors
    rows = list(csv.reader(io.StringIO(client.get("/admin/analytics.csv?period=7d").get_data(as_text=True))))
    assert rows[-1][0] == "total" and rows[-1][2] == "788"
    assert client.get("/admin/analytics?period=custom&from=x").status_code == 400


def test_owners_may_not_open_the_admins_page(shop_a, login, client):
    login(shop_a.owner)
    assert client.get("/admin/analytics").status_code in (403, 404)
