"""Theme packages: load every folder under themes/, validate it, and refuse a bad one.

A theme is `themes/NAME/`: `theme.json` (name, version, parent, description, preview image,
settings schema, default homepage sections, checks), `templates/`, `sections/` (a Jinja
template plus a JSON schema per homepage section type) and `static/`. A child theme inherits
its parent's settings (an entry with the same id replaces the parent's), sections and
templates, so it declares only what it changes. A theme's words are marked for gettext in its
templates (one way to translate, app/translations); its settings' labels are listed in
app/themes/schema_strings.py and shown through `app.themes.label`.

Validation runs once at start-up (`create_app`); the first bad theme stops the app with a
message naming the file and the field, so a broken theme never reaches a shopper.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .schema import FONTS, SchemaProblem
from .setting_types import SETTING_TYPES, check_setting_definition, clean_value

BASE_THEME = "default"
THEME_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SECTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
# Pages every storefront needs; the base theme must have them all (children inherit).
REQUIRED_TEMPLATES = ("layout.html", "home.html", "product.html", "collection.html", "search.html",
                      "cart.html", "checkout.html", "order.html", "cancel_payment.html", "closed.html",
                      "error.html")


class ThemeError(RuntimeError):
    """A theme package is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class SectionType:
    name: str
    label: str
    description: str
    settings_schema: tuple[dict, ...]
    limit: int  # how many of this section a homepage may have (0 = any)

    def defaults(self) -> dict:
        return {s["id"]: s.get("default") for s in self.settings_schema}


@dataclass
class ThemePackage:
    name: str
    title: str
    version: str
    parent: str | None
    description: str
    audience: str
    path: Path
    chain: list[str]
    settings_schema: list[dict]
    sections: dict[str, SectionType]
    default_sections: list[dict]
    checks: list[dict]
    preview: str | None = None
    static_dirs: list[Path] = field(default_factory=list)
    template_dirs: list[Path] = field(default_factory=list)
    section_dirs: list[Path] = field(default_factory=list)

    def setting(self, setting_id: str) -> dict | None:
        return next((s for s in self.settings_schema if s["id"] == setting_id), None)

    def defaults(self) -> dict:
        return {s["id"]: s.get("default") for s in self.settings_schema}


class ThemeRegistry:
    """Every installed theme, validated. Lives in app.extensions["themes"]."""

    def __init__(self, themes_dir: Path):
        self.dir = Path(themes_dir)
        self.themes: dict[str, ThemePackage] = {}

    def names(self) -> list[str]:
        return sorted(self.themes)

    def get(self, name: str | None) -> ThemePackage:
        """The named theme, or the base theme for an unknown name (a shop keeps working)."""
        return self.themes.get(name or "") or self.themes[BASE_THEME]

    def __contains__(self, name: str) -> bool:
        return name in self.themes


def load_themes(themes_dir: Path) -> ThemeRegistry:
    """Read and validate every theme under `themes_dir`; ThemeError on the first bad one."""
    registry = ThemeRegistry(themes_dir)
    root = Path(themes_dir)
    if not (root / BASE_THEME / "theme.json").is_file():
        raise ThemeError(f"{root / BASE_THEME / 'theme.json'}: the base theme is missing")
    raw: dict[str, dict] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "theme.json").is_file()):
        if not THEME_NAME.match(folder.name):
            raise ThemeError(f"{folder}: a theme folder name uses lowercase letters, digits, - and _")
        raw[folder.name] = _read_json(folder / "theme.json", expect=dict)
    for name in raw:
        _check_manifest(root, name, raw[name], raw)
    for name in sorted(raw, key=lambda n: len(_chain(n, raw))):
        registry.themes[name] = _build(root, name, raw, registry)
    return registry


def _rel(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[parts.index("themes"):]) if "themes" in parts else str(path)


def _read_json(path: Path, expect=dict):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ThemeError(f"{_rel(path)}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise ThemeError(f"{_rel(path)}: not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, expect):
        raise ThemeError(f"{_rel(path)}: must be a JSON {'object' if expect is dict else 'array'}")
    return data


def _chain(name: str, raw: dict[str, dict]) -> list[str]:
    chain, current = [], name
    while current is not None:
        if current in chain:
            raise ThemeError(f"themes/{name}/theme.json: parent: the parents loop ({' -> '.join(chain + [current])})")
        chain.append(current)
        current = raw[current].get("parent")
    if chain[-1] != BASE_THEME:
        chain.append(BASE_THEME)
    return chain


def _check_manifest(root: Path, name: str, manifest: dict, raw: dict[str, dict]) -> None:
    where = f"themes/{name}/theme.json"
    for key in ("name", "version"):
        if not isinstance(manifest.get(key), str) or not manifest[key].strip():
            raise ThemeError(f"{where}: {key}: required, a non-empty string")
    if not VERSION.match(manifest["version"]):
        raise ThemeError(f"{where}: version: use three numbers like 1.0.0, not {manifest['version']!r}")
    parent = manifest.get("parent")
    if name == BASE_THEME and parent is not None:
        raise ThemeError(f"{where}: parent: the base theme has no parent")
    if parent is not None and parent not in raw:
        raise ThemeError(f"{where}: parent: no theme named {parent!r} is installed")
    for key in ("description", "audience", "preview"):
        if key in manifest and not isinstance(manifest[key], str):
            raise ThemeError(f"{where}: {key}: must be a string")
    if manifest.get("preview") and not (root / name / "static" / manifest["preview"]).is_file():
        raise ThemeError(f"{where}: preview: no file static/{manifest['preview']}")
    unknown = set(manifest) - {"name", "version", "parent", "description", "audience", "preview",
                               "settings_schema", "default_sections", "checks"}
    if unknown:
        raise ThemeError(f"{where}: {sorted(unknown)[0]}: unknown key")
    _chain(name, raw)


def _check_schema(where: str, schema, label: str = "settings_schema") -> list[dict]:
    if not isinstance(schema, list):
        raise ThemeError(f"{where}: {label}: must be a list of settings")
    seen = set()
    for index, setting in enumerate(schema):
        ident = setting.get("id") if isinstance(setting, dict) else None
        at = f"{where}: {label}[{index}]" + (f" ({ident})" if isinstance(ident, str) else "")
        try:
            check_setting_definition(setting)
        except SchemaProblem as problem:
            raise ThemeError(f"{at}.{problem.field}: {problem}") from None
        if ident in seen:
            raise ThemeError(f"{at}.id: {ident!r} is declared twice")
        seen.add(ident)
    return schema


def _merge_schema(parent: list[dict], own: list[dict]) -> list[dict]:
    own_by_id = {s["id"]: s for s in own}
    merged = [own_by_id.pop(s["id"], s) for s in parent]
    return merged + [s for s in own if s["id"] in own_by_id]


def _load_sections(root: Path, name: str, inherited: dict[str, SectionType]) -> dict[str, SectionType]:
    sections = dict(inherited)
    folder = root / name / "sections"
    if not folder.is_dir():
        return sections
    for path in sorted(folder.glob("*.json")):
        where = f"themes/{name}/sections/{path.name}"
        if not SECTION_NAME.match(path.stem):
            raise ThemeError(f"{where}: a section name uses lowercase letters, digits and _")
        spec = _read_json(path)
        if not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise ThemeError(f"{where}: name: required, a non-empty string")
        limit = spec.get("limit", 0)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise ThemeError(f"{where}: limit: must be a whole number, 0 for no limit")
        schema = _check_schema(where, spec.get("settings_schema", []))
        sections[path.stem] = SectionType(path.stem, spec["name"], spec.get("description", ""),
                                          tuple(schema), limit)
    return sections


def _check_presets(where: str, presets, sections: dict[str, SectionType]) -> list[dict]:
    if not isinstance(presets, list):
        raise ThemeError(f"{where}: default_sections: must be a list")
    for index, preset in enumerate(presets):
        at = f"{where}: default_sections[{index}]"
        if not isinstance(preset, dict) or preset.get("type") not in sections:
            raise ThemeError(f"{at}.type: no section type {preset.get('type') if isinstance(preset, dict) else preset!r}")
        section = sections[preset["type"]]
        for key, value in (preset.get("settings") or {}).items():
            setting = next((s for s in section.settings_schema if s["id"] == key), None)
            if setting is None:
                raise ThemeError(f"{at}.settings.{key}: the {preset['type']} section has no such setting")
            try:
                clean_value(setting, value)
            except SchemaProblem as problem:
                raise ThemeError(f"{at}.settings.{key}: {problem}") from None
    return presets


def _check_checks(where: str, checks, schema: list[dict]) -> list[dict]:
    if not isinstance(checks, list):
        raise ThemeError(f"{where}: checks: must be a list")
    colours = {s["id"] for s in schema if s["type"] == "color"}
    for index, check in enumerate(checks):
        at = f"{where}: checks[{index}]"
        if not isinstance(check, dict) or check.get("type") != "contrast":
            raise ThemeError(f"{at}.type: only 'contrast' checks exist")
        for key in ("foreground", "background"):
            if check.get(key) not in colours:
                raise ThemeError(f"{at}.{key}: must name a colour setting")
        if not isinstance(check.get("min", 4.5), int | float):
            raise ThemeError(f"{at}.min: must be a number")
    return checks


def _build(root: Path, name: str, raw: dict[str, dict], registry: ThemeRegistry) -> ThemePackage:
    manifest, where = raw[name], f"themes/{name}/theme.json"
    chain = _chain(name, raw)
    parent = registry.themes.get(manifest.get("parent")) if manifest.get("parent") else None
    if name != BASE_THEME and parent is None:
        parent = registry.themes.get(BASE_THEME)
    own_schema = _check_schema(where, manifest.get("settings_schema", []))
    schema = _merge_schema(parent.settings_schema, own_schema) if parent else own_schema
    sections = _load_sections(root, name, parent.sections if parent else {})
    for section in sections.values():
        if not any((root / theme / "sections" / f"{section.name}.html").is_file() for theme in chain):
            raise ThemeError(f"themes/{name}/sections/{section.name}.json: no template {section.name}.html")
    presets = manifest.get("default_sections")
    presets = _check_presets(where, presets, sections) if presets is not None else (
        parent.default_sections if parent else [])
    checks = _check_checks(where, manifest.get("checks", parent.checks if parent else []), schema)
    for template in REQUIRED_TEMPLATES:
        if not any((root / theme / "templates" / template).is_file() for theme in chain):
            raise ThemeError(f"themes/{name}/templates/{template}: missing (and no parent has it)")
    return ThemePackage(
        name=name, title=manifest["name"], version=manifest["version"], parent=manifest.get("parent"),
        description=manifest.get("description", ""), audience=manifest.get("audience", ""),
        path=root / name, chain=chain, settings_schema=schema, sections=sections,
        default_sections=presets, checks=checks,
        preview=manifest.get("preview"),
        static_dirs=[root / theme / "static" for theme in chain],
        template_dirs=[root / theme / "templates" for theme in chain],
        section_dirs=[root / theme / "sections" for theme in chain],
    )


__all__ = ["BASE_THEME", "FONTS", "SETTING_TYPES", "SectionType", "ThemeError", "ThemePackage",
           "ThemeRegistry", "load_themes"]
