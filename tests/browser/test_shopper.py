"""A shopper in a real browser at phone width: browse, pick a variant, cart, checkout."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_shopper_buys_on_a_storefront(live_server, page):
    page.goto(live_server.shop("mia"))
    expect(page).to_have_title(re.compile("Mia"))

    page.locator("a[href*='/products/']").first.click()
    expect(page).to_have_url(re.compile(r"/products/"))
    # pick the last option that is in stock
    options = page.locator("input[name=variant_id]:not([disabled])")
    options.last.check(force=True)
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name=re.compile("Add to cart")).click()

    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator("input[name^=qty-]")).to_have_value("2")
    page.get_by_role("link", name=re.compile("Check out")).click()

    page.get_by_label("Full name").fill("Bea Browser")
    page.get_by_label("Email").fill("bea@example.com")
    page.get_by_label("Phone").fill("+1 555 0100 300")
    page.get_by_label("Address", exact=True).fill("5 Elm Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postcode").fill("97201")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page.get_by_role("heading", name=re.compile("Thank you, Bea"))).to_be_visible()
    expect(page.locator(".order-number")).to_contain_text("FS-")
    assert page.console_errors == []


def test_checkout_errors_are_shown_in_the_browser(live_server, page):
    page.goto(live_server.shop("maple"))
    page.locator("a[href*='/products/']").first.click()
    page.get_by_role("button", name=re.compile("Add to cart")).click()
    page.goto(live_server.shop("maple", "/checkout"))
    page.get_by_label("Full name").fill("No Email")
    page.get_by_role("button", name=re.compile("Place order")).click()
    # the browser's own validation or the server's message: either way no order is placed
    expect(page).to_have_url(re.compile(r"/checkout$"))


def test_unknown_shop_has_a_friendly_page(live_server, page):
    response = page.goto(live_server.shop("no-such-shop"))
    assert response.status == 404
    expect(page.locator("body")).to_contain_text(re.compile("doesn.t exist", re.I))
