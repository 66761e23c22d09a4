"""The storefront speaks the shopper's language (issue 16, item 1): the shop's language by
default, the shopper's `lang` cookie when they chose one in the footer switcher; pages are
cached per language; an order remembers the language it was bought in.

(These read the compiled catalog, app/translations/zh/LC_MESSAGES/messages.mo: run
`flask i18n compile` after changing a part.)"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.tenancy import unscoped, use_shop
from tests.storefront.test_page_cache import cached  # noqa: F401 - a fixture

CHECKOUT = {"name": "Ada Shopper", "email": "ada@example.com", "phone": "+1 555 0100 200",
            "line1": "1 Main Street", "city": "Springfield", "postcode": "12345", "country": "US"}


def speaking(client, language: str, **other_cookies):
    """The client as a shopper who chose `language` in the switcher (the `lang` cookie)."""
    for key, value in {"lang": language, **other_cookies}.items():
        client.flask_client.set_cookie(key, value, domain=client.host)
    return client


@pytest.fixture
def zh_shop(shop_a):
    with use_shop(shop_a.shop.id):
        shop_a.shop.language = "zh"
        db.session.flush()
    return shop_a


def _add(client, listing):
    variant = listing.supply_product.variants[0]
    return client.post("/cart/add", data={"listing_id": listing.id, "variant_id": variant.id, "quantity": 2})


def test_a_chinese_shop_sells_in_chinese(zh_shop, storefront):
    client = storefront(zh_shop.shop)
    listing = zh_shop.listings[0]
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in home
    assert "全部商品" in home and "由 Flagship 提供技术支持" in home  # the grid, the footer
    assert "搜索本店" in home and "Search this shop" not in home
    product = client.get(f"/products/{listing.handle}").get_data(as_text=True)
    assert "加入购物车" in product and "我为什么推荐它" in product
    assert "US$18.00" in product  # Babel's money, the Chinese way (a USD shop)
    assert "Why alpha loves it." in product  # the owner's own words stay as written

    assert _add(client, listing).status_code == 302
    cart = client.get("/cart").get_data(as_text=True)
    assert "购物车" in cart and "去结算" in cart and "小计（2 件）" in cart and "US$36.00" in cart
    checkout = client.get("/checkout").get_data(as_text=True)
    assert "收货地址" in checkout and "提交订单" in checkout and "货到付款" in checkout
    assert "姓名" in checkout and "国家或地区" in checkout  # the form's labels
    assert "美国" in checkout  # country names in Chinese (Babel)
    assert "收到货时支付 <span data-total>US$36.00</span>" in checkout  # a {% trans %} block


def test_the_lang_cookie_wins_over_the_shops_language(zh_shop, storefront):
    client = speaking(storefront(zh_shop.shop), "en")
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in home and "Search this shop" in home and "搜索本店" not in home
    product = client.get(f"/products/{zh_shop.listings[0].handle}").get_data(as_text=True)
    assert "Add to cart" in product and "$18.00" in product and "US$" not in product


def test_an_english_shop_in_chinese_by_the_cookie(shop_a, storefront):
    page = speaking(storefront(shop_a.shop), "zh").get("/").get_data(as_text=True)
    assert "全部商品" in page and '<html lang="zh-CN">' in page


def test_the_switcher_links_each_language_and_marks_the_current_one(zh_shop, storefront):
    client = storefront(zh_shop.shop)
    path = f"/products/{zh_shop.listings[0].handle}"
    page = client.get(path).get_data(as_text=True)
    for code in ("en", "zh"):
        assert f'href="/language?to={code}&amp;next={path}"' in page
    assert 'aria-current="true">中文</a>' in page
    english = speaking(storefront(zh_shop.shop), "en").get(path).get_data(as_text=True)
    assert 'aria-current="true">English</a>' in english


def test_switching_sets_the_cookie_and_goes_back_only_to_a_local_page(zh_shop, storefront):
    client = storefront(zh_shop.shop)
    path = f"/products/{zh_shop.listings[0].handle}"
    answer = client.get("/language?" + urlencode({"to": "en", "next": path}))
    assert answer.status_code == 303 and answer.location.endswith(path)
    assert "lang=en" in answer.headers["Set-Cookie"]
    assert "Add to cart" in client.get(path).get_data(as_text=True)  # the cookie is kept
    away = client.get("/language?" + urlencode({"to": "zh", "next": "https://evil.example/x"}))
    assert away.status_code == 303 and "evil.example" not in away.location
    assert "lang=zh" in away.headers["Set-Cookie"]
    again = client.get("/language?" + urlencode({"to": "zh", "next": "//evil.example/x"}))
    assert "evil.example" not in again.location


def test_the_page_cache_keeps_each_language_apart(cached, shop_a, storefront):  # noqa: F811
    client, chinese_client = storefront(shop_a.shop), speaking(storefront(shop_a.shop), "zh")
    plain = client.get("/")  # no cookie: the shop's language (English)
    assert plain.headers["X-Page-Cache"] == "miss" and "Search this shop" in plain.get_data(as_text=True)
    chinese = chinese_client.get("/")
    assert chinese.headers["X-Page-Cache"] == "miss" and "搜索本店" in chinese.get_data(as_text=True)
    again = chinese_client.get("/")
    assert again.headers["X-Page-Cache"] == "hit" and "搜索本店" in again.get_data(as_text=True)
    back = client.get("/")
    assert back.headers["X-Page-Cache"] == "hit" and "搜索本店" not in back.get_data(as_text=True)
    # Another cookie beside the language (a site's analytics) changes nothing: the stored
    # Chinese page is theirs too (a cart has pages of its own: tests/storefront/test_page_cache.py).
    other = speaking(storefront(shop_a.shop), "zh", other="1")
    answer = other.get("/")
    assert answer.headers["X-Page-Cache"] == "hit" and "搜索本店" in answer.get_data(as_text=True)


def test_a_chinese_shops_cached_page_is_chinese_without_a_cookie(cached, zh_shop, storefront):  # noqa: F811
    client = storefront(zh_shop.shop)
    client.get("/")
    hit = client.get("/")
    assert hit.headers["X-Page-Cache"] == "hit" and "搜索本店" in hit.get_data(as_text=True)
    english = speaking(storefront(zh_shop.shop), "en").get("/")
    assert english.headers["X-Page-Cache"] == "miss" and "Search this shop" in english.get_data(as_text=True)


def _order_of(shop):
    with unscoped():
        db.session.expire_all()
        return db.session.scalar(select(Order).where(Order.shop_id == shop.id))


def test_an_order_placed_in_chinese_remembers_it(shop_a, storefront):
    client = speaking(storefront(shop_a.shop), "zh")
    assert _add(client, shop_a.listings[0]).status_code == 302
    placed = client.post("/checkout", data=CHECKOUT)
    assert placed.status_code == 302 and "/orders/FS-" in placed.location
    order = _order_of(shop_a.shop)
    assert order.language == "zh"
    page = client.get(placed.location).get_data(as_text=True)
    assert f"订单 {order.number}" in page and "US$36.00" in page


def test_an_order_placed_in_english_remembers_it(zh_shop, storefront):
    client = speaking(storefront(zh_shop.shop), "en")
    assert _add(client, zh_shop.listings[0]).status_code == 302
    assert client.post("/checkout", data=CHECKOUT).status_code == 302
    assert _order_of(zh_shop.shop).language == "en"


def test_a_group_order_placed_in_chinese_remembers_it_by_card_or_on_delivery(fake_stripe, shop_a, storefront):
    """The group checkout places its orders through the same `place_order` as the cart's, which
    writes the shopper's language: the member's e-mails speak it, whichever way they pay."""
    from app.deals import services as deals
    from tests.payments.helpers import latest_order

    crisps = shop_a.listings[1]
    with use_shop(shop_a.shop.id):
        variant_id = crisps.supply_product.variants[0].id
        deal_id = deals.save_group_buy(crisps, prices={variant_id: "3.60"}, group_size=3,
                                       time_limit_hours=24, max_open_groups=3).id
    client = speaking(storefront(shop_a.shop), "zh")
    query = f"/group-checkout?deal={deal_id}&variant={variant_id}"
    on_delivery = client.post(query, data=CHECKOUT)
    assert on_delivery.status_code == 302 and "/groups/" in on_delivery.location
    assert latest_order().language == "zh"
    by_card = client.post(query, data=dict(CHECKOUT, email="bo@example.com", payment_method="card"))
    assert by_card.status_code == 303
    order = latest_order()
    assert order.payment_method == "card" and order.language == "zh"
