"""Typed theme settings: what a setting definition may say, and how a value is checked.

Used twice: at start-up, to validate every theme's schema and defaults; and when an owner
saves the theme editor, to turn form input into clean values (a bad colour or a number out
of range is refused with a message). Colours also get contrast helpers so a theme can
refuse unreadable text and always put readable text on its accent colour.
"""

from __future__ import annotations

import re

import nh3

# The curated fonts an owner may pick: system font stacks (no downloads, no tracking).
FONTS: dict[str, tuple[str, str]] = {
    "system": ("System (modern sans)", 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'),
    "humanist": ("Humanist sans", 'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, sans-serif'),
    "geometric": ("Geometric sans", 'Avenir, Montserrat, Corbel, "URW Gothic", source-sans-pro, sans-serif'),
    "grotesque": ("Grotesque sans", '"Helvetica Neue", Helvetica, "Liberation Sans", Arial, sans-serif'),
    "transitional": ("Classic serif", 'Charter, "Bitstream Charter", "Sitka Text", Cambria, "DejaVu Serif", serif'),
    "old-style": ("Old-style serif", '"Iowan Old Style", "Palatino Linotype", "URW Palladio L", P052, "Liberation Serif", serif'),
    "didone": ("Fashion serif (Didone)", 'Didot, "Bodoni 72", "Bodoni MT", "Noto Serif Display", "Liberation Serif", "Times New Roman", serif'),
    "slab": ("Slab serif", 'Rockwell, "Roboto Slab", "DejaVu Serif Condensed", "DejaVu Serif", serif'),
    "rounded": ("Rounded sans", 'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, "Arial Rounded MT", Calibri, "DejaVu Sans", sans-serif'),
}

SETTING_TYPES = ("color", "font", "select", "range", "checkbox", "text", "textarea", "richtext",
                 "image", "collection")
IMAGE_KINDS = ("logo", "favicon", "banner", "photo")
SETTING_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HEX = re.compile(r"^#(?:[0-9a-f]{3}|[0-9a-f]{6})$")

RICH_TEXT_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "a", "ul", "ol", "li", "h3", "h4", "blockquote"}
RICH_TEXT_ATTRIBUTES = {"a": {"href", "title"}}


class SchemaProblem(ValueError):
    """A setting definition or value is wrong; `field` is the key at fault."""

    def __init__(self, message: str, field: str = "default"):
        super().__init__(message)
        self.field = field


def _require(setting: dict, key: str, kind, what: str) -> None:
    if not isinstance(setting.get(key), kind) or isinstance(setting.get(key), bool) and kind is not bool:
        raise SchemaProblem(f"required, {what}", key)


def check_setting_definition(setting) -> None:
    """Is this a well-formed setting of a known type with a valid default?"""
    if not isinstance(setting, dict):
        raise SchemaProblem("each setting must be an object", "id")
    if not isinstance(setting.get("id"), str) or not SETTING_ID.match(setting["id"]):
        raise SchemaProblem("required: lowercase letters, digits and _, starting with a letter", "id")
    if setting.get("type") not in SETTING_TYPES:
        raise SchemaProblem(f"must be one of {', '.join(SETTING_TYPES)}", "type")
    _require(setting, "label", str, "a string")
    kind = setting["type"]
    if kind == "select":
        options = setting.get("options")
        if not isinstance(options, list) or not options or not all(
                isinstance(o, dict) and isinstance(o.get("value"), str) and isinstance(o.get("label"), str)
                for o in options):
            raise SchemaProblem("a non-empty list of {value, label}", "options")
    if kind == "range":
        for key in ("min", "max"):
            _require(setting, key, int, "a whole number")
        step = setting.get("step", 1)
        if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
            raise SchemaProblem("a whole number above 0", "step")
        if setting["min"] >= setting["max"]:
            raise SchemaProblem("must be below max", "min")
    if kind in ("text", "textarea", "richtext") and "max_length" in setting:
        _require(setting, "max_length", int, "a whole number")
    if kind == "image" and setting.get("kind") not in IMAGE_KINDS:
        raise SchemaProblem(f"must be one of {', '.join(IMAGE_KINDS)}", "kind")
    if "default" not in setting and kind not in ("image", "collection"):
        raise SchemaProblem("every setting needs a default", "default")
    clean_value(setting, setting.get("default"))


def max_length(setting: dict) -> int:
    return setting.get("max_length", {"text": 200, "textarea": 2000, "richtext": 5000}.get(setting["type"], 200))


def clean_value(setting: dict, raw):
    """The value to store for `raw` (form text or JSON), or SchemaProblem with a message an
    owner can act on."""
    kind = setting["type"]
    if kind == "color":
        text = str(raw or "").strip().lower()
        if not HEX.match(text):
            raise SchemaProblem("Enter a colour as # and six hex digits, like #1f2a44.")
        return "#" + "".join(c * 2 for c in text[1:]) if len(text) == 4 else text
    if kind == "font":
        if raw not in FONTS:
            raise SchemaProblem("Choose one of the listed fonts.")
        return raw
    if kind == "select":
        if raw not in {o["value"] for o in setting["options"]}:
            raise SchemaProblem("Choose one of the listed options.")
        return raw
    if kind == "range":
        if isinstance(raw, bool):
            raise SchemaProblem("Enter a whole number.")
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            raise SchemaProblem("Enter a whole number.") from None
        low, high, step = setting["min"], setting["max"], setting.get("step", 1)
        if not low <= number <= high:
            raise SchemaProblem(f"Choose a number from {low} to {high}.")
        if (number - low) % step:
            raise SchemaProblem(f"Choose a number from {low} to {high} in steps of {step}.")
        return number
    if kind == "checkbox":
        if isinstance(raw, bool):
            return raw
        return str(raw or "").strip().lower() in ("1", "on", "true", "yes", "y")
    if kind in ("text", "textarea"):
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            raise SchemaProblem("Enter text.")
        text = raw.replace("\r\n", "\n").strip()
        if kind == "text":
            text = " ".join(text.split())
        if len(text) > max_length(setting):
            raise SchemaProblem(f"Keep it under {max_length(setting)} characters.")
        return text
    if kind == "richtext":
        if not isinstance(raw or "", str):
            raise SchemaProblem("Enter text.")
        if len(raw or "") > max_length(setting):
            raise SchemaProblem(f"Keep it under {max_length(setting)} characters.")
        return sanitize_rich_text(raw or "")
    if kind == "image":
        if raw in (None, ""):
            return None
        if isinstance(raw, bool) or not str(raw).isdigit():
            raise SchemaProblem("Upload an image.")
        return int(raw)
    if kind == "collection":
        text = str(raw or "").strip()
        if len(text) > 120:
            raise SchemaProblem("Choose one of your collections.")
        return text
    raise SchemaProblem(f"unknown setting type {kind}", "type")


def sanitize_rich_text(html: str) -> str:
    """Owner-written rich text, reduced to safe formatting: no scripts, styles or handlers."""
    return nh3.clean(
        html, tags=RICH_TEXT_TAGS, attributes=RICH_TEXT_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"}, link_rel="noopener nofollow ugc",
    ).strip()


# Colours ---------------------------------------------------------------------------


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(a: str, b: str, amount: float) -> str:
    """`amount` of colour a, the rest b."""
    return _hex(x * amount + y * (1 - amount) for x, y in zip(_rgb(a), _rgb(b), strict=True))


def readable_on(background: str) -> str:
    """Near-black or white, whichever reads better on `background`."""
    dark, light = "#111111", "#ffffff"
    return dark if contrast_ratio(dark, background) >= contrast_ratio(light, background) else light


def muted_text(text: str, background: str, minimum: float = 4.6) -> str:
    """A softer text colour that still passes WCAG AA on the background."""
    for amount in (0.72, 0.78, 0.86, 0.94, 1.0):
        candidate = mix(text, background, amount)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return text
