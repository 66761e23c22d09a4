"""Issue 14's day one, from logo to sale, in a real browser at desktop and phone width: a new
owner signs up, opens a shop, uploads a logo and publishes it, adds a product; a shopper
buys it; the owner finds the order and marks the cash paid. No step may dead-end."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_group_buy import _check_out
from tests.browser.test_owner import _confirmation_path, _fits

pytestmark = pytest.mark.browser


def _logo(path) -> str:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (320, 96), "#f6efe6")
    ImageDraw.Draw(picture).ellipse((12, 12, 84, 84), fill="#7a2e5c")
    picture.save(path)
    return str(path)


@pytest.mark.parametrize(("width", "name"), [(1280, "Tomas"), (390, "Ines")])
def test_from_sign_up_and_a_logo_to_the_first_sale(live_server, browser, tmp_path, width, name):
    subdomain, email = name.lower() + "-makes", f"{name.lower()}@example.com"
    context = browser.new_context(viewport={"width": width, "height": 900})
    owner = context.new_page()
    errors = []
    owner.on("pageerror", lambda exc: errors.append(str(exc)))

    owner.goto(live_server.platform("/signup"))
    owner.get_by_label("Email").fill(email)
    owner.get_by_label("Password", exact=True).fill("a very good password")
    owner.get_by_label("Repeat the password").fill("a very good password")
    owner.get_by_role("button", name=re.compile("Create my account")).click()
    owner.goto(live_server.platform(_confirmation_path(live_server, email)))
    owner.get_by_label("Email").fill(email)
    owner.get_by_label("Password", exact=True).fill("a very good password")
    owner.get_by_role("button", name="Log in").click()
    owner.get_by_label("Shop name").fill(f"{name} Makes")
    owner.get_by_label("Web address").fill(subdomain)
    owner.get_by_role("button", name=re.compile("Open my shop")).click()
    expect(owner).to_have_url(re.compile(rf"/dashboard/{subdomain}/$"))

    # The logo: upload it in the live theme's editor and publish in one go.
    owner.goto(live_server.platform(f"/dashboard/{subdomain}/themes"))
    owner.locator(".theme-card.is-live").get_by_role("link", name=re.compile("Customise")).click()
    owner.get_by_label("Logo", exact=True).set_input_files(_logo(tmp_path / "logo.png"))
    owner.get_by_role("button", name="Publish changes").click()
    expect(owner.locator(".flash-success")).to_contain_text("is live")
    expect(owner.locator(".image-current img")).to_be_visible()  # the editor still opens, with the logo
    owner.reload()
    expect(owner.locator(".image-current img")).to_be_visible()
    if width < 600:
        _fits(owner, width)

    # A product, from the shared catalog at a fair markup.
    owner.goto(live_server.platform(f"/dashboard/{subdomain}/catalog?category=snacks"))
    owner.get_by_role("link", name="Add to shop").first.click()
    owner.get_by_label("Markup (%)").fill("40")
    title = owner.get_by_label("Title").input_value()
    owner.get_by_role("button", name=re.compile("Add to my shop|Add to shop|Save")).last.click()
    expect(owner.locator("body")).to_contain_text(title)

    # A shopper, on the same kind of screen, sees the logo and buys it.
    shopper = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    shopper.goto(live_server.shop(subdomain))
    logo = shopper.locator("img.site-logo")
    expect(logo).to_be_visible()
    expect(logo).to_have_attribute("alt", f"{name} Makes")
    assert shopper.evaluate("document.querySelector('img.site-logo').naturalWidth") == 320
    # Its size is in the page, so its box is kept before the picture arrives (was width="").
    assert (logo.get_attribute("width"), logo.get_attribute("height")) == ("320", "96")
    shopper.get_by_role("link", name=title).first.click()
    shopper.get_by_role("button", name=re.compile("Add to cart")).click()
    shopper.goto(live_server.shop(subdomain, "/checkout"))
    _check_out(shopper, "Wren Okoye", "wren@example.com")
    expect(shopper.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    number = re.search(r"FS-[A-Z0-9]{8}", shopper.locator(".order-number").inner_text()).group(0)
    shopper.context.close()

    # The owner finds it from the dashboard's home and takes the cash on delivery.
    owner.goto(live_server.platform(f"/dashboard/{subdomain}/"))
    owner.get_by_role("link", name=number).first.click()
    expect(owner.get_by_role("heading", level=1)).to_contain_text(number)
    expect(owner.locator("body")).to_contain_text("Wren Okoye")
    expect(owner.locator("body")).to_contain_text(title)
    owner.get_by_role("button", name="Mark paid").click()
    expect(owner.locator("h1 .badge")).to_contain_text("Paid")
    if width < 600:
        _fits(owner, width)
    assert errors == []
    context.close()
