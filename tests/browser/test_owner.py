"""A new shop owner in a real browser: sign up, open a shop, price a product, see it live."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _confirmation_path(live_server, address: str) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.notifications.models import OutboundEmail

    with live_server.app.app_context():
        email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == address))
        db.session.remove()
    return re.search(r"(/verify-email/[\w.-]+)", email.body_text).group(1)


def test_owner_signs_up_opens_a_shop_and_lists_a_product(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.platform("/signup"))
    page.get_by_label("Email").fill("lena@example.com")
    page.get_by_label("Password", exact=True).fill("a very good password")
    page.get_by_label("Repeat the password").fill("a very good password")
    page.get_by_role("button", name=re.compile("Create my account")).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    # The confirmation link from the e-mail (the outbox), then log in.
    page.goto(live_server.platform(_confirmation_path(live_server, "lena@example.com")))
    expect(page.locator(".flash-success")).to_contain_text("confirmed")
    page.get_by_label("Email").fill("lena@example.com")
    page.get_by_label("Password", exact=True).fill("a very good password")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/dashboard/new$"))
    expect(page.locator(".verify-banner")).to_have_count(0)
    page.get_by_label("Shop name").fill("Lena Loves")
    page.get_by_label("Web address").fill("lena")
    page.get_by_label("Short bio").fill("Small-batch treats I <b>love</b>.")
    page.get_by_role("button", name=re.compile("Open my shop")).click()
    expect(page).to_have_url(re.compile(r"/dashboard/lena/$"))

    page.goto(live_server.platform("/dashboard/lena/catalog?category=snacks"))
    page.get_by_role("link", name="Add to shop").first.click()
    expect(page).to_have_url(re.compile(r"/catalog/\d+/add$"))

    # The live preview flags a price under the supplier's minimum before saving...
    page.get_by_label("Markup (%)").fill("1")
    expect(page.locator("#price-table")).to_contain_text("Too low")
    page.get_by_role("button", name="Preview prices").click()
    expect(page.locator(".error").first).to_contain_text(re.compile("minimum retail|wholesale"))
    # ...and a fair markup is accepted.
    page.get_by_label("Markup (%)").fill("40")
    expect(page.locator("#price-table")).not_to_contain_text("Too low")
    title = page.get_by_label("Title").input_value()
    page.get_by_role("button", name=re.compile("Add to my shop|Add to shop|Save")).last.click()
    expect(page.locator("body")).to_contain_text(title)

    page.goto(live_server.shop("lena"))
    expect(page.locator("body")).to_contain_text(title)
    expect(page.locator("body")).to_contain_text("Small-batch treats I <b>love</b>.")  # escaped
    assert errors == []
    context.close()
