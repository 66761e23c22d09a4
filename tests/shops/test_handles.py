"""Product and collection addresses (`slugify`, `_unique_handle` in app/shops/services.py): a
title in any script makes an address that says what it shows, and a repeated title gets the
next free number, found in one query."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import event

from app.extensions import db
from app.shops.pricing import PriceRule
from app.shops.services import add_listing, create_collection, slugify
from app.tenancy import use_shop
from tests.factories import make_product


@pytest.mark.parametrize(("title", "handle"), [
    ("Organic Cotton Tee", "organic-cotton-tee"),
    ("Café crème, 250 g!", "cafe-creme-250-g"),  # accents come off Latin letters
    ("Über-Straße", "uber-straße"),
    ("明前茉莉银针 50 克罐装", "明前茉莉银针-50-克罐装"),  # Chinese keeps its characters
    ("한국 김치", "한국-김치"),  # Korean syllables are put back together (NFC)
    ("Tee_Shirt — 2 pack", "tee-shirt-2-pack"),
    ("!!!", "item"),
])
def test_a_title_in_any_script_makes_an_address(title, handle):
    assert slugify(title) == handle


def test_a_long_title_in_another_script_makes_a_link_of_a_sensible_length():
    """80 Chinese characters would be a 720-character link once percent-encoded: an address
    is cut at 150 encoded characters, after a whole word where the script has words."""
    tea = slugify("云南古树普洱茶饼357克2019年春茶头采手工压制生茶礼盒装送礼佳品")
    assert tea == "云南古树普洱茶饼357克2019年春茶头采手" and len(quote(tea)) <= 150
    tee = slugify("Органическая хлопковая футболка с длинным рукавом для женщин и мужчин")
    assert tee == "органическая-хлопковая" and len(quote(tee)) <= 150
    assert slugify("x" * 100) == "x" * 80  # a Latin title: 80 characters, as before
    assert slugify("Über " + "ü" * 60) == "uber-" + "u" * 60  # accents off: no encoding to count


def test_a_chinese_products_address_says_its_name_and_opens(shop_a, catalog, storefront):
    with use_shop(shop_a.shop.id):
        tea = add_listing(shop_a.shop, make_product(catalog.supplier, title="Jasmine").id,
                          rule=PriceRule("markup", 5000), title="明前茉莉银针")
        handle = tea.handle
    db.session.commit()
    assert handle == "明前茉莉银针"
    client = storefront(shop_a.shop)
    assert f'href="/products/{quote(handle)}"' in client.get("/").get_data(as_text=True)  # links percent-encoded
    page = client.get(f"/products/{quote(handle)}")
    assert page.status_code == 200 and "明前茉莉银针" in page.get_data(as_text=True)


def test_a_repeated_title_gets_the_next_free_number_in_one_query(shop_a, catalog):
    engine = db.session.get_bind()
    handles, reads = [], []

    def count(_conn, _cursor, statement, *_args):
        if "listings.handle" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    with use_shop(shop_a.shop.id):
        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(4):
                reads.clear()
                listing = add_listing(shop_a.shop, make_product(catalog.supplier, title="Mug").id,
                                      rule=PriceRule("markup", 5000), title="Mug 50%_off")
                handles.append(listing.handle)
                assert len(reads) == 1, reads
        finally:
            event.remove(engine, "before_cursor_execute", count)
        # "mug-50" is free though "mug-50-off" starts with it.
        other = add_listing(shop_a.shop, make_product(catalog.supplier, title="Mug").id,
                            rule=PriceRule("markup", 5000), title="Mug 50")
        first = create_collection("Mug 50% off")
        second = create_collection("Mug 50% off")
    assert handles == ["mug-50-off", "mug-50-off-2", "mug-50-off-3", "mug-50-off-4"]
    assert other.handle == "mug-50"
    assert (first.handle, second.handle) == ("mug-50-off", "mug-50-off-2")
