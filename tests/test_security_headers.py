"""Security headers per kind of page (app/security_headers.py), and templates that keep
working under the Content-Security-Policy (no inline handlers, nonces on inline blocks)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import BASE_DIR
from tests.factories import make_order, make_supplier, make_user
from tests.supplier.helpers import member_of

TEMPLATE_DIRS = [BASE_DIR / "app" / "templates", BASE_DIR / "themes"]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in policy.split(";"))}


def _assert_common(response):
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert re.fullmatch(r"'self' 'nonce-[\w-]{20,}'", csp["script-src"]), csp["script-src"]
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-inline" not in csp["style-src"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert "style-src-attr" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # not in development


def test_storefront_pages(shop_a, storefront):
    client = storefront(shop_a.shop)
    for path in ("/", f"/products/{shop_a.listings[0].handle}", "/search?q=tee", "/no-such-page"):
        response = client.get(path)
        _assert_common(response)
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "no-store" not in response.headers.get("Cache-Control", "")
    for path in ("/cart", "/checkout"):
        client.post("/cart/add", data={"listing_id": shop_a.listings[0].id,
                                       "variant_id": shop_a.listings[0].supply_product.variants[0].id})
        response = client.get(path)
        _assert_common(response)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path


def test_order_status_page_keeps_its_token_to_itself(shop_a, storefront):
    order = make_order(shop_a)
    response = storefront(shop_a.shop).get(f"/orders/{order.number}/{order.access_token}")
    assert response.status_code == 200
    _assert_common(response)
    # No Referer to any other site (the URL carries the token); our own pages still get one.
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_nonce_is_fresh_and_on_every_inline_block(shop_a, storefront):
    client = storefront(shop_a.shop)
    first, second = client.get("/"), client.get("/")
    nonce = _csp(first)["script-src"].split("'nonce-")[1].rstrip("'")
    assert nonce != _csp(second)["script-src"].split("'nonce-")[1].rstrip("'")
    html = first.get_data(as_text=True)
    blocks = re.findall(r"<(script|style)\b([^>]*)>", html)
    assert blocks, "the theme's CSS variables and JSON-LD are inline blocks"
    for tag, attributes in blocks:
        assert f'nonce="{nonce}"' in attributes, (tag, attributes)


def test_back_office_pages_are_never_cached(shop_a, shop_b, client, login):
    assert client.get("/").headers.get("Cache-Control") != "no-store"  # the public landing page
    owner = login(shop_a.owner)
    for path in ("/dashboard/alpha/", "/dashboard/alpha/themes/default", "/dashboard/alpha/orders"):
        response = owner.get(path)
        assert response.status_code == 200, path
        _assert_common(response)
        assert response.headers["Cache-Control"] == "no-store", path
    html = owner.get("/dashboard/alpha/").get_data(as_text=True)
    nonce = _csp(owner.get("/dashboard/alpha/"))["script-src"]  # another request, another nonce
    assert '<script nonce="' in html and nonce not in html


def test_admin_pages_are_never_cached(client, login):
    login(make_user("boss@flagship.example", is_admin=True))
    for path in ("/admin/", "/admin/suppliers", "/admin/outbox"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path
        _assert_common(response)


def test_supplier_pages_are_never_cached(client, login):
    login(member_of(make_supplier()))
    response = client.get("/supplier/")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    _assert_common(response)


def test_only_the_email_preview_allows_style_attributes(client, login):
    from app.notifications.services import record_email

    login(make_user("boss@flagship.example", is_admin=True))
    email, _ = record_email("test:csp", to="ada@example.com", subject="Hello", body_text="Hello",
                            body_html='<p style="color:red">Hi</p>')
    response = client.get(f"/admin/outbox/{email.id}")
    assert response.status_code == 200
    assert _csp(response)["style-src-attr"] == "'unsafe-inline'"  # an iframe srcdoc inherits the policy
    assert "unsafe-inline" not in _csp(response)["script-src"]


def test_an_image_runs_nothing_but_the_browsers_viewer_may_style_it(app, shop_a, storefront, tmp_path, monkeypatch):
    """Uploaded media and every other image: nothing loads, nothing runs (sandboxed), and
    inline style is allowed for the page a browser shows an image in on its own (Chromium
    styles it inline, and would log a violation on every picture opened in a tab)."""
    import io

    from PIL import Image

    from app.shops.media import store_image
    from app.tenancy import use_shop

    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (10, 20, 30)).save(out, "PNG")
    with use_shop(shop_a.shop.id):
        stored = store_image("logo", out.getvalue(), "logo.png")
    response = storefront(shop_a.shop).get(f"/media/{stored.filename}")
    assert response.status_code == 200
    policy = _csp(response)
    assert policy == {"default-src": "'none'", "style-src": "'unsafe-inline'", "sandbox": ""}, policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = storefront(shop_a.shop).get("/")  # a page keeps the strict policy
    assert "unsafe-inline" not in _csp(page)["style-src"] and "sandbox" not in _csp(page)


def test_hsts_in_production_only(app, shop_a, storefront, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setitem(app.config, "FLAGSHIP_ENV", "production")
    for response in (client.get("/"), storefront(shop_a.shop).get("/")):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "http:" not in _csp(response)["img-src"].split()  # production pages are https


def _template_files():
    for folder in TEMPLATE_DIRS:
        yield from (p for p in folder.rglob("*.html") if "emails" not in p.parts)


@pytest.mark.parametrize("path", list(_template_files()), ids=lambda p: str(Path(p).relative_to(BASE_DIR)))
def test_templates_have_no_inline_handlers_or_style_attributes(path):
    """The policy refuses inline event handlers and style="" attributes (e-mails aside:
    mail clients need inline styles, and they are not web pages)."""
    text = path.read_text()
    assert not re.search(r"\son[a-z]+\s*=", text), "an inline event handler: use a data- attribute"
    assert not re.search(r"\sstyle\s*=", text), "a style attribute: use a class"
    assert "javascript:" not in text
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
        assert "src=" in tag or 'nonce="{{ csp_nonce() }}"' in tag, tag
