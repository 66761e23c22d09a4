"""Shop settings: name and bio; subdomain and currency stay fixed (themes: test_themes.py)."""

import re

from app.extensions import db
from app.shops.models import Shop
from tests.dashboard.conftest import page_text


def _shop(shop_id):
    db.session.expire_all()
    return db.session.get(Shop, shop_id)


def test_settings_page_shows_fixed_subdomain_currency_and_themes(owner):
    page = owner.get("/dashboard/alpha/settings")
    text = page_text(page)
    assert page.status_code == 200
    assert "http://alpha.flagship.test/" in text and "USD" in text
    assert "/dashboard/alpha/themes" in text and "Default" in text  # the theme lives in the theme editor
    assert 'name="subdomain"' not in text and 'name="currency"' not in text


def test_save_name_and_bio(owner, shop_a):
    response = owner.post("/dashboard/alpha/settings", data={
        "name": "Alpha Goods", "bio": "New bio.", "theme": "default",
        "subdomain": "hijack", "currency": "EUR"})
    assert response.status_code == 302
    shop = _shop(shop_a.shop.id)
    assert (shop.name, shop.bio, shop.theme) == ("Alpha Goods", "New bio.", "default")
    assert (shop.subdomain, shop.currency) == ("alpha", "USD")
    assert "Settings saved." in page_text(owner.get(response.location))


def test_bad_name_is_refused_and_nothing_written(owner, shop_a):
    page = owner.post("/dashboard/alpha/settings", data={"name": "A", "bio": "Changed", "theme": "default"})
    assert page.status_code == 422
    assert "Give your shop a name of 2 to 80 characters." in page_text(page)
    shop = _shop(shop_a.shop.id)
    assert (shop.name, shop.bio) == ("Alpha Shop", "The alpha shop bio.")


def test_the_shops_time_zone_is_where_its_times_are_shown_and_searched(owner, shop_a):
    from datetime import UTC, datetime

    from sqlalchemy import update

    from app.extensions import db
    from app.orders.models import Order
    from app.tenancy import unscoped
    from tests.factories import make_order

    refused = owner.post("/dashboard/alpha/settings", data={
        "name": "Alpha Shop", "bio": "", "price_change_tolerance": "15", "margin_floor": "0",
        "cod_confirmation": "off", "timezone": "Mars/Olympus"})
    assert refused.status_code == 422 and "Choose your time zone from the list" in refused.get_data(as_text=True)
    saved = owner.post("/dashboard/alpha/settings", data={
        "name": "Alpha Shop", "bio": "", "price_change_tolerance": "15", "margin_floor": "0",
        "cod_confirmation": "off", "timezone": "Asia/Shanghai"})
    assert saved.status_code == 302
    form = owner.get("/dashboard/alpha/settings").get_data(as_text=True)
    chosen = re.findall(r'<option [^>]*\bselected\b[^>]*>', form)
    assert len(chosen) == 2 and 'value="Asia/Shanghai"' in " ".join(chosen)  # the zone and the language
    order = make_order(shop_a)
    with unscoped():  # placed late on 3 Dec UTC: already 4 Dec in Shanghai
        db.session.execute(update(Order).where(Order.id == order.id)
                           .values(placed_at=datetime(2026, 12, 3, 20, 30, tzinfo=UTC)))
        db.session.flush()
    page = owner.get("/dashboard/alpha/orders").get_data(as_text=True)
    assert "Dec 4, 2026, 4:30\u202fAM" in page and "Shanghai time" in page  # the shop clock (CLDR: narrow space)
    assert order.number in owner.get("/dashboard/alpha/orders?from=2026-12-04&to=2026-12-04").get_data(as_text=True)
    assert order.number not in owner.get("/dashboard/alpha/orders?to=2026-12-03").get_data(as_text=True)
    detail = owner.get(f"/dashboard/alpha/orders/{order.id}").get_data(as_text=True)
    assert "Dec 4, 2026, 4:30\u202fAM" in detail
