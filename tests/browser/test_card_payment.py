"""A shopper pays by card in a real browser: the storefront hands over to the (fake)
Stripe Checkout page, the card is declined once, then paid, and the shopper lands on a
paid order. The owner then sees how the payment was shared."""

from __future__ import annotations

import re
import threading
import time

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests import markup_checks
from tests.conftest import test_config as app_config
from tests.fakes.stripe import FakeStripe

from .conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def card_server(tmp_path_factory):
    """A live app with card payments on, and the fake Stripe sending its webhooks to it
    a moment after each change (as Stripe does), over real HTTP."""
    # Bind the app's port first (the app comes later: it needs the fake's address), so the
    # fake cannot be handed the same free port.
    holder = {}
    live = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    port = live.server_port
    fake = FakeStripe(webhook_url=f"http://localhost:{port}/webhooks/stripe", webhook_secret="whsec_browser")
    fake.auto_deliver = False
    fake.start()
    stop = threading.Event()

    def deliver():
        while not stop.wait(0.2):
            fake.flush_webhooks()

    threading.Thread(target=deliver, daemon=True).start()
    db_file = tmp_path_factory.mktemp("card") / "card.sqlite3"
    app = create_app(app_config(f"sqlite:///{db_file}", SERVER_NAME=f"localhost:{port}",
                                 WTF_CSRF_ENABLED=True, TESTING=False, STRIPE_SECRET_KEY="sk_test_browser",
                                 STRIPE_WEBHOOK_SECRET="whsec_browser", STRIPE_API_BASE=fake.url,
                                 STRIPE_NETWORK_RETRIES=0))
    markup_problems: list[str] = []
    markup_checks.install(app, markup_problems)
    with app.app_context():
        upgrade()
        from app.demo import load_demo

        load_demo(if_empty=False)
        db.session.commit()
        db.session.remove()
    holder["app"] = app
    threading.Thread(target=live.serve_forever, daemon=True).start()
    yield LiveServer(app, port, markup_problems), fake
    stop.set()
    live.shutdown()
    fake.stop()


def test_a_shopper_pays_by_card_after_a_declined_card(card_server, page):
    live, fake = card_server
    page.goto(live.shop("nora"))
    page.locator("a[href*='/products/']").first.click()
    page.get_by_role("button", name=re.compile("Add to cart")).click()
    page.get_by_role("link", name=re.compile("Check out")).click()
    page.get_by_label("Full name").fill("Cora Card")
    page.get_by_label("Email").fill("cora@example.com")
    page.get_by_label("Phone").fill("+1 555 0100 400")
    page.get_by_label("Address", exact=True).fill("9 Oak Street")
    page.get_by_label("City").fill("Boston")
    page.get_by_label("Postcode").fill("02108")
    expect(page.locator("input[name=payment_method][value=card]")).to_be_checked()
    page.get_by_role("button", name=re.compile("Continue")).click()

    expect(page).to_have_url(re.compile(r"/pay/cs_"))  # Stripe's (the fake's) page
    page.locator("select[name=card]").select_option("declined")
    page.locator("#pay").click()
    expect(page.locator("#payment-error")).to_be_visible()
    page.locator("select[name=card]").select_option("success")
    page.console_errors.clear()  # the stand-in Stripe page's own (its 402, its favicon)
    page.locator("#pay").click()

    expect(page.get_by_role("heading", name=re.compile("Thank you, Cora"))).to_be_visible()
    expect(page.locator("body")).to_contain_text("Your payment went through")
    number = page.locator(".order-number").inner_text().split()[-1]
    page.wait_for_load_state("networkidle")
    # No script error, and no failed resource of our own (failed ones are logged with their URL).
    assert [e for e in page.console_errors if fake.url not in e and "Failed to load" not in e] == []
    assert not any(f"localhost:{live.port}" in e for e in page.console_errors)

    # The webhook arrives too, and changes nothing more; the owner sees the split.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not fake.deliveries:
        time.sleep(0.1)
    assert fake.deliveries and all(delivery.status == 200 for delivery in fake.deliveries), fake.deliveries
    page.goto(live.platform("/login"))
    page.get_by_label("Email").fill("nora@flagship.example")
    page.get_by_label("Password").fill("flagship-demo")
    page.get_by_role("button", name="Log in").click()
    page.goto(live.platform("/dashboard/nora/orders"))
    page.get_by_role("link", name=number).click()
    expect(page.locator("body")).to_contain_text("How the money is shared")
    expect(page.locator("body")).to_contain_text("Card processing (Stripe)")
    assert page.csp_violations == []  # the hand-over to Stripe and back, under our policy
