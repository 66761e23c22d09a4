"""A shop selling in yuan lists supply priced in dollars once the admin sets a rate: its cost
and floor are held in yuan (converted, rounded up), the order keeps the converted cost, and
the supplier is paid that in yuan. Without a rate, nothing of the kind is possible."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog import browse, exchange
from app.errors import DomainError
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.cart import build_cart, line_key
from app.orders.services import mark_paid, place_order
from app.shops.pricing import PriceRule, check_price_rule
from app.shops.services import add_listing, create_shop
from app.tenancy import unscoped, use_shop
from tests.factories import CUSTOMER, make_catalog, make_user


def _rate(text: str) -> None:
    with unscoped():
        assert exchange.save_rates({("USD", "CNY"): text}, None) == []
    db.session.flush()


@pytest.fixture
def yuan_shop(app):
    catalog = make_catalog()  # a USD supplier: the tee costs $12.00 (floor $18.00)
    _rate("7.1")
    shop = create_shop(make_user("lin@example.com"), name="Lin's", subdomain="linshop", currency="CNY")
    db.session.flush()
    return shop, catalog


def test_without_a_rate_a_shop_cannot_sell_in_a_currency_the_catalog_lacks(app):
    make_catalog()
    with pytest.raises(DomainError) as refused:
        create_shop(make_user(), name="Lin's", subdomain="linshop", currency="CNY")
    assert refused.value.field == "currency"


def test_a_markup_applies_to_the_converted_cost(yuan_shop):
    shop, catalog = yuan_shop
    with use_shop(shop.id):
        listing = add_listing(shop, catalog.tee.id, rule=PriceRule("markup", 5000))
        variant = catalog.tee.variants[0]
        assert exchange.wholesale_in(variant, "CNY") == 8520  # $12.00 x 7.1 = ¥85.20
        assert PriceRule.of(listing).price_for(variant, "CNY") == 12780  # + 50 %
        assert listing.approved_prices[str(variant.id)] == 12780


def test_a_price_under_the_converted_floor_is_refused_in_the_shops_currency(yuan_shop):
    shop, catalog = yuan_shop
    with use_shop(shop.id), pytest.raises(DomainError) as refused:
        add_listing(shop, catalog.tee.id, rule=PriceRule("fixed", fixed_price=12000))  # ¥120 < ¥127.80
    assert "127.80" in str(refused.value) and "CN¥" in str(refused.value)  # held in yuan


def test_the_order_keeps_the_converted_cost_and_the_supplier_is_paid_in_yuan(yuan_shop):
    shop, catalog = yuan_shop
    with use_shop(shop.id):
        listing = add_listing(shop, catalog.snack.id, rule=PriceRule("markup", 10000))
        variant = catalog.snack.variants[0]  # $2.50 -> ¥17.75
        order = place_order(shop, build_cart({line_key(listing.id, variant.id): 2}, "CNY"), CUSTOMER)
        assert order.currency == "CNY" and order.lines[0].unit_cost == 1775
        assert order.lines[0].unit_price == 3550
        mark_paid(order)
        db.session.flush()
    with unscoped():
        owed = db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.order_id == order.id, LedgerEntry.payee_type == "supplier")).all()
    assert [(e.amount, e.currency) for e in owed] == [(2 * 1775, "CNY")]


def test_a_rate_change_moves_markup_prices_and_can_make_a_fixed_price_illegal(yuan_shop):
    shop, catalog = yuan_shop
    with use_shop(shop.id):
        listing = add_listing(shop, catalog.tee.id, rule=PriceRule("fixed", fixed_price=13000))
    _rate("7.5")  # the floor becomes $18.00 x 7.5 = ¥135.00
    exchange.forget_cached_rates()
    with use_shop(shop.id), pytest.raises(DomainError, match="135.00"):
        check_price_rule(PriceRule.of(listing), catalog.tee, "CNY")


def test_the_catalog_shows_converted_supply_only_with_a_rate(yuan_shop):
    shop, catalog = yuan_shop
    filters = browse.CatalogFilters(currency="CNY", text="", category="", supplier_id=None,
                                    min_wholesale=None, max_wholesale=None)
    found = browse.search_catalog(filters).items
    assert {p.id for p in found} == {catalog.tee.id, catalog.snack.id}
    entry = browse.CatalogEntry.of(catalog.snack, "CNY")
    assert (entry.wholesale_low, entry.min_retail_low) == (1775, 2485)
    # The wholesale range filter reads yuan: ¥17.75 is in [17.75, 17.75], ¥85.20 is not.
    ranged = browse.CatalogFilters(currency="CNY", text="", category="", supplier_id=None,
                                   min_wholesale=1775, max_wholesale=1775)
    assert [p.id for p in browse.search_catalog(ranged).items] == [catalog.snack.id]
    _rate("")
    exchange.forget_cached_rates()
    assert browse.search_catalog(filters).items == []


def test_a_rate_in_use_cannot_be_cleared(yuan_shop):
    shop, catalog = yuan_shop
    with use_shop(shop.id):
        add_listing(shop, catalog.snack.id, rule=PriceRule("markup", 10000))
    with unscoped():
        problems = exchange.save_rates({("USD", "CNY"): ""}, None)
    assert problems and "1 listing sells through this rate" in problems[0][1]
    assert exchange.rate_between("USD", "CNY") == 7_100_000


def test_a_rate_change_reviews_the_listings_it_moves(yuan_shop):
    from app.jobs.models import OutboxJob
    from app.shops.guardrails import review_listings_after_rate_change
    from app.shops.models import Listing

    shop, catalog = yuan_shop
    with use_shop(shop.id):
        listing = add_listing(shop, catalog.tee.id, rule=PriceRule("fixed", fixed_price=13000))
        listing_id = listing.id
    db.session.commit()
    _rate("7.5")  # the floor becomes ¥135.00: the fixed ¥130.00 is now too low
    with unscoped():
        jobs = db.session.scalars(select(OutboxJob.func)).all()
    assert "app.shops.guardrails.review_listings_after_rate_change" in jobs
    db.session.commit()
    exchange.forget_cached_rates()
    assert review_listings_after_rate_change("USD", "CNY") == 1
    assert review_listings_after_rate_change("USD", "CNY") == 0  # twice is once
    with use_shop(shop.id):
        listing = db.session.get(Listing, listing_id)
        assert listing.status == "paused" and "135.00" in listing.pause_reason
