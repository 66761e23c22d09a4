"""Shop pages in the dashboard (issue 14, day-one item 3): the owner edits a policy page,
previews it, restores the default; another shop's owner can touch none of it."""

from __future__ import annotations

import pytest

from app.shops import pages
from app.shops.pages import ShopPage
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text
from tests.factories import make_user

TEXT = "## Fresh food\nTell us **the same day** if something is wrong: we replace it."


def _bodies(shop_id):
    return [(row.kind, row.body) for row in fetch_all(ShopPage, shop_id=shop_id)]


def test_the_nav_and_the_list_show_every_page(owner):
    page = page_text(owner.get("/dashboard/alpha/pages"))
    assert 'href="/dashboard/alpha/pages" aria-current="page">Shop pages</a>' in page
    for title in ("Returns &amp; refunds", "Shipping &amp; delivery", "Privacy policy", "Terms of service"):
        assert title in page
    assert page.count("Default text") == 4
    assert "owner-alpha@example.com" in page  # who gets the contact page's messages (their own address)


def test_the_editor_starts_from_the_default(owner):
    page = page_text(owner.get("/dashboard/alpha/pages/returns"))
    assert "Changed your mind?" in page and "This is the platform’s default text" in page
    assert "Restore the default text" not in page  # nothing to restore yet


def test_owner_edits_previews_and_restores(owner, shop_a, storefront):
    preview = owner.post("/dashboard/alpha/pages/returns", data={"body": TEXT, "action": "preview"})
    text = page_text(preview)
    assert preview.status_code == 200 and "<h2>Fresh food</h2>" in text and "<strong>the same day</strong>" in text
    assert _bodies(shop_a.shop.id) == []  # a preview saves nothing

    saved = owner.post("/dashboard/alpha/pages/returns", data={"body": TEXT, "action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/dashboard/alpha/pages/returns")
    assert _bodies(shop_a.shop.id) == [("returns", TEXT)]
    assert "Returns &amp; refunds saved" in page_text(owner.get("/dashboard/alpha/pages/returns"))
    assert "Fresh food" in page_text(storefront(shop_a.shop).get("/pages/returns"))
    assert page_text(owner.get("/dashboard/alpha/pages")).count("Your text") == 1

    restored = owner.post("/dashboard/alpha/pages/returns/restore")
    assert restored.status_code == 302 and _bodies(shop_a.shop.id) == []
    assert "The default Returns &amp; refunds page is back" in page_text(owner.get("/dashboard/alpha/pages/returns"))
    assert "Changed your mind?" in page_text(storefront(shop_a.shop).get("/pages/returns"))


@pytest.mark.parametrize(("body", "error"), [
    ("", "Write the page’s text, or restore the default below."),
    ("short", "That is very short for a policy: write at least 20 characters."),
    ("y" * 20_001, "Keep the page under 20,000 characters (this text has 20,001)."),
])
def test_a_bad_text_is_shown_on_its_field_and_not_saved(owner, shop_a, body, error):
    with use_shop(shop_a.shop.id):
        pages.save_page(shop_a.shop, "terms", "Our earlier terms, still in force.")
    for action in ("save", "preview"):
        response = owner.post("/dashboard/alpha/pages/terms", data={"body": body, "action": action})
        page = page_text(response)
        assert response.status_code == 422
        assert f'<p class="error" id="body-error" role="alert">{error}</p>' in page
        assert 'aria-invalid="true"' in page
    assert _bodies(shop_a.shop.id) == [("terms", "Our earlier terms, still in force.")]


def test_an_unknown_page_is_a_404(owner):
    assert owner.get("/dashboard/alpha/pages/about").status_code == 404
    assert owner.post("/dashboard/alpha/pages/about", data={"body": TEXT}).status_code == 404
    assert owner.post("/dashboard/alpha/pages/about/restore").status_code == 404


@pytest.fixture
def bravo_page(shop_b):
    with use_shop(shop_b.shop.id):
        pages.save_page(shop_b.shop, "returns", "Bravo's own returns policy, hands off.")
    [row] = fetch_all(ShopPage, shop_id=shop_b.shop.id)
    return row


def test_another_shops_owner_cannot_read_or_edit_by_its_url(owner, shop_b, bravo_page):
    for method, path, data in [
        ("GET", "/dashboard/bravo/pages", None),
        ("GET", "/dashboard/bravo/pages/returns", None),
        ("POST", "/dashboard/bravo/pages/returns", {"body": TEXT, "action": "save"}),
        ("POST", "/dashboard/bravo/pages/returns", {"body": TEXT, "action": "preview"}),
        ("POST", "/dashboard/bravo/pages/privacy", {"body": TEXT, "action": "save"}),
        ("POST", "/dashboard/bravo/pages/returns/restore", None),
    ]:
        response = owner.open(path, method=method, data=data or {})
        assert response.status_code == 404, (method, path)
        assert "Bravo's own returns policy" not in page_text(response)
    assert _bodies(shop_b.shop.id) == [("returns", "Bravo's own returns policy, hands off.")]


def test_another_shops_page_id_and_shop_id_in_the_form_change_nothing(owner, shop_a, shop_b, bravo_page):
    """Pages are addressed by kind within the URL's shop: a forged id or shop_id in the form
    (mass assignment) writes the owner's own shop's page, never the other's."""
    forged = {"body": TEXT, "action": "save", "id": bravo_page.id, "shop_id": shop_b.shop.id,
              "shop": "bravo", "kind": "privacy"}
    assert owner.post("/dashboard/alpha/pages/returns", data=forged).status_code == 302
    assert owner.post("/dashboard/alpha/pages/returns/restore",
                      data={"id": bravo_page.id, "shop_id": shop_b.shop.id}).status_code == 302
    assert _bodies(shop_b.shop.id) == [("returns", "Bravo's own returns policy, hands off.")]
    assert _bodies(shop_a.shop.id) == []
    page = page_text(owner.get("/dashboard/alpha/pages/returns"))
    assert "Bravo's own returns policy" not in page


def test_a_user_of_no_shop_gets_404(client, login, shop_b, bravo_page):
    stranger = login(make_user())
    assert stranger.get("/dashboard/bravo/pages/returns").status_code == 404
    assert stranger.post("/dashboard/bravo/pages/returns/restore").status_code == 404
    assert _bodies(shop_b.shop.id) == [("returns", "Bravo's own returns policy, hands off.")]
