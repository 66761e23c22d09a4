"""Take the README's tour screenshots in headless Chromium: `python scripts/screenshots.py`.

Starts the app on a throw-away SQLite database with the demo data, opens each page as the
right user at desktop and phone widths, and writes PNGs to docs/screenshots/ (OUT=dir to
write elsewhere; ONLY=word to take only the shots whose name contains it). It also writes
each theme's preview image (themes/NAME/static/preview.png) from the live storefronts.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.demo import ADMIN_EMAIL, ADMIN_PASSWORD, OWNER_PASSWORD, load_demo  # noqa: E402
from app.demo.suppliers import SUPPLIER_PASSWORD, SUPPLIER_STAFF  # noqa: E402
from app.extensions import db  # noqa: E402
from tests.fakes.stripe import FakeStripe  # noqa: E402

OUT = Path(os.environ.get("OUT") or ROOT / "docs" / "screenshots")
ONLY = os.environ.get("ONLY", "")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
MIA, NORA, MAPLE = "mia@flagship.example", "nora@flagship.example", "maple@flagship.example"
LIN = "lin@flagship.example"  # the Chinese shop, in yuan
SUPPLIER = SUPPLIER_STAFF["Northwind Apparel Co."]

# (file name, who, (host, path), phone?, full page?, add to cart first?)
SHOTS = [
    ("platform-home", None, ("platform", "/"), False, False, False),
    ("theme-boutique", None, ("mia", "/"), False, False, False),
    ("theme-boutique-phone", None, ("mia", "/"), True, False, False),
    ("theme-journal", None, ("nora", "/"), False, False, False),
    ("theme-journal-phone", None, ("nora", "/"), True, False, False),
    ("theme-market", None, ("maple", "/"), False, False, False),
    ("chinese-storefront", None, ("lin", "/"), False, False, False),
    ("chinese-storefront-phone", None, ("lin", "/"), True, False, False),
    ("chinese-checkout-phone", None, ("lin", "/checkout"), True, True, True),
    ("chinese-dashboard", LIN, ("platform", "/dashboard/lin/"), False, False, False),
    ("chinese-dashboard-orders-phone", LIN, ("platform", "/dashboard/lin/orders"), True, False, False),
    ("admin-exchange-rates", ADMIN_EMAIL, ("platform", "/admin/rates"), False, False, False),
    ("theme-market-phone", None, ("maple", "/"), True, False, True),
    ("product-phone", None, ("mia", "/products/the-perfect-organic-tee"), True, False, False),
    # "#photo-1": the owner's photos and the pickers of size and colour under them
    ("product-options-phone", None, ("mia", "/products/the-perfect-organic-tee#photo-1"), True, False, False),
    ("product-journal", None, ("nora", "/products/the-writing-mug"), False, False, False),
    ("product-market-phone", None, ("maple", "/products/wildflower-honey"), True, False, False),
    # "#share": the Share button's panel opened (and its share picture saved beside it)
    ("share-panel-phone", None, ("mia", "/products/the-perfect-organic-tee#share"), True, False, False),
    ("collection-boutique", None, ("mia", "/collections/capsule-wardrobe-basics"), False, False, False),
    ("cart-market-phone", None, ("maple", "/cart"), True, False, True),
    ("checkout-boutique-phone", None, ("mia", "/checkout"), True, False, True),
    # "#reader10": the code applied, then Japan chosen (shipping follows the country)
    ("checkout-discount-shipping-phone", None, ("nora", "/checkout#reader10"), True, True, True),
    ("shop-pages-privacy-journal-phone", None, ("nora", "/pages/privacy"), True, True, False),
    ("shop-pages-returns-market-phone", None, ("maple", "/pages/returns"), True, True, False),
    ("shop-pages-contact-boutique-phone", None, ("mia", "/contact"), True, True, False),
    ("shop-pages-contact-market-phone", None, ("maple", "/contact"), True, True, False),
    ("theme-default", MIA, ("platform", "/dashboard/mia/themes/default/preview"), False, False, False),
    ("dashboard-themes", MIA, ("platform", "/dashboard/mia/themes"), False, False, False),
    ("dashboard-theme-editor", MIA, ("platform", "/dashboard/mia/themes/boutique"), False, False, False),
    ("dashboard-domains", MIA, ("platform", "/dashboard/mia/domains"), False, False, False),
    ("dashboard-home", MIA, ("platform", "/dashboard/mia/"), False, False, False),
    # "#bulk": two products ticked and a markup typed in the bulk bar (on a phone it floats)
    ("dashboard-products-bulk", MIA, ("platform", "/dashboard/mia/products#bulk"), False, False, False),
    ("dashboard-products-bulk-phone", MIA, ("platform", "/dashboard/mia/products#bulk"), True, False, False),
    ("dashboard-catalog", MIA, ("platform", "/dashboard/mia/catalog"), False, False, False),
    # "#add": two products ticked in the catalog, scrolled down (on a phone the bar floats)
    ("dashboard-catalog-add-phone", MIA, ("platform", "/dashboard/mia/catalog?category=home#add"), True, False, False),
    # "#address": a new shop's name typed, then a taken address (with the free one offered)
    ("dashboard-new-shop-address-phone", MIA, ("platform", "/dashboard/new#address"), True, False, False),
    ("dashboard-orders", MIA, ("platform", "/dashboard/mia/orders"), False, False, False),
    ("dashboard-earnings", MIA, ("platform", "/dashboard/mia/earnings"), False, False, False),
    ("dashboard-analytics", MIA, ("platform", "/dashboard/mia/analytics"), False, True, False),
    ("dashboard-analytics-phone", MIA, ("platform", "/dashboard/mia/analytics?period=90d&by=week"), True, True, False),
    ("dashboard-order-money", MIA, ("platform", "/dashboard/mia/orders/1"), False, True, False),
    ("dashboard-discounts", NORA, ("platform", "/dashboard/nora/discounts"), False, True, False),
    ("dashboard-shipping", NORA, ("platform", "/dashboard/nora/shipping"), False, True, False),
    ("dashboard-shop-pages", MAPLE, ("platform", "/dashboard/maple/pages"), False, True, False),
    ("dashboard-shop-pages-editor", MAPLE, ("platform", "/dashboard/maple/pages/returns"), False, True, False),
    ("admin-suppliers", ADMIN_EMAIL, ("platform", "/admin/suppliers"), False, False, False),
    ("admin-money", ADMIN_EMAIL, ("platform", "/admin/money"), False, False, False),
    ("admin-feed-settings", ADMIN_EMAIL, ("platform", "/admin/suppliers/1/feed"), False, False, False),
    ("admin-analytics", ADMIN_EMAIL, ("platform", "/admin/analytics"), False, True, False),
    ("supplier-portal", SUPPLIER, ("platform", "/supplier/"), False, False, False),
    ("supplier-payouts", SUPPLIER, ("platform", "/supplier/payouts"), False, False, False),
    ("account-settings", MIA, ("platform", "/account"), False, True, False),
    ("account-settings-phone", MIA, ("platform", "/account"), True, True, False),
    ("account-forgot-password-phone", None, ("platform", "/forgot-password"), True, False, False),
]
# theme -> (owner, preview path): the preview images shown in the dashboard's theme library
PREVIEWS = {"boutique": ("mia", "/"), "journal": ("nora", "/"), "market": ("maple", "/"),
            "default": ("mia", "/dashboard/mia/themes/default/preview")}


def _demo_deal_paths() -> tuple[str, str, str]:
    """The demo's open group (maple's group buy, two of three joined), the product page of
    its pre-sale, and the owner's page of that pre-sale."""
    from sqlalchemy import select

    from app.deals.models import Deal, DealRound
    from app.shops.models import Listing
    from app.tenancy import unscoped

    with unscoped():
        token = db.session.scalar(select(DealRound.token).join(Deal, Deal.id == DealRound.deal_id)
                                  .where(DealRound.status == "open", Deal.kind == "group"))
        listing_id, handle = db.session.execute(
            select(Listing.id, Listing.handle).join(Deal, Deal.listing_id == Listing.id)
            .where(Deal.kind == "presale")).one()
    return f"/groups/{token}", f"/products/{handle}", f"/dashboard/maple/products/{listing_id}/pre-sale"


def _demo_pickup_paths() -> tuple[str, str]:
    """The person in charge's desk of maple's pickup point (a fresh secret link) and the
    owner's page of the point."""
    from sqlalchemy import select

    from app.shops.pickup import PickupPoint, new_staff_link
    from app.tenancy import unscoped, use_shop

    with unscoped():
        point = db.session.scalar(select(PickupPoint))
    with use_shop(point.shop_id):
        token = new_staff_link(point)
    return f"/pickup/{point.id}/{token}", f"/dashboard/maple/pickup-points/{point.id}"


def _demo_referral_paths() -> tuple[str, str]:
    """Nadia's promoter page at mia's (a fresh secret link), and mia's tee reached through
    Leo's link (the page then says who recommended it)."""
    from sqlalchemy import select

    from app.referrals.models import Promoter
    from app.referrals.services import _hash
    from app.tenancy import unscoped, use_shop

    with unscoped():
        nadia = db.session.scalar(select(Promoter).where(Promoter.email == "nadia.karim@example.com"))
        leo = db.session.scalar(select(Promoter).where(Promoter.email == "leo.park@example.com"))
    with use_shop(nadia.shop_id):
        nadia.page_token_hash = _hash("screenshot-token")
        db.session.flush()
    return f"/promote/{nadia.id}/screenshot-token", f"/products/the-perfect-organic-tee?ref={leo.code}"


def _demo_photos_path() -> str:
    """Mia's tee (the demo listing with the owner's own photos): its edit page, at the photos."""
    from sqlalchemy import select

    from app.shops.models import Listing, Shop
    from app.tenancy import unscoped

    with unscoped():
        listing_id = db.session.scalar(select(Listing.id).join(Shop, Shop.id == Listing.shop_id).where(
            Shop.subdomain == "mia", Listing.handle == "the-perfect-organic-tee"))
    return f"/dashboard/mia/products/{listing_id}#photos"


def _demo_reset_path() -> str:
    """A "choose a new password" link for mia, as the reset e-mail carries it."""
    from app.accounts.password_reset import reset_token
    from app.accounts.services import find_user_by_email

    return f"/reset-password/{reset_token(find_user_by_email(MIA))}"


def _settle(page) -> None:
    """Load lazy images (scroll through the page) and wait for the network to go quiet."""
    page.evaluate("""async () => { for (let y = 0; y < document.body.scrollHeight; y += 600) {
        window.scrollTo(0, y); await new Promise(r => setTimeout(r, 40)); } window.scrollTo(0, 0); }""")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(150)


def _apply_code_abroad(page) -> None:
    """Checkout with the demo's READER10 applied and Japan chosen (rest-of-world shipping)."""
    page.get_by_label("Discount code").fill("reader10")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector(".discount-row")
    page.get_by_label("Country").select_option("JP")
    _settle(page)


def _open_share_panel(page, picture: Path) -> None:
    """Open the page's Share panel, scroll it into view and save the share picture it shows."""
    page.locator("details.share > summary").first.click()
    preview = page.locator("details.share .share-preview img").first
    preview.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    data = preview.evaluate("""async img => { const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        let text = ""; bytes.forEach(b => { text += String.fromCharCode(b); }); return btoa(text); }""")
    picture.write_bytes(base64.b64decode(data))
    page.locator("details.share").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(150)


def _tick_products(page) -> None:
    """Tick the second and third products of the Products page and type a markup; on a phone,
    scroll down to them (the bar then floats at the bottom)."""
    page.locator("#bulk-markup").fill("80")
    for row in (1, 2):
        page.locator("td.pick input").nth(row).check()
    phone = page.viewport_size["width"] < 600
    page.evaluate("y => window.scrollTo(0, y)", 480 if phone else 0)
    page.wait_for_timeout(300)


def _tick_catalog(page) -> None:
    """Tick the first and third products of a catalog page, then scroll to the second (the bar
    floats once its place is out of sight)."""
    ticks = page.locator("input[name=product]")
    for row in (0, 2):
        ticks.nth(row).check()
    ticks.nth(1).evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 140)")
    page.wait_for_timeout(300)


def _type_address(page) -> None:
    """Type a shop's name (a free address is suggested), then a taken address in its place."""
    page.get_by_label("Shop name").press_sequentially("Maple Corner")
    page.wait_for_selector("#subdomain-status.is-free")
    page.get_by_label("Web address").fill("")
    page.get_by_label("Web address").press_sequentially("maple")
    page.wait_for_selector("#subdomain-status.is-taken button")
    page.evaluate("() => window.scrollTo(0, 250)")
    page.wait_for_timeout(150)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp())
    server = make_server("127.0.0.1", 0, None)
    port = server.server_port
    server.server_close()
    # Card payments on, against the test suite's fake of Stripe (checkout shows both options).
    fake = FakeStripe(webhook_url=f"http://localhost:{port}/webhooks/stripe", webhook_secret="whsec_shots").start()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'shots.sqlite3'}",
                      "SERVER_NAME": f"localhost:{port}", "SECRET_KEY": "screenshots",
                      "REDIS_URL": "", "JOBS_INLINE": True, "RATELIMIT_ENABLED": False,
                      "MEDIA_ROOT": str(workdir / "media"), "FEEDS_DIR": str(workdir / "feeds"),
                      "STRIPE_SECRET_KEY": "sk_test_shots", "STRIPE_WEBHOOK_SECRET": "whsec_shots",
                      "STRIPE_API_BASE": fake.url})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        group, presale, presale_owner = _demo_deal_paths()
        desk, point_page = _demo_pickup_paths()
        promoter_page, referred = _demo_referral_paths()
        db.session.commit()
        SHOTS.extend([("promoter-page-phone", None, ("mia", promoter_page), True, True, False),
                      ("referred-product-phone", None, ("mia", referred), True, False, False),
                      ("promote-join-phone", None, ("mia", "/promote"), True, True, False),
                      ("dashboard-referrals", MIA, ("platform", "/dashboard/mia/referrals"), False, True, False)])
        SHOTS.append(("dashboard-listing-photos", MIA, ("platform", _demo_photos_path()), False, False, False))
        reset = _demo_reset_path()
        db.session.commit()
        SHOTS.extend([("account-reset-password", None, ("platform", reset), False, False, False),
                      ("account-reset-password-phone", None, ("platform", reset), True, False, False)])
        SHOTS.extend([("pickup-desk-phone", None, ("maple", desk), True, True, False),
                      ("dashboard-pickup-point", MAPLE, ("platform", point_page), False, True, False),
                      ("checkout-market-pickup-phone", None, ("maple", "/checkout"), True, True, True)])
        SHOTS.extend([("group-market-phone", None, ("maple", group), True, True, False),
                      ("presale-market-phone", None, ("maple", presale), True, True, False),
                      ("dashboard-presale", MAPLE, ("platform", presale_owner), False, True, False),
                      ("admin-deals", ADMIN_EMAIL, ("platform", "/admin/deals"), False, False, False)])
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(host: str, path: str) -> str:
        return f"http://{'' if host == 'platform' else host + '.'}localhost:{port}{path}"

    def log_in(page, user):
        page.goto(url("platform", "/login"))
        page.get_by_label("Email").fill(user)
        page.get_by_label("Password").fill({ADMIN_EMAIL: ADMIN_PASSWORD, SUPPLIER: SUPPLIER_PASSWORD}.get(
            user, OWNER_PASSWORD))
        page.get_by_role("button", name="Log in").click()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"])
        for name, user, (host, path), phone, full, fill_cart in SHOTS:
            if ONLY and ONLY not in name:
                continue
            viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
            # The Chinese shop's shots as a browser in China sees them (checkout's country).
            context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                          locale="zh-CN" if name.startswith("chinese-") else "en-US")
            page = context.new_page()
            if user:
                log_in(page, user)
            if fill_cart:
                page.goto(url(host, "/"))
                page.locator("a[href*='/products/']").first.click()
                page.locator("button.add-to-cart").click()
            page.goto(url(host, path))
            _settle(page)
            if path.endswith("#share"):
                _open_share_panel(page, OUT / f"{name}-picture.png")
            elif path.endswith("#reader10"):
                _apply_code_abroad(page)
            elif path.endswith("#bulk"):
                _tick_products(page)
            elif path.endswith("#add"):
                _tick_catalog(page)
            elif path.endswith("#address"):
                _type_address(page)
            elif "#" in path:  # that part of the page, just below the top (and any sticky header)
                page.locator(path[path.index("#"):]).first.evaluate(
                    "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 72)")
                page.wait_for_timeout(150)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
            context.close()
            print("wrote", OUT / f"{name}.png")
        if not ONLY or ONLY == "previews":
            for theme, (host, path) in PREVIEWS.items():
                context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=0.5)
                page = context.new_page()
                if path.startswith("/dashboard"):
                    log_in(page, MIA)
                    page.goto(url("platform", path))
                else:
                    page.goto(url(host, path))
                _settle(page)
                target = ROOT / "themes" / theme / "static" / "preview.png"
                page.screenshot(path=str(target))
                context.close()
                print("wrote", target)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
