"""Checkout at phone width in a real browser: the shopper applies a discount code (what they
typed stays), sees the shipping change with the country before placing, and the order carries
both. On nora's demo shop: READER10, shipping home $4.90 (free from $50), Europe $9.00, and
$14.00 to the rest of the world."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_shopper_applies_a_code_and_sees_shipping_follow_the_country(live_server, page):
    page.goto(live_server.shop("nora"))
    page.locator("a[href*='/products/']").first.click()
    page.get_by_role("button", name=re.compile("Add to cart")).click()
    page.goto(live_server.shop("nora", "/checkout"))

    shipping = page.locator("[data-shipping]")
    expect(shipping).to_have_text("$4.90")
    expect(page.locator("[data-shipping-note]")).to_contain_text("Free on orders of $50.00 or more")
    page.get_by_label("Full name").fill("Cora Code")
    page.get_by_label("Discount code").fill("reader10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".discount-row")).to_contain_text("READER10")
    expect(page.locator(".discount-applied")).to_contain_text("takes")
    expect(page.get_by_label("Full name")).to_have_value("Cora Code")  # what was typed stays
    before = page.locator(".grand-total [data-total]").inner_text()

    page.get_by_label("Country").select_option("DE")
    expect(shipping).to_have_text("$9.00")
    page.get_by_label("Country").select_option("JP")
    expect(shipping).to_have_text("$14.00")
    after = page.locator(".grand-total [data-total]").inner_text()
    assert _amount(after) == _amount(before) + Decimal("14.00") - Decimal("4.90")
    expect(page.get_by_role("button", name=re.compile("Place order"))).to_contain_text(after)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Email").fill("cora@example.com")
    page.get_by_label("Phone").fill("+81 3 1234 5678")
    page.get_by_label("Address", exact=True).fill("1-1 Chiyoda")
    page.get_by_label("City").fill("Tokyo")
    page.get_by_label("Postcode").fill("100-0001")
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page.get_by_role("heading", name=re.compile("Thank you, Cora"))).to_be_visible()
    totals = page.locator(".totals").first
    expect(totals).to_contain_text("READER10")
    expect(totals).to_contain_text("$14.00")
    expect(totals).to_contain_text(after)
    assert page.console_errors == [] and page.csp_violations == []


def _amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.]", "", text))
