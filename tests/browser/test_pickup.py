"""Pick up at a neighbourhood point, in real browsers at phone width: the shopper chooses the
point (no address asked), gets a pickup code; the person in charge hands the order over on
their own page once it has arrived."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.orders.fulfilment import Shipment, ship_lines
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order
from app.shops.pickup import PickupPoint, new_staff_link
from app.tenancy import unscoped, use_shop
from tests.browser.conftest import watch_csp

pytestmark = pytest.mark.browser


def test_a_shopper_picks_up_and_the_person_in_charge_hands_it_over(live_server, page, browser):
    page.goto(live_server.shop("maple", "/"))
    page.locator("form.add-form button, .add-form button, button:has-text('Add')").first.click()
    page.goto(live_server.shop("maple", "/checkout"))
    address = page.locator(".shipping-address")
    expect(address).to_be_visible()
    page.get_by_text(re.compile("Pick up at Maple Street lobby")).click()
    expect(address).to_be_hidden()  # no address needed
    page.get_by_label("Full name").fill("Ida Moreau")
    page.get_by_label("Email").fill("ida@example.com")
    page.get_by_label("Phone").fill("+1 555 0100 301")
    page.get_by_text("Pay on delivery", exact=True).click()
    page.get_by_role("button", name=re.compile("Place order|Continue")).click()
    code = page.locator(".pickup-code-value")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    expect(page.locator(".pickup-code svg")).to_be_visible()
    typed = code.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 and page.csp_violations == []

    with live_server.app.app_context():
        with unscoped():
            point = db.session.scalar(select(PickupPoint))
            order = db.session.scalar(select(Order).where(Order.customer_email == "ida@example.com"))
            po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.order_id == order.id))
            ship_lines(po.supplier_id, [Shipment(line, "Local van", "LV-IDA") for line in po.lines])
        with use_shop(point.shop_id):
            token = new_staff_link(point)
        db.session.commit()
        desk_url = live_server.shop("maple", f"/pickup/{point.id}/{token}")
        db.session.remove()

    context = browser.new_context(viewport={"width": 390, "height": 844})
    desk = context.new_page()
    watch_csp(context, desk)
    desk.goto(desk_url)
    expect(desk.get_by_text("Ida Moreau")).to_be_visible()
    desk.get_by_label("The shopper’s pickup code").fill(typed.lower())
    desk.get_by_role("button", name="Hand over").click()
    expect(desk.locator(".flash, [role=status], .notice").first).to_contain_text("collected. Hand it over")
    desk.get_by_label("The shopper’s pickup code").fill(typed)
    desk.get_by_role("button", name="Hand over").click()
    expect(desk.get_by_text(re.compile("was collected on"))).to_be_visible()
    assert desk.csp_violations == []
    context.close()
