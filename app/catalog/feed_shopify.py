"""Reading Shopify's product CSV export as our feed rows.

One product is the consecutive rows of one Handle. Its first row carries the product
(Title, Body (HTML), Product Category, Type, Status, the option names); the following rows
leave those blank (Shopify fills them in only once) and carry one variant each, or only an
extra image (Handle and Image Src: we keep one image per product, so they are passed over).

- Prices: "Cost per item" is what the supplier is paid (our wholesale price) and "Variant
  Price" is its own retail price, the floor under which no shop may sell (our minimum
  retail price). "Variant Inventory Qty" is the stock.
- A product without options is one variant whose option is "Title" = "Default Title".
- Status draft or archived: the product's rows are skipped, each reported with the reason
  (a supplier keeps unfinished and retired products in Shopify; neither is for sale). Left
  out of a full feed, a product imported before is marked discontinued.
- A SKU or barcode in scientific notation (8.90123E+12) means a spreadsheet rewrote the
  file and dropped digits; the product is rejected with that reason rather than risk
  identifiers or numbers that are silently wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from app.i18n import _
from app.i18n import lazy_gettext as _l

from .feed_reading import (
    SourceRecord,
    feed_row,
    guess_category,
    html_to_text,
    mangled_number,
    missing_columns,
    options_text,
    read_csv_records,
    skipped_row,
)
from .feeds import FeedError, FeedRow

WHAT = _l("Shopify product export")
STATUSES = ("active", "draft", "archived")
OPTION_COUNT = 3
DEFAULT_OPTION = "Default Title"


def is_shopify(names: list[str]) -> bool:
    return "handle" in names and "variant price" in names


@dataclass
class _Product:
    """The product of the Handle being read: what its first row says, for the rows after."""

    handle: str
    line: int
    status: str
    option_names: list[str]
    fields: dict[str, str]
    variants: int = 0


def shopify_rows(binary, mapping: Mapping[str, str]) -> Iterator[FeedRow]:
    """Stream a Shopify product export as FeedRows (`mapping`: our column -> theirs, for the
    prices, stock and category when they are in other columns)."""
    _, names, records = read_csv_records(binary)
    columns = _columns(names, mapping)
    product: _Product | None = None
    for record in records:
        handle = record.get("handle")
        sku = record.get("variant sku")
        if record.problem or not handle:
            yield FeedRow(record.line, {"product_code": handle, "sku": sku},
                          problem=record.problem or _("The Handle (Shopify's product code) is missing."))
            continue
        if product is None or handle != product.handle:
            product = _first_row(record, columns)
        if not (record.get("option1 value") or sku or record.get("variant price")):
            continue  # an image-only row: an extra image of the product, not a variant
        product.variants += 1
        if product.status in ("draft", "archived"):
            yield _skipped(record, product, sku)
            continue
        yield _variant_row(record, product, columns, sku)


def _columns(names: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Where each of our values is read from: Shopify's column, unless the feed settings map
    our column onto another one."""
    columns = {"wholesale_price": "cost per item", "min_retail_price": "variant price",
               "stock": "variant inventory qty", "category": ""}
    for ours in columns:
        if mapping.get(ours):
            columns[ours] = mapping[ours].strip().lower()
    needed = {"handle": "Handle", "title": "Title",  # not translated: Shopify's own column names
              "variant sku": "Variant SKU", columns["min_retail_price"]: "Variant Price"}
    missing_columns(names, needed, WHAT)
    if columns["wholesale_price"] not in names:
        raise FeedError(_("This %(what)s lacks the column “Cost per item”: it is the wholesale price the supplier is paid. Set each variant's cost in Shopify and export again (or map wholesale_price onto the column that holds it in the feed settings).", what=WHAT))
    if columns["stock"] not in names:
        raise FeedError(_('This %(what)s lacks the column “Variant Inventory Qty” (the stock). Export the products with their inventory (or map stock onto the column that holds it).', what=WHAT))
    if columns["category"] and columns["category"] not in names:
        raise FeedError(_('This %(what)s lacks the column “%(mapping)s” that the feed settings map the category onto.', what=WHAT, mapping=mapping['category']))
    return columns


def _first_row(record: SourceRecord, columns: dict[str, str]) -> _Product:
    status = (record.get("status") or "active").lower()
    category = (record.get(columns["category"]) if columns["category"]
                else guess_category(record.get("product category"), record.get("type")))
    fields = {"title": record.get("title"), "description": html_to_text(record.values.get("body (html)") or ""),
              "category": category, "image_url": record.get("image src", "variant image")}
    option_names = [record.get(f"option{n} name") for n in range(1, OPTION_COUNT + 1)]
    return _Product(record.get("handle"), record.line, status, option_names, fields)


def _skipped(record: SourceRecord, product: _Product, sku: str) -> FeedRow:
    if product.status == "draft":
        reason = (_('Skipped: the product is a draft in Shopify (Status draft); it is imported once it is active there.'))
    else:
        reason = (_('Skipped: the product is archived in Shopify (Status archived), so it is not for sale; a full feed marks it discontinued if it was imported before.'))
    return skipped_row(record.line, product.handle, sku, reason)


def _variant_row(record: SourceRecord, product: _Product, columns: dict[str, str], sku: str) -> FeedRow:
    options = [(name, value) for name, value in zip(
        product.option_names, (record.get(f"option{n} value") for n in range(1, OPTION_COUNT + 1)), strict=True)
        if value != DEFAULT_OPTION]
    wholesale = record.get(columns["wholesale_price"])
    fault = mangled_number(sku, "SKU") or mangled_number(record.get("variant barcode"), "barcode")
    if product.status not in STATUSES:
        fault = (f"Unknown Status “{product.status[:30]}” on line {product.line}; Shopify's are active, "
                 "draft and archived.")
    if not fault and not wholesale:
        fault = ("The Cost per item is blank: it is the wholesale price the supplier is paid. Set the "
                 "variant's cost in Shopify.")
    stock = record.get(columns["stock"])
    if not stock and not fault and "variant inventory tracker" in record.values \
            and not record.get("variant inventory tracker"):
        fault = ("Shopify does not track this variant's inventory (Variant Inventory Tracker is blank), so "
                 "the export has no stock; track it in Shopify: shops never sell more than the supplier has.")
    if stock.lstrip("-").isdigit() and stock.startswith("-"):
        stock = "0"  # Shopify lets a variant oversell below zero: none left, for us
    variant = {"sku": sku, "options": options_text(options), "wholesale_price": wholesale,
               "min_retail_price": record.get(columns["min_retail_price"]), "stock": stock}
    first = product.variants == 1
    return feed_row(record.line, product.handle, variant, product.fields if first else None, fault=fault)
