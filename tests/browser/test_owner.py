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


def _log_in(page, live_server, email, password="flagship-demo"):
    page.goto(live_server.platform("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def _fits(page, width=390) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _tables_fit(page) -> None:
    """Only a "pinned" table (figures read down a column) scrolls sideways in its box on a
    phone; the others' rows become cards that fit it."""
    scrolling = page.locator(".table-wrap:not(:has(table.pinned))").evaluate_all(
        "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.querySelector('table').className)")
    assert scrolling == [], page.url


def _on_screen(locator, width=390) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (locator, box)


DASHBOARD_LINKS = ("Home", "Catalog", "Products", "Notices", "Collections", "Orders", "Earnings",
                   "Theme", "Domains", "Settings", "View storefront")


def test_the_dashboard_fits_a_phone_and_its_menu_reaches_every_page(live_server, browser):
    """Issue 14, item 12: no sideways scrolling at 390 px (the domains page with a long domain
    too), and every section of the dashboard one tap away behind the Menu button."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, live_server, "nora@flagship.example")
    page.goto(live_server.platform("/dashboard/nora/domains"))
    page.get_by_label("Domain").fill("shop.a-rather-long-name-for-a-writers-shop.nora-writes.example.com")
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator(".domain-card")).to_have_count(1)
    _fits(page)
    for path in ("/", "/catalog", "/products", "/orders", "/earnings", "/themes", "/themes/journal",
                 "/settings", "/shipping", "/discounts"):
        page.goto(live_server.platform(f"/dashboard/nora{path}"))
        _fits(page)
        _tables_fit(page)

    nav = page.get_by_role("navigation", name="Shop dashboard")
    menu = nav.get_by_role("button", name="Menu")
    _on_screen(menu)
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Orders")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in DASHBOARD_LINKS:
        _on_screen(nav.get_by_role("link", name=name))
    _fits(page)
    nav.get_by_role("link", name="Earnings").click()
    expect(page).to_have_url(re.compile(r"/dashboard/nora/earnings$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Earnings")
    page.get_by_role("navigation", name="Shop dashboard").get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Shop dashboard").get_by_role("link", name="Orders").click()
    expect(page).to_have_url(re.compile(r"/dashboard/nora/orders$"))

    # the domain goes again, for the other tests
    page.goto(live_server.platform("/dashboard/nora/domains"))
    page.get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.locator(".domain-card")).to_have_count(0)
    assert errors == []
    context.close()


def test_without_scripts_the_phone_menu_shows_every_link(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    _log_in(page, live_server, "nora@flagship.example")
    page.goto(live_server.platform("/dashboard/nora/"))
    nav = page.get_by_role("navigation", name="Shop dashboard")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    for name in DASHBOARD_LINKS:
        _on_screen(nav.get_by_role("link", name=name))
    _fits(page)
    context.close()


def test_the_admin_tables_read_as_cards_on_a_phone(live_server, browser):
    """The admin's tables are cards on a phone (_tables_fit), their figures labelled."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _log_in(page, live_server, "admin@flagship.example", "flagship-demo-admin")
    page.goto(live_server.platform("/admin/suppliers?q=Northwind"))  # demo ones: tests add empty ones
    supplier = page.get_by_role("link", name="Northwind Apparel Co.").get_attribute("href")
    page.goto(live_server.platform("/admin/shops?q=Mia"))
    shop = page.get_by_role("link", name="Mia's Closet").get_attribute("href")
    page.goto(live_server.platform(supplier))
    product = page.locator("table.supply-products a[href*='/products/']").first.get_attribute("href")  # its variants
    for path in ("/admin/products", supplier, product, shop, "/admin/money", "/admin/rates", "/admin/deals"):
        page.goto(live_server.platform(path))
        _fits(page)
        assert page.locator(".table-wrap:not(:has(table.pinned))").count(), path
        _tables_fit(page)
    page.goto(live_server.platform("/admin/products"))
    stock = page.locator("table.supply-products tbody tr").first.locator("td.stock")
    assert stock.evaluate("td => getComputedStyle(td, '::before').content") == '"Stock: "'  # its label
    context.close()


def test_a_form_refused_as_expired_comes_back_as_it_was_typed(live_server, browser):
    """Logging out and in again in another tab makes an open form's token no one's: sending
    it saves nothing and draws the page again. What was typed (not a password) is put back
    by the page's script, which says so; the next page load forgets it."""
    context = browser.new_context()
    page = context.new_page()
    _log_in(page, live_server, "nora@flagship.example")
    page.goto(live_server.platform("/dashboard/nora/settings"))
    bio = page.get_by_label("Short bio")
    saved_bio = bio.input_value()
    bio.fill("A bio I would hate to type twice.")
    page.get_by_label("Shop name").fill("Nora, renamed")
    other = context.new_page()
    other.goto(live_server.platform("/account"))
    other.get_by_role("button", name="Log out", exact=True).click()
    _log_in(other, live_server, "nora@flagship.example")
    other.close()

    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("[data-form-restored]")).to_be_visible()
    expect(page.locator("[data-form-expired]")).to_be_hidden()
    expect(page.get_by_label("Short bio")).to_have_value("A bio I would hate to type twice.")
    expect(page.get_by_label("Shop name")).to_have_value("Nora, renamed")
    page.reload()  # nothing was saved, and the draft is gone
    expect(page.get_by_label("Short bio")).to_have_value(saved_bio)
    expect(page.locator("[data-form-restored]")).to_have_count(0)
    context.close()


def test_the_admin_menu_fits_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _log_in(page, live_server, "admin@flagship.example", "flagship-demo-admin")
    page.goto(live_server.platform("/admin/"))
    _fits(page)
    nav = page.get_by_role("navigation", name="Platform admin")
    nav.get_by_role("button", name="Menu").click()
    for name in ("Overview", "Suppliers", "Products", "Shops", "Money", "Outbox", "Feeds", "Jobs"):
        _on_screen(nav.get_by_role("link", name=name))
    nav.get_by_role("link", name="Jobs").click()
    expect(page).to_have_url(re.compile(r"/admin/jobs"))
    _fits(page)
    context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_the_supplier_portal_fits_a_phone(live_server, browser, width):
    """The top bar's four links (Supplier portal, My shops, Account, Log out) wrap rather than
    push the page sideways, and every portal page fits. From 390 px they fit on one line: the
    portal's link says "Supplier" there."""
    from app.demo.suppliers import SUPPLIER_PASSWORD, SUPPLIER_STAFF

    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    _log_in(page, live_server, SUPPLIER_STAFF["Northwind Apparel Co."], SUPPLIER_PASSWORD)
    for path in ("/supplier/", "/supplier/shipments/upload", "/supplier/payouts", "/supplier/settings"):
        page.goto(live_server.platform(path))
        _fits(page, width)
        _on_screen(page.get_by_role("button", name="Log out"), width)
        if width >= 390:
            portal = page.get_by_role("link", name="Supplier portal").bounding_box()
            log_out = page.get_by_role("button", name="Log out").bounding_box()
            assert abs(portal["y"] - log_out["y"]) < 8, (portal, log_out)
    page.goto(live_server.platform("/supplier/"))
    page.locator("table a[href*='/supplier/purchase-orders/']").first.click()
    expect(page).to_have_url(re.compile(r"/supplier/purchase-orders/"))
    _fits(page, width)
    context.close()


def _cents(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def test_the_owner_sees_the_platform_fee_and_their_real_take(live_server, browser):
    """Issue 14, item 5: sign-up and the listing form show what the owner gets after the
    platform fee, as the ledger books it; Earnings explains the cash of pay-on-delivery orders."""
    from app.ledger.allocation import shop_take

    fee_bp = live_server.app.config["PLATFORM_FEE_BP"]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.platform("/signup"))
    expect(page.locator(".auth-card")).to_contain_text(f"the platform keeps {fee_bp // 100}% of each sale")
    expect(page.locator(".auth-pitch")).to_contain_text(
        f"earns you ${shop_take(2400, 1500, fee_bp).amount / 100:.2f}")

    _log_in(page, live_server, "mia@flagship.example")
    page.goto(live_server.platform("/dashboard/mia/catalog?category=snacks"))
    page.get_by_role("link", name="Add to shop").first.click()
    expect(page.locator("#price-table-caption")).to_contain_text(f"platform fee ({fee_bp // 100}% of the price)")
    page.get_by_label("Markup (%)").fill("73")  # the page asks the server for the fee and the take
    row = page.locator("[data-price-row]").first
    take = row.locator("[data-take]")
    expect(take).not_to_have_text("…")
    price, wholesale = _cents(row.locator("[data-price]").text_content()), _cents(row.locator("td").nth(5).text_content())
    expected = shop_take(price, wholesale, fee_bp)
    expect(take).to_have_text(f"${expected.amount / 100:.2f}")
    expect(row.locator("[data-fee]")).to_have_text(f"${expected.fee / 100:.2f}")
    assert expected.amount < price - wholesale  # not the margin before the fee

    page.goto(live_server.platform("/dashboard/mia/earnings"))  # the demo's orders are all paid in cash
    cash = page.locator(".cash-card")
    expect(cash).to_contain_text("Cash from pay-on-delivery orders")
    expect(cash).to_contain_text("You owe the platform")
    expect(page.locator(".stats .negative")).to_have_count(0)
    expect(page.locator(".stats")).to_contain_text("you owe")
    expect(page.locator("body")).not_to_contain_text("keeps growing")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_a_fixed_field_in_the_back_office_loses_its_error(live_server, browser):
    """Issue 14, item 14: the server's message under a field goes once the owner edits it."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(page, live_server, "nora@flagship.example")
    page.goto(live_server.platform("/dashboard/nora/discounts"))
    page.get_by_label("Code", exact=True).fill("no spaces please")
    page.get_by_role("button", name="Add the code").click()
    code = page.get_by_label("Code", exact=True)
    expect(code).to_have_attribute("aria-invalid", "true")
    message = page.locator("#code-error")
    expect(message).to_contain_text("without spaces")
    code.fill("WINTER15")
    expect(message).to_be_hidden()
    expect(code).not_to_have_attribute("aria-invalid", "true")
    page.context.close()


def test_a_new_shops_address_is_suggested_and_checked_as_it_is_typed(live_server, page):
    """On a phone: the shop's name suggests a free address, shown whole; a taken one is said
    to be taken as it is typed, with a free one to use instead; the shop opens on it."""
    from app.accounts.services import create_user, find_user_by_email
    from app.extensions import db

    with live_server.app.app_context():
        if find_user_by_email("olga@example.com") is None:
            create_user("olga@example.com", "a very good password", verified=True)
            db.session.commit()
        db.session.remove()
    _log_in(page, live_server, "olga@example.com", "a very good password")
    page.goto(live_server.platform("/dashboard/new"))
    address, status = page.get_by_label("Web address"), page.locator("#subdomain-status")
    expect(page.locator(".affix")).to_have_text(f".localhost:{live_server.port}")

    page.get_by_label("Shop name").press_sequentially("Olga's Café Corner")
    expect(address).to_have_value("olgas-cafe-corner")
    expect(status).to_have_text(f"olgas-cafe-corner.localhost:{live_server.port} is free.")
    expect(status).to_have_class(re.compile("is-free"))
    _fits(page)

    address.fill("")
    address.press_sequentially("Maple")  # the demo's market, capitalised by a phone's keyboard
    expect(status).to_contain_text("“maple” is taken. Pick another.")
    expect(status).to_have_class(re.compile("is-taken"))
    page.get_by_label("Shop name").press_sequentially("!")  # the owner's own address stays
    expect(address).to_have_value("Maple")
    status.get_by_role("button", name="Use maple-shop").click()
    expect(address).to_have_value("maple-shop")
    expect(status).to_have_text(f"maple-shop.localhost:{live_server.port} is free.")
    _fits(page)

    page.get_by_role("button", name=re.compile("Open my shop")).click()
    expect(page).to_have_url(re.compile(r"/dashboard/maple-shop/$"))
    assert page.console_errors == [] and page.csp_violations == []
