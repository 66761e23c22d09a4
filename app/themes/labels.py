"""The words of theme schemas (theme.json and sections/*.json: setting labels, help texts,
groups, option labels, section names) shown to owners in the theme editor, translated.

The JSON files stay in English; `label(text)` shows one of their texts in the reader's
language. For the catalog to know the texts, app/themes/schema_strings.py lists every one
of them as `lazy_gettext("...")`; regenerate it after changing a schema:

    .venv/bin/python -m app.themes.labels > app/themes/schema_strings.py

(tests/themes/test_schema_strings.py fails when a text is missing from it.)
"""

from __future__ import annotations

import json
from pathlib import Path

from flask_babel import pgettext

from app.i18n import gettext

from .schema import FONTS

# The context of the texts a theme fills in for the owner (a section's heading, a button)
# until they write their own: shoppers read them, and one word may need another translation
# than the same word as a label ("Join" a newsletter, not a group).
DEFAULT_TEXT = "theme default"
_TEXT_TYPES = ("text", "textarea", "richtext")

# The keys of a schema whose values people read.
_SETTING_TEXTS = ("label", "info", "group")
_SECTION_TEXTS = ("name", "description")
_THEME_TEXTS = ("description", "audience")


def label(text: str | None) -> str:
    """A schema text (a setting's label or help, an option, a group, a section's name) in the
    reader's language; the English text when it has no translation."""
    return gettext(text) if text else (text or "")


def default_text(text: str) -> str:
    """A text the theme wrote as a setting's default (or a preset's), in the reader's language."""
    return pgettext(DEFAULT_TEXT, text) if text else text


def default_texts(theme) -> dict[str, set[str]]:
    """Setting id -> the texts `theme` (a ThemePackage) fills in by default: its settings'
    defaults, its sections' defaults and the values of its default homepage sections."""
    found: dict[str, set[str]] = {}

    def add(setting_id, value):
        if isinstance(value, str) and value.strip():
            found.setdefault(setting_id, set()).add(value)

    for setting in theme.settings_schema:
        if setting["type"] in _TEXT_TYPES:
            add(setting["id"], setting.get("default"))
    for section in theme.sections.values():
        for setting in section.settings_schema:
            if setting["type"] in _TEXT_TYPES:
                add(setting["id"], setting.get("default"))
    for preset in theme.default_sections:
        kind = theme.sections.get(preset.get("type"))
        types = {s["id"]: s["type"] for s in kind.settings_schema} if kind else {}
        for key, value in (preset.get("settings") or {}).items():
            if types.get(key) in _TEXT_TYPES:
                add(key, value)
    return found


def spoken(values: dict, defaults: dict[str, set[str]]) -> dict:
    """`values` (a theme's or a section's settings) with each text the owner left as the
    theme wrote it shown in the reader's language; the owner's own words stay as written."""
    return {key: default_text(value) if isinstance(value, str) and value in defaults.get(key, ()) else value
            for key, value in values.items()}


def unspoken(values: dict, defaults: dict[str, set[str]]) -> dict:
    """The other way: a text the owner left as the theme editor showed it (the theme's own
    words in the owner's language) is kept as the theme wrote it, so that every shopper
    still reads it in theirs; anything the owner changed is theirs, as typed."""
    def kept(key, value):
        if isinstance(value, str):
            for original in defaults.get(key, ()):
                if value.strip() == default_text(original).strip():
                    return original
        return value

    return {key: kept(key, value) for key, value in values.items()}


def spoken_sections(theme, sections: list[dict]) -> list[dict]:
    """Homepage sections with the texts the theme wrote for them (a heading, a button) in
    the reader's language, until the owner writes their own."""
    defaults = default_texts(theme)
    return [{**section, "settings": spoken(section.get("settings") or {}, defaults)} for section in sections]


def _raw_default_texts(manifest: dict, sections: list[dict]) -> set[str]:
    found = set()
    for schema in [manifest.get("settings_schema")] + [s.get("settings_schema") for s in sections]:
        for setting in schema if isinstance(schema, list) else []:
            if isinstance(setting, dict) and setting.get("type") in _TEXT_TYPES and isinstance(setting.get("default"), str):
                found.add(setting["default"])
    text_ids = {s["id"] for section in sections for s in section.get("settings_schema") or []
                if isinstance(s, dict) and s.get("type") in _TEXT_TYPES}
    for preset in manifest.get("default_sections") or []:
        for key, value in ((preset.get("settings") or {}) if isinstance(preset, dict) else {}).items():
            if key in text_ids and isinstance(value, str):
                found.add(value)
    return {text for text in found if text.strip()}


def _setting_texts(schema) -> set[str]:
    found = set()
    for setting in schema if isinstance(schema, list) else []:
        if not isinstance(setting, dict):
            continue
        found.update(setting[key] for key in _SETTING_TEXTS if isinstance(setting.get(key), str))
        for option in setting.get("options") or []:
            if isinstance(option, dict) and isinstance(option.get("label"), str):
                found.add(option["label"])
    return found


def _all_sections(themes_dir: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(themes_dir).glob("*/sections/*.json"))]


def theme_default_texts(themes_dir: Path) -> set[str]:
    """Every text any theme fills in by default (translated with the DEFAULT_TEXT context)."""
    sections = _all_sections(themes_dir)
    found = set()
    for manifest_path in sorted(Path(themes_dir).glob("*/theme.json")):
        found |= _raw_default_texts(json.loads(manifest_path.read_text(encoding="utf-8")), sections)
    return found


def schema_texts(themes_dir: Path) -> set[str]:
    """Every text people read in every theme's theme.json and sections/*.json, and the
    curated fonts' names."""
    found = {name for name, _stack in FONTS.values()}
    for manifest_path in sorted(Path(themes_dir).glob("*/theme.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        found.update(manifest[key] for key in _THEME_TEXTS if isinstance(manifest.get(key), str))
        found |= _setting_texts(manifest.get("settings_schema"))
        for section_path in sorted((manifest_path.parent / "sections").glob("*.json")):
            section = json.loads(section_path.read_text(encoding="utf-8"))
            found.update(section[key] for key in _SECTION_TEXTS if isinstance(section.get(key), str))
            found |= _setting_texts(section.get("settings_schema"))
    return {text for text in found if text.strip()}


def module_source(themes_dir: Path) -> str:
    """The source of app/themes/schema_strings.py: each text as a lazy_gettext call, sorted."""
    lines = [
        '"""Every text of the theme schemas (theme.json, sections/*.json, the fonts), for the message',
        "catalog. Generated: `.venv/bin/python -m app.themes.labels > app/themes/schema_strings.py`;",
        'shown through `app.themes.labels.label`. Do not edit by hand."""',
        "",
        "# (lazy, named pgettext so that the catalog's extraction finds the context)",
        "from flask_babel import lazy_pgettext as pgettext",
        "",
        "from app.i18n import lazy_gettext",
        "",
        "SCHEMA_STRINGS = (",
    ]
    lines += [f"    lazy_gettext({json.dumps(text, ensure_ascii=False)})," for text in sorted(schema_texts(themes_dir))]
    lines += [")", "", "# The texts a theme fills in until the owner writes their own (`default_text`).",
              "DEFAULT_TEXTS = ("]
    lines += [f"    pgettext({json.dumps(DEFAULT_TEXT)}, {json.dumps(text, ensure_ascii=False)}),"
              for text in sorted(theme_default_texts(themes_dir))]
    lines.append(")")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the generator
    from app.config import BASE_DIR

    print(module_source(Path(BASE_DIR) / "themes"), end="")
