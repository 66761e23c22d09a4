"""Issue 15, HTTP: an anonymous visit sets no cookie (its pages could be cached), theme assets
with a content hash are cached for a year without revalidation, responses are compressed,
and the forms anyone may send without a session refuse cross-site posts instead."""

from __future__ import annotations

import brotli
import pytest

from app.storefront.rendering import asset_version
from app.themes.registry import static_file_path


@pytest.mark.parametrize("path", ["/", "/products/{handle}", "/search?q=tee", "/cart"])
def test_an_anonymous_visit_sets_no_cookie(storefront, shop_a, path):
    response = storefront(shop_a.shop).get(path.format(handle=shop_a.listings[0].handle))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_add_to_cart_needs_no_token_from_the_same_site_and_refuses_another_site(storefront, shop_a):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[1]
    form = {"listing_id": listing.id, "variant_id": listing.supply_product.variants[0].id, "quantity": 1}
    here = f"http://{client.host}"

    refused = client.post("/cart/add", data=form, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    refused = client.post("/cart/add", data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert "Set-Cookie" not in refused.headers

    added = client.post("/cart/add", data=form, headers={"Origin": here, "Sec-Fetch-Site": "same-origin"})
    assert added.status_code == 302 and "Set-Cookie" in added.headers
    assert listing.title in client.get("/cart").get_data(as_text=True)


def test_a_newsletter_sign_up_from_another_site_is_refused(storefront, shop_a):
    client = storefront(shop_a.shop)
    assert client.post("/newsletter", data={"email": "a@example.com"},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/newsletter", data={"email": "a@example.com"},
                       headers={"Origin": f"http://{client.host}"}).status_code == 302


def test_hashed_theme_assets_are_cached_for_a_year_and_others_revalidate(storefront, shop_a):
    client = storefront(shop_a.shop)
    version = asset_version(static_file_path("default", "theme.css"))
    current = client.get(f"/assets/default/theme.css?v={version}")
    control = current.headers["Cache-Control"]
    assert "immutable" in control and "max-age=31536000" in control and "no-cache" not in control
    for stale in ("/assets/default/theme.css?v=0123456789ab", "/assets/default/theme.css"):
        assert "max-age=0" in client.get(stale).headers["Cache-Control"]


def test_pages_are_compressed_for_browsers_that_accept_it(storefront, shop_a):
    client = storefront(shop_a.shop)
    plain = client.get("/")
    packed = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in packed.headers["Vary"]
    page = brotli.decompress(packed.data)  # (each page has its own script nonce: not byte-equal)
    assert page.startswith(b"<!doctype html>") and shop_a.shop.name.encode() in page
    assert abs(len(page) - len(plain.data)) < 100
    assert len(packed.data) < len(plain.data) / 3
