"""A shopper on a phone chooses a tee's size and colour from one picker per option: a sold-out
combination is disabled and says so, the colour's photo comes up in the gallery, and the
variant the pickers name is the one that lands in the cart. Without JavaScript the plain
select of variants does the same job."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.shops import listing_media
from app.shops.pricing import PriceRule
from app.shops.services import add_listing, create_shop
from app.tenancy import use_shop
from tests.factories import make_product, make_supplier, make_user
from tests.shops.photos import BLUE, GREEN, RED, jpeg

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hue(live_server):
    """A shop of its own ("hue"), so the demo shops other browser tests use stay as they are:
    a tee in S, M and L, red and blue (M / Blue sold out, no blue L), with three photos: the
    whole tee, the red one (attached to S / Red) and the blue one (attached to S / Blue)."""
    with live_server.app.app_context():
        owner = make_user("hue@example.com")
        shop = create_shop(owner, name="Hue Studio", subdomain="hue", currency="USD", bio="Colour first.")
        product = make_product(make_supplier("Hue Mills"), title="Colour Tee", variants=[
            {"options": {"size": size, "colour": colour}, "stock": stock, "wholesale": 1200, "min_retail": 1800}
            for size, colour, stock in (("S", "Red", 4), ("M", "Red", 9), ("L", "Red", 2), ("S", "Blue", 7),
                                        ("M", "Blue", 0))])
        with use_shop(shop.id):
            listing = add_listing(shop, product.id, rule=PriceRule("markup", 5000), title="Colour Tee")
            ids = {(v.options["size"], v.options["colour"]): v.id for v in product.variants}
            listing_media.add_photos(listing, [(jpeg(GREEN, (800, 800)), "tee.jpg")], alt_text="The tee, folded")
            listing_media.add_photos(listing, [(jpeg(RED, (800, 800)), "red.jpg")], variant_id=ids[("S", "Red")],
                                     alt_text="The red tee")
            listing_media.add_photos(listing, [(jpeg(BLUE, (800, 800)), "blue.jpg")],
                                     variant_id=ids[("S", "Blue")], alt_text="The blue tee")
        db.session.commit()
        return {"handle": listing.handle, "variants": ids}


def _picker(page, name: str):
    return page.locator("fieldset.option-picker", has=page.locator("legend", has_text=name))


def test_a_shopper_chooses_size_and_colour_on_a_phone(live_server, page, hue):
    page.goto(live_server.shop("hue", f"/products/{hue['handle']}"))
    size, colour = _picker(page, "Size"), _picker(page, "Colour")
    expect(size).to_be_visible()
    expect(page.get_by_label("Size / Colour")).to_be_hidden()  # the plain select, kept in step
    expect(size.locator("legend")).to_have_text("Size: S")
    expect(page.locator("[data-variant-status]")).to_have_text("S / Red: $18.00 · Only 4 left")

    # In M, blue is sold out: disabled, and it says so.
    size.get_by_role("radio", name="M", exact=True).click()
    blue = colour.get_by_role("radio", name=re.compile("Blue"))
    expect(blue).to_be_disabled()
    expect(colour.locator("label", has_text="Blue")).to_contain_text("Sold out")
    expect(page.locator("[data-variant-status]")).to_have_text("M / Red: $18.00 · In stock")
    # The red photo shows for the red tee in M too (the photos follow the colour).
    thumbs = page.locator("[data-gallery-thumb]")
    expect(thumbs.nth(1)).to_have_attribute("aria-current", "true")

    # Back to S: blue is open again; choosing it turns the gallery to the blue photo.
    size.get_by_role("radio", name="S", exact=True).click()
    expect(blue).to_be_enabled()
    blue.click()
    expect(colour.locator("legend")).to_have_text("Colour: Blue")
    expect(thumbs.nth(2)).to_have_attribute("aria-current", "true")
    expect(page.get_by_label("Size / Colour")).to_have_value(str(hue["variants"][("S", "Blue")]))
    blue_photo = page.get_by_role("img", name="The blue tee")
    page.wait_for_function("""() => { const v = document.querySelector("[data-gallery-viewport]");
        const img = document.querySelector("img[alt='The blue tee']");
        return Math.abs(img.getBoundingClientRect().left - v.getBoundingClientRect().left) < 2; }""")
    expect(blue_photo).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name=re.compile("Add to cart")).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    line = page.locator(".cart-line, .line").first
    expect(line).to_contain_text("S / Blue")
    expect(page.locator("input[name^=qty-]")).to_have_value("2")
    expect(page.locator("img[src*='/media/photo-']").first).to_be_visible()  # the main photo
    assert page.console_errors == [] and page.csp_violations == []


def test_without_javascript_the_select_of_variants_still_buys(live_server, browser, hue):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.shop("hue", f"/products/{hue['handle']}"))
    expect(page.locator("fieldset.option-picker").first).to_be_hidden()
    choice = page.get_by_label("Size / Colour")
    expect(choice.locator("option", has_text="M / Blue")).to_be_disabled()
    choice.select_option(str(hue["variants"][("L", "Red")]))
    page.get_by_role("link", name="Photo 3 of 3").click()  # a thumbnail is a link to its photo
    expect(page.get_by_role("img", name="The blue tee")).to_be_in_viewport()
    page.get_by_role("button", name=re.compile("Add to cart")).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator("main")).to_contain_text("L / Red")
    context.close()
