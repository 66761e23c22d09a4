"""The message catalogs: find every marked string, merge the translators' parts, compile.

Translations are kept in parts, one per area of the product, so that work on one area never
edits another's file: app/translations/<lang>/parts/<area>.po. `compile` merges the parts
into app/translations/<lang>/LC_MESSAGES/messages.mo, the file Flask-Babel reads; the
compiled file is committed, and tests/test_translations.py fails when it is out of date,
when a marked string has no translation, or when a translation drops a placeholder.

    flask i18n extract           # app/translations/messages.pot from the code
    flask i18n missing [AREA]    # marked strings not translated yet (as .po entries to fill)
    flask i18n compile           # parts -> messages.mo
    flask i18n unused [--prune]  # entries of the parts no code asks for any more
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
TARGET_LANGUAGES = ("zh",)  # English is the source language

_JINJA = "jinja2.ext:babel_extract"
_JINJA_OPTIONS = {"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols", "trimmed": "true"}
# Where marked strings live: the app's Python and templates, and every theme's templates.
SOURCES = (
    (ROOT / "app", [("**.py", "python"), ("**/templates/**.html", _JINJA),
                    ("**/templates/**.txt", _JINJA)]),
    (ROOT / "themes", [("**/templates/**.html", _JINJA), ("**/templates/**.txt", _JINJA),
                       ("**/sections/**.html", _JINJA)]),
)
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
_FIXED = datetime(2026, 1, 1, tzinfo=UTC)
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


@dataclass(frozen=True)
class Message:
    id: str | tuple[str, str]
    locations: tuple[tuple[str, int], ...]


def extract() -> Catalog:
    """Every marked string in the code, with where it is used."""
    catalog = Catalog(project="Flagship", domain="messages")
    for folder, methods in SOURCES:
        options = {pattern: (_JINJA_OPTIONS if method == _JINJA else {}) for pattern, method in methods}
        for filename, lineno, message, comments, context in extract_from_dir(
                str(folder), method_map=methods, options_map=options, keywords=KEYWORDS,
                comment_tags=("Translators:",), strip_comment_tags=True):
            path = str((folder / filename).relative_to(ROOT))
            catalog.add(message, locations=[(path, lineno)], auto_comments=comments, context=context)
    return catalog


def parts(language: str) -> dict[str, Catalog]:
    """The translators' parts for `language`, by area name."""
    folder = TRANSLATIONS / language / "parts"
    found = {}
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            found[path.stem] = read_po(handle, locale=language)
    return found


def merged(language: str) -> tuple[Catalog, list[str]]:
    """The parts as one catalog, and the problems found merging them (the same string
    translated two ways)."""
    # Fixed dates: the compiled file must be the same bytes on every run (it is committed).
    catalog = Catalog(locale=language, domain="messages", project="Flagship", creation_date=_FIXED,
                      revision_date=_FIXED)
    seen: dict[object, tuple[str, object]] = {}
    problems = []
    for area, part in parts(language).items():
        for message in part:
            if not message.id or not message.string or message.fuzzy:
                continue
            key = (message.id, message.context)
            if key in seen and seen[key][1] != message.string:
                problems.append(f"{area}.po and {seen[key][0]}.po translate {message.id!r} differently")
                continue
            seen[key] = (area, message.string)
            catalog.add(message.id, message.string, context=message.context)
    return catalog, problems


def compiled_bytes(language: str) -> bytes:
    catalog, _ = merged(language)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def mo_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"


def compile_all() -> list[Path]:
    written = []
    for language in TARGET_LANGUAGES:
        path = mo_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(compiled_bytes(language))
        written.append(path)
    return written


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def problems(language: str, under: str = "") -> list[str]:
    """What is wrong with `language`'s translations of the strings used under `under` (a
    path prefix, "" for everything): a string not translated, or a translation that drops
    or invents a placeholder."""
    source = extract()
    catalog, found = merged(language)
    for message in source:
        if not message.id:
            continue
        where = [path for path, _ in message.locations]
        if under and not any(path.startswith(under) for path in where):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = catalog.get(message.id, context=message.context)
        at = f"{where[0]}:{message.locations[0][1]}" if where else "?"
        if translated is None or not translated.string or (
                isinstance(translated.string, tuple) and not all(translated.string)):
            found.append(f"{at}: not translated into {language}: {ids[0]!r}")
            continue
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        wanted = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            if placeholders(string) - wanted or (wanted - placeholders(string) and len(ids) == 1):
                found.append(f"{at}: the {language} translation of {ids[0]!r} has placeholders "
                             f"{sorted(placeholders(string))}, the English {sorted(wanted)}")
    return found


def missing_as_po(language: str, under: str = "") -> str:
    """The untranslated strings used under `under`, as .po entries ready to fill in."""
    source = extract()
    catalog, _ = merged(language)
    todo = Catalog(locale=language, domain="messages", project="Flagship")
    for message in source:
        if not message.id:
            continue
        if under and not any(path.startswith(under) for path, _ in message.locations):
            continue
        if catalog.get(message.id, context=message.context) is None:
            todo.add(message.id, locations=message.locations, auto_comments=message.auto_comments,
                     context=message.context)
    out = io.BytesIO()
    write_po(out, todo, omit_header=True, width=100)
    return out.getvalue().decode()


def _key(message) -> tuple[str, str | None]:
    return (message.id[0] if isinstance(message.id, tuple) else message.id, message.context)


# Parts whose words are also read back from the database: a row stored by an older release
# still shows in the reader's language although no code writes those words any more.
STORED_AREAS = {"stored"}


def unused(language: str) -> dict[str, list[tuple[str, str | None]]]:
    """Each part's entries that no marked string in the code asks for any more (a sentence
    reworded, a page removed), by area, as (msgid, context); never the stored words' part.
    They cost nothing at run time but mislead the translator who reads the part."""
    used = {_key(message) for message in extract() if message.id}
    found = {}
    for area, part in parts(language).items():
        if area in STORED_AREAS:
            continue
        stale = [_key(message) for message in part if message.id and _key(message) not in used]
        if stale:
            found[area] = stale
    return found


def prune(language: str, stale: dict[str, list[tuple[str, str | None]]] | None = None) -> int:
    """Remove the unused entries (those `unused()` found, when handed) from the parts, leaving
    every other line as it is (a part is entries separated by blank lines). An entry is
    matched by msgid and context: the same words under another context may be in use.
    Returns how many went."""
    stale = unused(language) if stale is None else stale
    removed = 0
    for area, keys in stale.items():
        keys = set(keys)
        path = TRANSLATIONS / language / "parts" / f"{area}.po"
        kept = []
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            entries = list(read_po(io.BytesIO(block.encode()), locale=language)) if "msgid" in block else []
            if entries and any(e.id and _key(e) in keys for e in entries):
                removed += 1
                continue
            kept.append(block)
        # the last entry may have gone with the file's final newline
        path.write_text("\n\n".join(kept).rstrip("\n") + "\n", encoding="utf-8")
    return removed


def write_template() -> Path:
    path = TRANSLATIONS / "messages.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, extract(), width=100, sort_by_file=True)
    return path
