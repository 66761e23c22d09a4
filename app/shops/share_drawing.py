"""Drawing a share picture with Pillow: fonts, line wrapping, pictures and the two layouts
(1200×630 for Open Graph and chat previews, 1080×1080 square).

Text is set in Noto Sans CJK (the `noto-cjk-sans-otc` package, SIL Open Font License), so
Chinese, Japanese and Korean names get real glyphs on any machine that ran `make run`;
Latin text uses the same font's Latin. Without the package we fall back to Pillow's own
font (Latin only), never to an error. Bold is the regular face with a 1 px stroke: one
15 MB font file instead of two.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from app.themes.schema import mix

# Faces of the Noto Sans CJK collection: the regional glyph forms of a shared ideograph.
FACE_JP, FACE_KR, FACE_SC = 0, 1, 2
KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# A line may break before any of these (ideographs, kana, hangul, full-width forms).
BREAK_ANYWHERE = re.compile(r"[\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                            r"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
# ...but never before closing punctuation (kinsoku): it stays with the previous character.
NO_LINE_START = set("、。，．：；！？）」』】〉》〕’”…ー々!?),.:;")
ELLIPSIS = "…"
FOOTER_HEIGHT = 56


@dataclass(frozen=True)
class Colours:
    """The shop's theme palette, as hex strings."""
    accent: str
    on_accent: str
    background: str
    text: str
    muted: str


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    picture: tuple[int, int, int, int]  # left, top, right, bottom
    text: tuple[int, int, int, int]
    title_sizes: tuple[int, ...]
    title_lines: int
    centre: bool = False  # the text block centred in its column


LANDSCAPE = Layout(1200, 630, picture=(0, 0, 600, 630), text=(660, 60, 1140, 570),
                   title_sizes=(60, 52, 46), title_lines=3, centre=True)
SQUARE = Layout(1080, 1080, picture=(0, 0, 1080, 540), text=(72, 588, 1008, 1024),
                title_sizes=(64, 56, 48), title_lines=2)
LAYOUTS = {"landscape": LANDSCAPE, "square": SQUARE}


def _font_file() -> str | None:
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        return None
    path = Path(str(FONT_PATH))
    return str(path) if path.is_file() else None


def font_face(text: str) -> int:
    """The collection's face for this text: Japanese when it has kana, Korean when it has
    hangul, else Simplified Chinese (its Latin is the same in every face)."""
    if KANA.search(text):
        return FACE_JP
    if HANGUL.search(text):
        return FACE_KR
    return FACE_SC


def load_font(size: int, face: int = FACE_SC) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto Sans CJK at `size`, or Pillow's built-in font when the package is missing.
    (Loaded per drawing: a FreeType face must not be shared between threads.)"""
    path = _font_file()
    if path is not None:
        try:
            return ImageFont.truetype(path, size, index=face)
        except OSError:
            pass
    return ImageFont.load_default(size)


def has_cjk_font() -> bool:
    return _font_file() is not None


# Text ---------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Pieces a line may break between: words with their trailing space, and each CJK
    character on its own (CJK has no spaces)."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char in NO_LINE_START and (word or tokens):
            if word:
                word += char
            else:
                tokens[-1] += char  # closing punctuation stays on its character's line
        elif BREAK_ANYWHERE.match(char):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            tokens.append(word + char)
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def _width(font, text: str) -> float:
    return font.getlength(text)


def wrap(text: str, font, width: int, max_lines: int) -> tuple[list[str], bool]:
    """(lines, complete): `text` broken into lines at most `width` pixels wide; past
    `max_lines` the last line ends with an ellipsis and complete is False."""
    text = " ".join((text or "").split())
    tokens: list[str] = []
    for token in _tokens(text):
        if _width(font, token.rstrip()) > width:
            tokens.extend(token)  # a word longer than a line: break it anywhere
        else:
            tokens.append(token)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if not line or _width(font, (line + token).rstrip()) <= width:
            line += token
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) <= max_lines:
        return lines, True
    kept = lines[:max_lines]
    last = kept[-1]
    while last and _width(font, last.rstrip() + ELLIPSIS) > width:
        last = last[:-1]
    if " " in last and last.rindex(" ") > len(last) * 0.6:  # end on a whole word when it costs little
        last = last[:last.rindex(" ")]
    kept[-1] = last.rstrip(" .,;:·、，。") + ELLIPSIS
    return kept, False


def fit_title(text: str, sizes: tuple[int, ...], width: int, max_lines: int, face: int):
    """The largest size at which the title fits in `max_lines`; else the smallest, ellipsised."""
    for size in sizes:
        font = load_font(size, face)
        lines, complete = wrap(text, font, width, max_lines)
        if complete:
            return font, size, lines
    return font, size, lines


# Pictures -----------------------------------------------------------------------------------


def cover(picture: Image.Image, size: tuple[int, int], backdrop: str) -> Image.Image:
    """The picture filling `size` (cropped to fit, centred), flattened on `backdrop`."""
    picture = ImageOps.fit(picture.convert("RGBA"), size, Image.Resampling.LANCZOS)
    flat = Image.new("RGB", size, backdrop)
    flat.paste(picture, (0, 0), picture)
    return flat


def fit(picture: Image.Image, size: tuple[int, int], backdrop: str) -> Image.Image:
    """One picture in a panel: filled when their shapes are close, else whole (a product must
    not lose its top or bottom), on the colour of the picture's own corner so the edges blend."""
    ratio = (picture.width / picture.height) / (size[0] / size[1])
    if 0.8 <= ratio <= 1.25:
        return cover(picture, size, backdrop)
    picture = picture.convert("RGBA")
    corner = picture.getpixel((0, 0))
    edge = backdrop if corner[3] < 128 else "#{:02x}{:02x}{:02x}".format(*corner[:3])
    scale = min(size[0] / picture.width, size[1] / picture.height)
    shown = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                           Image.Resampling.LANCZOS)
    panel = Image.new("RGB", size, edge)
    panel.paste(shown, ((size[0] - shown.width) // 2, (size[1] - shown.height) // 2), shown)
    return panel


def placeholder(size: tuple[int, int], title: str, colours: Colours) -> Image.Image:
    """No picture (or one that would not load): a tinted panel with the name's initial,
    as the storefront's own cards do."""
    panel = Image.new("RGB", size, mix(colours.accent, colours.background, 0.14))
    draw = ImageDraw.Draw(panel)
    initial = (title.strip()[:1] or "?").upper()
    height = min(size)
    font = load_font(int(height * 0.42), font_face(initial))
    draw.ellipse(_centred_box(size, int(height * 0.62)), fill=mix(colours.accent, colours.background, 0.24))
    draw.text((size[0] / 2, size[1] / 2), initial, font=font, fill=colours.accent, anchor="mm")
    return panel


def _centred_box(size: tuple[int, int], diameter: int) -> tuple[int, int, int, int]:
    left, top = (size[0] - diameter) // 2, (size[1] - diameter) // 2
    return left, top, left + diameter, top + diameter


def collage(pictures: list[Image.Image], size: tuple[int, int], backdrop: str, gap: int = 6) -> Image.Image:
    """One picture fills the panel; two share it; three or more: a large one and two small."""
    width, height = size
    panel = Image.new("RGB", size, backdrop)
    if len(pictures) == 1:
        panel.paste(fit(pictures[0], size, backdrop), (0, 0))
    elif len(pictures) == 2:
        if width >= height:
            half = (width - gap) // 2
            panel.paste(cover(pictures[0], (half, height), backdrop), (0, 0))
            panel.paste(cover(pictures[1], (width - half - gap, height), backdrop), (half + gap, 0))
        else:
            half = (height - gap) // 2
            panel.paste(cover(pictures[0], (width, half), backdrop), (0, 0))
            panel.paste(cover(pictures[1], (width, height - half - gap), backdrop), (0, half + gap))
    else:
        large = int(width * 0.6) if width >= height * 1.2 else int(width * 0.58)
        small_w, small_h = width - large - gap, (height - gap) // 2
        panel.paste(cover(pictures[0], (large, height), backdrop), (0, 0))
        panel.paste(cover(pictures[1], (small_w, small_h), backdrop), (large + gap, 0))
        panel.paste(cover(pictures[2], (small_w, height - small_h - gap), backdrop), (large + gap, small_h + gap))
    return panel


# The card -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardText:
    title: str
    shop_name: str
    host: str
    price: str = ""
    note: str = ""
    eyebrow: str = ""


def draw_card(layout: Layout, text: CardText, colours: Colours, pictures: list[Image.Image]) -> Image.Image:
    """The whole share picture: the picture panel and the text beside (or under) it."""
    canvas = Image.new("RGB", (layout.width, layout.height), colours.background)
    left, top, right, bottom = layout.picture
    size = (right - left, bottom - top)
    panel = collage(pictures[:3], size, colours.background) if pictures else placeholder(size, text.title, colours)
    canvas.paste(panel, (left, top))
    _draw_text(ImageDraw.Draw(canvas), layout, text, colours)
    return canvas


def _bold(draw, xy, line, font, fill, **kwargs):
    draw.text(xy, line, font=font, fill=fill, stroke_width=1, stroke_fill=fill, **kwargs)


def _draw_text(draw: ImageDraw.ImageDraw, layout: Layout, text: CardText, colours: Colours) -> None:
    """Eyebrow, title, price and note from the top (centred beside a landscape picture),
    the shop's footer at the bottom."""
    left, top, right, bottom = layout.text
    width = right - left
    face = font_face(" ".join((text.title, text.shop_name, text.note, text.eyebrow)))
    footer_top = bottom - FOOTER_HEIGHT
    blocks = []  # (height, draw at y)
    if text.eyebrow:
        eyebrow = load_font(26, face)
        line = wrap(text.eyebrow.upper(), eyebrow, width, 1)[0][0]
        colour = mix(colours.accent, colours.text, 0.85)
        blocks.append((44, lambda y: _bold(draw, (left, y), line, eyebrow, colour)))
    font, size, lines = fit_title(text.title, layout.title_sizes, width, layout.title_lines, face)
    step = int(size * 1.22)

    def title(y):
        for number, line in enumerate(lines):
            _bold(draw, (left, y + number * step), line, font, colours.text)

    blocks.append((step * len(lines) + 24, title))
    if text.price:
        blocks.append((88, lambda y: _price_pill(draw, (left, y), text.price, width, colours, face)))
    used = sum(height for height, _ in blocks)
    if text.note:
        note_font = load_font(30, face)
        room = min(2, (footer_top - 16 - top - used) // 42)
        if room > 0:
            notes = wrap(text.note, note_font, width, room)[0]

            def note(y):
                for number, line in enumerate(notes):
                    draw.text((left, y + number * 42), line, font=note_font, fill=colours.muted)

            blocks.append((42 * len(notes), note))
            used += 42 * len(notes)
    y = top + max(0, (footer_top - 24 - top - used) // 2) if layout.centre else top
    for height, paint in blocks:
        paint(y)
        y += height
    _footer(draw, (left, footer_top), text, width, colours, face)


def _price_pill(draw, origin, price: str, width: int, colours: Colours, face: int) -> int:
    """The price on the accent colour, like the storefront's buttons. Returns its bottom."""
    x, y = origin
    font = load_font(40, face)
    label, _ = wrap(price, font, width - 56, 1)
    text_width = _width(font, label[0])
    height = 68
    draw.rounded_rectangle((x, y, x + text_width + 56, y + height), radius=14, fill=colours.accent)
    _bold(draw, (x + 28, y + height / 2), label[0], font, colours.on_accent, anchor="lm")
    return y + height


def _footer(draw, origin, text: CardText, width: int, colours: Colours, face: int) -> None:
    """Whose shop this is, at a glance: a mark with its initial, its name and its address."""
    x, y = origin
    mark = FOOTER_HEIGHT
    draw.rounded_rectangle((x, y, x + mark, y + mark), radius=12, fill=colours.accent)
    initial = (text.shop_name.strip()[:1] or "?").upper()
    _bold(draw, (x + mark / 2, y + mark / 2), initial, load_font(30, font_face(initial)), colours.on_accent,
          anchor="mm")
    room = width - mark - 16
    name_font = load_font(28, face)
    name, _ = wrap(text.shop_name, name_font, room, 1)
    _bold(draw, (x + mark + 16, y + 24), name[0], name_font, colours.text, anchor="ls")
    if text.host:
        host_font = load_font(22, FACE_SC)
        host, _ = wrap(text.host, host_font, room, 1)
        draw.text((x + mark + 16, y + mark - 1), host[0], font=host_font, fill=colours.muted, anchor="ls")


def encode_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")  # optimize=True saves ~3% for 4x the time
    return out.getvalue()
