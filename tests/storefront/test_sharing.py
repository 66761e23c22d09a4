"""Sharing storefront pages (app/storefront/sharing.py, share_views.py): short links with and
without a promoter's code, the walls between shops, the share panel, and the Open Graph tags
that make a shared link preview with its share picture."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from app.deals import services as deals
from app.extensions import db
from app.shops.services import create_collection, update_collection
from app.storefront.sharing import base36, parse_slug
from app.tenancy import use_shop
from tests.factories import CUSTOMER


def _meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def _slug(listing) -> str:
    return f"p{base36(listing.id)}"


@pytest.fixture
def collection(shop_a):
    with use_shop(shop_a.shop.id):
        found = create_collection("Summer picks", "Light things for warm days.")
        return update_collection(found, title=found.title, description=found.description,
                                 listing_ids=[listing.id for listing in shop_a.listings])


@pytest.fixture
def group(shop_a):
    """An open group on shop A's crisps (one of two joined)."""
    crisps = shop_a.listings[1]
    with use_shop(shop_a.shop.id):
        variant = crisps.supply_product.variants[0]
        deal = deals.save_group_buy(crisps, prices={variant.id: "3.60"}, group_size=2,
                                    time_limit_hours=24, max_open_groups=2)
        _, round_ = deals.join(shop_a.shop, deal, None, variant.id, 1, CUSTOMER)
        db.session.flush()
        return round_


@pytest.fixture
def promoter(shop_a):
    """A promoter of shop A (the referral programme open): (id, code, page token)."""
    from app.referrals import services as referrals

    with use_shop(shop_a.shop.id):
        referrals.save_programme(shop_a.shop, is_open=True, invite_only=False, level1_bp=1000, level2_bp=0,
                                 binding_days=30)
        made, token = referrals.join(shop_a.shop, name="Ana", email="ana@example.com", by_owner=True)
        db.session.flush()
        return made.id, made.code, token


# Slugs ---------------------------------------------------------------------------------------


def test_slugs_are_short_and_read_back():
    assert base36(1) == "1" and base36(35) == "z" and base36(36) == "10" and base36(2**31 - 1) == "zik0zj"
    assert parse_slug("h") == ("home", None)
    assert parse_slug("p1z") == ("product", 71)
    assert parse_slug("c3") == ("collection", 3)
    assert parse_slug("gAbC-d_12345678") == ("group", "AbC-d_12345678")
    for bad in ("", "x1", "p", "p0", "p01", "P1", "pzzzzzzz", "zik0zk", "p1 ", "g", "gshort", "h1", "p1/"):
        assert parse_slug(bad) is None, bad
    assert parse_slug("pzik0zk") is None  # past a 32-bit id: names nothing (never a database error)


# Short links ---------------------------------------------------------------------------------


def test_a_short_link_redirects_to_the_product(shop_a, storefront):
    listing = shop_a.listings[0]
    response = storefront(shop_a.shop).get(f"/s/{_slug(listing)}")
    assert response.status_code == 302
    assert response.location == f"http://alpha.flagship.test/products/{listing.handle}"


def test_a_promoters_code_rides_along_as_ref(shop_a, storefront):
    listing = shop_a.listings[0]
    response = storefront(shop_a.shop).get(f"/s/{_slug(listing)}/Mia2024")
    assert response.status_code == 302
    assert response.location == f"http://alpha.flagship.test/products/{listing.handle}?ref=Mia2024"


@pytest.mark.parametrize("code", ["abc", "a" * 17, "bad-code", "ab_cd", "%3Cscript%3E", "caf%C3%A9"])
def test_a_malformed_code_is_left_out(shop_a, storefront, code):
    listing = shop_a.listings[0]
    response = storefront(shop_a.shop).get(f"/s/{_slug(listing)}/{code}")
    assert response.status_code == 302
    assert response.location == f"http://alpha.flagship.test/products/{listing.handle}"


def test_another_shops_listing_is_not_found_on_this_host(shop_a, shop_b, storefront):
    """Tenant isolation: shop B's listing id on shop A's host is the storefront's own 404."""
    theirs = shop_b.listings[0]
    for path in (f"/s/{_slug(theirs)}", f"/s/{_slug(theirs)}/Mia2024"):
        response = storefront(shop_a.shop).get(path)
        assert response.status_code == 404
        text = response.get_data(as_text=True)
        assert "Alpha Shop" in text and theirs.title not in text
    assert storefront(shop_b.shop).get(f"/s/{_slug(theirs)}").status_code == 302


def test_hidden_paused_and_missing_listings_are_not_found(shop_a, storefront):
    hidden, paused = shop_a.listings
    with use_shop(shop_a.shop.id):
        hidden.is_visible = False
        paused.status = "paused"
        db.session.flush()
    client = storefront(shop_a.shop)
    for path in (f"/s/{_slug(hidden)}", f"/s/{_slug(paused)}", "/s/pzik0zj", "/s/pzik0zk", "/s/x1", "/s/c9999",
                 "/s/gNoSuchGroupToken", "/s/h/a/b"):
        assert client.get(path).status_code == 404, path
    # The paused product's own page offers no share action (there is nothing to buy).
    page = client.get(f"/products/{paused.handle}").get_data(as_text=True)
    assert 'data-share' not in page


def test_collections_groups_and_home_have_short_links(shop_a, shop_b, storefront, collection, group):
    client = storefront(shop_a.shop)
    assert client.get(f"/s/c{base36(collection.id)}").location == "http://alpha.flagship.test/collections/summer-picks"
    assert client.get(f"/s/g{group.token}/Ana2024").location == f"http://alpha.flagship.test/groups/{group.token}?ref=Ana2024"
    assert client.get("/s/h").location == "http://alpha.flagship.test/"
    # Shop A's collection and group are nothing on shop B's host.
    other = storefront(shop_b.shop)
    assert other.get(f"/s/c{base36(collection.id)}").status_code == 404
    assert other.get(f"/s/g{group.token}").status_code == 404


def test_short_links_use_the_verified_main_domain(shop_a, storefront):
    from app.shops.domain_models import ShopDomain

    with use_shop(shop_a.shop.id):
        db.session.add(ShopDomain(hostname="shop.alpha.example", token="t", status="verified", is_primary=True))
        db.session.flush()
    listing = shop_a.listings[0]
    assert storefront(shop_a.shop).get(f"/s/{_slug(listing)}").location == \
        f"http://shop.alpha.example/products/{listing.handle}"
    page = storefront(shop_a.shop).get(f"/products/{listing.handle}").get_data(as_text=True)
    assert f'value="http://shop.alpha.example/s/{_slug(listing)}"' in page


# The share panel ------------------------------------------------------------------------------


def test_the_product_page_has_a_share_panel(shop_a, storefront):
    listing = shop_a.listings[0]
    html = storefront(shop_a.shop).get(f"/products/{listing.handle}").get_data(as_text=True)
    panel = html[html.index('<details class="share" data-share>'):]
    panel = panel[:panel.index("</details>")]
    assert f'value="http://alpha.flagship.test/s/{_slug(listing)}"' in panel
    assert 'class="segno"' in panel  # the QR code
    assert re.search(rf'href="/share/{_slug(listing)}/[0-9a-f]{{20}}\.png" download=', panel)
    assert re.search(rf'src="/share/{_slug(listing)}/[0-9a-f]{{20}}\.png"', panel)
    assert "data-share-native" in panel and "promoter code" not in panel
    assert re.search(r'<script src="/assets/default/share\.js\?v=[0-9a-f]{12}" nonce="[^"]+" defer></script>', html)


def test_a_promoter_shares_links_with_their_code(shop_a, storefront, promoter, group):
    """A promoter who opened their page on this browser (the referral programme's cookie,
    g.sharer_code) shares every link and QR code with their code; "Not your device?" stops it."""
    promoter_id, code, token = promoter
    listing = shop_a.listings[0]
    client = storefront(shop_a.shop)
    client.get(f"/promote/{promoter_id}/{token}")
    html = client.get(f"/products/{listing.handle}").get_data(as_text=True)
    link = f"http://alpha.flagship.test/s/{_slug(listing)}/{code}"
    assert f'value="{link}"' in html and f'data-url="{link}"' in html
    assert f"your promoter code, <strong>{code}</strong>" in html
    assert f'<meta property="og:url" content="http://alpha.flagship.test/products/{listing.handle}">' in html
    group_page = client.get(f"/groups/{group.token}").get_data(as_text=True)
    assert f'value="http://alpha.flagship.test/s/g{group.token}/{code}"' in group_page
    other_browser = storefront(shop_a.shop).get(f"/products/{listing.handle}").get_data(as_text=True)
    assert f'value="http://alpha.flagship.test/s/{_slug(listing)}"' in other_browser
    client.post(f"/promote/{promoter_id}/{token}/forget")
    html = client.get(f"/products/{listing.handle}").get_data(as_text=True)
    assert f'value="http://alpha.flagship.test/s/{_slug(listing)}"' in html and "promoter code" not in html


def test_every_theme_shows_the_share_button(shop_a, storefront, collection):
    client = storefront(shop_a.shop)
    for theme in ("default", "boutique", "journal", "market"):
        with use_shop(shop_a.shop.id):
            shop_a.shop.theme = theme
            db.session.flush()
        for path in ("/", f"/products/{shop_a.listings[0].handle}", "/collections/summer-picks"):
            html = client.get(path).get_data(as_text=True)
            assert '<details class="share" data-share>' in html, (theme, path)
            assert 'for="share-url"' in html and 'id="share-url"' in html


# Open Graph ----------------------------------------------------------------------------------


def _picture(client, url: str):
    path = url.removeprefix("http://alpha.flagship.test")
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "image/png", url
    return Image.open(io.BytesIO(response.data))


def test_open_graph_tags_show_the_share_picture_on_every_shared_page(shop_a, storefront, collection, group):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    pages = {
        f"/products/{listing.handle}": (_slug(listing), f"{listing.title} · Alpha Shop"),
        "/collections/summer-picks": (f"c{base36(collection.id)}", "Summer picks · Alpha Shop"),
        f"/groups/{group.token}": (f"g{group.token}", "Join my group: alpha Sea Salt Crisps for $3.60"),
        "/": ("h", "Alpha Shop"),
    }
    for path, (slug, title) in pages.items():
        html = client.get(path).get_data(as_text=True)
        image = _meta(html, "og:image")
        assert re.fullmatch(rf"http://alpha\.flagship\.test/share/{re.escape(slug)}/[0-9a-f]{{20}}\.png", image), path
        assert _meta(html, "twitter:image") == image
        assert (_meta(html, "og:image:width"), _meta(html, "og:image:height")) == ("1200", "630")
        assert _meta(html, "og:title") == title
        assert _meta(html, "og:url") == f"http://alpha.flagship.test{path}"
        assert _meta(html, "og:description")
        assert _meta(html, "twitter:card") == "summary_large_image"
        assert _picture(client, image).size == (1200, 630)
    product = client.get(f"/products/{listing.handle}").get_data(as_text=True)
    assert _meta(product, "product:price:amount") == "18.00" and _meta(product, "product:price:currency") == "USD"
    assert _meta(product, "og:type") == "product"
