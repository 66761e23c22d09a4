"""Bulk work on a shop's listings (app/shops/bulk.py): hide and show, one markup for many,
a whole new order; all or nothing, and never another shop's listings."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.extensions import db
from app.shops import bulk
from app.shops.models import Listing
from app.shops.pricing import PriceRule
from app.shops.services import add_listing, update_listing
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all
from tests.factories import make_product


@pytest.fixture
def shop(shop_a, shop_b):
    """Shop A (tee: wholesale $12.00, minimum $18.00; crisps: $2.50, minimum $3.50, both
    at a 50% markup), acting for it; shop B exists too."""
    with use_shop(shop_a.shop.id):
        yield shop_a


def _saved(listing) -> Listing:
    return fetch_all(Listing, id=listing.id)[0]


def test_hide_and_show_many_at_once(shop):
    tee, crisps = shop.listings
    assert [listing.id for listing in bulk.set_visibility([crisps.id, tee.id], False)] == [tee.id, crisps.id]
    assert (_saved(tee).is_visible, _saved(crisps).is_visible) == (False, False)
    bulk.set_visibility([crisps.id], True)
    assert (_saved(tee).is_visible, _saved(crisps).is_visible) == (False, True)


def test_another_shops_listing_in_the_choice_changes_nothing(shop, shop_b):
    tee, _ = shop.listings
    foreign = shop_b.listings[0]
    with pytest.raises(DomainError, match="not in this shop"):
        bulk.set_visibility([tee.id, foreign.id], False)
    with pytest.raises(DomainError, match="not in this shop"):
        bulk.set_markup([tee.id, foreign.id], 10_000)
    with pytest.raises(DomainError, match="not in this shop"):
        bulk.set_visibility([foreign.id], False)
    assert _saved(tee).is_visible and _saved(tee).markup_basis_points == 5000
    assert _saved(foreign).is_visible and _saved(foreign).markup_basis_points == 5000


def test_an_empty_choice_is_refused(shop):
    with pytest.raises(DomainError, match="Tick the products"):
        bulk.set_visibility([], True)


def test_a_markup_is_planned_with_old_and_new_prices_without_saving(shop):
    tee, crisps = shop.listings
    plan = bulk.plan_markup([tee.id, crisps.id], 6000)
    assert [(c.listing.id, c.old_prices, c.new_prices, c.refused) for c in plan.changes] == [
        (tee.id, (1800, 1800), (1920, 1920), False), (crisps.id, (375, 375), (400, 400), False)]
    assert _saved(tee).markup_basis_points == 5000


def test_a_markup_is_all_or_nothing_and_names_each_refused_listing(shop):
    tee, crisps = shop.listings
    # 40%: the crisps ($3.50) may, the tee ($16.80, under its $18.00 minimum) may not.
    with pytest.raises(bulk.MarkupRefused) as refused:
        bulk.set_markup([tee.id, crisps.id], 4000)
    assert refused.value.message == "Nothing was changed: 1 chosen product cannot take this markup."
    [change] = refused.value.plan.refused
    assert change.listing.id == tee.id
    # one line for both sizes, priced alike
    assert change.problems == ("S / Sand, M / Sand: $16.80 is under the supplier’s minimum retail price of $18.00.",)
    assert (_saved(tee).markup_basis_points, _saved(crisps).markup_basis_points) == (5000, 5000)


def test_a_fixed_price_listing_gets_the_markup_rule_and_a_paused_one_sells_again(shop):
    tee, crisps = shop.listings
    update_listing(tee, title=tee.title, recommendation="", rule=PriceRule("fixed", fixed_price=2500))
    crisps.status, crisps.pause_reason = "paused", "The wholesale price moved."
    db.session.flush()
    plan = bulk.set_markup([tee.id, crisps.id], 7550)
    assert plan.changes[0].old_rule == PriceRule("fixed", fixed_price=2500)
    saved_tee, saved_crisps = _saved(tee), _saved(crisps)
    assert (saved_tee.price_rule, saved_tee.markup_basis_points, saved_tee.fixed_price) == ("markup", 7550, None)
    assert saved_tee.approved_prices == {str(v.id): 2106 for v in tee.supply_product.variants}
    assert (saved_crisps.status, saved_crisps.pause_reason) == ("active", "")


def test_the_callers_price_check_refuses_too(shop):
    tee, crisps = shop.listings
    seen = []

    def referral_check(variant, price):
        seen.append((variant.id, price))
        return f"{variant.label}: pays the promoters more than it leaves." if price < 400 else None

    with pytest.raises(bulk.MarkupRefused) as refused:
        bulk.set_markup([tee.id, crisps.id], 5500, price_problem=referral_check)
    assert [c.listing.id for c in refused.value.plan.refused] == [crisps.id]
    assert (crisps.supply_product.variants[0].id, 388) in seen  # $2.50 + 55%, rounded
    assert _saved(crisps).markup_basis_points == 5000


@pytest.mark.parametrize("basis_points", [-1, 100_001])
def test_a_markup_out_of_range_is_refused(shop, basis_points):
    with pytest.raises(DomainError, match="between 0% and 1000%"):
        bulk.plan_markup([shop.listings[0].id], basis_points)


def _third(shop, catalog):
    product = make_product(catalog.supplier, title="Linen Tote")
    return add_listing(shop.shop, product.id, rule=PriceRule("markup", 6000))


def _order(shop) -> list[int]:
    return [row.id for row in sorted(fetch_all(Listing, shop_id=shop.shop.id), key=lambda row: row.position)]


def test_a_whole_new_order_is_saved(shop, catalog):
    tee, crisps = shop.listings
    tote = _third(shop, catalog)
    bulk.reorder_listings([tote.id, tee.id, crisps.id])
    assert _order(shop) == [tote.id, tee.id, crisps.id]
    assert [row.position for row in sorted(fetch_all(Listing, shop_id=shop.shop.id), key=lambda r: r.position)] == [1, 2, 3]


def test_a_pages_rows_swap_places_among_themselves(shop, catalog):
    """The Products page sends only the rows it shows: they take each other's places, and
    the listings before and after them (other pages) keep theirs."""
    listings = [*shop.listings, *(_more(shop, catalog, 4))]
    before = [listing.id for listing in listings]
    page = before[2:5]
    bulk.reorder_listings(list(reversed(page)))
    assert _order(shop) == [*before[:2], *reversed(page), *before[5:]]


def test_rows_drawn_with_gaps_in_the_numbering_still_swap_cleanly(shop, catalog):
    # A removed listing leaves a gap (1, 2, 4); the order is renumbered before the swap.
    tee, crisps = shop.listings
    tote = _third(shop, catalog)
    db.session.delete(fetch_all(Listing, id=crisps.id)[0])
    db.session.flush()
    bulk.reorder_listings([tote.id, tee.id])
    assert _order(shop) == [tote.id, tee.id]
    assert sorted(row.position for row in fetch_all(Listing, shop_id=shop.shop.id)) == [1, 2]


@pytest.mark.parametrize(("make_order", "message"), [
    (lambda ids, foreign: [ids[0], ids[0], ids[1], ids[2]], "names a product twice"),
    (lambda ids, foreign: [ids[0], ids[1], foreign], "not in this shop"),
    (lambda ids, foreign: [*ids, foreign], "not in this shop"),
    (lambda ids, foreign: [], "names no product"),
])
def test_a_bad_order_moves_nothing(shop, shop_b, catalog, make_order, message):
    before = [*(listing.id for listing in shop.listings), _third(shop, catalog).id]
    with pytest.raises(DomainError, match=message):
        bulk.reorder_listings(make_order(list(reversed(before)), shop_b.listings[0].id))
    assert _order(shop) == before


def _more(shop, catalog, count: int) -> list[Listing]:
    return [add_listing(shop.shop, make_product(catalog.supplier, title=f"Extra {n}").id,
                        rule=PriceRule("markup", 5000)) for n in range(count)]


@pytest.mark.parametrize(("place", "expected_start", "expected"), [
    (1, 1, lambda ids: [ids[1], ids[4], ids[0], ids[2], ids[3], ids[5]]),
    (3, 3, lambda ids: [ids[0], ids[2], ids[1], ids[4], ids[3], ids[5]]),
    (5, 5, lambda ids: [ids[0], ids[2], ids[3], ids[5], ids[1], ids[4]]),
    (99, 5, lambda ids: [ids[0], ids[2], ids[3], ids[5], ids[1], ids[4]]),
])
def test_ticked_listings_move_together_to_a_place(shop, catalog, place, expected_start, expected):
    ids = [listing.id for listing in [*shop.listings, *_more(shop, catalog, 4)]]
    # Ticked in any order, they keep the shop's order among themselves (ids[1] before ids[4]).
    start = bulk.move_listings([ids[4], ids[1]], place)
    assert start == expected_start
    assert _order(shop) == expected(ids)


def test_moving_another_shops_listing_moves_nothing(shop, shop_b, catalog):
    before = [*(listing.id for listing in shop.listings), _third(shop, catalog).id]
    with pytest.raises(DomainError, match="not in this shop"):
        bulk.move_listings([before[2], shop_b.listings[0].id], 1)
    assert _order(shop) == before
    with pytest.raises(DomainError, match="Tick the products"):
        bulk.move_listings([], 1)
