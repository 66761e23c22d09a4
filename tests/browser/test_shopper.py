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
    # pick the last value still in stock of each option (one picker per option)
    expect(page.locator("fieldset.option-picker").first).to_be_visible()
    for picker in page.locator("fieldset.option-picker").all():
        picker.locator("input[type=radio]:not([disabled])").last.check()
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


def _in_view_below_the_header(page, selector: str) -> bool:
    """The element is on screen and not under the sticky header."""
    return page.evaluate("""(selector) => {
      const box = document.querySelector(selector).getBoundingClientRect();
      const header = document.querySelector(".site-header").getBoundingClientRect();
      return box.height > 0 && box.top >= header.bottom - 1 && box.bottom <= window.innerHeight;
    }""", selector)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("shop", ["nora", "mia"])  # Journal and Boutique have a newsletter section
def test_newsletter_thanks_the_shopper_at_the_form(live_server, browser, shop, width):
    """Issue 14, item 6: the answer shows in the newsletter section the page scrolls to, not at
    the top of the page."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(live_server.shop(shop))
    section = page.locator("#newsletter")
    page.evaluate("document.querySelector('#newsletter form').noValidate = true")  # past the browser's check
    section.get_by_label("Email address").fill("not an address")
    section.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/#newsletter$"))
    expect(section.locator(".newsletter-status")).to_have_attribute("role", "alert")
    expect(section.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".flashes")).to_have_count(0)

    section.get_by_label("Email address").fill(f"reader-{width}@example.com")
    section.get_by_role("button").click()
    status = section.locator(".newsletter-status")
    expect(status).to_contain_text("you’re on the list")
    expect(section.locator("form")).to_have_count(0)  # the form is replaced by the thanks
    expect(page.locator(".flashes")).to_have_count(0)  # nothing at the top of the page
    expect(status).to_be_in_viewport()
    page.wait_for_function("""() => { const y = window.scrollY;
      return new Promise(r => setTimeout(() => r(window.scrollY === y), 150)); }""")  # scrolling ended
    assert _in_view_below_the_header(page, "#newsletter .newsletter-status")
    assert _in_view_below_the_header(page, "#newsletter h2")
    context.close()


def test_a_fixed_field_loses_its_error_before_the_form_is_sent_again(live_server, page):
    """Issue 14, item 14: the server's message under a field goes once the shopper edits it,
    and the corrected form places the order."""
    page.goto(live_server.shop("maple"))
    page.locator("a[href*='/products/']").first.click()
    page.get_by_role("button", name=re.compile("Add to cart")).click()
    page.goto(live_server.shop("maple", "/checkout"))
    page.get_by_label("Full name").fill("Ada Quinn")
    page.get_by_label("Email").fill("ada@localhost")  # a browser lets it through; the server does not
    page.get_by_label("Phone").fill("+1 555 0100 300")
    page.get_by_label("Address", exact=True).fill("5 Elm Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postcode").fill("97201")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name=re.compile("Place order")).click()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    message = page.locator("#" + email.get_attribute("id") + "-error")
    expect(message).to_be_visible()

    email.fill("ada@example.com")
    expect(message).to_be_hidden()
    expect(email).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    assert page.csp_violations == []
