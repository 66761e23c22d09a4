"""The home page's collection sections: a featured collection shows the products of that
collection that are on sale, in the collection's order, up to the section's limit; the
collection list counts each collection's products on sale; and the home makes only the cards it shows."""

from __future__ import annotations

import re

from app.shops import theme_services as themes
from app.shops.pricing import PriceRule
from app.shops.services import (
    add_listing,
    create_collection,
    set_listing_visibility,
    update_collection,
)
from app.tenancy import use_shop
from tests import factories


def _featured_titles(html: str, key: str) -> list[str]:
    section = html.split(f'id="section-{key}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="card-link"[^>]*>([^<]+)</a>', section)


def _make_favourites(fixture, limit: int):
    """Four listings (one hidden, one paused) in a "Favourites" collection, featured on the
    home page: (the section's key, the listings by title, the collection)."""
    with use_shop(fixture.shop.id):
        supplier = factories.make_supplier()
        made = {}
        for title in ("Linen Apron", "Hidden Mug", "Paused Tray", "Oak Spoon"):
            product = factories.make_product(supplier, title=title, variants=[
                {"options": {"size": "M"}, "wholesale": 1000, "min_retail": 1500, "stock": 10}])
            made[title] = add_listing(fixture.shop, product.id, rule=PriceRule("markup", 5000), title=title)
        set_listing_visibility(made["Hidden Mug"], False)
        made["Paused Tray"].status = "paused"  # a supplier's price move the owner has not approved
        favourites = create_collection("Favourites")
        update_collection(favourites, title="Favourites", description="", listing_ids=[
            made[title].id for title in ("Oak Spoon", "Hidden Mug", "Paused Tray", "Linen Apron")])
        section = themes.add_section("default", "featured_collection")
        themes.save_section_settings("default", section["key"], {
            "collection": favourites.handle, "heading": "", "show_description": "y", "limit": str(limit)})
        themes.publish_theme(fixture.shop, "default")
    return section["key"], made, favourites


def test_a_featured_collection_shows_its_products_on_sale_in_its_order(shop_a, shop_b, storefront):
    key, _, _ = _make_favourites(shop_a, limit=12)
    with use_shop(shop_b.shop.id):  # another shop's collection of the same name changes nothing here
        other = create_collection("Favourites")
        update_collection(other, title="Favourites", description="", listing_ids=[shop_b.listings[0].id])
    html = storefront(shop_a.shop).get("/").get_data(as_text=True)
    assert _featured_titles(html, key) == ["Oak Spoon", "Linen Apron"]  # not hidden, not paused
    assert shop_b.listings[0].title not in html


def test_a_featured_collection_stops_at_its_limit_and_the_list_counts_what_is_on_sale(shop_a, storefront):
    key, made, favourites = _make_favourites(shop_a, limit=2)
    with use_shop(shop_a.shop.id):
        product = factories.make_product(factories.make_supplier(), title="Clay Bowl", variants=[
            {"options": {"size": "M"}, "wholesale": 1000, "min_retail": 1500, "stock": 10}])
        bowl = add_listing(shop_a.shop, product.id, rule=PriceRule("markup", 5000), title="Clay Bowl")
        update_collection(favourites, title="Favourites", description="", listing_ids=[
            made["Hidden Mug"].id, bowl.id, made["Oak Spoon"].id, made["Linen Apron"].id])
        themes.publish_theme(shop_a.shop, "default")
    html = storefront(shop_a.shop).get("/").get_data(as_text=True)
    assert _featured_titles(html, key) == ["Clay Bowl", "Oak Spoon"]
    assert "3 products" in html and "4 products" not in html  # the collection list: those on sale


def test_the_home_makes_only_the_cards_its_sections_show(shop_a, storefront, monkeypatch):
    """A shop with more products on sale than its home shows: the home loads and prices the
    cards it shows (the grid's, the featured collection's, the share card's first few), not
    the whole shelf, so its cost stays flat as the shop grows; it still counts them all."""
    from app.storefront import views

    key, _, _ = _make_favourites(shop_a, limit=2)  # Oak Spoon and Linen Apron on sale, in it
    with use_shop(shop_a.shop.id):
        supplier = factories.make_supplier()
        for number in range(30):
            product = factories.make_product(supplier, title=f"Tin Cup {number}", variants=[
                {"options": {"size": "M"}, "wholesale": 1000, "min_retail": 1500, "stock": 10}])
            add_listing(shop_a.shop, product.id, rule=PriceRule("markup", 5000), title=f"Tin Cup {number}")
        grid = next(s for s in themes.config_for_edit("default").draft_sections if s["type"] == "product_grid")
        themes.save_section_settings("default", grid["key"], {"heading": "Everything", "limit": "4"})
        themes.publish_theme(shop_a.shop, "default")
    monkeypatch.setattr(views.Shelf, "CHUNK", 4)  # (48 in production: more than this shop has)
    made = []
    real_offer = views._offer
    monkeypatch.setattr(views, "_offer", lambda listing: made.append(listing.id) or real_offer(listing))
    html = storefront(shop_a.shop).get("/").get_data(as_text=True)
    on_sale = len(shop_a.listings) + 2 + 30
    assert f"{on_sale} products" in html
    grid_html = html.split('id="products"', 1)[1].split("</section>", 1)[0]
    assert grid_html.count('class="card-link"') == 4
    assert _featured_titles(html, key) == ["Oak Spoon", "Linen Apron"]
    assert len(made) == len(set(made)) <= 12 + 2 < on_sale  # the share card looks at the first 12
