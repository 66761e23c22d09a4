"""An owner who forgot their password, on a phone: the login page's link, the e-mailed link
(read from the outbox), a new password, and their dashboard; the link then works no more."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ADDRESS, OLD_PASSWORD, NEW_PASSWORD = "forgetful@example.com", "the old forgotten one", "a phrase I will remember"


@pytest.fixture
def forgetful_owner(live_server):
    """An owner of their own shop (not a demo user: other tests log in with those)."""
    from app.accounts.services import create_user, find_user_by_email
    from app.extensions import db
    from app.shops.services import create_shop

    with live_server.app.app_context():
        if find_user_by_email(ADDRESS) is None:
            owner = create_user(ADDRESS, OLD_PASSWORD, verified=True)
            create_shop(owner, name="Forget Me Not", subdomain="forgetmenot", currency="USD")
            db.session.commit()
        db.session.remove()
    return ADDRESS


def _reset_path(live_server, address: str) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.notifications.models import OutboundEmail
    from app.tenancy import unscoped

    with live_server.app.app_context(), unscoped():
        email = db.session.scalar(select(OutboundEmail).where(
            OutboundEmail.to_address == address, OutboundEmail.dedupe_key.startswith("password-reset:"))
            .order_by(OutboundEmail.id.desc()))
        db.session.remove()
    return re.search(r"(/reset-password/[\w.-]+)", email.body_text).group(1)


def test_forgot_password_to_the_dashboard_on_a_phone(live_server, page, forgetful_owner):
    page.goto(live_server.platform("/login"))
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill(f"  {forgetful_owner.upper()} ")
    page.get_by_role("button", name="E-mail me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.locator(".auth-card")).to_contain_text("If an account exists for")

    link = _reset_path(live_server, forgetful_owner)
    page.goto(live_server.platform(link))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page.locator(".auth-card")).to_contain_text(forgetful_owner)
    page.get_by_label("New password", exact=True).fill("too short")
    page.get_by_label("Repeat the new password").fill("too short")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.locator(".error").first).to_contain_text("10 or more characters")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()

    expect(page).to_have_url(re.compile(r"/dashboard/forgetmenot/$"))
    expect(page.locator(".flash-success")).to_contain_text("Your new password is set")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The link is spent: opening it again says so and offers a new one.
    page.goto(live_server.platform(link))
    expect(page.get_by_role("heading", name="That link didn’t work")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    # (Chromium logs the pages answered 422 and 400 above as failed loads: expected.)
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
    assert page.csp_violations == []
