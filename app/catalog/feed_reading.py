"""What the readers of other platforms' exports share (app.catalog.feed_formats): reading
their CSV/TSV files as records with line numbers, turning HTML bodies into the plain text a
product description is, guessing our category from theirs, and building `FeedRow`s.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import nh3

from app.i18n import _, ngettext
from app.wording import counted

from .feeds import FeedError, FeedRow
from .models import CATEGORIES
from .services import MAX_DESCRIPTION, format_options

NOT_UTF8 = "The feed is not UTF-8 text."
# What a spreadsheet makes of a long number such as a barcode: its last digits are gone.
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")


@dataclass
class SourceRecord:
    """One record of an export as the platform wrote it: its first line and its values by
    (normalised) column name, or a `problem` when it cannot be read as a record."""

    line: int
    values: dict[str, str]
    problem: str = ""

    def get(self, *names: str) -> str:
        """The first of these columns with a value, trimmed ("" if none)."""
        for name in names:
            value = (self.values.get(name) or "").strip()
            if value:
                return value
        return ""


def header_names(header: list[str], normalise: Callable[[str], str]) -> list[str]:
    return [normalise((name or "").lstrip("\ufeff")) for name in header]


def read_csv_records(binary, *, delimiter: str = ",",
                     normalise: Callable[[str], str] = lambda name: name.strip().lower()
                     ) -> tuple[list[str], list[str], Iterator[SourceRecord]]:
    """(the header as written, its normalised names, the records), read as a stream."""
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)  # a stray quote is a broken feed
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        raise FeedError(NOT_UTF8) from None
    except csv.Error as error:
        raise FeedError(_('The header cannot be read (%(error)s).', error=error)) from None
    if not header:
        raise FeedError(_('The feed is empty.'))
    names = header_names(header, normalise)
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        index.setdefault(name, position)
    return header, names, _records(reader, index, len(names))


def _records(reader, index: dict[str, int], width: int) -> Iterator[SourceRecord]:
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise FeedError(NOT_UTF8) from None
        except csv.Error as error:
            raise FeedError(_('Line %(line_num)s cannot be read (%(error)s).', line_num=reader.line_num, error=error)) from None
        if not any(value.strip() for value in values):
            continue
        # line_num is the record's last line; a quoted value (an HTML body) may span lines.
        line = reader.line_num - sum(value.count("\n") for value in values)
        record = SourceRecord(line, {name: (values[position] if position < len(values) else "")
                                     for name, position in index.items()})
        if len(values) > width:
            record.problem = _("The line has %(counted)s than the header has columns (a separator inside a value "
                               "needs quotes).", counted=counted(len(values) - width, "more value"))
        elif len(values) < width:
            record.problem = _('The line has %(values)s values; the header has %(width)s columns.', values=len(values), width=width)
        yield record


def missing_columns(names: list[str], needed: Mapping[str, str], what: str) -> None:
    """FeedError naming the columns (`needed`: normalised name -> as the platform writes it)
    an export must have for us to read it."""
    missing = [written for name, written in needed.items() if name not in names]
    if missing:
        raise FeedError(ngettext("This %(what)s lacks the column %(names)s.", "This %(what)s lacks the columns %(names)s.",
                                 len(missing), what=what, names=", ".join(f"“{name}”" for name in missing)))


# Descriptions ---------------------------------------------------------------------------------

_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_BLOCK_END = re.compile(r"<\s*/\s*(p|div|h[1-6]|ul|ol|table|tr|blockquote|section|article)\s*>", re.IGNORECASE)
_ITEM = re.compile(r"<\s*li(\s[^>]*)?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")


def html_to_text(body: str) -> str:
    """A product body written in HTML as the plain text our descriptions are (the storefront
    escapes it and keeps paragraphs): nh3 drops every tag, and scripts and styles with their
    content; paragraphs and line breaks survive as blank lines and new lines. Longer than
    our limit, it is cut at a word with "…" (a supplier's long sales copy is no reason to
    turn the product away; the shop writes its own recommendation)."""
    if not body or not body.strip():
        return ""
    marked = _ITEM.sub("\n• ", _BLOCK_END.sub("\n\n", _BREAK.sub("\n", body)))
    text = html.unescape(nh3.clean(marked, tags=set()))
    paragraphs, lines = [], []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") + [""]:
        line = _SPACES.sub(" ", raw).strip()
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    text = "\n\n".join(paragraphs)
    if len(text) > MAX_DESCRIPTION:
        cut = text[:MAX_DESCRIPTION - 1]
        text = (cut.rsplit(None, 1)[0] if " " in cut[-200:] else cut) + "…"
    return text


# Categories ------------------------------------------------------------------------------------

# Words of other platforms' categories and product types (Google's taxonomy, Shopify's
# standard categories, free text in English or Chinese) -> our category.
_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fresh", ("fresh", "produce", "fruit", "vegetable", "meat", "seafood", "dairy", "生鲜", "水果", "蔬菜")),
    ("snacks", ("snack", "food", "beverage", "drink", "candy", "confection", "chips", "crisps", "tea", "coffee",
                "零食", "食品", "饮料", "茶")),
    ("beauty", ("beauty", "cosmetic", "skin", "makeup", "fragrance", "personal care", "hair", "美妆", "护肤", "化妆")),
    ("electronics", ("electronic", "phone", "computer", "camera", "audio", "gadget", "电子", "数码", "手机")),
    ("apparel", ("apparel", "clothing", "shirt", "tee", "hoodie", "dress", "shoe", "accessor", "jacket", "sock",
                 "服装", "衣", "鞋", "裤")),
    ("home", ("home", "garden", "kitchen", "furniture", "houseware", "decor", "mug", "candle", "家居", "厨房")),
)


def guess_category(*texts: str) -> str:
    """Our category for a product, from the platform's category and type texts (the first
    that says something we know), else "other": a category is how shops browse the supply
    catalog, never a reason to turn a product away."""
    for text in texts:
        lowered = (text or "").strip().lower()
        if not lowered:
            continue
        if lowered in CATEGORIES:
            return lowered
        for category, words in _CATEGORY_WORDS:
            if any(_says(lowered, word) for word in words):
                return category
    return "other"


def _says(text: str, word: str) -> bool:
    if word.isascii():  # the start of a word: "tee" in "tees", not in "steel"
        return re.search(r"\b" + re.escape(word), text) is not None
    return word in text


# Rows ------------------------------------------------------------------------------------------


def mangled_number(value: str, what: str) -> str:
    """The fault of an identifier a spreadsheet turned into scientific notation, or ""."""
    if value and SCIENTIFIC.match(value.strip()):
        return (_('The %(what)s “%(value)s” was mangled by a spreadsheet (scientific notation drops its last digits). Export the file again and upload it without opening it in a spreadsheet, or format that column as text.', what=what, value=value.strip()[:30]))
    return ""


def options_text(pairs: list[tuple[str, str]]) -> str:
    """ "size=M; colour=Red" from (name, value) pairs, leaving out blank ones."""
    return format_options({name.strip(): value.strip() for name, value in pairs if name.strip() and value.strip()})


def feed_row(line: int, code: str, variant: Mapping[str, str], product: Mapping[str, str] | None = None,
             *, fault: str = "", currency: str = "") -> FeedRow:
    """A FeedRow in our columns: `product` (title, description, category, image_url) only on
    a product's first row, as the sync expects; the later rows leave it blank."""
    fields = {"product_code": code, **{name: value for name, value in variant.items() if value is not None}}
    if product:
        fields.update(product)
    return FeedRow(line, fields, fault=fault, currency=currency)


def skipped_row(line: int, code: str, sku: str, reason: str) -> FeedRow:
    """A row left out on purpose (a draft, an archived product): reported with its reason."""
    return FeedRow(line, {"product_code": code, "sku": sku}, problem=reason, skipped=True)
