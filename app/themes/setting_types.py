"""One class per kind of theme setting: what its definition may say (`check`), how an
owner's input becomes a stored value (`clean`), its editor field (`form_field`), and the
CSS its value gives when the definition declares a `css_var` (`css_value`).

A theme adds a CSS custom property without Python: a setting declares `"css_var": "--name"`
(a select's options each carry the `css` they stand for; a range may add a `css_unit`), and
`css_properties` writes it. Colour settings may also declare the `role` they play in the
palette (accent, background, text, secondary): the derived colours that keep text readable
(hover, on-accent, muted, lines...) are computed from the roles, never from setting ids.
"""

from __future__ import annotations

import re

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.i18n import gettext as _

from .labels import label
from .schema import (
    FONTS,
    HEX,
    IMAGE_KINDS,
    SETTING_ID,
    SchemaProblem,
    contrast_ratio,
    mix,
    muted_text,
    readable_on,
    sanitize_rich_text,
)

CSS_VAR = re.compile(r"^--[a-z0-9]+(?:-[a-z0-9]+)*$")
CSS_TOKEN = re.compile(r"^[A-Za-z0-9 #.,/%()-]{1,100}$")  # what a select option may stand for
CSS_UNITS = ("", "px", "rem", "em", "%", "vh", "vw")
ROLES = ("accent", "background", "text", "secondary")
IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif"


def _require(setting: dict, key: str, kind, what: str) -> None:
    if not isinstance(setting.get(key), kind) or isinstance(setting.get(key), bool) and kind is not bool:
        raise SchemaProblem(f"required, {what}", key)


class SettingType:
    name = ""
    has_css = False  # may a setting of this type declare a css_var?
    needs_default = True
    is_upload = False  # an image: a file, not a form value
    unticked_is_false = False  # a checkbox: a browser leaves an unticked one out

    def check(self, setting: dict) -> None:
        """Type-specific rules of a definition (raise SchemaProblem naming the key)."""

    def clean(self, setting: dict, raw):
        raise NotImplementedError

    def css_value(self, setting: dict, value) -> str | None:
        return None

    def form_field(self, setting: dict, collections=()):
        raise NotImplementedError

    def form_data(self, value):
        """The value as the editor's field shows it."""
        return "" if value is None else str(value)

    @staticmethod
    def description(setting: dict) -> str:
        return setting.get("info", "")


class Color(SettingType):
    name, has_css = "color", True

    def check(self, setting):
        if "role" in setting and setting["role"] not in ROLES:
            raise SchemaProblem(f"must be one of {', '.join(ROLES)}", "role")

    def clean(self, setting, raw):
        text = str(raw or "").strip().lower()
        if not HEX.match(text):
            raise SchemaProblem(_("Enter a colour as # and six hex digits, like #1f2a44."))
        return "#" + "".join(c * 2 for c in text[1:]) if len(text) == 4 else text

    def css_value(self, setting, value):
        return value if isinstance(value, str) and HEX.match(value) else None

    def form_field(self, setting, collections=()):
        return StringField(label(setting["label"]), description=label(self.description(setting)), render_kw={"type": "color"})


class Font(SettingType):
    name, has_css = "font", True

    def clean(self, setting, raw):
        if raw not in FONTS:
            raise SchemaProblem(_("Choose one of the listed fonts."))
        return raw

    def css_value(self, setting, value):
        return FONTS[value][1] if value in FONTS else None

    def form_field(self, setting, collections=()):
        return SelectField(label(setting["label"]), description=label(self.description(setting)), validate_choice=False,
                           choices=[SelectChoice(key, label(name)) for key, (name, _stack) in FONTS.items()])


class Select(SettingType):
    name, has_css = "select", True

    def check(self, setting):
        options = setting.get("options")
        if not isinstance(options, list) or not options or not all(
                isinstance(o, dict) and isinstance(o.get("value"), str) and isinstance(o.get("label"), str)
                for o in options):
            raise SchemaProblem("a non-empty list of {value, label}", "options")
        for option in options:
            if "css" in option and not (isinstance(option["css"], str) and CSS_TOKEN.match(option["css"])):
                raise SchemaProblem("an option's css is letters, digits, spaces and # . , / % ( ) -",
                                    "options")

    def clean(self, setting, raw):
        if raw not in {o["value"] for o in setting["options"]}:
            raise SchemaProblem(_("Choose one of the listed options."))
        return raw

    def css_value(self, setting, value):
        return next((o.get("css") for o in setting["options"] if o["value"] == value), None)

    def form_field(self, setting, collections=()):
        return SelectField(label(setting["label"]), description=label(self.description(setting)), validate_choice=False,
                           choices=[SelectChoice(o["value"], label(o["label"])) for o in setting["options"]])


class Range(SettingType):
    name, has_css = "range", True

    def check(self, setting):
        for key in ("min", "max"):
            _require(setting, key, int, "a whole number")
        step = setting.get("step", 1)
        if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
            raise SchemaProblem("a whole number above 0", "step")
        if setting["min"] >= setting["max"]:
            raise SchemaProblem("must be below max", "min")
        if setting.get("css_unit", "") not in CSS_UNITS:
            raise SchemaProblem(f"must be one of {', '.join(repr(u) for u in CSS_UNITS)}", "css_unit")

    def clean(self, setting, raw):
        if isinstance(raw, bool):
            raise SchemaProblem(_("Enter a whole number."))
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            raise SchemaProblem(_("Enter a whole number.")) from None
        low, high, step = setting["min"], setting["max"], setting.get("step", 1)
        if not low <= number <= high:
            raise SchemaProblem(_("Choose a number from %(low)s to %(high)s.", low=low, high=high))
        if (number - low) % step:
            raise SchemaProblem(_("Choose a number from %(low)s to %(high)s in steps of %(step)s.", low=low, high=high, step=step))
        return number

    def css_value(self, setting, value):
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        return f"{value}{setting.get('css_unit', '')}"

    def form_field(self, setting, collections=()):
        return StringField(label(setting["label"]),
                           description=label(self.description(setting)) or _(
                               "%(low)s to %(high)s.", low=setting["min"], high=setting["max"]),
                           render_kw={"type": "number", "min": setting["min"], "max": setting["max"],
                                      "step": setting.get("step", 1), "inputmode": "numeric"})


class Checkbox(SettingType):
    name, unticked_is_false = "checkbox", True

    def clean(self, setting, raw):
        if isinstance(raw, bool):
            return raw
        return str(raw or "").strip().lower() in ("1", "on", "true", "yes", "y")

    def form_field(self, setting, collections=()):
        return BooleanField(label(setting["label"]), description=label(self.description(setting)))

    def form_data(self, value):
        return value


class Text(SettingType):
    name = "text"
    default_max = 200

    def check(self, setting):
        if "max_length" in setting:
            _require(setting, "max_length", int, "a whole number")

    def max_length(self, setting) -> int:
        return setting.get("max_length", self.default_max)

    def clean(self, setting, raw):
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            raise SchemaProblem(_("Enter text."))
        text = raw.replace("\r\n", "\n").strip()
        if self.name == "text":
            text = " ".join(text.split())
        if len(text) > self.max_length(setting):
            raise SchemaProblem(_("Keep it under %(count)s characters.", count=self.max_length(setting)))
        return text

    def form_field(self, setting, collections=()):
        return StringField(label(setting["label"]), description=label(self.description(setting)),
                           render_kw={"maxlength": self.max_length(setting)})


class Textarea(Text):
    name, default_max, rows = "textarea", 2000, 3

    def form_field(self, setting, collections=()):
        return TextAreaField(label(setting["label"]), description=label(self.description(setting)),
                             render_kw={"rows": self.rows})


class RichText(Textarea):
    name, default_max, rows = "richtext", 5000, 6

    def clean(self, setting, raw):
        if not isinstance(raw or "", str):
            raise SchemaProblem(_("Enter text."))
        if len(raw or "") > self.max_length(setting):
            raise SchemaProblem(_("Keep it under %(count)s characters.", count=self.max_length(setting)))
        return sanitize_rich_text(raw or "")

    @staticmethod
    def description(setting):
        return setting.get("info") or _("Paragraphs (<p>), bold, italics, links and lists are kept; "
                                        "anything else is removed.")


class Image(SettingType):
    name, needs_default, is_upload = "image", False, True

    def check(self, setting):
        if setting.get("kind") not in IMAGE_KINDS:
            raise SchemaProblem(f"must be one of {', '.join(IMAGE_KINDS)}", "kind")

    def clean(self, setting, raw):
        if raw in (None, ""):
            return None
        if isinstance(raw, bool) or not str(raw).isdigit():
            raise SchemaProblem(_("Upload an image."))
        return int(raw)

    def form_field(self, setting, collections=()):
        return FileField(label(setting["label"]), description=label(self.description(setting)),
                         render_kw={"accept": IMAGE_ACCEPT})

    def form_data(self, value):
        return None  # a file input shows no value


class Collection(SettingType):
    name, needs_default = "collection", False

    def clean(self, setting, raw):
        text = str(raw or "").strip()
        if len(text) > 120:
            raise SchemaProblem(_("Choose one of your collections."))
        return text

    def form_field(self, setting, collections=()):
        first = _("— All products —") if setting["id"].startswith("button") else _("— Your first collection —")
        return SelectField(label(setting["label"]), description=label(self.description(setting)), validate_choice=False,
                           choices=[SelectChoice("", first), *[SelectChoice(c.handle, c.title) for c in collections]])


SETTING_TYPES: dict[str, SettingType] = {kind.name: kind() for kind in (
    Color, Font, Select, Range, Checkbox, Text, Textarea, RichText, Image, Collection)}


def type_of(setting: dict) -> SettingType:
    return SETTING_TYPES[setting["type"]]


def check_css(setting: dict) -> None:
    """The CSS a definition declares: a css_var only on a type with a CSS value, well named."""
    if "css_var" in setting:
        if not type_of(setting).has_css:
            raise SchemaProblem(f"a {setting['type']} setting has no CSS value", "css_var")
        if not isinstance(setting["css_var"], str) or not CSS_VAR.match(setting["css_var"]):
            raise SchemaProblem("a CSS custom property name like --logo-height", "css_var")
    if "role" in setting and setting["type"] != "color":
        raise SchemaProblem("only a colour setting plays a role in the palette", "role")


# The palette: derived colours computed from the colour roles ------------------------------

ROLE_FALLBACKS = {"accent": "#1f2a44", "background": "#ffffff", "text": "#1b1b1f"}


def palette(colours: dict[str, str]) -> dict[str, str]:
    """CSS properties from the role colours: the owner's colours, plus the ones derived from
    them so text stays readable whatever they pick (WCAG contrast)."""
    accent = colours.get("accent") or ROLE_FALLBACKS["accent"]
    background = colours.get("background") or ROLE_FALLBACKS["background"]
    text = colours.get("text") or ROLE_FALLBACKS["text"]
    on_accent = readable_on(accent)
    values = {
        "--accent": accent,
        "--accent-hover": mix(accent, "#000000" if on_accent == "#ffffff" else "#ffffff", 0.86),
        "--on-accent": on_accent,
        "--accent-text": accent if contrast_ratio(accent, background) >= 4.5 else text,  # links on the page
        "--bg": background, "--text": text,
        "--muted": muted_text(text, background), "--line": mix(text, background, 0.12),
        "--line-strong": mix(text, background, 0.24), "--soft": mix(text, background, 0.045),
        "--soft-2": mix(text, background, 0.02),
    }
    if colours.get("secondary"):
        values["--secondary"] = colours["secondary"]
        values["--on-secondary"] = readable_on(colours["secondary"])
    return values


def css_properties(schema, settings: dict) -> dict[str, str]:
    """Every CSS custom property a theme's settings give: the palette from the colour roles,
    then each declared css_var with its value's CSS (a value without one is left out)."""
    roles = {s["role"]: settings.get(s["id"]) for s in schema if s.get("role") and settings.get(s["id"])}
    values = palette(roles)
    for setting in schema:
        if "css_var" in setting:
            css = type_of(setting).css_value(setting, settings.get(setting["id"]))
            if css is not None:
                values[setting["css_var"]] = css
    return values


# Definitions and values ---------------------------------------------------------------------


def check_setting_definition(setting) -> None:
    """Is this a well-formed setting of a known type, with valid CSS and a valid default?
    (At start-up, for every theme and section schema.)"""
    if not isinstance(setting, dict):
        raise SchemaProblem("each setting must be an object", "id")
    if not isinstance(setting.get("id"), str) or not SETTING_ID.match(setting["id"]):
        raise SchemaProblem("required: lowercase letters, digits and _, starting with a letter", "id")
    if setting.get("type") not in SETTING_TYPES:
        raise SchemaProblem(f"must be one of {', '.join(SETTING_TYPES)}", "type")
    _require(setting, "label", str, "a string")
    kind = type_of(setting)
    kind.check(setting)
    check_css(setting)
    if "default" not in setting and kind.needs_default:
        raise SchemaProblem("every setting needs a default", "default")
    kind.clean(setting, setting.get("default"))


def clean_value(setting: dict, raw):
    """The value to store for `raw` (form text or JSON), or SchemaProblem with a message an
    owner can act on. (When an owner saves the theme editor.)"""
    return type_of(setting).clean(setting, raw)
