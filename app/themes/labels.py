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

from app.i18n import gettext

from .schema import FONTS

# The keys of a schema whose values people read.
_SETTING_TEXTS = ("label", "info", "group")
_SECTION_TEXTS = ("name", "description")
_THEME_TEXTS = ("description", "audience")


def label(text: str | None) -> str:
    """A schema text (a setting's label or help, an option, a group, a section's name) in the
    reader's language; the English text when it has no translation."""
    return gettext(text) if text else (text or "")


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
        "from app.i18n import lazy_gettext",
        "",
        "SCHEMA_STRINGS = (",
    ]
    lines += [f"    lazy_gettext({json.dumps(text, ensure_ascii=False)})," for text in sorted(schema_texts(themes_dir))]
    lines.append(")")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the generator
    from app.config import BASE_DIR

    print(module_source(Path(BASE_DIR) / "themes"), end="")
