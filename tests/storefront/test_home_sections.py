"""The home page's collection sections: a featured collection shows the products of that
collection that are on sale, in the collection's order, up to the section's limit; the
collection list names each collection (the home builds them from the shelf's cards)."""

from __future__ import annotations

import re

from app.shops import theme_services as themes
from app.shops.pricing import PriceRule
from app.shops.services import add_listing, create_collection, set_listing_visibility, update_collection
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


def test_a_featured_collection_stops_at_its_limit_and_the_list_counts_each_collection(shop_a, storefront):
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
    assert "4 products" in html  # the (preset) collection list counts its entries
