"""A shop runs in Chinese with yuan prices, end to end: the owner's choices (the storefront's
language, their own), the back offices and error pages in the browser's language, and every
e-mail in its reader's language (issue 16, item 1)."""

from __future__ import annotations

import re
from types import SimpleNamespace

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.jobs import send_new_order_to_owners, send_order_confirmation
from app.orders.models import Order
from app.shops.models import Shop
from app.shops.pricing import PriceRule
from app.shops.services import add_listing, create_shop
from app.tenancy import unscoped, use_shop
from tests.factories import make_product, make_supplier, make_user
from tests.storefront.test_storefront_language import CHECKOUT

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _tea_shop(owner_language: str | None = "zh"):
    """A shop selling a tea garden's supply, priced in yuan, whose storefront speaks Chinese."""
    garden = make_supplier("云岭茶园", currency="CNY")
    tea = make_product(garden, title="明前茉莉银针", category="snacks", variants=[
        {"options": {"规格": "50 克罐装"}, "wholesale": 3800, "min_retail": 5200, "stock": 50}])
    owner = make_user("lin@example.com")
    owner.language = owner_language
    shop = create_shop(owner, name="阿林的茶", subdomain="linstea", currency="CNY", language="zh")
    with use_shop(shop.id):
        added = add_listing(shop, tea.id, rule=PriceRule("markup", 5000), title="明前茉莉银针")
        # Plain values: after the commit a listing reloads only inside its shop's scope (RLS).
        listing = SimpleNamespace(id=added.id, handle=added.handle, variant_id=added.supply_product.variants[0].id)
    db.session.commit()
    return shop, owner, listing


def _buy(storefront, shop, listing) -> SimpleNamespace:
    client = storefront(shop)
    client.post("/cart/add", data={"listing_id": listing.id, "variant_id": listing.variant_id, "quantity": 1})
    placed = client.post("/checkout", data=dict(CHECKOUT, country="CN", region="云南省", city="昆明市",
                                                 postcode="650000"))
    assert placed.status_code == 302, placed.get_data(as_text=True)[:2000]
    with use_shop(shop.id):
        order = db.session.scalar(select(Order).order_by(Order.id.desc()))
        return SimpleNamespace(id=order.id, number=order.number, currency=order.currency, total=order.total,
                               language=order.language)


def _emails_to(address: str) -> list[OutboundEmail]:
    with unscoped():
        return db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)
                                  .order_by(OutboundEmail.id)).all()


def test_a_chinese_shop_in_yuan_from_storefront_to_e_mail(storefront, app):
    shop, owner, listing = _tea_shop()
    page = storefront(shop).get(f"/products/{listing.handle}").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page and "加入购物车" in page and "¥57.00" in page  # ¥38.00 + 50 %
    order = _buy(storefront, shop, listing)
    assert (order.currency, order.total, order.language) == ("CNY", 5700, "zh")  # ¥57.00 = 38 x 1.5
    send_order_confirmation(order.id)
    mail = _emails_to("ada@example.com")[-1]
    assert mail.subject == f"你在 阿林的茶 的订单 {order.number}"
    assert "谢谢你" in mail.body_html and "¥57.00" in mail.body_text and "Thank you" not in mail.body_text
    assert '<html lang="zh-CN">' in mail.body_html  # (every e-mail said "en")


def test_each_owner_reads_the_new_order_in_their_own_language(storefront, app):
    shop, owner, listing = _tea_shop(owner_language="en")  # the storefront speaks Chinese
    order = _buy(storefront, shop, listing)
    send_new_order_to_owners(order.id)
    mail = _emails_to(owner.email)[-1]
    assert mail.subject.startswith(f"New order {order.number} at 阿林的茶")
    assert "has a new order" in mail.body_text and "CN¥57.00" in mail.body_text  # yuan, said in English
    assert '<html lang="en">' in mail.body_html


def test_the_dashboard_speaks_the_owners_language(client, login, app):
    shop, owner, listing = _tea_shop()
    login(owner)
    home = client.get(f"/dashboard/{shop.subdomain}/").get_data(as_text=True)
    assert '<html lang="zh-CN"' in home and "你的店铺" in home and "分享你的店铺" in home
    orders = client.get(f"/dashboard/{shop.subdomain}/orders").get_data(as_text=True)
    assert "还没有订单" in orders and "打印" not in orders  # the empty state, in Chinese
    settings = client.get(f"/dashboard/{shop.subdomain}/settings").get_data(as_text=True)
    assert "店铺语言" in settings and re.search(r'<option selected value="zh">中文</option>', settings)


def test_the_owner_picks_the_storefront_language_and_a_bad_one_is_refused(client, login, storefront, app):
    shop, owner, listing = _tea_shop()
    login(owner)
    form = {"name": shop.name, "bio": "", "price_change_tolerance": "15", "margin_floor": "0",
            "timezone": "Asia/Shanghai", "cod_confirmation": "off"}
    refused = client.post(f"/dashboard/{shop.subdomain}/settings", data=dict(form, language="fr"))
    assert refused.status_code == 422 and "请选择列表中的语言。" in refused.get_data(as_text=True)
    assert client.post(f"/dashboard/{shop.subdomain}/settings", data=dict(form, language="en")).status_code == 302
    db.session.expire_all()
    with unscoped():
        assert db.session.get(Shop, shop.id).language == "en"
    assert '<html lang="en"' in storefront(shop).get("/").get_data(as_text=True)


def test_a_new_shop_speaks_its_owners_language(client, login, app):
    make_supplier(currency="USD")
    db.session.commit()
    owner = make_user("new-owner@example.com")
    owner.language = "zh"
    db.session.commit()
    login(owner)
    form = client.get("/dashboard/new").get_data(as_text=True)
    assert "店铺语言" in form
    opened = client.post("/dashboard/new", data={"name": "小店", "subdomain": "xiaodian", "currency": "USD",
                                                  "bio": "", "language": "zh"})
    assert opened.status_code == 302
    with unscoped():
        assert db.session.scalar(select(Shop.language).where(Shop.subdomain == "xiaodian")) == "zh"


def test_the_browser_language_and_the_switcher(client, login, app):
    page = client.get("/login", headers=ZH).get_data(as_text=True)
    assert "欢迎回来" in page and '<html lang="zh-CN"' in page
    assert "Welcome back" in client.get("/login").get_data(as_text=True)
    refused = client.post("/login", headers=ZH, data={"email": "nobody@example.com", "password": "guess"})
    assert refused.status_code == 422 and "邮箱和密码不匹配" in refused.get_data(as_text=True)
    asked_to_log_in = client.get("/dashboard/", headers=ZH, follow_redirects=True).get_data(as_text=True)
    assert "请先登录再查看此页面" in asked_to_log_in  # (Flask-Login's own message is English only)
    assert "Please log in to see this page." in client.get("/dashboard/", follow_redirects=True).get_data(as_text=True)
    missing = client.get("/no-such-page", headers=ZH)
    assert missing.status_code == 404 and "找不到页面" in missing.get_data(as_text=True)
    user = make_user("switcher@example.com")
    db.session.commit()
    login(user)
    switched = client.get("/language?to=zh&next=/account")
    assert switched.status_code == 303 and switched.location.endswith("/account")
    assert "lang=zh" in switched.headers["Set-Cookie"]
    db.session.expire_all()
    with unscoped():
        assert db.session.get(User, user.id).language == "zh"  # their e-mails speak it too
    assert "保存语言" in client.get("/account").get_data(as_text=True)
    away = client.get("/language?to=en&next=https://evil.example/")
    assert away.status_code == 303 and "evil" not in away.location  # only a path on this site


def test_a_password_reset_asked_in_chinese_arrives_in_chinese(client, app):
    make_user("forgetful@example.com")
    db.session.commit()
    client.post("/forgot-password", data={"email": "forgetful@example.com"}, headers=ZH)
    mail = _emails_to("forgetful@example.com")[-1]
    assert mail.subject == "重置你的 Flagship 密码" and "设置新密码" in mail.body_text


def test_templates_translate_in_the_language_being_spoken_and_follow_speaking(app):
    """The templates' _(), ngettext and pgettext find the catalog once a request (app.i18n)
    and find it again when `speaking` another language: an e-mail in its reader's language
    from a request in another; variables still escaped, plurals and contexts kept."""
    from app.i18n import speaking

    page = app.jinja_env.from_string(
        "{{ _('Hide') }}|{{ _('Hide %(title)s', title=title) }}|"
        "{{ ngettext('%(num)d listing sells through this rate: it stays until that listing is removed.', "
        "'%(num)d listings sell through this rate: it stays until they are removed.', 2) }}|"
        "{{ pgettext('product category', 'Home') }}|"
        "{% trans count=3 %}{{ count }} listing sells through this rate: it stays until that listing is removed."
        "{% pluralize %}{{ count }} listings sell through this rate: it stays until they are removed.{% endtrans %}")
    page.environment.autoescape = True
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = page.render(title="<b>Tee</b>")
        with speaking("zh"):
            chinese = page.render(title="<b>Tee</b>")
        after = page.render(title="<b>Tee</b>")
    assert english.split("|") == [
        "Hide", "Hide &lt;b&gt;Tee&lt;/b&gt;",
        "2 listings sell through this rate: it stays until they are removed.", "Home",
        "3 listings sell through this rate: it stays until they are removed."]
    assert chinese.split("|")[0] == "隐藏" and "&lt;b&gt;Tee&lt;/b&gt;" in chinese.split("|")[1]
    assert chinese.split("|")[2] == "有 2 个商品按此汇率销售：在下架前此汇率不能删除。"
    assert chinese.split("|")[3] == "家居"
    assert after == english
    with app.test_request_context("/"), speaking("zh"):
        assert page.render(title="x").startswith("隐藏|")
    with app.test_request_context("/"):  # the next request finds its own catalog
        assert page.render(title="x").startswith("Hide|")


def test_python_strings_translate_through_the_same_catalog_and_follow_speaking(app):
    """`_`, `ngettext` and `lazy_gettext` in Python go through the request's catalog too: a
    lazy form label made once reads in each request's language, and in `speaking`'s."""
    from app.i18n import _, lazy_gettext, ngettext, speaking

    label = lazy_gettext("Hide %(title)s", title="Tee")
    plural = ("%(num)d listing sells through this rate: it stays until that listing is removed.",
              "%(num)d listings sell through this rate: it stays until they are removed.")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert (_("Hide"), str(label), ngettext(*plural, 2)) == (
            "Hide", "Hide Tee", "2 listings sell through this rate: it stays until they are removed.")
        with speaking("zh"):
            assert (_("Hide"), ngettext(*plural, 2)) == ("隐藏", "有 2 个商品按此汇率销售：在下架前此汇率不能删除。")
            assert "Tee" in str(label) and str(label) != "Hide Tee"
        assert _("Hide") == "Hide"  # back to the request's language
    # (a fresh app context: the test's own would share its g, where the locale is kept)
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert _("Hide") == "隐藏" and str(label).startswith("隐藏")
    with app.app_context():  # a job: no request, English
        assert str(label) == "Hide Tee"
    assert _("Hide") == "Hide"  # no app at all: the message as written
