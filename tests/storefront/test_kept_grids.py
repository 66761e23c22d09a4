"""Issue 15: a rendered page's product grids are kept in the web process while the shop and
the catalog are unchanged and the cards are the same (`kept_grid` in
app/storefront/rendering.py), so a page the page cache cannot store (a cart of its own, a
message waiting) does not render its cards again; and every change still shows at once."""

from __future__ import annotations

import re
from collections import OrderedDict

import pytest
from sqlalchemy import update

from app.catalog.models import SupplyVariant
from app.extensions import db
from app.remembered import GRIDS
from app.shops.theme_services import preview_token

NONCE = re.compile(r'nonce="[^"]+"')


@pytest.fixture
def made(app, monkeypatch):
    """The grids rendered afresh (not taken from the keeper), by name, as pages are made."""
    monkeypatch.setattr(app.extensions["page_cache"], "seconds", 60)
    keeper = app.extensions[GRIDS]
    monkeypatch.setattr(keeper, "seconds", 60)
    monkeypatch.setattr(keeper, "answers", OrderedDict())
    fresh, real = [], keeper.get

    def get(name, make, shop_id, parts):
        def counted():
            fresh.append(name)
            return make()
        return real(name, counted, shop_id, parts)

    monkeypatch.setattr(keeper, "get", get)
    return fresh


def _rendered(storefront, shop):
    """A visitor whose pages are always rendered (a referral cookie the app cannot read)."""
    client = storefront(shop)
    client.flask_client.set_cookie("fs_ref", "unreadable", domain=client.host)
    return client


def _page(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200 and "X-Page-Cache" not in response.headers
    return NONCE.sub("", response.get_data(as_text=True))


def _card(page: str, title: str) -> str:
    found = re.search(r'<li class="product-card[^"]*">(?:(?!</li>).)*?' + re.escape(title) + r".*?</li>", page, re.S)
    assert found, title
    return found.group(0)


def test_a_rendered_pages_grids_are_made_once_and_are_what_a_fresh_render_makes(made, app, storefront, shop_a):
    client = _rendered(storefront, shop_a.shop)
    first = _page(client)
    grids = len(made)
    assert grids >= 1 and shop_a.listings[0].title in first
    assert _page(client) == first and len(made) == grids  # kept: no card rendered again
    app.extensions[GRIDS].seconds = 0  # the keeper off: the same page, its grids made afresh
    assert _page(client) == first and len(made) == 2 * grids


def test_stock_and_prices_show_at_once(made, app, storefront, shop_a):
    client = _rendered(storefront, shop_a.shop)
    snack = shop_a.listings[1]
    assert "Sold out" not in _card(_page(client), snack.title)
    # Stock moves no generation (every order moves some): the card's key holds it.
    with app.app_context():
        db.session.execute(update(SupplyVariant).where(SupplyVariant.product_id == snack.supply_product_id)
                           .values(stock=0))
        db.session.commit()
    card = _card(_page(client), snack.title)
    assert "Sold out" in card
    with app.app_context():
        db.session.execute(update(SupplyVariant).where(SupplyVariant.product_id == snack.supply_product_id)
                           .values(stock=5, min_retail_price=SupplyVariant.min_retail_price + 1000))
        db.session.commit()
    changed = _card(_page(client), snack.title)
    assert "Sold out" not in changed and changed != card


def test_an_owners_change_shows_at_once(made, storefront, shop_a, login):
    client = _rendered(storefront, shop_a.shop)
    listing = shop_a.listings[0]
    assert listing.title in _page(client)
    owner = login(shop_a.owner)
    assert owner.post(f"/dashboard/alpha/products/{listing.id}/hide").status_code == 302
    assert listing.title not in _page(client)


def test_each_language_and_page_has_its_own_grids(made, storefront, shop_a):
    client = _rendered(storefront, shop_a.shop)
    _page(client)
    grids = len(made)
    client.flask_client.set_cookie("lang", "zh", domain=client.host)
    chinese = _page(client)
    assert len(made) == 2 * grids and 'lang="zh' in chinese
    word = shop_a.listings[0].title.split()[0]
    _page(client, f"/search?q={word}")
    assert made[-1] == "grid" and len(made) == 2 * grids + 1


def test_a_theme_drafts_grids_are_never_kept(made, app, storefront, shop_a):
    client = _rendered(storefront, shop_a.shop)
    with app.app_context():
        token = preview_token(shop_a.shop, "market")
    assert client.get(f"/_preview?token={token}").status_code == 302
    for _ in range(2):
        page = _page(client)
        assert "market-card" in page and shop_a.listings[0].title in page  # the draft theme's cards
    assert made == [] and not app.extensions[GRIDS].answers  # made each time, never kept
