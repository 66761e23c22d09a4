"""Theme settings, sections, media, domains and sign-ups never cross shops."""

from __future__ import annotations

import io

from PIL import Image

from app.extensions import db
from app.shops import domains, media
from app.shops import theme_services as themes
from app.shops.domain_models import ShopDomain
from app.shops.theme_models import NewsletterSubscriber, ThemeConfig
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


def test_another_shops_theme_editor_and_domains_are_404(owner, shop_b):
    for path in ("/dashboard/bravo/themes", "/dashboard/bravo/themes/default",
                 "/dashboard/bravo/domains", "/dashboard/bravo/subscribers", "/dashboard/bravo/marketing/newsletter",
                 "/dashboard/bravo/marketing/newsletter.csv"):
        assert owner.get(path).status_code == 404
    assert owner.post("/dashboard/bravo/themes/default/publish").status_code == 404
    assert fetch_all(ThemeConfig, shop_id=shop_b.shop.id) == []


def test_another_shops_section_key_and_domain_id_are_404(owner, shop_a, shop_b):
    with use_shop(shop_b.shop.id):
        section = themes.add_section("default", "rich_text")
        domain = domains.add_domain(shop_b.shop, "bravo.example")
    db.session.flush()
    assert owner.get(f"/dashboard/alpha/themes/default/sections/{section['key']}").status_code == 404
    assert owner.post(f"/dashboard/alpha/themes/default/sections/{section['key']}/remove").status_code == 404
    assert owner.post(f"/dashboard/alpha/domains/{domain.id}/remove").status_code == 404
    assert len(fetch_all(ShopDomain, shop_id=shop_b.shop.id)) == 1


def test_media_of_another_shop_is_not_served_or_usable(app, shop_a, shop_b, storefront, tmp_path):
    previous, app.config["MEDIA_ROOT"] = app.config["MEDIA_ROOT"], str(tmp_path)
    try:
        with use_shop(shop_b.shop.id):
            logo_b = media.store_image("logo", _png(), "b.png")
        db.session.flush()
        assert storefront(shop_b.shop).get(f"/media/{logo_b.filename}").status_code == 200
        assert storefront(shop_a.shop).get(f"/media/{logo_b.filename}").status_code == 404
        with use_shop(shop_a.shop.id):
            themes.save_draft_settings("default", {"logo": logo_b.id})  # a forged id: not ours
            assert themes.get_config("default").draft_settings["logo"] is None
    finally:
        app.config["MEDIA_ROOT"] = previous


def test_newsletter_signups_stay_in_their_shop(owner, shop_a, shop_b, storefront):
    storefront(shop_b.shop).post("/newsletter", data={"email": "reader@example.com"})
    response = storefront(shop_a.shop).post("/newsletter", data={"email": "Fan@Example.com"})
    assert response.status_code == 302 and response.location.endswith("#newsletter")
    storefront(shop_a.shop).post("/newsletter", data={"email": "fan@example.com"})  # twice: one row
    bad = storefront(shop_a.shop).post("/newsletter", data={"email": "nope"}, follow_redirects=True)
    assert b"Enter an email address" in bad.data
    assert [s.email for s in fetch_all(NewsletterSubscriber, shop_id=shop_a.shop.id)] == ["Fan@example.com"]
    assert owner.get("/dashboard/alpha/subscribers").location.endswith("/dashboard/alpha/marketing/newsletter")
    page = page_text(owner.get("/dashboard/alpha/marketing/newsletter"))
    assert "Fan@example.com" in page and "reader@example.com" not in page and "Marketing" in page
    csv = owner.get("/dashboard/alpha/marketing/newsletter.csv")
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("Email,Signed up")
    assert "Fan@example.com" in csv.get_data(as_text=True) and "reader@" not in csv.get_data(as_text=True)
