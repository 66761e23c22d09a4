"""Adding several products ticked in the supply catalog at once, each at its suggested price."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.shops.models import Listing
from app.tenancy import unscoped
from tests.dashboard.conftest import page_text
from tests.factories import make_product
from tests.referrals.helpers import open_programme

ADD = "/dashboard/alpha/catalog/add"


@pytest.fixture
def new_products(catalog):
    """Two products no shop lists yet: a mug at 75% to its minimum, a tin at 40% (thin)."""
    mug = make_product(catalog.supplier, title="Stoneware Mug", category="home",
                       variants=[{"wholesale": 800, "min_retail": 1400}])
    tin = make_product(catalog.supplier, title="Cookie Tin", category="snacks",
                       variants=[{"wholesale": 250, "min_retail": 350}, {"wholesale": 300, "min_retail": 400}])
    db.session.flush()
    return mug, tin


def _listings(shop) -> dict[str, Listing]:
    with unscoped():
        rows = db.session.scalars(select(Listing).where(Listing.shop_id == shop.id)).all()
    return {listing.title: listing for listing in rows}


def test_the_catalog_ticks_only_products_not_in_the_shop(owner, shop_a, new_products):
    text = page_text(owner.get("/dashboard/alpha/catalog"))
    mug, tin = new_products
    assert f'name="product" value="{mug.id}" form="add-form"' in text
    assert f'name="product" value="{tin.id}" form="add-form"' in text
    assert f'name="product" value="{shop_a.listings[0].supply_product_id}"' not in text  # in the shop already
    assert 'action="/dashboard/alpha/catalog/add"' in text and 'data-select-all="product"' in text


def test_ticked_products_are_added_at_their_suggested_prices(owner, shop_a, new_products):
    mug, tin = new_products
    before = max(listing.position for listing in _listings(shop_a.shop).values())
    response = owner.post(ADD, data={"product": [tin.id, mug.id], "back": "category=home&page=1"})
    assert response.status_code == 302
    assert response.location == "/dashboard/alpha/catalog?category=home&page=1"
    assert "2 products added to your shop at the suggested prices." in page_text(owner.get(response.location))
    listings = _listings(shop_a.shop)
    added_tin, added_mug = listings["Cookie Tin"], listings["Stoneware Mug"]
    # The smallest whole-percent markup that meets every variant's minimum: 40% and 75%.
    assert (added_tin.price_rule, added_tin.markup_basis_points) == ("markup", 4000)
    assert (added_mug.price_rule, added_mug.markup_basis_points) == ("markup", 7500)
    assert added_tin.is_visible and added_mug.is_visible
    assert (added_tin.position, added_mug.position) == (before + 1, before + 2)  # in the order ticked
    assert added_tin.handle == "cookie-tin" and added_mug.handle == "stoneware-mug"
    assert added_tin.approved_prices  # what the owner accepted, as "Add to shop" keeps it


def test_one_that_cannot_be_added_is_named_and_the_others_are_added(owner, shop_a, new_products):
    """The programme's 25% does not fit the tin at its minimum price: it needs a price of the
    owner's own, and the mug is added all the same. One in the shop already and one gone are
    named too."""
    mug, tin = new_products
    open_programme(shop_a.shop, level1_bp=2000, level2_bp=500)
    listed = shop_a.listings[0].supply_product_id
    response = owner.post(ADD, data={"product": [tin.id, mug.id, listed, 999999]})
    text = page_text(owner.get(response.location))
    assert "1 product added to your shop" in text
    assert "Not added: Cookie Tin." in text and "your referral programme pays" in text
    assert "Add it with a price of your own." in text
    assert "It is in your shop already." in text
    assert "Not added: Product 999999. That product is not in the supply catalog." in text
    listings = _listings(shop_a.shop)
    assert "Stoneware Mug" in listings and "Cookie Tin" not in listings


@pytest.mark.parametrize("data, message", [
    ({}, "Tick the products you want to add first."),
    ({"product": "mug"}, "Choose products from the list."),
    ({"product": [str(n) for n in range(1, 102)]}, "Add at most 100 products at once."),
])
def test_a_bad_choice_adds_nothing_and_says_why(owner, shop_a, new_products, data, message):
    before = set(_listings(shop_a.shop))
    response = owner.post(ADD, data=data)
    assert response.status_code == 302 and response.location == "/dashboard/alpha/catalog"
    assert message in page_text(owner.get(response.location))
    assert set(_listings(shop_a.shop)) == before


def test_the_way_back_keeps_only_the_catalogs_own_filters(owner, shop_a, new_products):
    mug, _tin = new_products
    response = owner.post(ADD, data={"product": mug.id,
                                     "back": "q=mug&next=https://evil.example/&page=2\r\nX-Evil: 1"})
    assert response.location == "/dashboard/alpha/catalog?q=mug&page=2%0D%0AX-Evil%3A+1"


def test_products_go_to_the_owners_shop_only(owner, shop_a, shop_b, new_products, client):
    """Tenant isolation: shop A's owner adds to A, never to B; B's URL is not theirs."""
    mug, _tin = new_products
    owner.post(ADD, data={"product": mug.id})
    assert "Stoneware Mug" in _listings(shop_a.shop) and "Stoneware Mug" not in _listings(shop_b.shop)
    refused = owner.post("/dashboard/bravo/catalog/add", data={"product": mug.id})
    assert refused.status_code == 404
    assert "Stoneware Mug" not in _listings(shop_b.shop)
