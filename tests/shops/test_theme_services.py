"""Theme settings and sections: validated drafts, publishing, previews."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.extensions import db
from app.shops import theme_services as themes
from app.tenancy import use_shop


@pytest.fixture
def shop(shop_a, shop_b):
    with use_shop(shop_a.shop.id):
        yield shop_a.shop


def test_defaults_until_the_owner_changes_anything(shop):
    state = themes.theme_state(shop, "market")
    assert state.settings["accent_color"] == "#1d6b40"
    assert [s["type"] for s in state.sections][:2] == ["hero", "featured_collection"]


def test_a_valid_draft_is_saved_and_stays_a_draft_until_published(shop):
    themes.save_draft_settings("boutique", {"accent_color": "#112233", "products_per_row_desktop": "4"})
    assert themes.theme_state(shop, "boutique", draft=True).settings["accent_color"] == "#112233"
    assert themes.theme_state(shop, "boutique").settings["accent_color"] == "#7d2f43"
    assert shop.theme == "default"
    themes.publish_theme(shop, "boutique")
    assert shop.theme == "boutique"
    assert themes.theme_state(shop).settings["products_per_row_desktop"] == 4


@pytest.mark.parametrize(("raw", "field", "message"), [
    ({"accent_color": "red"}, "accent_color", "Enter a colour as # and six hex digits"),
    ({"products_per_row_desktop": "9"}, "products_per_row_desktop", "Choose a number from 2 to 4."),
    ({"products_per_row_desktop": "three"}, "products_per_row_desktop", "Enter a whole number."),
    ({"font_body": "comic-sans"}, "font_body", "Choose one of the listed fonts."),
    ({"button_style": "blobby"}, "button_style", "Choose one of the listed options."),
    ({"announcement": "x" * 121}, "announcement", "Keep it under 120 characters."),
    ({"text_color": "#fefefe"}, "text_color", "too close to the background colour to read"),
])
def test_bad_values_are_refused_with_a_message_and_nothing_is_written(shop, raw, field, message):
    with pytest.raises(themes.SettingsInvalid) as error:
        themes.save_draft_settings("boutique", {"accent_color": "#000000", **raw})
    assert message in error.value.errors[field]
    config = themes.get_config("boutique")
    assert config is None or config.draft_settings == {}


def test_sections_are_added_moved_and_removed_in_the_draft(shop):
    keys = [s["key"] for s in themes.theme_state(shop, "journal", draft=True).sections]
    added = themes.add_section("journal", "testimonials")
    themes.move_section("journal", added["key"], "up")
    order = [s["key"] for s in themes.theme_state(shop, "journal", draft=True).sections]
    assert order == keys[:-1] + [added["key"], keys[-1]]
    themes.remove_section("journal", keys[0])
    assert [s["key"] for s in themes.theme_state(shop, "journal", draft=True).sections][0] == keys[1]
    assert themes.theme_state(shop, "journal").sections[0]["key"] == keys[0]  # published unchanged


def test_section_limits_and_unknown_types_are_refused(shop):
    with pytest.raises(DomainError, match="Choose one of the listed sections."):
        themes.add_section("default", "marquee")
    with pytest.raises(DomainError, match="already has"):
        themes.add_section("default", "product_grid")  # one per page
    with pytest.raises(DomainError):
        themes.move_section("default", "nope", "sideways")


def test_rich_text_is_sanitised_and_section_values_checked(shop):
    section = themes.add_section("default", "rich_text")
    saved = themes.save_section_settings("default", section["key"], {
        "heading": "Hi", "alignment": "left",
        "body": '<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:x()">x</a>'
                '<a href="https://example.com">ok</a><img src=x onerror=y></p>'})
    body = saved["settings"]["body"]
    assert "script" not in body and "onclick" not in body and "javascript" not in body and "<img" not in body
    assert '<a href="https://example.com" rel="noopener nofollow ugc">ok</a>' in body
    with pytest.raises(themes.SettingsInvalid) as error:
        themes.save_section_settings("default", section["key"], {"alignment": "diagonal"})
    assert error.value.errors == {"alignment": "Choose one of the listed options."}


def test_a_collection_setting_must_name_one_of_the_shops_collections(shop, shop_b):
    from app.shops.services import create_collection

    with use_shop(shop_b.shop.id):
        create_collection("Bravo picks", "")
    section = themes.add_section("default", "featured_collection")
    with pytest.raises(themes.SettingsInvalid) as error:
        themes.save_section_settings("default", section["key"], {"collection": "bravo-picks"})
    assert error.value.errors["collection"] == "Choose one of your collections."


def test_discard_goes_back_to_what_is_published(shop):
    themes.save_draft_settings("default", {"accent_color": "#123456"})
    themes.discard_draft("default")
    assert themes.theme_state(shop, "default", draft=True).settings["accent_color"] == "#1f2a44"


def test_preview_tokens_are_for_one_shop(shop, shop_b):
    token = themes.preview_token(shop, "market")
    assert themes.read_preview_token(token, shop.id) == "market"
    assert themes.read_preview_token(token, shop_b.shop.id) is None
    assert themes.read_preview_token(token + "x", shop.id) is None


def test_theme_configs_are_per_shop(shop, shop_b):
    themes.save_draft_settings("default", {"accent_color": "#123456"})
    db.session.flush()
    with use_shop(shop_b.shop.id):
        assert themes.get_config("default") is None
        assert themes.theme_state(shop_b.shop, "default", draft=True).settings["accent_color"] == "#1f2a44"


def _draft_keys(shop, theme="journal") -> list[str]:
    return [s["key"] for s in themes.theme_state(shop, theme, draft=True).sections]


def test_a_whole_new_order_of_sections_is_saved_in_the_draft(shop):
    themes.add_section("journal", "rich_text")
    keys = _draft_keys(shop)
    themes.reorder_sections("journal", list(reversed(keys)))
    assert _draft_keys(shop) == list(reversed(keys))
    assert [s["key"] for s in themes.theme_state(shop, "journal").sections] == keys[:-1]  # published unchanged


@pytest.mark.parametrize(("make_order", "message"), [
    (lambda keys: keys[1:], "does not match"),
    (lambda keys: [keys[0], *keys], "names a section twice"),
    (lambda keys: [*keys[1:], "beef1234"], "does not match"),
    (lambda keys: [], "does not match"),
])
def test_a_bad_order_of_sections_moves_nothing(shop, make_order, message):
    keys = _draft_keys(shop)
    with pytest.raises(DomainError, match=message):
        themes.reorder_sections("journal", make_order(keys))
    assert _draft_keys(shop) == keys


def test_a_section_the_theme_no_longer_has_keeps_its_place(shop):
    config = themes.config_for_edit("journal")
    first, *rest = config.draft_sections
    config.draft_sections = [first, {"key": "gone1", "type": "retired_section", "settings": {}}, *rest]
    db.session.flush()
    shown = _draft_keys(shop)
    assert "gone1" not in shown
    themes.reorder_sections("journal", list(reversed(shown)))
    stored = [s["key"] for s in themes.get_config("journal").draft_sections]
    assert stored[1] == "gone1" and [key for key in stored if key != "gone1"] == list(reversed(shown))
    with pytest.raises(DomainError):
        themes.reorder_sections("journal", [*reversed(shown), "gone1"])  # not one the editor shows
