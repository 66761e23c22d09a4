"""A shopper shares a product at phone width: opens the Share panel (with the keyboard too),
copies the short link, and the link leads a friend to the product."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_shopper_opens_the_share_panel_and_copies_the_link(live_server, page):
    origin = live_server.shop("mia").rstrip("/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page.goto(live_server.shop("mia", "/products/the-perfect-organic-tee"))
    share = page.locator("details.share")
    toggle = share.locator("summary")
    expect(toggle).to_have_text(re.compile("Share"))
    expect(page.get_by_label("Link to share")).to_be_hidden()

    toggle.focus()  # the keyboard opens and closes it
    page.keyboard.press("Enter")
    link_field = page.get_by_label("Link to share")
    expect(link_field).to_be_visible()
    page.keyboard.press("Escape")
    expect(link_field).to_be_hidden()
    toggle.click()

    link = link_field.input_value()
    assert re.fullmatch(rf"{re.escape(origin)}/s/p[0-9a-z]+", link)
    panel = share.locator(".share-panel")
    expect(panel.locator(".share-qr svg")).to_be_visible()
    picture = panel.locator(".share-preview img")
    expect(picture).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 1200", arg=picture.element_handle())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the panel is wider than the phone ({width}px)"

    page.get_by_role("button", name="Copy").click()
    expect(panel.locator(".share-status")).to_have_text(re.compile("Link copied"))
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.csp_violations == [] and page.console_errors == []

    # Opened on its own (a long press, "Open image in new tab"): the browser's image viewer
    # styles its page inline, which an image's policy allows (it can run no script).
    source = picture.get_attribute("src")
    shown = page.goto(source if source.startswith("http") else origin + source)
    assert shown.status == 200 and shown.headers["content-type"] == "image/png"
    assert page.csp_violations == [], page.csp_violations

    page.goto(link)  # a friend opens it
    expect(page).to_have_url(live_server.shop("mia", "/products/the-perfect-organic-tee"))
    expect(page.get_by_role("heading", name="The Perfect Organic Tee")).to_be_visible()
