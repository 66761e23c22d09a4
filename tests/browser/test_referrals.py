"""A fan becomes a promoter, a friend arrives through their link and buys, and the promoter
sees the commission: in real browsers at phone width."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import OutboundEmail
from app.tenancy import unscoped
from tests.browser.test_analytics import SAFARI
from tests.browser.test_group_buy import _check_out

pytestmark = pytest.mark.browser


def _page_link(live_server, email: str) -> str:
    with live_server.app.app_context(), unscoped():
        mail = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == email)
                                 .order_by(OutboundEmail.id.desc()))
        link = re.search(r"http://\S+/promote/\d+/[\w-]+", mail.body_text).group(0)
        db.session.remove()
    return link


def test_a_friend_buys_through_a_promoters_link_and_the_promoter_sees_the_commission(live_server, browser, page):
    page.goto(live_server.shop("mia", "/"))
    page.get_by_role("link", name="Become a promoter").click()
    expect(page.get_by_role("heading", name="Become a promoter")).to_be_visible()
    page.get_by_label("Your name").fill("Rita Moreno")
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_role("button", name=re.compile("Send me my promoter link")).click()
    expect(page.get_by_role("status")).to_contain_text("rita@example.com")

    page.goto(_page_link(live_server, "rita@example.com"))
    expect(page.get_by_role("heading", name="Hello, Rita Moreno")).to_be_visible()
    link = page.locator("#promoter-link").input_value()
    assert "?ref=" in link
    expect(page.locator(".promoter-stats")).to_contain_text("Orders")

    # A phone's browser: a headless one names itself, and counts as no promoter's click.
    friend_context = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=SAFARI)
    friend = friend_context.new_page()
    friend.goto(link)
    assert "ref=" not in friend.url  # the link's code is remembered, not kept in the address
    expect(friend.locator(".referral-note")).to_contain_text("Rita Moreno recommended Mia's Closet to you")
    friend.locator("a[href*='/products/']").first.click()
    friend.get_by_role("button", name=re.compile("Add to cart")).click()
    friend.goto(live_server.shop("mia", "/checkout"))
    expect(friend.locator(".checkout-referral")).to_contain_text("Rita Moreno recommended")
    _check_out(friend, "Sol Rivera", "sol@example.com")
    expect(friend.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    friend_context.close()

    page.reload()
    stats = page.locator(".promoter-stats")
    expect(stats.locator("div", has_text="Clicks")).to_contain_text("1")
    expect(stats.locator("div", has_text="Orders")).to_contain_text("1")
    expect(page.locator(".promoter-table")).to_contain_text("Pending")
    pending = stats.locator("div", has_text="Pending").locator("dd").inner_text()
    assert pending != "$0.00"
    assert not page.csp_violations and not page.console_errors, (page.csp_violations, page.console_errors)
