"""A shop's policy pages on its storefront (issue 14, day-one item 3): every shop has them,
with the platform's default text until the owner writes their own."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.shops import pages
from app.tenancy import use_shop

TITLES = {"returns": "Returns &amp; refunds", "shipping": "Shipping &amp; delivery",
          "privacy": "Privacy policy", "terms": "Terms of service"}


@pytest.mark.parametrize("kind", list(TITLES))
def test_every_shop_shows_the_default_pages(shop_a, storefront, kind):
    response = storefront(shop_a.shop).get(f"/pages/{kind}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>{TITLES[kind]}</h1>" in page
    assert 'class="rte policy-text"><h2>' in page or 'class="rte policy-text"><p>' in page
    assert "{shop}" not in page and "{currency}" not in page


def test_the_defaults_say_how_the_platform_works(shop_a, storefront):
    client = storefront(shop_a.shop)
    shipping = client.get("/pages/shipping").get_data(as_text=True)
    assert "ships them straight to you" in shipping and "Alpha Shop chooses its products" in shipping
    returns = client.get("/pages/returns").get_data(as_text=True)
    assert "goes back to the same card" in returns and "refund you in cash" in returns
    privacy = client.get("/pages/privacy").get_data(as_text=True)
    for kept in ("your name, delivery address, e-mail address and phone number", "order history",
                 "<strong>cart:</strong>", "<strong>referral:</strong>"):
        assert kept in privacy
    terms = client.get("/pages/terms").get_data(as_text=True)
    assert "Prices are in USD" in terms and "processes payments" in terms


def test_the_owners_text_replaces_the_default_on_this_shop_only(shop_a, shop_b, storefront):
    with use_shop(shop_a.shop.id):
        pages.save_page(shop_a.shop, "returns", "## Fresh food\nTell us the same day if something is wrong.")
    db.session.flush()
    mine = storefront(shop_a.shop).get("/pages/returns").get_data(as_text=True)
    assert "<h2>Fresh food</h2>\n<p>Tell us the same day if something is wrong.</p>" in mine
    assert "Changed your mind?" not in mine and "Updated " in mine
    other = storefront(shop_b.shop).get("/pages/returns").get_data(as_text=True)
    assert "Changed your mind?" in other and "Fresh food" not in other


def test_an_unknown_page_is_a_404(shop_a, storefront):
    assert storefront(shop_a.shop).get("/pages/about-us").status_code == 404


def test_a_suspended_shop_still_shows_its_policies(shop_a, storefront):
    shop_a.shop.status = "suspended"
    db.session.flush()
    client = storefront(shop_a.shop)
    assert client.get("/pages/returns").status_code == 200
    assert client.get("/contact").status_code == 403  # it takes no new messages, as no orders
