"""The owner opens the shop's analytics on a phone: the demo's real numbers, the charts
drawn without a script, a shopper's visit counted (a headless browser would be a bot, so
the shopper's browser says it is Safari), and a bad range explained."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch_csp
from tests.browser.test_owner import _fits, _log_in

pytestmark = pytest.mark.browser
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


def test_the_owner_reads_the_shops_analytics_on_a_phone(live_server, browser):
    shopper = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=SAFARI)
    shop_page = shopper.new_page()
    shop_page.goto(live_server.shop("maple", "/"))
    shop_page.goto(live_server.shop("maple", "/cart"))
    shopper.close()

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    watch_csp(context, page)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, live_server, "maple@flagship.example")
    nav = page.get_by_role("navigation", name="Shop dashboard")
    nav.get_by_role("button", name="Menu").click()
    nav.get_by_role("link", name="Analytics").click()
    expect(page).to_have_url(re.compile(r"/dashboard/maple/analytics$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Analytics")
    _fits(page)

    expect(page.get_by_role("img", name=re.compile("^Visitors"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Revenue"))).to_be_visible()
    visitors = page.locator(".stat").nth(0).locator(".stat-value")
    assert int(visitors.inner_text().replace(",", "")) > 100  # the demo's eight weeks
    orders = page.locator(".stat").nth(1).locator(".stat-value")
    assert int(orders.inner_text()) >= 1  # the demo's paid orders, counted from the ledger
    today = page.locator("table.analytics-table tbody tr").first
    expect(today.locator("td").first).to_have_text("1")  # the shopper above, once for two pages
    # The figures scroll sideways under the day, which stays in sight beside the last column.
    wrap = page.locator(".table-wrap", has=page.locator("table.analytics-table"))
    wrap.evaluate("wrap => { wrap.scrollLeft = wrap.scrollWidth }")
    left = wrap.bounding_box()["x"]
    day, conversion = today.locator("th").bounding_box(), today.locator("td").last.bounding_box()
    assert abs(day["x"] - left) <= 1.5 and conversion["x"] + conversion["width"] <= 390, (left, day, conversion)
    assert day["x"] + day["width"] <= conversion["x"]

    page.get_by_role("link", name="7 days").click()
    expect(page.locator("table.analytics-table tbody tr")).to_have_count(7)
    page.get_by_label("From", exact=True).fill("2026-05-10")
    page.get_by_label("To", exact=True).fill("2026-05-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("The end date is before the start date.")
    _fits(page)
    assert page.csp_violations == [] and errors == []
    context.close()
