"""Malformed input is refused with a 400 before any view runs (app/request_guards.py), and
redirect targets from the request stay on this site (app/web.py local_path)."""

from __future__ import annotations

import io
import re

import pytest

from app.web import local_path

ATTACKS = ["//evil.example/", "/\t/evil.example/", "/\\evil.example/", "/\\/evil.example",
           "/\n/evil.example/", "/ok\r\nSet-Cookie: x=1", "https://evil.example/", "http:/evil.example",
           "/\x00/evil", "/ /evil.example", "/\u200b/evil.example", "/\u2028x", "evil.example", "",
           "javascript:alert(1)", "/" + "a" * 3000]


@pytest.mark.parametrize("target", ATTACKS)
def test_local_path_refuses_anything_a_browser_could_read_as_another_site(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/cart", "/collections/tees?page=2", "/search?q=caf%C3%A9", "/produits/café"])
def test_local_path_keeps_paths_on_this_site(target):
    assert local_path(target) == target


@pytest.mark.parametrize("target", ATTACKS)
def test_cart_add_never_redirects_away(shop_a, storefront, target):
    listing = shop_a.listings[1]
    response = storefront(shop_a.shop).post("/cart/add", data={
        "listing_id": listing.id, "variant_id": listing.supply_product.variants[0].id, "quantity": 1,
        "return_to": target})
    if "\x00" in target:
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.location == "/cart"  # the fallback, never the attacker's address


def test_cart_add_returns_to_a_local_page(shop_a, storefront):
    listing = shop_a.listings[1]
    response = storefront(shop_a.shop).post("/cart/add", data={
        "listing_id": listing.id, "variant_id": listing.supply_product.variants[0].id, "quantity": 1,
        "return_to": "/collections/tees?page=2"})
    assert response.status_code == 302 and response.location == "/collections/tees?page=2"


@pytest.mark.parametrize("target", ["/\\evil.example/", "/\t/evil.example/", "/x\r\nSet-Cookie: a=b"])
def test_login_next_never_redirects_away(client, target):
    from tests.factories import PASSWORD, make_user

    user = make_user()
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/dashboard/"


@pytest.mark.parametrize("path", ["/search?q=a%00b", "/products/a%00b", "/collections/x%00y",
                                  "/orders/A%00/token", "/search?q%00=x"])
def test_a_nul_byte_in_the_address_is_a_400(shop_a, storefront, path):
    response = storefront(shop_a.shop).get(path)
    assert response.status_code == 400
    assert "NUL byte" in response.get_data(as_text=True)


def test_a_nul_byte_on_the_platform_is_a_400(client):
    response = client.get("/login?next=%00")
    assert response.status_code == 400 and "NUL byte" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_form_is_a_400_and_writes_nothing(shop_a, storefront):
    client = storefront(shop_a.shop)
    response = client.post("/newsletter", data={"email": "a\x00@example.com"})
    assert response.status_code == 400 and "NUL byte" in response.get_data(as_text=True)
    response = client.post("/newsletter", data={"email\x00": "a@example.com"})
    assert response.status_code == 400


def test_a_nul_byte_in_an_uploaded_file_name_is_a_400(shop_a, shop_b, login):
    owner = login(shop_a.owner)
    response = owner.post("/dashboard/alpha/themes/default", data={
        "logo": (io.BytesIO(b"x"), "logo\x00.png")}, content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("referer", ["https://alpha.flagship.test:99999/", "https://alpha.flagship.test:abc/",
                                     "https://[::1/"])
def test_a_post_with_an_unreadable_referer_is_a_400(app, shop_a, storefront, monkeypatch, referer):
    """Flask-WTF's HTTPS referrer check parses the Referer's port, which raised (a 500)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = storefront(shop_a.shop)
    base = "https://alpha.flagship.test"
    page = client.get("/contact", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/cart/update", data={"csrf_token": token}, base_url=base,
                           headers={"Referer": referer})
    assert response.status_code == 400
    assert "Referer header is not a valid address" in response.get_data(as_text=True)
    fine = client.post("/cart/update", data={"csrf_token": token}, base_url=base,
                       headers={"Referer": f"{base}/cart"})
    assert fine.status_code == 302


def test_a_get_with_an_unreadable_referer_still_works(shop_a, storefront):
    response = storefront(shop_a.shop).get("/", headers={"Referer": "https://x.example:99999/"})
    assert response.status_code == 200


# Found by tests/test_fuzz.py: numbers no column can hold, and non-ASCII order tokens.

def test_an_id_past_any_column_in_the_path_is_a_404(shop_a, shop_b, login):
    owner = login(shop_a.owner)
    assert owner.get(f"/dashboard/alpha/products/{2**63}").status_code == 404  # was OverflowError
    assert owner.get(f"/dashboard/alpha/products/{2**31}").status_code == 404  # int4 on PostgreSQL


def test_a_page_or_id_past_any_column_in_a_query_or_form_is_ignored(shop_a, shop_b, login, storefront):
    owner = login(shop_a.owner)
    for path in ("/dashboard/alpha/orders", "/dashboard/alpha/catalog", "/dashboard/alpha/earnings"):
        assert owner.get(path, query_string={"page": "9" * 30}).status_code == 200, path
    added = storefront(shop_a.shop).post("/cart/add", data={"listing_id": "9" * 30})
    assert added.status_code == 404


def test_a_non_ascii_order_token_is_a_404(shop_a, storefront):
    from tests.factories import make_order

    order = make_order(shop_a)
    client = storefront(shop_a.shop)
    assert client.get(f"/orders/{order.number}/\u00e9t\u00e9").status_code == 404  # was a TypeError
    assert client.get(f"/orders/{order.number}/{order.access_token}").status_code == 200
