"""Bulk work in a real browser: an owner drags a product to a new place at desktop width (the
storefront follows), and hides two products at once at phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch_csp

pytestmark = pytest.mark.browser

OWNER = "bulk-owner@example.com"
PASSWORD = "a very good password"


@pytest.fixture(scope="module")
def bulk_shop(live_server):
    """A shop of its own with four products (the demo shops' order stays as other tests expect):
    its subdomain and the products' titles in their order."""
    from sqlalchemy import select

    from app.accounts.services import create_user
    from app.catalog.models import SupplyProduct
    from app.extensions import db
    from app.shops.pricing import PriceRule
    from app.shops.services import add_listing, create_shop
    from app.tenancy import unscoped, use_shop

    with live_server.app.app_context():
        owner = create_user(OWNER, PASSWORD, verified=True)
        shop = create_shop(owner, name="Bulk Goods", subdomain="bulkgoods", currency="USD")
        with unscoped():
            products = list(db.session.scalars(select(SupplyProduct).where(SupplyProduct.currency == "USD")
                                               .order_by(SupplyProduct.id).limit(4)))
        titles = []
        with use_shop(shop.id):
            for number, product in enumerate(products, start=1):
                # 300%: above every demo product's minimum retail price
                add_listing(shop, product.id, rule=PriceRule("markup", 30_000), title=f"Bulk item {number}")
                titles.append(f"Bulk item {number}")
        db.session.commit()
        db.session.remove()
    return "bulkgoods", titles


def _log_in(page, live_server):
    page.goto(live_server.platform("/login"))
    page.get_by_label("Email").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def _storefront_titles(page, live_server, subdomain) -> list[str]:
    page.goto(live_server.shop(subdomain))
    return page.locator("#products .card-title").all_inner_texts()


def _said_while(page, action, until: str) -> list[str]:
    """Every text the reorder status line shows while `action` runs, up to one holding
    `until`: "now 3 of 4. Saving…" lasts only until the save answers, which can be before
    a check of the page would see it."""
    page.evaluate("""() => {
        window.said = [];
        const status = document.getElementById("reorder-status");
        if (!window.watching) {
            new MutationObserver(() => window.said.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
            window.watching = true;
        }
    }""")
    action()
    page.wait_for_function("until => window.said.some(text => text.includes(until))", arg=until)
    return page.evaluate("() => window.said")


def test_an_owner_drags_a_product_to_the_top_and_the_storefront_follows(live_server, browser, bulk_shop):
    subdomain, titles = bulk_shop
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch_csp(context, page)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, live_server)
    page.goto(live_server.platform(f"/dashboard/{subdomain}/products"))

    rows = page.locator("tbody[data-reorder-url] > tr")
    expect(rows).to_have_count(4)
    handle = rows.nth(2).locator("[data-drag-handle]")
    expect(handle).to_be_visible()
    start = handle.bounding_box()
    top = rows.nth(0).bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2, top["y"] + 4, steps=12)
    page.mouse.up()

    expect(page.locator("#reorder-status")).to_contain_text("New order saved")
    expected = [titles[2], titles[0], titles[1], titles[3]]
    expect(rows.locator("td.product strong")).to_have_text(expected)
    expect(rows.locator("[data-position]")).to_have_text(["1", "2", "3", "4"])
    expect(rows.nth(0).locator("[data-move='up']")).to_be_disabled()
    expect(rows.nth(1).locator("[data-move='up']")).to_be_enabled()

    page.reload()  # saved on the server, not only moved on the page
    expect(rows.locator("td.product strong")).to_have_text(expected)
    assert _storefront_titles(page, live_server, subdomain) == expected

    # The keyboard: a focused handle moves its row with the arrow keys.
    page.goto(live_server.platform(f"/dashboard/{subdomain}/products"))
    rows.nth(0).locator("[data-drag-handle]").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#reorder-status")).to_contain_text("New order saved")
    expected = [titles[0], titles[2], titles[1], titles[3]]
    expect(rows.locator("td.product strong")).to_have_text(expected)
    assert _storefront_titles(page, live_server, subdomain) == expected
    assert errors == [] and page.csp_violations == []
    context.close()


def test_an_owner_hides_two_products_at_once_on_a_phone(live_server, page, bulk_shop):
    subdomain, titles = bulk_shop
    _log_in(page, live_server)
    page.goto(live_server.platform(f"/dashboard/{subdomain}/products"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing to scroll sideways

    count = page.locator("[data-selected-count]")
    expect(count).to_have_text("None ticked")
    page.get_by_label("Select all on this page").check()
    expect(count).to_have_text("4 of 4 ticked")
    page.get_by_label("Select all on this page").uncheck()
    page.get_by_label(f"Tick {titles[1]}").check()
    page.get_by_label(f"Tick {titles[3]}").check()
    expect(count).to_have_text("2 of 4 ticked")
    page.locator("#bulk-form").get_by_role("button", name="Hide", exact=True).click()

    expect(page.locator(".flash-success")).to_contain_text("2 products are hidden from your storefront.")
    for title, badge in zip(titles, ["Visible", "Hidden", "Visible", "Hidden"], strict=True):
        row = page.locator("tbody > tr", has_text=title)
        expect(row.locator(".badge").first).to_have_text(badge)
    shown = _storefront_titles(page, live_server, subdomain)
    assert titles[1] not in shown and titles[3] not in shown and titles[0] in shown
    assert page.console_errors == [] and page.csp_violations == []


def test_an_owner_reorders_page_two_and_moves_a_product_to_page_one(live_server, page, bulk_shop, monkeypatch):
    """Two products a page: page two's rows are numbered 3 and 4, a drag there swaps them
    (page one keeps its own), and a ticked product moves to place 1 with the bulk bar."""
    from app.shops import services as shops

    monkeypatch.setattr(shops, "PRODUCTS_PER_PAGE", 2)
    subdomain, _ = bulk_shop
    _log_in(page, live_server)
    products = live_server.platform(f"/dashboard/{subdomain}/products")
    page.goto(products)
    titles = page.locator("tbody > tr td.product strong")
    page_one = titles.all_inner_texts()
    page.get_by_role("link", name="Next →").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    rows = page.locator("tbody[data-reorder-url] > tr")
    expect(rows.locator("[data-position]")).to_have_text(["3", "4"])
    expect(rows.nth(0).locator("[data-move='up']")).to_be_enabled()  # onto page one
    expect(rows.nth(1).locator("[data-move='down']")).to_be_disabled()  # the last of all
    page_two = titles.all_inner_texts()

    handle = rows.nth(1).locator("[data-drag-handle]")
    said = _said_while(page, lambda: (handle.focus(), page.keyboard.press("ArrowUp")), "New order saved")
    assert f"{page_two[1]}: now 3 of 4. Saving…" in said, said
    page.reload()
    expect(titles).to_have_text([page_two[1], page_two[0]])
    page.goto(products)
    expect(titles).to_have_text(page_one)

    page.goto(products + "?page=2")
    page.get_by_label(f"Tick {page_two[0]}").check()
    page.get_by_label("Move to place").fill("1")
    page.locator("#bulk-form").get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("1 product moved to place 1 of your order.")
    expect(page).to_have_url(re.compile(r"/products#listing-\d+$"))
    expect(titles).to_have_text([page_two[0], page_one[0]])
    everything = [page_two[0], *page_one, page_two[1]]
    shown = _storefront_titles(page, live_server, subdomain)  # the visible ones, in that order
    assert shown and shown == [title for title in everything if title in shown]
    assert page.console_errors == [] and page.csp_violations == []


def test_a_rows_own_buttons_move_hide_and_remove_it(live_server, page, bulk_shop):
    """Every row's buttons send the page's one row-actions form (each to its own address):
    moving, hiding and removing still work, and removing still asks first."""
    subdomain, _ = bulk_shop
    _log_in(page, live_server)
    page.goto(live_server.platform(f"/dashboard/{subdomain}/products"))
    assert page.locator("td.row-actions form").count() == 0  # the rows draw no form of their own
    rows = page.locator("tbody > tr")
    before = rows.locator("td.product strong").all_inner_texts()

    page.get_by_role("button", name=f"Move {before[1]} up").click()
    expect(rows.locator("td.product strong")).to_have_text([before[1], before[0], *before[2:]])

    row = page.locator("tbody > tr", has_text=before[2])
    hide_or_show = "Hide" if row.locator(".badge").first.inner_text() == "Visible" else "Show"
    page.get_by_role("button", name=f"{hide_or_show} {before[2]}").click()
    expect(page.locator("tbody > tr", has_text=before[2]).locator(".badge").first).to_have_text(
        "Hidden" if hide_or_show == "Hide" else "Visible")

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name=f"Remove {before[3]}").click()
    expect(rows).to_have_count(len(before))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Remove {before[3]}").click()
    expect(rows).to_have_count(len(before) - 1)
    assert before[3] not in rows.locator("td.product strong").all_inner_texts()
    assert page.console_errors == [] and page.csp_violations == []


def test_the_scripts_words_come_in_the_owners_language(live_server, page, bulk_shop):
    """In a Chinese dashboard, what bulk.js says itself (how many are ticked, where a moved row
    is now) is Chinese too, as the server's own messages are."""
    subdomain, _ = bulk_shop
    _log_in(page, live_server)
    page.context.add_cookies([{"name": "lang", "value": "zh", "url": live_server.platform("/")}])
    page.goto(live_server.platform(f"/dashboard/{subdomain}/products"))
    rows = page.locator("tbody[data-reorder-url] > tr")
    titles = rows.locator("td.product strong").all_inner_texts()
    total = len(titles)  # (the tests before may have removed one)
    assert total >= 2
    count = page.locator("[data-selected-count]")
    expect(count).to_have_text("未勾选")
    page.locator("input[name='listing']").first.check()
    expect(count).to_have_text(f"已勾选 1 / {total}")

    def move(row: int, key: str, place: int) -> None:
        handle = rows.nth(row).locator("[data-drag-handle]")
        said = _said_while(page, lambda: (handle.focus(), page.keyboard.press(key)), "新排序已保存")
        assert f"{titles[1]}：现在是第 {place} 位（共 {total} 位）。正在保存…" in said, said

    move(1, "ArrowUp", 1)
    move(0, "ArrowDown", 2)  # and back, as the other tests expect it
    page.reload()
    expect(rows.locator("td.product strong")).to_have_text(titles)
    assert page.console_errors == [] and page.csp_violations == []
