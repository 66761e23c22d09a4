"""Shops speak a language: create_shop stores it, services raise their errors in the
language being spoken, the default policy pages and pricing problems are written in it."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.i18n import speaking
from app.shops import pages
from app.shops.pricing import PriceRule, check_price_rule
from app.shops.services import create_shop, update_shop_profile
from app.tenancy import use_shop
from tests.factories import make_user


def test_create_shop_stores_the_language(catalog):
    owner = make_user()
    shop = create_shop(owner, name="Tea House", subdomain="teahouse", currency="USD", language="zh")
    assert shop.language == "zh"
    other = create_shop(owner, name="Plain Shop", subdomain="plainshop", currency="USD")
    assert other.language == "en"  # None: the language spoken now (English outside a request)
    with speaking("zh"):
        third = create_shop(owner, name="Third Shop", subdomain="thirdshop", currency="USD")
    assert third.language == "zh"


def test_create_shop_refuses_an_unknown_language(catalog):
    with pytest.raises(DomainError) as error:
        create_shop(make_user(), name="French Shop", subdomain="frenchshop", currency="USD", language="fr")
    assert error.value.field == "language"


def test_update_profile_changes_the_language_only_when_given(shop_a):
    shop = shop_a.shop
    update_shop_profile(shop, name=shop.name, bio=shop.bio)
    assert shop.language == "en"
    update_shop_profile(shop, name=shop.name, bio=shop.bio, language="zh")
    assert shop.language == "zh"
    with pytest.raises(DomainError) as error:
        update_shop_profile(shop, name=shop.name, bio=shop.bio, language="fr")
    assert error.value.field == "language"


def test_a_service_error_is_chinese_when_speaking_chinese(catalog):
    with speaking("zh"), pytest.raises(DomainError) as error:
        create_shop(make_user(), name="X", subdomain="xshop", currency="USD")
    assert str(error.value) == "店铺名称需要 2 到 80 个字符。"
    with pytest.raises(DomainError) as error:
        create_shop(make_user(), name="X", subdomain="xshop", currency="USD")
    assert str(error.value) == "Give your shop a name of 2 to 80 characters."


def test_default_policy_pages_in_chinese_name_the_shop(shop_a):
    shop = shop_a.shop
    with use_shop(shop.id):
        with speaking("zh"):
            terms = pages.policy_page(shop, "terms")
            shipping = pages.policy_page(shop, "shipping")
            assert str(pages.PAGE_KINDS["terms"][0]) != "Terms of service"
        assert terms.is_default
        assert "你在 Alpha Shop 购物时适用以下条款。" in terms.body
        assert "价格以 USD 计" in terms.body
        assert "Alpha Shop 从 Flagship 平台上值得信赖的供应商中挑选商品" in shipping.body
        assert "These terms" not in terms.body
        english = pages.policy_page(shop, "terms").body
        assert "These terms apply when you buy from Alpha Shop." in english
        # Saving the Chinese default unchanged keeps the page on the default.
        assert pages.save_page(shop, "terms", terms.body).is_default


def test_pricing_problems_in_chinese_with_babel_money(catalog):
    with speaking("zh"), pytest.raises(DomainError) as error:
        check_price_rule(PriceRule("fixed", fixed_price=1000), catalog.tee, "USD")
    message = str(error.value)
    assert "低于批发价" in message
    assert "US$10.00" in message and "US$12.00" in message
    with pytest.raises(DomainError) as error:
        check_price_rule(PriceRule("fixed", fixed_price=1000), catalog.tee, "USD")
    assert "$10.00 is under the wholesale cost of $12.00." in str(error.value)
