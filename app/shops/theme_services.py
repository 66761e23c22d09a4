"""A shop's theme: settings and homepage sections, edited as a draft, then published.

Every function acts for the current shop (tenancy scope). Values are validated against
the theme's schema (`app.themes.schema`) on every save: a bad value raises
`SettingsInvalid` naming each field, and nothing is written. Owners never write template
code; they choose values, and sections from the theme's list.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _, ngettext
from app.themes.labels import label
from app.themes.packages import ThemePackage
from app.themes.schema import SchemaProblem, contrast_ratio
from app.themes.setting_types import clean_value

from .models import Collection, Shop
from .theme_models import ShopMedia, ThemeConfig

MAX_SECTIONS = 20


class SettingsInvalid(DomainError):
    """Some values were refused; `errors` maps each setting id to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Please correct the highlighted settings.")
        self.errors = errors


@dataclass
class ThemeState:
    """What a storefront renders with: the theme and the owner's values, defaults filled in."""

    theme: ThemePackage
    settings: dict
    sections: list[dict]
    is_draft: bool = False


def themes():
    return current_app.extensions["themes"]


def theme_package(name: str) -> ThemePackage:
    if name not in themes():
        raise NotFound(_('No such theme.'))
    return themes().get(name)


def get_config(theme_name: str) -> ThemeConfig | None:
    return db.session.scalar(select(ThemeConfig).where(ThemeConfig.theme == theme_name))


def _new_key() -> str:
    return secrets.token_hex(4)


def _preset_sections(theme: ThemePackage) -> list[dict]:
    # Stable keys: the editor links to a preset section before any row exists for it.
    return [{"key": f"preset{index}", "type": p["type"], "settings": copy.deepcopy(p.get("settings", {}))}
            for index, p in enumerate(theme.default_sections)]


def config_for_edit(theme_name: str) -> ThemeConfig:
    """The shop's config row for a theme, created (from the theme's defaults) on first edit."""
    theme = theme_package(theme_name)
    config = get_config(theme_name)
    if config is None:
        sections = _preset_sections(theme)
        config = ThemeConfig(theme=theme_name, draft_settings={}, draft_sections=sections,
                             published_settings={}, published_sections=copy.deepcopy(sections))
        db.session.add(config)
        db.session.flush()
    return config


def _fill_sections(theme: ThemePackage, stored: list[dict]) -> list[dict]:
    filled = []
    for section in stored:
        kind = theme.sections.get(section.get("type"))
        if kind is None:  # a section type the theme no longer has: skip it, keep the data
            continue
        filled.append({"key": section["key"], "type": kind.name, "label": label(kind.label),
                       "settings": kind.defaults() | (section.get("settings") or {})})
    return filled


def theme_state(shop: Shop, theme_name: str | None = None, draft: bool = False) -> ThemeState:
    """The settings and sections to render `theme_name` (default: the live theme) with."""
    theme = themes().get(theme_name or shop.theme)
    config = get_config(theme.name)
    if config is None:
        return ThemeState(theme, theme.defaults(), _fill_sections(theme, _preset_sections(theme)), draft)
    stored_settings = config.draft_settings if draft else config.published_settings
    stored_sections = config.draft_sections if draft else config.published_sections
    settings = theme.defaults() | {k: v for k, v in (stored_settings or {}).items()
                                   if theme.setting(k) is not None}
    return ThemeState(theme, settings, _fill_sections(theme, stored_sections or []), draft)


def theme_customised(shop: Shop) -> bool:
    """Has the owner made the storefront theirs: another theme, or settings of their own saved?"""
    if shop.theme != "default":
        return True
    return any(config.published_at or config.draft_settings
               for config in db.session.scalars(select(ThemeConfig)))  # one per theme tried


def has_unpublished_changes(config: ThemeConfig | None) -> bool:
    return config is not None and (config.draft_settings != config.published_settings
                                   or config.draft_sections != config.published_sections)


# Validating values ----------------------------------------------------------------


def _clean_all(schema, raw: dict, current: dict) -> tuple[dict, dict]:
    """(clean values, errors) for one schema. An image setting keeps its current image
    unless the form asks to remove it (`<id>__remove`); new uploads come later."""
    values, errors = {}, {}
    for setting in schema:
        ident = setting["id"]
        if setting["type"] == "image":
            values[ident] = None if raw.get(f"{ident}__remove") else current.get(ident)
            continue
        if setting["type"] == "checkbox":
            value = raw.get(ident, False)
        elif ident not in raw:
            values[ident] = current.get(ident, setting.get("default"))
            continue
        else:
            value = raw[ident]
        try:
            values[ident] = clean_value(setting, value)
        except SchemaProblem as problem:
            errors[ident] = str(problem)
    for setting in schema:
        ident = setting["id"]
        if setting["type"] == "collection" and values.get(ident) and ident not in errors:
            handle = values[ident]
            if db.session.scalar(select(Collection.id).where(Collection.handle == handle)) is None:
                errors[ident] = _("Choose one of your collections.")
        if setting["type"] == "image" and values.get(ident) is not None:
            media = db.session.scalar(select(ShopMedia).where(ShopMedia.id == values[ident]))
            if media is None or media.kind != setting["kind"]:
                values[ident] = None  # the image is gone: show none rather than fail
    return values, errors


def _store_uploads(schema, values: dict, uploads: dict | None) -> None:
    """Store new images (only once every other value passed). `uploads` maps a setting id
    to (bytes, original file name). A refused image raises SettingsInvalid."""
    from .media import store_image

    errors = {}
    for setting in schema:
        ident = setting["id"]
        if setting["type"] != "image" or not uploads or ident not in uploads:
            continue
        data, name = uploads[ident]
        try:
            values[ident] = store_image(setting["kind"], data, name).id
        except DomainError as error:
            errors[ident] = error.message
    if errors:
        raise SettingsInvalid(errors)


def _check_contrast(theme: ThemePackage, values: dict, errors: dict) -> None:
    for check in theme.checks:
        fg, bg = check["foreground"], check["background"]
        if fg in errors or bg in errors:
            continue
        ratio = contrast_ratio(values[fg], values[bg])
        minimum = check.get("min", 4.5)
        if ratio < minimum:
            errors[fg] = _("The %(foreground)s is too close to the %(background)s to read (%(ratio)s:1; at least "
                           "%(minimum)s:1 is needed).", foreground=label(theme.setting(fg)["label"]).lower(),
                           background=label(theme.setting(bg)["label"]).lower(), ratio=format(ratio, ".1f"),
                           minimum=format(minimum, "g"))


def save_draft_settings(theme_name: str, raw: dict, uploads: dict | None = None) -> ThemeConfig:
    """Validate and store the theme settings in the draft. All or nothing."""
    theme = theme_package(theme_name)
    config = config_for_edit(theme_name)
    current = theme.defaults() | (config.draft_settings or {})
    values, errors = _clean_all(theme.settings_schema, raw, current)
    _check_contrast(theme, values, errors)
    if errors:
        raise SettingsInvalid(errors)
    _store_uploads(theme.settings_schema, values, uploads)
    config.draft_settings = values
    db.session.flush()
    return config


# Sections --------------------------------------------------------------------------


def _section_index(config: ThemeConfig, key: str) -> int:
    for index, section in enumerate(config.draft_sections):
        if section["key"] == key:
            return index
    raise NotFound(_('That section is not on the homepage.'))


def add_section(theme_name: str, section_type: str) -> dict:
    """Add a section (with its defaults) at the bottom of the draft homepage."""
    theme = theme_package(theme_name)
    kind = theme.sections.get(section_type)
    if kind is None:
        raise DomainError(_('Choose one of the listed sections.'), field="section_type")
    config = config_for_edit(theme_name)
    sections = list(config.draft_sections)
    if len(sections) >= MAX_SECTIONS:
        raise DomainError(_('A homepage has at most %(max_sections)s sections.', max_sections=MAX_SECTIONS), field="section_type")
    if kind.limit and sum(1 for s in sections if s["type"] == section_type) >= kind.limit:
        raise DomainError(ngettext('The homepage already has the %(kind)s section it can take.', 'The homepage already has the %(num)d %(kind)s sections it can take.', kind.limit, kind=label(kind.label)), field="section_type")
    section = {"key": _new_key(), "type": section_type, "settings": {}}
    config.draft_sections = sections + [section]
    db.session.flush()
    return section


def remove_section(theme_name: str, key: str) -> None:
    config = config_for_edit(theme_name)
    index = _section_index(config, key)
    config.draft_sections = config.draft_sections[:index] + config.draft_sections[index + 1:]
    db.session.flush()


def move_section(theme_name: str, key: str, direction: str) -> None:
    """Move a section one place up or down."""
    if direction not in ("up", "down"):
        raise DomainError(_('Move a section up or down.'))
    config = config_for_edit(theme_name)
    sections = list(config.draft_sections)
    index = _section_index(config, key)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(sections):
        sections[index], sections[target] = sections[target], sections[index]
        config.draft_sections = sections
        db.session.flush()


def reorder_sections(theme_name: str, keys: list[str]) -> list[dict]:
    """Put the draft homepage's sections in this order (the owner dragged them). `keys` must
    name every section the editor shows exactly once, else DomainError and nothing moves.
    Sections of a type the theme no longer has are not shown; they keep their places."""
    theme = theme_package(theme_name)
    config = config_for_edit(theme_name)
    sections = list(config.draft_sections)
    shown = [index for index, section in enumerate(sections) if section.get("type") in theme.sections]
    by_key = {sections[index]["key"]: sections[index] for index in shown}
    keys = [str(key) for key in keys]
    if len(set(keys)) != len(keys):
        raise DomainError(_('The new order names a section twice: nothing was moved.'), field="order")
    if set(keys) != set(by_key):
        raise DomainError(_("The new order does not match the homepage’s sections (changed in another tab?): nothing was moved. Reload the page and try again."), field="order")
    for index, key in zip(shown, keys, strict=True):
        sections[index] = by_key[key]
    config.draft_sections = sections
    db.session.flush()
    return sections


def section_for_edit(theme_name: str, key: str) -> tuple[dict, object]:
    """(stored section, its section type) of the draft."""
    theme = theme_package(theme_name)
    config = config_for_edit(theme_name)
    section = config.draft_sections[_section_index(config, key)]
    kind = theme.sections.get(section["type"])
    if kind is None:
        raise NotFound(_('This theme has no such section type.'))
    return section, kind


def save_section_settings(theme_name: str, key: str, raw: dict, uploads: dict | None = None) -> dict:
    """Validate and store one section's settings in the draft. All or nothing."""
    section, kind = section_for_edit(theme_name, key)
    current = kind.defaults() | (section.get("settings") or {})
    values, errors = _clean_all(kind.settings_schema, raw, current)
    if errors:
        raise SettingsInvalid(errors)
    _store_uploads(kind.settings_schema, values, uploads)
    config = config_for_edit(theme_name)
    sections = copy.deepcopy(config.draft_sections)
    sections[_section_index(config, key)]["settings"] = values
    config.draft_sections = sections
    db.session.flush()
    return sections[_section_index(config, key)]


# Publishing and previews -------------------------------------------------------------


def publish_theme(shop: Shop, theme_name: str) -> ThemeConfig:
    """Make the draft live: shoppers see this theme with these settings from now on."""
    config = config_for_edit(theme_name)
    config.published_settings = copy.deepcopy(config.draft_settings)
    config.published_sections = copy.deepcopy(config.draft_sections)
    config.published_at = utcnow()
    shop.theme = theme_name
    db.session.flush()
    return config


def discard_draft(theme_name: str) -> ThemeConfig:
    """Throw the draft away: back to what is published."""
    config = config_for_edit(theme_name)
    config.draft_settings = copy.deepcopy(config.published_settings)
    config.draft_sections = copy.deepcopy(config.published_sections)
    db.session.flush()
    return config


def _preview_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="flagship-theme-preview")


def preview_token(shop: Shop, theme_name: str) -> str:
    """A signed, short-lived token that lets its holder (the owner) see the draft."""
    theme_package(theme_name)
    return _preview_serializer().dumps({"shop": shop.id, "theme": theme_name})


def read_preview_token(token: str, shop_id: int) -> str | None:
    """The theme a valid preview token for this shop names, else None."""
    try:
        data = _preview_serializer().loads(token, max_age=current_app.config["THEME_PREVIEW_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("shop") != shop_id or data.get("theme") not in themes():
        return None
    return data["theme"]
