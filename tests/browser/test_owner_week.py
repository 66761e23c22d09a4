"""An owner's first week, in real browsers (issue 14): a shopper buys on a phone; the owner
finds the order by the shopper's name on a phone, prints its packing slip, sees it ship when
the supplier marks it shipped, marks the cash paid and refunds one item; the shopper's order
page and the owner's CSV tell the same story."""

import re

import pytest
from playwright.sync_api import expect

from app.demo.suppliers import SUPPLIER_PASSWORD, SUPPLIER_STAFF
from tests.browser.test_group_buy import _check_out
from tests.browser.test_owner import _fits, _log_in

pytestmark = pytest.mark.browser


def test_an_owners_first_week_with_one_order(live_server, browser):
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    shopper = phone.new_page()
    shopper.goto(live_server.shop("mia", "/products/the-perfect-organic-tee"))
    shopper.get_by_role("button", name=re.compile("Add to cart")).click()
    shopper.goto(live_server.shop("mia", "/checkout"))
    _check_out(shopper, "Wren Okoye", "wren@example.com")
    expect(shopper.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    number = re.search(r"FS-[A-Z0-9]{8}", shopper.locator(".order-number").inner_text()).group(0)
    status_url = shopper.url

    owner = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _log_in(owner, live_server, "mia@flagship.example")
    owner.goto(live_server.platform("/dashboard/mia/orders"))
    # On a phone the filters past the search fold behind "More filters": the list is on
    # the first screen.
    fulfilment = owner.get_by_label("Fulfilment")
    expect(fulfilment).to_be_hidden()
    assert owner.locator("table.data").bounding_box()["y"] < 844
    owner.get_by_label("Search").fill("wren")
    owner.get_by_role("button", name="More filters").click()
    expect(fulfilment).to_be_focused()
    fulfilment.select_option("unfulfilled")
    owner.get_by_role("button", name="Filter", exact=True).click()
    expect(owner.get_by_role("button", name="More filters")).to_contain_text("1")  # one is set
    expect(fulfilment).to_be_hidden()
    rows = owner.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text("Unfulfilled")
    total = rows.first.locator("td.total").bounding_box()  # a card: the total beside the number
    assert total["x"] + total["width"] <= 390 and abs(total["y"] - rows.first.locator("td.number").bounding_box()["y"]) < 8
    _fits(owner)

    # The packing slip of the ticked order opens in a new tab, ready to print.
    rows.first.get_by_role("checkbox").check()
    with owner.context.expect_page() as slip_page:
        owner.get_by_role("button", name="Print packing slips").click()
    slip = slip_page.value
    expect(slip.get_by_role("heading", name=f"Order {number}")).to_be_visible()
    expect(slip.locator(".slip")).to_contain_text("Wren Okoye")
    expect(slip.locator(".slip")).to_contain_text("The Perfect Organic Tee")
    slip.close()

    # On a phone the supplier's list has a card per purchase order: the address and the
    # lines under the number, not squeezed into columns a word wide beside it.
    on_phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _log_in(on_phone, live_server, SUPPLIER_STAFF["Northwind Apparel Co."], SUPPLIER_PASSWORD)
    on_phone.goto(live_server.platform("/supplier/"))
    card = on_phone.locator("table.data tbody tr", has_text=f"{number}-1")
    number_box = card.locator("td").first.bounding_box()
    address_box = card.locator("td", has_text="Wren Okoye").bounding_box()
    assert address_box["x"] == number_box["x"] and address_box["y"] > number_box["y"]
    assert card.bounding_box()["height"] < 360
    _fits(on_phone)
    card.get_by_role("link", name=f"{number}-1").click()  # its lines: a card each, the quantity in sight
    quantity = on_phone.locator("table.ship-lines td.qty").first.bounding_box()
    assert quantity["x"] + quantity["width"] <= 390, quantity
    on_phone.context.close()

    # The supplier ships it from the portal (desktop).
    supplier = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(supplier, live_server, SUPPLIER_STAFF["Northwind Apparel Co."], SUPPLIER_PASSWORD)
    supplier.goto(live_server.platform("/supplier/"))
    supplier.get_by_role("link", name=f"{number}-1").click()
    supplier.get_by_label("Carrier").fill("UPS")
    supplier.get_by_label("Tracking number").fill("1Z999WREN")
    supplier.get_by_role("button", name="Mark ticked lines shipped").click()
    expect(supplier.locator("body")).to_contain_text("1Z999WREN")
    supplier.context.close()

    owner.goto(live_server.platform("/dashboard/mia/orders?fulfilment=shipped&q=" + number))
    expect(owner.locator("table.data tbody tr").first).to_contain_text("Shipped")
    owner.get_by_role("link", name=number).click()
    owner.get_by_role("button", name="Mark paid").click()
    expect(owner.locator(".flash-success")).to_contain_text(f"Order {number} is marked paid")
    owner.get_by_label(re.compile("Units of The Perfect Organic Tee to refund")).fill("1")
    owner.get_by_label("Reason (the shopper does not see it)").fill("Wrong size")
    owner.get_by_role("button", name="Refund selected items").click()
    expect(owner.locator("body")).to_contain_text("Refunded")
    _fits(owner)
    # Every amount of the order page in sight on a phone: the items' totals, who gets what,
    # the refund (nothing past a table scrolled sideways).
    amounts = owner.locator("table.items-table td.line-total, table.money-split td.num, table.stacked td.num")
    assert amounts.count() >= 4
    for cell in amounts.all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= 390, (cell.text_content(), box)

    # Earnings on a phone: each entry's amount is in sight, not past a table scrolled sideways.
    owner.goto(live_server.platform("/dashboard/mia/earnings"))
    amounts = owner.locator("table.ledger-table td.amount")
    expect(amounts.first).to_be_visible()
    for index in range(min(amounts.count(), 5)):
        box = amounts.nth(index).bounding_box()
        assert box["x"] + box["width"] <= 390, box

    shopper.goto(status_url)
    expect(shopper.locator("body")).to_contain_text("1Z999WREN")
    expect(shopper.locator("body")).to_contain_text(re.compile("[Rr]efund"))

    csv = owner.request.get(live_server.platform(f"/dashboard/mia/orders.csv?q={number}")).text()
    assert number in csv and "Wren Okoye" in csv and ",refunded," in csv
    phone.close()
    owner.context.close()
