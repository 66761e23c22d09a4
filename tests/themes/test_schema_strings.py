"""Theme schemas speak the owner's language too: every text of theme.json and
sections/*.json (labels, help, groups, options, section names, the texts a theme fills in
by default) is listed for the catalog in app/themes/schema_strings.py and shown through
app.themes.labels; theme section templates mark their words like any template."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import BASE_DIR
from app.i18n import speaking
from app.themes import labels
from app.themes.setting_types import type_of
from tests import test_translations

THEMES = Path(BASE_DIR) / "themes"
SECTION_TEMPLATES = sorted(THEMES.glob("*/sections/*.html"))


def test_every_schema_text_is_listed_for_translation():
    listed = (Path(BASE_DIR) / "app" / "themes" / "schema_strings.py").read_text(encoding="utf-8")
    assert listed == labels.module_source(THEMES), (
        "a theme's schema changed: run `.venv/bin/python -m app.themes.labels > app/themes/schema_strings.py`,"
        " then translate the new texts (flask i18n missing app/themes)")
    for text in ("Accent colour", "Hero banner", "Colours", "Centred", "Portrait (4:5)"):
        assert f"lazy_gettext({text!r})".replace("'", '"') in listed


def test_a_new_label_is_caught(tmp_path):
    import shutil

    shutil.copytree(THEMES, tmp_path / "themes")
    section = tmp_path / "themes" / "default" / "sections" / "about.json"
    section.write_text(section.read_text().replace('"About me"', '"About the owner"', 1))
    assert "About the owner" in labels.schema_texts(tmp_path / "themes")
    assert labels.module_source(tmp_path / "themes") != labels.module_source(THEMES)


def test_labels_and_editor_fields_speak_chinese(app):
    theme = app.extensions["themes"].get("default")
    accent = theme.setting("accent_color")
    with app.test_request_context(), speaking("zh"):
        assert labels.label("Accent colour") == "强调色"
        assert labels.label("") == ""
        field = type_of(accent).form_field(accent).bind(form=None, name="accent_color",
                                                        _meta=_Meta())
        assert field.label.text == "强调色" and "按钮" in field.description
        assert labels.default_text("All products") == "全部商品"
        assert labels.default_text("Join") == "加入"  # a newsletter's button, not a group's
    with app.test_request_context(), speaking("en"):
        assert labels.label("Accent colour") == "Accent colour"


class _Meta:
    def bind_field(self, form, unbound_field, options):
        return unbound_field.bind(form=form, **options)


def test_a_chinese_shops_default_sections_speak_chinese(app, shop_a, storefront):
    from app.extensions import db
    from app.tenancy import use_shop

    with use_shop(shop_a.shop.id):
        shop_a.shop.language = "zh"
        db.session.flush()
    page = storefront(shop_a.shop).get("/").get_data(as_text=True)
    assert "全部商品" in page and ">All products<" not in page


@pytest.mark.parametrize("path", SECTION_TEMPLATES, ids=lambda p: str(p.relative_to(THEMES)))
def test_section_templates_mark_their_words(path):
    """(tests/test_translations.py reads themes/*/templates; the sections are checked here.)"""
    test_translations.test_template_text_is_marked_for_translation(path)
