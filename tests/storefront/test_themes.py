"""Theme packages: every installed theme loads; a bad one stops start-up with a message
naming the file and the field; templates and settings inherit along the parent chain."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app import create_app
from app.config import BASE_DIR
from app.themes.packages import ThemeError, load_themes
from tests import conftest

THEMES = BASE_DIR / "themes"


def test_the_installed_themes_load_and_inherit_from_default():
    registry = load_themes(THEMES)
    assert {"default", "journal", "boutique", "market"} <= set(registry.names())
    for name in ("journal", "boutique", "market"):
        theme = registry.get(name)
        assert theme.chain == [name, "default"]
        assert {"hero", "featured_collection", "product_grid", "rich_text", "testimonials",
                "about", "newsletter"} <= set(theme.sections)
        assert theme.setting("accent_color")["default"] != registry.get("default").setting("accent_color")["default"]
        assert theme.setting("logo") is not None  # inherited from the base theme
        assert theme.preview and (theme.path / "static" / theme.preview).is_file()
    # One way to translate: a theme's words are gettext in its templates, not locale files.
    assert not any((theme.path / "locales").exists() for theme in registry.themes.values())
    assert (registry.get("journal").path / "templates" / "_words.html").is_file()
    assert registry.get("no-such-theme").name == "default"  # a shop keeps working


def _copy_themes(tmp_path: Path) -> Path:
    target = tmp_path / "themes"
    shutil.copytree(THEMES, target)
    return target


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["settings_schema"][0].update(default="#zzzzzz"),
     "themes/journal/theme.json: settings_schema[0] (accent_color).default: Enter a colour"),
    (lambda d: d.update(parent="nowhere"), "themes/journal/theme.json: parent: no theme named 'nowhere'"),
    (lambda d: d["settings_schema"].append({"id": "x", "type": "range", "label": "X", "min": 1, "max": 5, "default": 9}),
     "settings_schema[11] (x).default: Choose a number from 1 to 5."),
    (lambda d: d["settings_schema"].append({"id": "y", "type": "sparkles", "label": "Y", "default": 1}),
     "settings_schema[11] (y).type: must be one of"),
    (lambda d: d.update(version="one"), "themes/journal/theme.json: version:"),
    (lambda d: d["default_sections"].append({"type": "carousel"}), "default_sections[6].type: no section type 'carousel'"),
])
def test_a_bad_theme_is_refused_naming_the_file_and_field(tmp_path, change, message):
    themes = _copy_themes(tmp_path)
    _edit(themes / "journal" / "theme.json", change)
    with pytest.raises(ThemeError) as error:
        load_themes(themes)
    assert message in str(error.value)


def test_broken_json_and_a_section_without_template_are_refused(tmp_path):
    themes = _copy_themes(tmp_path)
    (themes / "default" / "sections" / "hero.json").write_text("{not json")
    with pytest.raises(ThemeError, match=r"themes/default/sections/hero.json: not valid JSON \(line 1"):
        load_themes(themes)
    themes = _copy_themes(tmp_path / "again")
    (themes / "boutique" / "sections" / "lookbook.json").write_text(json.dumps({"name": "Lookbook"}))
    with pytest.raises(ThemeError, match="themes/boutique/sections/lookbook.json: no template lookbook.html"):
        load_themes(themes)


def test_the_app_refuses_to_start_with_a_bad_theme(tmp_path):
    themes = _copy_themes(tmp_path)
    _edit(themes / "boutique" / "theme.json", lambda d: d["settings_schema"][1].update(default="white"))
    with pytest.raises(ThemeError, match=r"themes/boutique/theme.json: settings_schema\[1\] \(background_color\)"):
        create_app(conftest.test_config("sqlite://", THEMES_DIR=str(themes)))
