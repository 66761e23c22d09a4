"""Shop settings: name and bio; subdomain and currency stay fixed (themes: test_themes.py)."""

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
