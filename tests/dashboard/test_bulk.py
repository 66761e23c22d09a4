"""Bulk work on the Products page (app/dashboard/bulk_views.py): hide and show the ticked
products, a markup reviewed (old and new price) then saved for all or none, another shop's
ids refused, and a dragged order of products or homepage sections saved whole or not at all."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.shops import theme_services as themes
from app.shops.models import Listing
from app.shops.pricing import PriceRule
from app.shops.services import add_listing
from app.shops.theme_models import ThemeConfig
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text
from tests.factories import make_product
from tests.referrals.helpers import open_programme

BULK = "/dashboard/alpha/products/bulk"
CONFIRM = "/dashboard/alpha/products/bulk/markup"
ORDER = "/dashboard/alpha/products/order"
JSON = {"Accept": "application/json"}


def _saved(listing) -> Listing:
    return fetch_all(Listing, id=listing.id)[0]


def _rules(*listings) -> list[tuple]:
    return [(row.price_rule, row.markup_basis_points, row.fixed_price)
            for row in (_saved(listing) for listing in listings)]


def test_the_products_page_has_the_bulk_bar_ticks_and_handles(owner, shop_a):
    text = page_text(owner.get("/dashboard/alpha/products"))
    assert 'id="bulk-form"' in text and 'data-select-all="listing"' in text
    for listing in shop_a.listings:
        assert f'name="listing" value="{listing.id}" form="bulk-form"' in text
        assert f'data-reorder-id="{listing.id}"' in text
    assert 'data-reorder-url="/dashboard/alpha/products/order"' in text
    assert "/static/bulk.js" in text and "<script>" not in text  # no inline script (CSP)
    # The markup's button comes before Hide: Enter in the markup field reviews prices.
    assert text.index('value="markup"') < text.index('value="hide"')


def test_bulk_hide_and_show(owner, shop_a):
    tee, crisps = shop_a.listings
    response = owner.post(BULK, data={"action": "hide", "listing": [tee.id, crisps.id]})
    assert response.status_code == 302 and response.location.endswith("/dashboard/alpha/products")
    assert [_saved(tee).is_visible, _saved(crisps).is_visible] == [False, False]
    assert "2 products are hidden from your storefront." in page_text(owner.get(response.location))
    owner.post(BULK, data={"action": "show", "listing": [crisps.id]})
    assert [_saved(tee).is_visible, _saved(crisps).is_visible] == [False, True]
    assert "1 product is visible in your storefront." in page_text(owner.get("/dashboard/alpha/products"))


def test_bulk_move_counts_each_ticked_product_once(owner, shop_a, three):
    tee, crisps, tote = three
    response = owner.post(BULK, data={"action": "move", "place": "1", "listing": [tote.id, tote.id]})
    assert response.status_code == 302
    assert "1 product moved to place 1 of your order." in page_text(owner.get(response.location))
    assert _order(shop_a.shop)[0] == tote.id
    owner.post(BULK, data={"action": "move", "place": "2", "listing": [crisps.id, tee.id, crisps.id]})
    assert "2 products moved to places 2-3 of your order." in page_text(owner.get("/dashboard/alpha/products"))
    assert _order(shop_a.shop) == [tote.id, tee.id, crisps.id]


@pytest.mark.parametrize("data, message", [
    ({"action": "hide"}, "Tick the products you want to change first."),
    ({"action": "hide", "listing": "seven"}, "Choose products from the list."),
    ({"action": "show", "listing": str(2**40)}, "Choose products from the list."),
    ({"action": "markup", "markup_percent": "60"}, "Tick the products you want to change first."),
])
def test_a_bad_choice_is_refused_with_a_message(owner, shop_a, data, message):
    response = owner.post(BULK, data=data)
    assert response.status_code == 302
    assert message in page_text(owner.get(response.location))
    assert all(_saved(listing).is_visible for listing in shop_a.listings)


def test_an_unknown_action_is_a_bad_request(owner, shop_a):
    assert owner.post(BULK, data={"action": "delete", "listing": shop_a.listings[0].id}).status_code == 400


@pytest.mark.parametrize("action", ["hide", "show", "markup"])
def test_another_shops_ids_change_nothing(owner, shop_a, shop_b, action):
    """Tenant isolation: shop B's listing ids in shop A's form, alone or with A's own."""
    own, foreign = shop_a.listings[0], shop_b.listings[0]
    if action == "show":
        with use_shop(shop_b.shop.id):
            foreign.is_visible = False
            db.session.flush()
    for chosen in ([foreign.id], [own.id, foreign.id]):
        response = owner.post(BULK, data={"action": action, "listing": chosen, "markup_percent": "80"})
        assert response.status_code == 302
        assert "not in this shop" in page_text(owner.get(response.location))
        confirm = owner.post(CONFIRM, data={"listing": chosen, "markup_percent": "80", "reviewed": "8000"})
        assert confirm.status_code == 302
    assert _saved(foreign).is_visible is (action != "show")
    assert _saved(own).is_visible is True
    assert _rules(own, foreign) == [("markup", 5000, None)] * 2


# Markup: review, then save --------------------------------------------------------------


def test_a_markup_is_reviewed_with_old_and_new_prices_before_anything_changes(owner, shop_a):
    tee, crisps = shop_a.listings
    page = owner.post(BULK, data={"action": "markup", "markup_percent": "60", "listing": [tee.id, crisps.id]})
    text = page_text(page)
    assert page.status_code == 200
    assert "A markup of 60% on 2 products" in text
    assert "$18.00" in text and "$19.20" in text  # the tee now and after
    assert "$3.75" in text and "$4.00" in text  # the crisps
    assert "50% markup" in text and "Save new prices" in text
    assert 'name="reviewed" value="6000"' in text
    assert _rules(tee, crisps) == [("markup", 5000, None)] * 2  # a review saves nothing

    saved = owner.post(CONFIRM, data={"listing": [tee.id, crisps.id], "markup_percent": "60",
                                      "reviewed": "6000"})
    assert saved.status_code == 302 and saved.location.endswith("/dashboard/alpha/products")
    assert _rules(tee, crisps) == [("markup", 6000, None)] * 2
    assert "New prices saved: a markup of 60% on 2 products." in page_text(owner.get(saved.location))


def test_a_fixed_price_listing_is_shown_and_saved_with_the_markup_rule(owner, shop_a):
    tee = shop_a.listings[0]
    owner.post(f"/dashboard/alpha/products/{tee.id}", data={
        "title": tee.title, "price_rule": "fixed", "fixed_price": "25", "is_visible": "y", "action": "save"})
    text = page_text(owner.post(BULK, data={"action": "markup", "markup_percent": "75", "listing": tee.id}))
    assert "Fixed price" in text and "$25.00" in text and "$21.00" in text
    owner.post(CONFIRM, data={"listing": tee.id, "markup_percent": "75", "reviewed": "7500"})
    assert _rules(tee) == [("markup", 7500, None)]


def test_a_markup_that_prices_one_listing_illegally_changes_none_and_lists_the_reasons(owner, shop_a):
    tee, crisps = shop_a.listings
    review = owner.post(BULK, data={"action": "markup", "markup_percent": "40", "listing": [tee.id, crisps.id]})
    text = page_text(review)
    assert review.status_code == 422
    assert "Nothing can be saved: 1 chosen product cannot take this markup." in text
    assert "alpha Organic Cotton Tee</strong>: S / Sand, M / Sand: $16.80 is under the supplier" in text
    assert "Save new prices" not in text
    # Saving anyway (a form replayed, or prices moved since the review): still nothing.
    saved = owner.post(CONFIRM, data={"listing": [tee.id, crisps.id], "markup_percent": "40", "reviewed": "4000"})
    text = page_text(saved)
    assert saved.status_code == 422
    assert "Nothing was changed: 1 chosen product cannot take this markup." in text
    assert "minimum retail price of $18.00" in text
    assert _rules(tee, crisps) == [("markup", 5000, None)] * 2


def test_a_markup_that_cannot_pay_the_referral_commissions_is_refused(owner, shop_a):
    """The single edit's referral check applies too: the crisps at 40% ($3.50) leave $0.83
    after cost and fee, under the programme's 25% ($0.88)."""
    crisps = shop_a.listings[1]
    assert owner.post(BULK, data={"action": "markup", "markup_percent": "40", "listing": crisps.id}).status_code == 200
    open_programme(shop_a.shop, level1_bp=2000, level2_bp=500)
    review = owner.post(BULK, data={"action": "markup", "markup_percent": "40", "listing": crisps.id})
    assert review.status_code == 422 and "your referral programme pays" in page_text(review)
    saved = owner.post(CONFIRM, data={"listing": crisps.id, "markup_percent": "40", "reviewed": "4000"})
    assert saved.status_code == 422 and "your referral programme pays" in page_text(saved)
    assert _rules(crisps) == [("markup", 5000, None)]


@pytest.mark.parametrize("markup, message", [
    ("", "Enter a markup percentage"), ("lots", "Enter the markup as a number"),
    ("-5", "cannot be negative"), ("5000", "between 0% and 1000%"), ("1e999999", "between 0% and 1000%"),
])
def test_a_bad_markup_is_shown_on_the_review_page(owner, shop_a, markup, message):
    tee = shop_a.listings[0]
    for url, extra in ((BULK, {"action": "markup"}), (CONFIRM, {"reviewed": "6000"})):
        page = owner.post(url, data={"markup_percent": markup, "listing": tee.id, **extra})
        assert page.status_code == 422
        assert message in page_text(page) and "alpha Organic Cotton Tee" in page_text(page)
    assert _rules(tee) == [("markup", 5000, None)]


def test_a_markup_changed_after_the_review_is_reviewed_again_not_saved(owner, shop_a):
    tee = shop_a.listings[0]
    page = owner.post(CONFIRM, data={"listing": tee.id, "markup_percent": "90", "reviewed": "6000"})
    text = page_text(page)
    assert page.status_code == 200 and "The markup changed since you reviewed it" in text
    assert "$22.80" in text and 'name="reviewed" value="9000"' in text
    assert _rules(tee) == [("markup", 5000, None)]


# Order ---------------------------------------------------------------------------------------


@pytest.fixture
def three(shop_a, catalog):
    """Shop A's tee, crisps and a tote, in that order."""
    product = make_product(catalog.supplier, title="Linen Tote")
    with use_shop(shop_a.shop.id):
        tote = add_listing(shop_a.shop, product.id, rule=PriceRule("markup", 6000))
    return [*shop_a.listings, tote]


def _order(shop) -> list[int]:
    return [row.id for row in sorted(fetch_all(Listing, shop_id=shop.id), key=lambda row: row.position)]


def test_a_dragged_order_is_saved_whole(owner, shop_a, three):
    tee, crisps, tote = three
    response = owner.post(ORDER, data={"order": [tote.id, tee.id, crisps.id]}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert _order(shop_a.shop) == [tote.id, tee.id, crisps.id]
    text = page_text(owner.get("/dashboard/alpha/products"))
    assert text.index("Linen Tote") < text.index("alpha Organic Cotton Tee") < text.index("alpha Sea Salt Crisps")


def test_the_order_form_works_without_scripts_too(owner, shop_a, three):
    tee, crisps, tote = three
    response = owner.post(ORDER, data={"order": [crisps.id, tote.id, tee.id]})
    assert response.status_code == 302 and "New order saved" in page_text(owner.get(response.location))
    assert _order(shop_a.shop) == [crisps.id, tote.id, tee.id]


@pytest.mark.parametrize("make_order, message", [
    (lambda ids, foreign: [ids[0], *ids], "names a product twice"),
    (lambda ids, foreign: [ids[0], ids[1], foreign], "not in this shop"),
    (lambda ids, foreign: [*ids, foreign], "not in this shop"),
    (lambda ids, foreign: [*ids[:2], "x"], "not in this shop"),
    (lambda ids, foreign: [], "names no product"),
])
def test_a_bad_order_is_refused_and_moves_nothing(owner, shop_a, shop_b, three, make_order, message):
    before = [listing.id for listing in three]
    chosen = make_order(list(reversed(before)), shop_b.listings[0].id)
    response = owner.post(ORDER, data={"order": chosen}, headers=JSON)
    assert response.status_code == 422 and message in response.get_json()["error"]
    plain = owner.post(ORDER, data={"order": chosen})
    assert plain.status_code == 302 and message in page_text(owner.get(plain.location))
    assert _order(shop_a.shop) == before
    assert _order(shop_b.shop) == [listing.id for listing in shop_b.listings]


def test_shop_bs_order_cannot_be_set_from_shop_as_page(owner, shop_b):
    ids = [listing.id for listing in reversed(shop_b.listings)]
    assert owner.post("/dashboard/bravo/products/order", data={"order": ids}, headers=JSON).status_code in (403, 404)
    assert owner.post("/dashboard/alpha/products/order", data={"order": ids}, headers=JSON).status_code == 422
    assert _order(shop_b.shop) == list(reversed(ids))


# Homepage sections -------------------------------------------------------------------------


def _draft_keys(shop, theme="journal") -> list[str]:
    with use_shop(shop.id):
        return [s["key"] for s in themes.theme_state(shop, theme, draft=True).sections]


def test_the_theme_editor_draws_handles_and_saves_a_dragged_order_of_sections(owner, shop_a):
    text = page_text(owner.get("/dashboard/alpha/themes/journal"))
    keys = _draft_keys(shop_a.shop)
    assert 'data-reorder-url="/dashboard/alpha/themes/journal/section-order"' in text
    assert all(f'data-reorder-id="{key}"' in text for key in keys)
    response = owner.post("/dashboard/alpha/themes/journal/section-order",
                          data={"order": list(reversed(keys))}, headers=JSON)
    assert response.status_code == 200 and "saved in the draft" in response.get_json()["message"]
    assert _draft_keys(shop_a.shop) == list(reversed(keys))
    with use_shop(shop_a.shop.id):
        assert [s["key"] for s in themes.theme_state(shop_a.shop, "journal").sections] == keys  # not live yet


def test_a_bad_order_of_sections_is_refused(owner, shop_a, shop_b):
    with use_shop(shop_b.shop.id):
        foreign = themes.add_section("journal", "rich_text")["key"]
    keys = _draft_keys(shop_a.shop)
    url = "/dashboard/alpha/themes/journal/section-order"
    for order in (keys[1:], [keys[0], *keys], [*keys[1:], foreign], [*keys, foreign]):
        response = owner.post(url, data={"order": order}, headers=JSON)
        assert response.status_code == 422 and "nothing was moved" in response.get_json()["error"]
    assert _draft_keys(shop_a.shop) == keys
    assert _draft_keys(shop_b.shop)[-1] == foreign
    assert owner.post("/dashboard/alpha/themes/nope/section-order", data={"order": keys}).status_code == 404
    with use_shop(shop_b.shop.id):
        assert fetch_all(ThemeConfig, shop_id=shop_b.shop.id)[0].draft_sections[-1]["key"] == foreign


def test_the_review_page_is_under_products_in_the_navigation(owner, shop_a):
    text = page_text(owner.post(BULK, data={"action": "markup", "markup_percent": "60",
                                            "listing": shop_a.listings[0].id}))
    assert 'href="/dashboard/alpha/products" aria-current="page"' in text
