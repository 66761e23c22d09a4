"""Adding supply products to the shop (with price preview) and managing listings."""

import pytest

from app.extensions import db
from app.orders.models import OrderLine
from app.shops.models import CollectionListing, Listing
from app.shops.services import create_collection, update_collection
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text
from tests.factories import make_order, make_product, make_supplier


@pytest.fixture
def mug(catalog):
    """An unlisted product with two variants: wholesale 800/1000, minimum retail 1200/1500."""
    return make_product(catalog.supplier, title="Stoneware Mug", category="home", variants=[
        {"options": {"colour": "White"}, "wholesale": 800, "min_retail": 1200},
        {"options": {"colour": "Black"}, "wholesale": 1000, "min_retail": 1500},
    ])


def _add_url(product):
    return f"/dashboard/alpha/catalog/{product.id}/add"


def _listings_of(shop):
    return fetch_all(Listing, shop_id=shop.id)


def test_add_page_defaults_to_product_title_and_a_legal_markup(owner, mug):
    page = owner.get(_add_url(mug))
    text = page_text(page)
    assert page.status_code == 200
    assert 'value="Stoneware Mug"' in text
    assert 'value="50"' in text  # smallest whole-percent markup meeting every minimum
    assert 'data-wholesale="800"' in text and 'data-min-retail="1500"' in text
    assert "$12.00" in text and "$15.00" in text  # price table filled in already


def test_preview_shows_prices_and_margins_without_saving(owner, shop_a, mug):
    before = len(_listings_of(shop_a.shop))
    page = owner.post(_add_url(mug), data={
        "title": "My Mug", "price_rule": "markup", "markup_percent": "62.5", "action": "preview"})
    text = page_text(page)
    assert page.status_code == 200
    # what the owner gets is after the platform fee (5 %), as the ledger books a sale
    assert "$13.00" in text and "$0.65" in text and "$4.35" in text  # 800 * 1.625: 1300 - 800 - 65
    assert "$16.25" in text and "$0.81" in text and "$5.44" in text  # 1000 * 1.625: 1625 - 1000 - 81
    assert "$5.00" not in text and "$6.25" not in text  # not the margin before the fee
    assert "the platform fee (5% of the price)" in text
    assert "not saved yet" in text
    assert len(_listings_of(shop_a.shop)) == before


def test_the_take_follows_the_shops_own_platform_fee(owner, shop_a, mug):
    """Issue 14, item 5: an admin's fee override is the one shown (and booked)."""
    from app.ledger.services import take_for

    shop_a.shop.platform_fee_bp = 250
    db.session.commit()
    text = page_text(owner.post(_add_url(mug), data={
        "title": "My Mug", "price_rule": "fixed", "fixed_price": "24.00", "action": "preview"}))
    take = take_for(shop_a.shop, 2400, mug.variants[0].wholesale_price)
    assert take.fee == 60 and "the platform fee (2.5% of the price)" in text
    assert f'data-take>${take.amount // 100}.{take.amount % 100:02d}</td>' in text


def test_preview_flags_a_price_under_the_minimum_without_saving(owner, shop_a, mug):
    before = len(_listings_of(shop_a.shop))
    page = owner.post(_add_url(mug), data={
        "title": "My Mug", "price_rule": "fixed", "fixed_price": "14", "action": "preview"})
    text = page_text(page)
    assert "Black: $14.00 is under the supplier" in text
    assert "Too low" in text
    assert len(_listings_of(shop_a.shop)) == before


def test_add_with_a_fractional_markup_saves_basis_points(owner, shop_a, mug):
    response = owner.post(_add_url(mug), data={
        "title": "Everyday Mug", "recommendation": "I drink from it daily.",
        "price_rule": "markup", "markup_percent": "87.5", "action": "save"})
    assert response.status_code == 302 and response.location.endswith("/dashboard/alpha/products")
    listing = [row for row in _listings_of(shop_a.shop) if row.supply_product_id == mug.id][0]
    assert (listing.title, listing.recommendation) == ("Everyday Mug", "I drink from it daily.")
    assert (listing.price_rule, listing.markup_basis_points, listing.fixed_price) == ("markup", 8750, None)
    assert listing.is_visible


def test_add_with_a_fixed_price(owner, shop_a, mug):
    response = owner.post(_add_url(mug), data={
        "title": "Everyday Mug", "price_rule": "fixed", "fixed_price": "19.99", "action": "save"})
    assert response.status_code == 302
    listing = [row for row in _listings_of(shop_a.shop) if row.supply_product_id == mug.id][0]
    assert (listing.price_rule, listing.fixed_price, listing.markup_basis_points) == ("fixed", 1999, None)


@pytest.mark.parametrize("data, message", [
    ({"price_rule": "markup", "markup_percent": "10"},
     "Black: $11.00 is under the supplier"),
    ({"price_rule": "fixed", "fixed_price": "9"}, "is under the wholesale cost of $10.00"),
    ({"price_rule": "markup", "markup_percent": "abc"}, "Enter the markup as a number"),
    ({"price_rule": "markup", "markup_percent": ""}, "Enter a markup percentage"),
    ({"price_rule": "markup", "markup_percent": "-5"}, "The markup cannot be negative."),
    ({"price_rule": "markup", "markup_percent": "12.345"}, "at most two decimals"),
    ({"price_rule": "markup", "markup_percent": "5000"}, "between 0% and 1000%"),
    ({"price_rule": "fixed", "fixed_price": "19.999"}, "Enter a price like 12.50."),
    ({"price_rule": "fixed", "fixed_price": "lots"}, "Enter a price like 12.50."),
    ({"price_rule": "fixed", "fixed_price": "0"}, "Enter a price above zero."),
    # Past any integer column (a 500 on PostgreSQL and SQLite) and past Decimal's exponent.
    ({"price_rule": "fixed", "fixed_price": "1e20"}, "Enter a price up to $10,000,000.00."),
    ({"price_rule": "fixed", "fixed_price": "10000000.01"}, "Enter a price up to $10,000,000.00."),
    ({"price_rule": "fixed", "fixed_price": "1e999999"}, "Enter a price up to $10,000,000.00."),
    ({"price_rule": "markup", "markup_percent": "1e999999"}, "between 0% and 1000%"),
    ({"price_rule": "sometimes"}, "Choose a markup or a fixed price."),
    ({"price_rule": "markup", "markup_percent": "60", "title": ""}, "Give the listing a title."),
    ({"price_rule": "markup", "markup_percent": "60", "title": "x" * 201}, "2 to 200 characters"),
])
def test_bad_listing_input_is_refused_with_a_clear_message(owner, shop_a, mug, data, message):
    before = len(_listings_of(shop_a.shop))
    page = owner.post(_add_url(mug), data={"title": "My Mug", "action": "save", **data})
    assert page.status_code == 422
    assert message in page_text(page)
    assert 'role="alert"' in page_text(page)
    assert len(_listings_of(shop_a.shop)) == before


def test_price_under_minimum_retail_is_refused_on_the_field(owner, shop_a, mug):
    page = owner.post(_add_url(mug), data={
        "title": "My Mug", "price_rule": "markup", "markup_percent": "45", "action": "save"})
    text = page_text(page)
    assert page.status_code == 422
    assert 'id="markup_percent-error"' in text
    assert "minimum retail price of $15.00" in text
    assert all(row.supply_product_id != mug.id for row in _listings_of(shop_a.shop))


def test_unavailable_or_foreign_currency_products_cannot_be_added(owner, catalog):
    gone = make_product(catalog.supplier, title="Old Hat")
    gone.status = "discontinued"
    paused = make_product(make_supplier(status="suspended"), title="Paused Socks")
    euro = make_product(make_supplier(currency="EUR"), title="Euro Scarf")
    for product in (gone, paused, euro):
        assert owner.get(_add_url(product)).status_code == 404
        assert owner.post(_add_url(product), data={
            "title": "x" * 5, "price_rule": "markup", "markup_percent": "100",
            "action": "save"}).status_code == 404
    assert owner.get("/dashboard/alpha/catalog/999999/add").status_code == 404


def test_adding_an_already_listed_product_goes_to_its_edit_page(owner, shop_a, catalog):
    response = owner.get(_add_url(catalog.tee))
    assert response.status_code == 302
    assert response.location.endswith(f"/dashboard/alpha/products/{shop_a.listings[0].id}")


# Listings page ---------------------------------------------------------------


def test_products_page_lists_own_listings_with_prices_and_badges(owner, shop_a):
    page = owner.get("/dashboard/alpha/products")
    text = page_text(page)
    assert page.status_code == 200
    assert "alpha Organic Cotton Tee" in text and "$18.00" in text
    assert "alpha Sea Salt Crisps" in text and "$3.75" in text
    assert "badge-visible" in text
    assert "bravo" not in text


def test_edit_listing_saves_title_story_rule_and_visibility(owner, shop_a):
    listing = shop_a.listings[0]
    url = f"/dashboard/alpha/products/{listing.id}"
    page = owner.get(url)
    assert page.status_code == 200 and 'value="50"' in page_text(page)
    response = owner.post(url, data={
        "title": "The Tee", "recommendation": "Softest ever.", "price_rule": "fixed",
        "fixed_price": "25", "action": "save"})  # is_visible unticked
    assert response.status_code == 302
    saved = fetch_all(Listing, id=listing.id)[0]
    assert (saved.title, saved.recommendation, saved.price_rule, saved.fixed_price) == (
        "The Tee", "Softest ever.", "fixed", 2500)
    assert saved.is_visible is False


def test_edit_listing_preview_and_refusal_change_nothing(owner, shop_a):
    listing = shop_a.listings[0]
    url = f"/dashboard/alpha/products/{listing.id}"
    preview = owner.post(url, data={"title": "The Tee", "price_rule": "markup",
                                    "markup_percent": "100", "is_visible": "y", "action": "preview"})
    assert preview.status_code == 200 and "$24.00" in page_text(preview)
    refused = owner.post(url, data={"title": "The Tee", "price_rule": "markup",
                                    "markup_percent": "20", "is_visible": "y", "action": "save"})
    assert refused.status_code == 422
    assert "minimum retail price of $18.00" in page_text(refused)
    saved = fetch_all(Listing, id=listing.id)[0]
    assert (saved.title, saved.markup_basis_points) == ("alpha Organic Cotton Tee", 5000)


def test_hide_and_show(owner, shop_a):
    listing = shop_a.listings[1]
    response = owner.post(f"/dashboard/alpha/products/{listing.id}/hide")
    assert response.status_code == 302
    assert fetch_all(Listing, id=listing.id)[0].is_visible is False
    assert "badge-hidden" in page_text(owner.get("/dashboard/alpha/products"))
    owner.post(f"/dashboard/alpha/products/{listing.id}/show")
    assert fetch_all(Listing, id=listing.id)[0].is_visible is True


def test_move_up_and_down(owner, shop_a):
    first, second = shop_a.listings
    owner.post(f"/dashboard/alpha/products/{second.id}/move", data={"direction": "up"})
    ordered = sorted(_listings_of(shop_a.shop), key=lambda row: row.position)
    assert [row.id for row in ordered] == [second.id, first.id]
    owner.post(f"/dashboard/alpha/products/{second.id}/move", data={"direction": "down"})
    ordered = sorted(_listings_of(shop_a.shop), key=lambda row: row.position)
    assert [row.id for row in ordered] == [first.id, second.id]


def test_move_with_a_bad_direction_is_refused(owner, shop_a):
    first, second = shop_a.listings
    response = owner.post(f"/dashboard/alpha/products/{second.id}/move", data={"direction": "sideways"})
    assert response.status_code == 400
    ordered = sorted(_listings_of(shop_a.shop), key=lambda row: row.position)
    assert [row.id for row in ordered] == [first.id, second.id]


def test_remove_deletes_an_unsold_listing_and_its_collection_entries(owner, shop_a):
    listing_id = shop_a.listings[1].id
    with use_shop(shop_a.shop.id):
        collection = create_collection("Snacks")
        update_collection(collection, title="Snacks", description="", listing_ids=[listing_id])
    response = owner.post(f"/dashboard/alpha/products/{listing_id}/remove")
    assert response.status_code == 302
    assert fetch_all(Listing, id=listing_id) == []
    assert fetch_all(CollectionListing, listing_id=listing_id) == []
    assert "was removed" in page_text(owner.get(response.location))


def test_remove_hides_a_listing_with_orders_and_says_so(owner, shop_a):
    make_order(shop_a)
    listing = shop_a.listings[0]
    response = owner.post(f"/dashboard/alpha/products/{listing.id}/remove")
    assert response.status_code == 302
    remaining = fetch_all(Listing, id=listing.id)
    assert len(remaining) == 1 and remaining[0].is_visible is False
    assert len(fetch_all(OrderLine, listing_id=listing.id)) == 1
    assert "hidden instead of deleted" in page_text(owner.get(response.location))
