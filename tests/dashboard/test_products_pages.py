"""The Products page in pages (app/dashboard/listing_views.py): a shop with many listings gets
pages of PRODUCTS_PER_PAGE rows numbered by their place in the whole order; every action comes
back to the page it was sent from (or follows the product onto its new page); a page's dragged
rows swap places among themselves; ticked products move to a place on another page."""

from __future__ import annotations

import re

import pytest

from app.shops import services as shops
from app.shops.models import Listing
from app.shops.pricing import PriceRule
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text
from tests.factories import make_product

PRODUCTS = "/dashboard/alpha/products"
JSON = {"Accept": "application/json"}


@pytest.fixture
def seven(shop_a, catalog, monkeypatch):
    """Shop A with seven listings (its tee and crisps, then five more), three to a page."""
    monkeypatch.setattr(shops, "PRODUCTS_PER_PAGE", 3)
    with use_shop(shop_a.shop.id):
        more = [shops.add_listing(shop_a.shop, make_product(catalog.supplier, title=f"Extra {n}").id,
                                  rule=PriceRule("markup", 5000)) for n in range(1, 6)]
    return [listing.id for listing in [*shop_a.listings, *more]]


def _order(shop) -> list[int]:
    return [row.id for row in sorted(fetch_all(Listing, shop_id=shop.id), key=lambda row: row.position)]


def _rows(html: str) -> list[tuple[int, int]]:
    """(listing id, the place the row shows) of each row, top to bottom."""
    return [(int(listing_id), int(place)) for listing_id, place in re.findall(
        r'data-reorder-id="(\d+)".*?<span data-position>(\d+)</span>', html, re.S)]


def _disabled(html: str, direction: str) -> list[bool]:
    return [" disabled" in button for button in re.findall(rf'<button[^>]*data-move="{direction}"[^>]*>', html)]


def test_many_listings_come_in_pages_numbered_by_their_place(owner, seven):
    first = owner.get(PRODUCTS).get_data(as_text=True)
    assert _rows(first) == [(seven[0], 1), (seven[1], 2), (seven[2], 3)]
    assert "Page 1 of 3" in first and 'href="/dashboard/alpha/products?page=2" rel="next"' in first
    assert _disabled(first, "up") == [True, False, False] and _disabled(first, "down") == [False] * 3
    # The page's list says where it starts in the whole order (bulk.js numbers dragged rows so).
    assert 'data-position-from="1" data-position-total="7"' in first

    second = owner.get(PRODUCTS + "?page=2").get_data(as_text=True)
    assert _rows(second) == [(seven[3], 4), (seven[4], 5), (seven[5], 6)]
    assert 'data-position-from="4"' in second
    # Every form of the page sends it back with its page.
    assert second.count('<input type="hidden" name="page" value="2">') == 2  # the bulk bar, the rows' form
    assert "move products to another page" in second

    last = owner.get(PRODUCTS + "?page=3").get_data(as_text=True)
    assert _rows(last) == [(seven[6], 7)]
    assert _disabled(last, "up") == [False] and _disabled(last, "down") == [True]
    # Past the end (a product removed since the link was drawn): the last page.
    assert _rows(owner.get(PRODUCTS + "?page=40").get_data(as_text=True)) == [(seven[6], 7)]
    assert _rows(owner.get(PRODUCTS + "?page=nine").get_data(as_text=True))[0] == (seven[0], 1)


def test_one_page_has_no_page_links_or_page_fields(owner, shop_a):
    html = owner.get(PRODUCTS).get_data(as_text=True)
    assert 'rel="next"' not in html and 'name="page"' not in html
    assert "move products to another page" not in html


def test_hiding_on_page_two_comes_back_to_page_two(owner, shop_a, seven):
    response = owner.post(f"{PRODUCTS}/{seven[4]}/hide", data={"page": "2"})
    assert response.status_code == 302 and response.location.endswith(f"{PRODUCTS}?page=2#listing-{seven[4]}")
    assert fetch_all(Listing, id=seven[4])[0].is_visible is False
    response = owner.post(f"{PRODUCTS}/bulk", data={"action": "show", "listing": [seven[4]], "page": "2"})
    assert response.location.endswith(f"{PRODUCTS}?page=2")


def test_moving_up_from_the_top_of_a_page_follows_the_product_to_the_page_before(owner, shop_a, seven):
    response = owner.post(f"{PRODUCTS}/{seven[3]}/move", data={"direction": "up", "page": "2"})
    assert response.location.endswith(f"{PRODUCTS}#listing-{seven[3]}")  # page 1
    assert _order(shop_a.shop) == [seven[0], seven[1], seven[3], seven[2], *seven[4:]]
    response = owner.post(f"{PRODUCTS}/{seven[3]}/move", data={"direction": "down"})
    assert response.location.endswith(f"{PRODUCTS}?page=2#listing-{seven[3]}")
    assert _order(shop_a.shop) == seven


def test_a_pages_dragged_rows_swap_places_and_other_pages_keep_theirs(owner, shop_a, seven):
    page_two = [seven[5], seven[3], seven[4]]
    response = owner.post(f"{PRODUCTS}/order", data={"order": page_two}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert _order(shop_a.shop) == [*seven[:3], *page_two, seven[6]]
    html = owner.get(PRODUCTS + "?page=2").get_data(as_text=True)
    assert _rows(html) == [(seven[5], 4), (seven[3], 5), (seven[4], 6)]


def test_ticked_products_move_to_a_place_on_another_page(owner, shop_a, seven):
    response = owner.post(f"{PRODUCTS}/bulk", data={"action": "move", "place": "2", "page": "3",
                                                    "listing": [seven[6], seven[4]]})
    assert response.status_code == 302 and response.location.endswith(PRODUCTS)  # page 1, where they are now
    assert _order(shop_a.shop) == [seven[0], seven[4], seven[6], seven[1], seven[2], seven[3], seven[5]]
    assert "2 products moved to places 2-3 of your order." in page_text(owner.get(response.location))

    one = owner.post(f"{PRODUCTS}/bulk", data={"action": "move", "place": "999", "listing": [seven[0]]})
    assert one.location.endswith(f"{PRODUCTS}?page=3#listing-{seven[0]}")  # last: place 7
    assert _order(shop_a.shop)[-1] == seven[0]
    assert "1 product moved to place 7 of your order." in page_text(owner.get(one.location))


@pytest.mark.parametrize("data, message", [
    ({"place": "0"}, "Say where to move them: a place in your order, from 1."),
    ({"place": "first"}, "Say where to move them: a place in your order, from 1."),
    ({"place": ""}, "Say where to move them: a place in your order, from 1."),
    ({"place": "1", "listing": []}, "Tick the products you want to change first."),
])
def test_a_bad_move_says_why_and_moves_nothing(owner, shop_a, seven, data, message):
    form = {"action": "move", "listing": [seven[5]], "page": "2", **data}
    response = owner.post(f"{PRODUCTS}/bulk", data=form)
    assert response.status_code == 302 and response.location.endswith(f"{PRODUCTS}?page=2")
    assert message in page_text(owner.get(response.location))
    assert _order(shop_a.shop) == seven


def test_another_shops_products_cannot_be_moved_into_this_shops_order(owner, shop_a, shop_b, seven):
    theirs = [listing.id for listing in shop_b.listings]
    response = owner.post(f"{PRODUCTS}/bulk", data={"action": "move", "place": "1", "listing": [theirs[1]]})
    assert "not in this shop" in page_text(owner.get(response.location))
    assert owner.post("/dashboard/bravo/products/bulk", data={"action": "move", "place": "1",
                                                              "listing": [theirs[1]]}).status_code in (403, 404)
    assert _order(shop_a.shop) == seven and _order(shop_b.shop) == theirs


def test_a_markup_reviewed_from_page_two_goes_back_to_page_two(owner, shop_a, seven):
    review = owner.post(f"{PRODUCTS}/bulk", data={"action": "markup", "markup_percent": "60", "page": "2",
                                                  "listing": [seven[4]]})
    html = review.get_data(as_text=True)
    assert review.status_code == 200 and '<input type="hidden" name="page" value="2">' in html
    assert f'href="{PRODUCTS}?page=2">Cancel</a>' in html
    saved = owner.post(f"{PRODUCTS}/bulk/markup", data={"markup_percent": "60", "reviewed": "6000", "page": "2",
                                                        "listing": [seven[4]]})
    assert saved.status_code == 302 and saved.location.endswith(f"{PRODUCTS}?page=2")
    assert fetch_all(Listing, id=seven[4])[0].markup_basis_points == 6000
