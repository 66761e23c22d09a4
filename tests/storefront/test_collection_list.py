"""The home page's collection list counts and pictures what shoppers can buy in each
collection (from the shelf: the entries' listings are not loaded a second time)."""

from __future__ import annotations

import re

from sqlalchemy import update

from app.catalog.models import SupplyProduct
from app.extensions import db
from app.shops.services import create_collection, update_collection
from app.tenancy import use_shop
from tests.test_statement_counts import recording


def _card(page: str, title: str) -> str:
    found = re.search(r'<li class="collection-card">(?:(?!</li>).)*?' + re.escape(title) + r".*?</li>", page, re.S)
    assert found, title
    return found.group(0)


def test_a_collection_card_counts_only_what_is_on_sale(app, storefront, shop_a, login):
    first, second = shop_a.listings[0], shop_a.listings[1]
    with app.app_context(), use_shop(shop_a.shop.id):
        collection = create_collection("Rainy days")
        update_collection(collection, title="Rainy days", description="", listing_ids=[second.id, first.id])
        for listing in (first, second):
            db.session.execute(update(SupplyProduct).where(SupplyProduct.id == listing.supply_product_id)
                               .values(image_url=f"https://cdn.example.com/{listing.id}.jpg"))
        db.session.commit()
    client = storefront(shop_a.shop)
    client.get("/")
    with recording() as counter:
        card = _card(client.get("/").get_data(as_text=True), "Rainy days")
    assert "2 products" in card and f"/{second.id}.jpg" in card  # the collection's first
    # Its picture is the shelf's card's: no query of its own (the cards' photos are one).
    assert sum("row_number()" in statement for statement in counter.statements) == 1
    login(shop_a.owner).post(f"/dashboard/alpha/products/{second.id}/hide")
    card = _card(client.get("/").get_data(as_text=True), "Rainy days")
    assert "1 product<" in card
    assert f"/{first.id}.jpg" in card and f"/{second.id}.jpg" not in card  # the hidden one is skipped
