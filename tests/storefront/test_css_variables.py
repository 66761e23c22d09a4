"""Theme settings become CSS custom properties through their setting types: a theme declares
`css_var` (and colour `role`s), no Python names a setting id."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app import create_app
from app.storefront.rendering import css_variables
from app.themes.packages import ThemeError, load_themes
from tests import conftest
from tests.storefront.test_themes import _copy_themes, _edit

EXPECTED = json.loads((Path(__file__).parent / "css_variables_expected.json").read_text())
# Captured before the setting types replaced the hard-coded ids; the properties must stay.
CUSTOM = {"accent_color": "#ffcc00", "background_color": "#101010", "text_color": "#f5f5f5",
          "secondary_color": "#2255aa", "font_heading": "didone", "font_body": "slab",
          "button_style": "pill", "image_ratio": "portrait", "products_per_row_desktop": 3,
          "products_per_row_mobile": 1, "logo_height": 56}


def _properties(markup) -> dict[str, str]:
    body = re.search(r":root\{(.*)\}</style>", str(markup)).group(1)
    return dict(part.split(":", 1) for part in body.split(";") if part)


def _css(app, theme_name: str, settings: dict | None = None) -> dict[str, str]:
    theme = app.extensions["themes"].get(theme_name)
    values = theme.defaults()
    values.update({k: v for k, v in (settings or {}).items() if theme.setting(k)})
    with app.test_request_context("/"):
        return _properties(css_variables(theme, values))


@pytest.mark.parametrize("name", ["default", "boutique", "journal", "market"])
def test_every_theme_gives_the_same_properties_as_before(app, name):
    assert _css(app, name) == EXPECTED[f"{name}/defaults"]
    assert _css(app, name, CUSTOM) == EXPECTED[f"{name}/custom"]


def test_a_value_with_no_css_is_left_out(app):
    properties = _css(app, "default", {"button_style": "rounded", "logo_height": None})
    assert properties["--button-radius"] == "8px" and "--logo-height" not in properties


def test_a_theme_adds_a_css_variable_without_python(tmp_path):
    themes = _copy_themes(tmp_path)
    _edit(themes / "journal" / "theme.json", lambda d: d["settings_schema"].extend([
        {"id": "card_gap", "type": "range", "label": "Space between cards", "min": 0, "max": 48,
         "step": 4, "default": 12, "css_var": "--card-gap", "css_unit": "px"},
        {"id": "card_shadow", "type": "select", "label": "Card shadow", "default": "soft",
         "css_var": "--card-shadow", "options": [
             {"value": "none", "label": "None", "css": "none"},
             {"value": "soft", "label": "Soft", "css": "0 1px 3px rgba(0, 0, 0, 0.12)"}]},
        {"id": "highlight", "type": "color", "label": "Highlight", "default": "#ffee00",
         "css_var": "--highlight"}]))
    app = create_app(conftest.test_config("sqlite://", THEMES_DIR=str(themes)))
    properties = _css(app, "journal", {"card_gap": 20})
    assert properties["--card-gap"] == "20px"
    assert properties["--card-shadow"] == "0 1px 3px rgba(0, 0, 0, 0.12)"
    assert properties["--highlight"] == "#ffee00"
    assert properties["--accent"] == EXPECTED["journal/defaults"]["--accent"]


@pytest.mark.parametrize(("setting", "message"), [
    ({"id": "gap", "type": "range", "label": "Gap", "min": 0, "max": 9, "default": 1, "css_var": "gap"},
     "(gap).css_var: a CSS custom property name like --logo-height"),
    ({"id": "gap", "type": "range", "label": "Gap", "min": 0, "max": 9, "default": 1, "css_var": "--Gap;x"},
     "(gap).css_var: a CSS custom property name"),
    ({"id": "gap", "type": "range", "label": "Gap", "min": 0, "max": 9, "default": 1, "css_var": "--gap",
      "css_unit": "furlongs"}, "(gap).css_unit: must be one of"),
    ({"id": "motto", "type": "text", "label": "Motto", "default": "", "css_var": "--motto"},
     "(motto).css_var: a text setting has no CSS value"),
    ({"id": "style", "type": "select", "label": "Style", "default": "a", "css_var": "--style",
      "options": [{"value": "a", "label": "A", "css": "red;} body{display:none"}]},
     "(style).options: an option's css is letters"),
    ({"id": "size", "type": "range", "label": "Size", "min": 0, "max": 9, "default": 1, "role": "accent"},
     "(size).role: only a colour setting plays a role"),
    ({"id": "tint", "type": "color", "label": "Tint", "default": "#000000", "role": "glow"},
     "(tint).role: must be one of accent, background, text, secondary"),
    ({"id": "y", "type": "sparkles", "label": "Y", "default": 1}, "(y).type: must be one of"),
])
def test_a_bad_css_declaration_is_refused_at_load(tmp_path, setting, message):
    themes = _copy_themes(tmp_path)
    _edit(themes / "journal" / "theme.json", lambda d: d["settings_schema"].append(setting))
    with pytest.raises(ThemeError) as error:
        load_themes(themes)
    assert message in str(error.value)
    assert "themes/journal/theme.json" in str(error.value)
