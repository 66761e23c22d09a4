"""Search and sharing: titles, descriptions, canonical URLs, Open Graph / Twitter cards,
schema.org Product data, sitemap.xml and robots.txt per shop; hashed, cached assets."""

from __future__ import annotations

import json
import re

from app.extensions import db
from app.shops.domain_models import ShopDomain
from app.tenancy import use_shop
from tests.conftest import PLATFORM


def _meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def test_a_shared_product_link_shows_picture_name_and_price(shop_a, storefront):
    listing = shop_a.listings[0]
    html = storefront(shop_a.shop).get(f"/products/{listing.handle}").get_data(as_text=True)
    assert f"<title>{listing.title} · Alpha Shop</title>" in html
    assert _meta(html, "og:type") == "product"
    assert _meta(html, "og:title") == f"{listing.title} · Alpha Shop"
    assert _meta(html, "og:url") == f"http://alpha.flagship.test/products/{listing.handle}"
    assert _meta(html, "product:price:amount") == "18.00" and _meta(html, "product:price:currency") == "USD"
    assert _meta(html, "twitter:card") in ("summary", "summary_large_image")
    assert _meta(html, "twitter:data1") == "$18.00"
    assert _meta(html, "description")
    assert f'<link rel="canonical" href="http://alpha.flagship.test/products/{listing.handle}">' in html
    data = json.loads(re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html).group(1))
    assert data["@type"] == "Product" and data["name"] == listing.title
    assert data["offers"]["@type"] == "AggregateOffer" and data["offers"]["lowPrice"] == "18.00"
    assert {o["availability"] for o in data["offers"]["offers"]} == {"https://schema.org/InStock"}


def test_owner_text_cannot_break_out_of_the_json_ld(catalog, storefront):
    from tests.factories import make_shop_with_listings

    fixture = make_shop_with_listings("evil", catalog)
    with use_shop(fixture.shop.id):
        fixture.listings[0].title = "</script><script>alert(1)</script>"
        db.session.flush()
    html = storefront(fixture.shop).get(f"/products/{fixture.listings[0].handle}").get_data(as_text=True)
    assert "<script>alert(1)" not in html


def test_home_has_site_data_and_cart_and_search_are_not_indexed(shop_a, storefront):
    client = storefront(shop_a.shop)
    home = client.get("/").get_data(as_text=True)
    assert '"@type":"WebSite"' in home and _meta(home, "og:site_name") == "Alpha Shop"
    assert _meta(home, "robots") is None
    for path in ("/cart", "/search?q=tee"):
        assert _meta(client.get(path).get_data(as_text=True), "robots") == "noindex"


def test_sitemap_and_robots_per_shop(shop_a, shop_b, storefront):
    sitemap = storefront(shop_a.shop).get("/sitemap.xml")
    assert sitemap.status_code == 200 and sitemap.mimetype == "application/xml"
    body = sitemap.get_data(as_text=True)
    assert "<loc>http://alpha.flagship.test/</loc>" in body
    for listing in shop_a.listings:
        assert f"<loc>http://alpha.flagship.test/products/{listing.handle}</loc>" in body
    assert "bravo" not in body
    robots = storefront(shop_a.shop).get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /checkout" in robots and "Sitemap: http://alpha.flagship.test/sitemap.xml" in robots


def test_canonical_urls_use_the_verified_main_domain(shop_a, storefront):
    with use_shop(shop_a.shop.id):
        db.session.add(ShopDomain(hostname="shop.alpha.example", token="t", status="verified", is_primary=True))
        db.session.flush()
    listing = shop_a.listings[0]
    for client in (storefront(shop_a.shop), storefront("shop.alpha.example")):
        html = client.get(f"/products/{listing.handle}").get_data(as_text=True)
        assert f'<link rel="canonical" href="http://shop.alpha.example/products/{listing.handle}">' in html
    assert "Sitemap: http://shop.alpha.example/sitemap.xml" in storefront("shop.alpha.example").get("/robots.txt").get_data(as_text=True)


def test_theme_assets_have_hashed_urls_and_long_cache(shop_a, storefront):
    client = storefront(shop_a.shop)
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/assets/default/theme.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(href)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]
    assert client.get("/assets/default/../theme.json").status_code == 404


def test_child_theme_stylesheets_come_after_the_base(shop_a, storefront):
    with use_shop(shop_a.shop.id):
        shop_a.shop.theme = "boutique"
        db.session.flush()
    html = storefront(shop_a.shop).get("/").get_data(as_text=True)
    assert html.index("/assets/default/theme.css") < html.index("/assets/boutique/theme.css")


def test_browsing_and_the_cart_work_without_javascript(shop_a, storefront):
    """Every shopper path is a link or a plain form post: no script needed."""
    with use_shop(shop_a.shop.id):
        shop_a.shop.theme = "market"
        db.session.flush()
    client = storefront(shop_a.shop)
    home = client.get("/").get_data(as_text=True)
    # The one script is the share panel's extra (Copy, the phone's share sheet): the panel
    # itself is a <details> element, which opens without it.
    # (Data blocks are no scripts: JSON-LD, and the words the theme's scripts show.)
    data = r'<script type="application/ld\+json" nonce="[^"]+">|<script type="application/json" id="theme-words" nonce="[^"]+">'
    scripts = re.findall(r"<script[^>]*>", re.sub(data, "", home))
    assert all("/share.js?v=" in tag and " defer" in tag for tag in scripts)
    assert '<details class="share" data-share>' in home
    listing = shop_a.listings[1]
    variant = listing.supply_product.variants[0]
    added = client.post("/cart/add", data={"listing_id": listing.id, "variant_id": variant.id,
                                           "quantity": 1, "return_to": "/"})
    assert added.status_code == 302 and added.location.endswith("/")
    assert "1 in cart" in client.get("/").get_data(as_text=True)  # the sticky cart bar
    away = client.post("/cart/add", data={"listing_id": listing.id, "variant_id": variant.id,
                                          "quantity": 1, "return_to": "//evil.example/"})
    assert away.location.endswith("/cart")


def test_the_platform_home_has_a_description_in_the_visitors_language(client):
    html = client.get("/", base_url=f"http://{PLATFORM}").get_data(as_text=True)
    assert _meta(html, "description").startswith("Pick products from our suppliers")
    html = client.get("/", base_url=f"http://{PLATFORM}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert _meta(html, "description") and not _meta(html, "description").isascii()
