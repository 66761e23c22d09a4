"""The theme editor in the dashboard: pick, configure, upload, arrange, preview, publish."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.extensions import db
from app.shops.models import Shop
from app.shops.theme_models import ShopMedia, ThemeConfig
from tests.dashboard.conftest import fetch_all, page_text


@pytest.fixture(autouse=True)
def media_root(app, tmp_path):
    previous = app.config["MEDIA_ROOT"]
    app.config["MEDIA_ROOT"] = str(tmp_path / "media")
    yield tmp_path / "media"
    app.config["MEDIA_ROOT"] = previous


def png(width=400, height=200, colour=(200, 40, 90), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


def _theme_of(shop_id):
    db.session.expire_all()
    return db.session.get(Shop, shop_id).theme


def test_library_lists_every_theme_with_previews(owner):
    page = page_text(owner.get("/dashboard/alpha/themes"))
    for title in ("Default", "Journal", "Boutique", "Market"):
        assert title in page
    assert "/dashboard/themes/market/preview.png" in page
    image = owner.get("/dashboard/themes/market/preview.png")
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_editor_form_is_generated_from_the_schema(owner):
    page = page_text(owner.get("/dashboard/alpha/themes/market"))
    assert 'name="accent_color"' in page and 'type="color"' in page
    assert 'name="products_per_row_desktop"' in page and 'max="6"' in page
    assert 'name="delivery_note"' in page and 'name="logo"' in page and 'type="file"' in page
    assert "Homepage sections" in page and "Featured collection" in page


def test_a_bad_colour_and_an_out_of_range_value_are_refused(owner, shop_a):
    page = owner.post("/dashboard/alpha/themes/market", data={
        "accent_color": "#12", "products_per_row_desktop": "12", "text_color": "#16211a"})
    assert page.status_code == 422
    text = page_text(page)
    assert "Enter a colour as # and six hex digits, like #1f2a44." in text
    assert "Choose a number from 3 to 6." in text
    assert fetch_all(ThemeConfig, shop_id=shop_a.shop.id) == []


def test_saving_then_publishing_changes_the_storefront(owner, shop_a, storefront):
    response = owner.post("/dashboard/alpha/themes/market", data={
        "accent_color": "#aa3300", "background_color": "#ffffff", "text_color": "#111111",
        "secondary_color": "#ffe9a8", "font_heading": "rounded", "font_body": "humanist",
        "button_style": "pill", "image_ratio": "square", "products_per_row_desktop": "4",
        "products_per_row_mobile": "2", "header_alignment": "left", "logo_height": "40",
        "delivery_note": "Order by Friday", "show_quick_add": "y", "announcement": ""})
    assert response.status_code == 302
    shop = storefront(shop_a.shop)
    assert b"--accent:#aa3300" not in shop.get("/").data  # a draft: shoppers don't see it
    assert owner.post("/dashboard/alpha/themes/market/publish").status_code == 302
    assert _theme_of(shop_a.shop.id) == "market"
    home = shop.get("/").data
    assert b"--accent:#aa3300" in home and b"Order by Friday" in home and b"theme-market" in home
    assert b'class="quick-add"' in home
    assert b'name="return_to" value="/"' in home  # back to the page it was added on
    assert b'name="return_to" value="/search?q=alpha"' in shop.get("/search?q=alpha").data


MARKET_FORM = {
    "accent_color": "#aa3300", "background_color": "#ffffff", "text_color": "#111111",
    "secondary_color": "#ffe9a8", "font_heading": "rounded", "font_body": "humanist",
    "button_style": "pill", "image_ratio": "square", "products_per_row_desktop": "4",
    "products_per_row_mobile": "2", "header_alignment": "left", "logo_height": "40",
    "delivery_note": "Order by Friday", "show_quick_add": "y", "announcement": ""}


def test_publish_saves_the_forms_values_first(owner, shop_a, storefront):
    """Issue 14, item 2: "Publish" submits the editor's form, so edits not yet saved as a
    draft go live instead of being thrown away."""
    page = page_text(owner.get("/dashboard/alpha/themes/market"))
    assert 'form="theme-settings" name="publish"' in page and 'id="theme-settings"' in page
    response = owner.post("/dashboard/alpha/themes/market", data={**MARKET_FORM, "publish": "1"})
    assert response.status_code == 302
    assert "Market is live" in page_text(owner.get(response.headers["Location"]))
    assert _theme_of(shop_a.shop.id) == "market"
    home = storefront(shop_a.shop).get("/").data
    assert b"--accent:#aa3300" in home and b"Order by Friday" in home
    assert "unpublished changes" not in page_text(owner.get("/dashboard/alpha/themes/market"))


def test_publish_with_an_invalid_value_shows_the_error_and_publishes_nothing(owner, shop_a, storefront):
    owner.post("/dashboard/alpha/themes/market", data=MARKET_FORM)  # a valid draft first
    response = owner.post("/dashboard/alpha/themes/market",
                          data={**MARKET_FORM, "accent_color": "#12", "publish": "1"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Enter a colour as # and six hex digits, like #1f2a44." in text
    assert "Nothing was published." in text
    assert 'value="#12"' in text  # the owner's typing is kept to fix
    assert _theme_of(shop_a.shop.id) != "market"
    [config] = fetch_all(ThemeConfig, shop_id=shop_a.shop.id)
    assert config.published_at is None and config.draft_settings["accent_color"] == "#aa3300"
    assert b"--accent:#aa3300" not in storefront(shop_a.shop).get("/").data


def test_logo_upload_is_checked_resized_and_served_safely(owner, shop_a, storefront, media_root):
    big = png(3000, 1000)
    response = owner.post("/dashboard/alpha/themes/default", data={
        "accent_color": "#1f2a44", "background_color": "#ffffff", "text_color": "#1b1b1f",
        "logo": (io.BytesIO(big), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)
    [media] = fetch_all(ShopMedia, shop_id=shop_a.shop.id)
    assert (media.kind, media.content_type, media.width, media.height) == ("logo", "image/png", 800, 267)
    assert (media_root / "shops" / str(shop_a.shop.id) / media.filename).is_file()
    # Issue finding: with an image saved, the editor answered 500 on every load (a macro
    # imported without the page's context), and so did a refused upload.
    editor = owner.get("/dashboard/alpha/themes/default")
    assert editor.status_code == 200 and f"/media/{media.filename}" in page_text(editor)
    refused = owner.post("/dashboard/alpha/themes/default", data={
        "accent_color": "#1f2a44", "background_color": "#ffffff", "text_color": "#1b1b1f",
        "logo": (io.BytesIO(b"not an image"), "logo.png")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "not an image we can read" in page_text(refused)
    owner.post("/dashboard/alpha/themes/default/publish")
    shop = storefront(shop_a.shop)
    assert f'/media/{media.filename}'.encode() in shop.get("/").data
    served = shop.get(f"/media/{media.filename}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "immutable" in served.headers["Cache-Control"]


@pytest.mark.parametrize(("data", "message"), [
    (b"<?php system($_GET['c']); ?>", "not an image we can read"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "not an image we can read"),
    (png(20, 20), "needs at least 64×32"),
])
def test_bad_uploads_are_refused_and_nothing_is_written(owner, shop_a, data, message, media_root):
    response = owner.post("/dashboard/alpha/themes/default", data={
        "accent_color": "#1f2a44", "background_color": "#ffffff", "text_color": "#1b1b1f",
        "logo": (io.BytesIO(data), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in page_text(response)
    assert fetch_all(ShopMedia, shop_id=shop_a.shop.id) == []
    assert not media_root.exists() or not any(media_root.rglob("*.png"))


def test_oversized_upload_is_refused(owner, app):
    app.config["MEDIA_MAX_UPLOAD_BYTES"] = 1000
    try:
        response = owner.post("/dashboard/alpha/themes/default", data={
            "accent_color": "#1f2a44", "background_color": "#ffffff", "text_color": "#1b1b1f",
            "logo": (io.BytesIO(png(800, 600, fmt="BMP")), "logo.png")}, content_type="multipart/form-data")
    finally:
        app.config["MEDIA_MAX_UPLOAD_BYTES"] = 8 * 1024 * 1024
    assert response.status_code == 422 and "larger than" in page_text(response)


def test_sections_are_added_edited_reordered_and_removed(owner, shop_a, storefront):
    response = owner.post("/dashboard/alpha/themes/default/sections", data={"add-section_type": "rich_text"})
    assert response.status_code == 302
    key = response.location.rstrip("/").rsplit("/", 1)[1]
    assert "Rich text" in page_text(owner.get(response.location))
    saved = owner.post(f"/dashboard/alpha/themes/default/sections/{key}", data={
        "heading": "Shipping", "alignment": "left", "body": "<p>Free <b>always</b><script>x</script></p>"})
    assert saved.status_code == 302
    assert owner.post(f"/dashboard/alpha/themes/default/sections/{key}/up").status_code == 302
    owner.post("/dashboard/alpha/themes/default/publish")
    home = page_text(storefront(shop_a.shop).get("/"))
    assert "<p>Free <b>always</b></p>" in home and "<script>x" not in home
    assert home.index("Shipping") < home.index('id="products"')  # moved above the grid
    owner.post(f"/dashboard/alpha/themes/default/sections/{key}/remove")
    owner.post("/dashboard/alpha/themes/default/publish")
    home = page_text(storefront(shop_a.shop).get("/"))
    assert f'id="section-{key}"' not in home and "Free <b>always</b>" not in home  # (the footer links Shipping)


def test_bad_section_values_are_refused(owner):
    response = owner.post("/dashboard/alpha/themes/default/sections", data={"add-section_type": "featured_collection"})
    key = response.location.rstrip("/").rsplit("/", 1)[1]
    page = owner.post(f"/dashboard/alpha/themes/default/sections/{key}", data={"limit": "50", "collection": "nope"})
    assert page.status_code == 422
    text = page_text(page)
    assert "Choose a number from 2 to 12." in text and "Choose one of your collections." in text


def test_the_draft_preview_is_seen_only_by_the_owners_browser(owner, shop_a, storefront):
    owner.post("/dashboard/alpha/themes/journal", data={
        "accent_color": "#8c2f2f", "background_color": "#fbf7f0", "text_color": "#25211c",
        "tagline": "Draft tagline", "products_per_row_desktop": "2"})
    start = owner.get("/dashboard/alpha/themes/journal/preview")
    assert start.status_code == 302 and start.location.startswith("http://alpha.flagship.test/_preview?token=")
    owners_browser = storefront(shop_a.shop)
    owners_browser.get(start.location.split("alpha.flagship.test", 1)[1])
    page = owners_browser.get("/")
    assert b"Draft tagline" in page.data and b"theme-journal" in page.data
    assert b'name="robots" content="noindex"' in page.data and page.headers["Cache-Control"] == "private, no-store"
    assert b"Draft tagline" not in storefront(shop_a.shop).get("/").data  # anyone else
    owners_browser.post("/_preview/exit")
    assert b"Draft tagline" not in owners_browser.get("/").data
    assert b"expired" in storefront(shop_a.shop).get("/_preview?token=forged", follow_redirects=True).data


def test_unknown_theme_and_section_are_404(owner):
    assert owner.get("/dashboard/alpha/themes/../../etc").status_code == 404
    assert owner.get("/dashboard/alpha/themes/nope").status_code == 404
    assert owner.get("/dashboard/alpha/themes/default/sections/nope").status_code == 404


def test_the_themes_own_words_read_in_the_owners_language_and_stay_the_themes(owner, shop_a, storefront):
    """A Chinese owner's editor showed "Hero banner" and the default button text "Shop now" in
    English. It now shows them as a Chinese shopper reads them; saved unchanged, the button
    keeps the theme's own words, so an English shopper still reads "Shop now"."""
    import re

    owner.flask_client.set_cookie("lang", "zh", domain=owner.host)
    added = owner.post("/dashboard/alpha/themes/default/sections", data={"add-section_type": "hero"})
    page = page_text(owner.get(added.location))
    assert "<h1>首屏横幅</h1>" in page and 'value="立即选购"' in page and "Hero banner" not in page
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="(\w+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and 'type="file"' not in tag:
            fields[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        fields[name] = (re.findall(r'<option selected value="([^"]*)"', options) or [""])[0]
    fields.pop("csrf_token", None)
    assert owner.post(added.location, data=fields).status_code == 302
    key = added.location.rstrip("/").rsplit("/", 1)[1]

    def button_label():
        config = fetch_all(ThemeConfig, shop_id=shop_a.shop.id, theme="default")[0]
        return next(s["settings"]["button_label"] for s in config.draft_sections if s["key"] == key)

    assert button_label() == "Shop now"  # the theme's words, not the owner's reading of them
    owner.post("/dashboard/alpha/themes/default/publish")
    shopper = storefront(shop_a.shop)
    assert "Shop now" in page_text(shopper.get("/"))
    shopper.flask_client.set_cookie("lang", "zh", domain=shopper.host)
    assert "立即选购" in page_text(shopper.get("/"))
    # The owner's own words are theirs, whatever the shopper's language.
    owner.post(added.location, data=dict(fields, button_label="去看看"))
    assert button_label() == "去看看"
    owner.post("/dashboard/alpha/themes/default/publish")
    shopper.flask_client.set_cookie("lang", "en", domain=shopper.host)
    assert "去看看" in page_text(shopper.get("/"))
