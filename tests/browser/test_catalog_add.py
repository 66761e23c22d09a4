"""A new owner on a phone ticks products in the supply catalog and adds them at once."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_owner import _fits, _log_in

pytestmark = pytest.mark.browser

ADDRESS, PASSWORD = "picker@example.com", "a very good password"


@pytest.fixture
def picker(live_server):
    """An owner of a new, empty shop (not a demo user: other tests use those)."""
    from app.accounts.services import create_user, find_user_by_email
    from app.extensions import db
    from app.shops.services import create_shop

    with live_server.app.app_context():
        if find_user_by_email(ADDRESS) is None:
            create_shop(create_user(ADDRESS, PASSWORD, verified=True), name="Picker's Pantry",
                        subdomain="picker", currency="USD")
            db.session.commit()
        db.session.remove()
    return ADDRESS


def test_ticked_products_are_added_at_once_on_a_phone(live_server, page, picker):
    _log_in(page, live_server, picker, PASSWORD)
    page.goto(live_server.platform("/dashboard/picker/catalog?category=home"))
    bar = page.locator("#add-form")
    expect(bar.locator("[data-selected-count]")).to_have_text("None ticked")
    # Each product is a card: its prices and "Add to shop" in sight, not past a sideways scroll.
    first = page.locator("table.catalog-table tbody tr").first
    for cell in ("td.min-retail", "td.action .button"):
        box = first.locator(cell).bounding_box()
        assert box["x"] + box["width"] <= 390, (cell, box)
    ticks = page.locator("input[name=product]")
    titles = [ticks.nth(n).get_attribute("aria-label").removeprefix("Tick ") for n in (0, 2)]
    ticks.nth(0).check()
    ticks.nth(2).check()
    expect(bar.locator("[data-selected-count]")).to_have_text(re.compile(r"^2 of \d+ ticked$"))
    expect(bar).to_have_class(re.compile("has-selection"))
    _fits(page)
    page.mouse.wheel(0, 2000)  # the bar floats at the bottom once its place is out of sight
    expect(bar).to_have_class(re.compile("is-away"))
    bar.get_by_role("button", name="Add ticked to my shop").click()

    expect(page).to_have_url(re.compile(r"/dashboard/picker/catalog\?category=home$"))
    expect(page.locator(".flash-success")).to_contain_text("2 products added to your shop at the suggested prices.")
    for title in titles:
        expect(page.locator("tbody tr", has_text=title).locator(".badge")).to_have_text(re.compile("In your shop"))
    page.goto(live_server.platform("/dashboard/picker/products"))
    for title in titles:
        expect(page.locator("body")).to_contain_text(title)
    page.goto(live_server.shop("picker"))  # on sale at once, at the supplier's minimum price
    for title in titles:
        expect(page.locator("body")).to_contain_text(title)
    assert page.console_errors == [] and page.csp_violations == []


def test_the_price_preview_is_a_card_per_variant_on_a_phone(live_server, page, picker):
    """What the owner gets of each variant stays in sight while they type a markup."""
    _log_in(page, live_server, picker, PASSWORD)
    page.goto(live_server.platform("/dashboard/picker/catalog?category=apparel"))
    page.get_by_role("link", name="Add to shop").first.click()
    page.get_by_label("Markup (%)").fill("150")
    rows = page.locator("#price-table [data-price-row]")
    expect(rows.first.locator("[data-check]")).to_contain_text("OK")
    for index in range(rows.count()):
        for cell in ("[data-price]", "[data-take]"):
            box = rows.nth(index).locator(cell).bounding_box()
            assert box["x"] + box["width"] <= 390, (cell, box)
    _fits(page)
