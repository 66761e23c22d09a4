"""Every theme in a real browser at phone width, and an owner restyling the shop."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import moved_once_drawn

pytestmark = pytest.mark.browser

# (shop, theme it is on in the demo) - and "default" through the owner's preview
DEMO = [("mia", "boutique"), ("nora", "journal"), ("maple", "market")]


def _pages_of_a_shop(page, live_server, shop):
    """home, a collection, a product, the cart (with an item), the checkout."""
    page.goto(live_server.shop(shop))
    expect(page.locator("main")).to_be_visible()
    collection = page.locator("a[href*='/collections/']").first.get_attribute("href")
    product = page.locator("a[href*='/products/']").first.get_attribute("href")
    page.goto(live_server.shop(shop, collection))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(live_server.shop(shop, product))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.locator("button.add-to-cart").click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator("input[name^=qty-]").first).to_be_visible()
    page.goto(live_server.shop(shop, "/checkout"))
    expect(page.get_by_label("Full name")).to_be_visible()


@pytest.mark.parametrize(("shop", "theme"), DEMO)
def test_every_theme_renders_its_pages_at_phone_width(live_server, page, shop, theme):
    page.goto(live_server.shop(shop))
    expect(page.locator("body")).to_have_class(re.compile(f"theme-{theme}"))
    _pages_of_a_shop(page, live_server, shop)
    # no horizontal scrolling at 390px
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []
    assert page.csp_violations == []


@pytest.mark.parametrize(("shop", "theme"), DEMO)
def test_nothing_moves_once_a_page_is_drawn(live_server, page, browser, shop, theme):
    """Home (maple's has the weekly deal's countdown, which replaces a shorter date), a
    collection and a product at phone width: scripts and pictures move nothing on screen."""
    page.goto(live_server.shop(shop))
    collection = page.locator("a[href*='/collections/']").first.get_attribute("href")
    product = page.locator("a[href*='/products/']").first.get_attribute("href")
    for path in ("/", collection, product):
        assert moved_once_drawn(browser, live_server.shop(shop, path)) == [], path


def _menu_fits(page, width=390):
    """Every link of the storefront's menu is on screen: no sideways strip hiding some."""
    links = page.locator(".site-nav a")
    assert links.count() >= 3
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (links.nth(index).text_content(), box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("shop", "theme"), DEMO)
def test_every_theme_shows_its_whole_menu_at_phone_width(live_server, page, shop, theme):
    """Issue 14, item 12: the collections menu wraps instead of scrolling sideways."""
    page.goto(live_server.shop(shop))
    _menu_fits(page)
    page.locator(".site-nav a").last.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _menu_fits(page)


def test_the_default_theme_renders_its_pages_at_phone_width(live_server, browser, page):
    # The owner previews the base theme on her storefront (a draft only her browser sees).
    page.goto(live_server.platform("/login"))
    page.get_by_label("Email").fill("nora@flagship.example")
    page.get_by_label("Password").fill("flagship-demo")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.platform("/dashboard/nora/themes/default/preview"))
    expect(page.locator("body")).to_have_class(re.compile("theme-default"))
    expect(page.locator(".preview-bar")).to_contain_text("previewing a draft of Default")
    _pages_of_a_shop(page, live_server, "nora")
    page.goto(live_server.shop("nora"))
    _menu_fits(page)
    page.get_by_role("button", name="Exit preview").click()
    expect(page.locator("body")).to_have_class(re.compile("theme-journal"))
    assert page.console_errors == []
    assert page.csp_violations == []


def test_market_quick_add_and_sticky_cart_work_by_keyboard(live_server, page):
    page.goto(live_server.shop("maple"))
    add = page.locator("button.quick-add-button").first
    add.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"maple\.localhost:\d+/$"))
    bar = page.locator(".cart-bar")
    expect(bar).to_contain_text("1 in cart")
    # retried: after the redirect the DOM can be there before the theme's stylesheet is
    expect(bar).to_have_css("position", "fixed")
    bar.get_by_role("link", name="View cart").click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    assert page.console_errors == []
    assert page.csp_violations == []


def _log_in(page, live_server, email, password="flagship-demo"):
    page.goto(live_server.platform("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_back_office_scripts_run_under_the_content_security_policy(live_server, browser):
    """The dashboard's own scripts (nonce) and data-confirm prompts (platform.js) work, the
    theme editor and its preview show no violation, and an injected inline script is refused."""
    from .conftest import watch_csp

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch_csp(context, page)
    _log_in(page, live_server, "mia@flagship.example")
    page.goto(live_server.platform("/dashboard/mia/"))
    expect(page.locator("[data-copy]")).to_be_visible()  # un-hidden by the page's inline script
    page.goto(live_server.platform("/dashboard/mia/themes"))
    page.get_by_role("link", name=re.compile("Customise")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Customise")
    page.goto(live_server.platform("/dashboard/mia/themes/default/preview"))
    expect(page.locator(".preview-bar")).to_be_visible()
    page.get_by_role("button", name="Exit preview").click()
    page.goto(live_server.platform("/dashboard/mia/products"))
    page.locator("a[href*='/dashboard/mia/products/']").first.click()
    price = page.locator("[data-price-row] [data-price]").first
    before = price.text_content()
    page.get_by_label("Markup on the wholesale cost").check()
    page.get_by_label("Markup (%)").fill("987")  # the page's script reprices as you type
    expect(price).not_to_have_text(before)
    prompts = []
    page.on("dialog", lambda dialog: (prompts.append(dialog.message), dialog.dismiss()))
    url = page.url
    page.get_by_role("button", name="Remove product").click()
    assert prompts and "Remove" in prompts[0] and page.url == url  # dismissed: nothing sent
    assert page.csp_violations == []
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<img src="/nothing" onerror="window.pwned = 1">')""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert any("script-src" in violation for violation in page.csp_violations)
    context.close()


def test_owner_switches_theme_and_changes_a_colour(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    owner = context.new_page()
    owner.goto(live_server.platform("/login"))
    owner.get_by_label("Email").fill("maple@flagship.example")
    owner.get_by_label("Password").fill("flagship-demo")
    owner.get_by_role("button", name="Log in").click()
    owner.goto(live_server.platform("/dashboard/maple/themes"))
    owner.get_by_role("link", name="Customise Journal").click()
    expect(owner.get_by_role("heading", level=1)).to_contain_text("Customise Journal")
    owner.get_by_label("Accent colour").fill("#0b5a7a")
    owner.get_by_role("button", name="Save draft").click()
    expect(owner.locator(".flash-success")).to_contain_text("Draft saved")
    owner.get_by_role("button", name="Publish Journal").click()
    expect(owner.locator(".flash-success")).to_contain_text("Journal is live")

    shopper = context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    shopper.goto(live_server.shop("maple"))
    expect(shopper.locator("body")).to_have_class(re.compile("theme-journal"))
    accent = shopper.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#0b5a7a"
    button_colour = shopper.locator(".button, .journal-cta").first.evaluate("el => getComputedStyle(el).color")
    assert button_colour in ("rgb(11, 90, 122)", "rgb(255, 255, 255)")
    # put the demo back for the other tests
    owner.goto(live_server.platform("/dashboard/maple/themes"))
    asked = []  # issue 14, item 14: a switch from the library asks first
    owner.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    owner.get_by_role("button", name="Publish Market").click()
    expect(owner.get_by_role("button", name="Publish Market")).to_be_visible()  # dismissed: nothing changed
    assert asked and "Make Market your live theme?" in asked[0]
    owner.once("dialog", lambda dialog: dialog.accept())
    owner.get_by_role("button", name="Publish Market").click()
    expect(owner.locator(".flash-success")).to_contain_text("Market is live")
    context.close()


def _accent(page, live_server, shop):
    page.goto(live_server.shop(shop))
    return page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")


def test_publish_changes_publishes_what_the_form_shows(live_server, browser):
    """Issue 14, item 2: edits not yet saved as a draft go live with "Publish changes"; an
    invalid value is shown and nothing is published."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    owner = context.new_page()
    shopper = context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _log_in(owner, live_server, "mia@flagship.example")
    before = _accent(shopper, live_server, "mia")
    owner.goto(live_server.platform("/dashboard/mia/themes/boutique"))
    accent, per_row = owner.get_by_label("Accent colour"), owner.get_by_label("Products per row on desktop")
    original = accent.input_value(), per_row.input_value()

    accent.fill("#7a2e5c")
    per_row.fill("9")  # out of range: refused
    owner.get_by_role("button", name="Publish changes").click()
    expect(owner.locator(".flash-error")).to_contain_text("Nothing was published")
    expect(owner.locator(".field", has=owner.get_by_label("Products per row on desktop"))).to_contain_text(
        "Choose a number from 2 to 4.")
    expect(owner.get_by_label("Accent colour")).to_have_value("#7a2e5c")  # kept, to fix and retry
    assert _accent(shopper, live_server, "mia") == before

    owner.get_by_label("Products per row on desktop").fill("3")
    owner.get_by_role("button", name="Publish changes").click()  # never saved as a draft
    expect(owner.locator(".flash-success")).to_contain_text("Boutique is live")
    expect(owner.locator(".notice-draft")).to_have_count(0)
    expect(owner.get_by_label("Accent colour")).to_have_value("#7a2e5c")
    assert _accent(shopper, live_server, "mia") == "#7a2e5c"

    # put the demo back for the other tests
    owner.get_by_label("Accent colour").fill(original[0])
    owner.get_by_label("Products per row on desktop").fill(original[1])
    owner.get_by_role("button", name="Publish changes").click()
    expect(owner.locator(".flash-success")).to_contain_text("Boutique is live")
    shopper.context.close()
    context.close()


def _shipped_order_path(live_server, subdomain: str) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.orders.models import Order
    from app.shops.models import Shop
    from app.tenancy import unscoped

    with live_server.app.app_context(), unscoped():
        order = db.session.scalars(
            select(Order).join(Shop, Shop.id == Order.shop_id)
            .where(Shop.subdomain == subdomain, Order.fulfilment_status == "shipped")).first()
        path = f"/orders/{order.number}/{order.access_token}"
        db.session.remove()
    return path


def _stepper_is_one_row(page, width):
    steps = page.locator(".order-progress li")
    expect(steps).to_have_count(3)
    boxes = [steps.nth(i).bounding_box() for i in range(3)]
    assert len({round(box["y"]) for box in boxes}) == 1, boxes  # side by side, no wrapping
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert boxes[2]["x"] + boxes[2]["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(("shop", "theme"), DEMO)
def test_the_order_stepper_is_one_row_and_the_badge_says_shipped(live_server, browser, shop, theme, width):
    """Issue 14, item 7, on every theme at phone and desktop width."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server.shop(shop, _shipped_order_path(live_server, shop)))
    expect(page.locator("body")).to_have_class(re.compile(f"theme-{theme}"))
    _stepper_is_one_row(page, width)
    expect(page.locator(".order-header .status")).to_have_text("Shipped")
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_default_themes_order_stepper_is_one_row(live_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    _log_in(page, live_server, "nora@flagship.example")
    page.goto(live_server.platform("/dashboard/nora/themes/default/preview"))
    page.goto(live_server.shop("nora", _shipped_order_path(live_server, "nora")))
    expect(page.locator("body")).to_have_class(re.compile("theme-default"))
    _stepper_is_one_row(page, width)
    expect(page.locator(".order-header .status")).to_have_text("Shipped")
    page.get_by_role("button", name="Exit preview").click()
    context.close()
