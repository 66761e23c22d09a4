"""Theme setting basics: the curated fonts, the problem a bad definition or value raises,
rich-text sanitising, and colour helpers (contrast, mixing) so a theme can refuse
unreadable text and always put readable text on its accent colour. The setting types
themselves (check, clean, form field, CSS value) are in setting_types.py."""

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
