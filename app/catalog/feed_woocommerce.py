"""Reading WooCommerce's product CSV export as our feed rows.

- A **variable** product is a parent row (Type "variable": the name, description,
  categories, images and the attribute names with all their values) followed by its
  **variation** rows (Type "variation"), whose Parent column names the parent as "id:NN"
  (its ID) or by its SKU. The parent is the product (its SKU is the product code, or
  "woo-<ID>" without one); each variation is a variant, its options the variation's
  attribute values. A variation whose parent is not among the rows above it is rejected.
- A **simple** product is one row: one product with one variant (its SKU is both).
- Grouped and external (affiliate) products are not sold by the supplier: skipped, with the
  reason. So are drafts and private products (Published -1 or 0) and disabled variations.
- Prices: "Regular price" is the supplier's retail price, our minimum retail price (a sale
  price is a promotion, not the floor). WooCommerce keeps no wholesale price of its own:
  the cost column of WooCommerce's cost of goods ("Cost of goods"), of the common cost
  plugin ("Meta: _wc_cog_cost"), or the column the feed settings map wholesale_price onto.
- Stock: the Stock column; blank with "In stock?" 0 is 0; blank otherwise (stock not
  managed) is rejected: shops never sell more than the supplier says it has.
"""

from __future__ import annotations

import re
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

WHAT = _l("WooCommerce product export")
COST_COLUMNS = ("cost of goods", "cost of goods sold", "meta: _wc_cog_cost")
ATTRIBUTE_NAME = re.compile(r"^attribute (\d+) name$")
NOT_FOR_SALE = {
    "-1": "a draft in WooCommerce (Published -1)",
    "0": "private in WooCommerce (Published 0)",
}


def is_woocommerce(names: list[str]) -> bool:
    return "type" in names and "parent" in names and "regular price" in names


@dataclass
class _Parent:
    """A variable product's parent row, for its variation rows."""

    code: str
    line: int
    fields: dict[str, str]
    attribute_names: dict[str, str]  # attribute number -> name
    not_for_sale: str
    variations: int = 0


def woocommerce_rows(binary, mapping: Mapping[str, str]) -> Iterator[FeedRow]:
    """Stream a WooCommerce product export as FeedRows (`mapping`: our column -> theirs, for
    the wholesale price above all, and the retail price, stock and category)."""
    _, names, records = read_csv_records(binary)
    columns = _columns(names, mapping)
    attributes = sorted(match.group(1) for name in names if (match := ATTRIBUTE_NAME.match(name)))
    parents: dict[str, str] = {}  # "id:NN" and parent SKU -> product code (variations may refer either way)
    parent: _Parent | None = None
    for record in records:
        kinds = {kind.strip().lower() for kind in record.get("type").split(",")}
        sku = record.get("sku")
        if "variation" not in kinds and parent is not None:
            yield from _without_variations(parent)
            parent = None
        if record.problem:
            yield FeedRow(record.line, {"product_code": sku, "sku": sku}, problem=record.problem)
        elif "variable" in kinds:
            code = sku or f"woo-{record.get('id')}"
            parents[f"id:{record.get('id')}"] = code
            if sku:
                parents[sku] = code
            parent = _Parent(code, record.line, _product_fields(record, columns),
                             {n: record.get(f"attribute {n} name") for n in attributes},
                             NOT_FOR_SALE.get(record.get("published"), ""))
        elif "variation" in kinds:
            yield _variation(record, parent, parents, columns, attributes)
        elif "simple" in kinds:
            yield _simple(record, columns)
        else:
            kind = ", ".join(sorted(kinds)) or "blank"
            yield skipped_row(record.line, sku, sku, (
                f"Skipped: a WooCommerce product of Type “{kind[:40]}” is not imported (only simple and "
                "variable products are: grouped ones bundle products listed on their own rows, external "
                "ones are sold elsewhere)."))
    if parent is not None:
        yield from _without_variations(parent)


def _columns(names: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    columns = {"wholesale_price": next((name for name in COST_COLUMNS if name in names), ""),
               "min_retail_price": "regular price", "stock": "stock", "category": ""}
    for ours in columns:
        if mapping.get(ours):
            columns[ours] = mapping[ours].strip().lower()
    missing_columns(names, {"type": "Type", "sku": "SKU", "name": "Name", "parent": "Parent",
                            columns["min_retail_price"]: "Regular price", columns["stock"]: "Stock"}, WHAT)
    if not columns["wholesale_price"] or columns["wholesale_price"] not in names:
        raise FeedError(_('This %(what)s has no wholesale price column: WooCommerce keeps none unless cost of goods is on (“Cost of goods”, or “Meta: _wc_cog_cost” from the cost plugin). Map wholesale_price onto the column that holds it in the feed settings.', what=WHAT))
    if columns["category"] and columns["category"] not in names:
        raise FeedError(_('This %(what)s lacks the column “%(mapping)s” that the feed settings map the category onto.', what=WHAT, mapping=mapping['category']))
    return columns


def _product_fields(record: SourceRecord, columns: dict[str, str]) -> dict[str, str]:
    categories = record.get("categories")
    category = (record.get(columns["category"]) if columns["category"]
                else guess_category(*re.split(r"[,>]", categories)))
    images = record.get("images")
    return {"title": record.get("name"),
            "description": html_to_text(record.values.get("description") or record.get("short description")),
            "category": category, "image_url": images.split(",")[0].strip() if images else ""}


def _variant(record: SourceRecord, columns: dict[str, str], options: str) -> tuple[dict[str, str], str]:
    """Our variant columns from the row, and the fault that rejects its product, if any."""
    sku = record.get("sku")
    stock = record.get(columns["stock"])
    fault = mangled_number(sku, "SKU") or mangled_number(record.get("gtin, upc, ean, or isbn"), "barcode")
    wholesale = record.get(columns["wholesale_price"])
    if not fault and not wholesale:
        fault = "The wholesale price (the cost of goods) is blank; give the product's cost in WooCommerce."
    if not stock and not fault:
        if record.get("in stock?") == "0":
            stock = "0"
        else:
            fault = ("WooCommerce does not manage this product's stock (Stock is blank), so the export "
                     "has no quantity; turn on stock management for it: shops never sell more than the "
                     "supplier has.")
    return {"sku": sku, "options": options, "wholesale_price": wholesale,
            "min_retail_price": record.get(columns["min_retail_price"]), "stock": stock}, fault


def _simple(record: SourceRecord, columns: dict[str, str]) -> FeedRow:
    sku = record.get("sku")
    code = sku or f"woo-{record.get('id')}"
    reason = NOT_FOR_SALE.get(record.get("published"))
    if reason:
        return skipped_row(record.line, code, sku, f"Skipped: the product is {reason}.")
    variant, fault = _variant(record, columns, "")
    return feed_row(record.line, code, variant, _product_fields(record, columns), fault=fault)


def _variation(record: SourceRecord, parent: _Parent | None, parents: dict[str, str],
               columns: dict[str, str], attributes: list[str]) -> FeedRow:
    sku = record.get("sku")
    reference = record.get("parent")
    code = parents.get(reference) or parents.get(f"id:{reference}")
    if code is None:
        return FeedRow(record.line, {"product_code": "", "sku": sku}, problem=(
            _("The parent “%(reference)s” of this variation is not among the rows above it; a variation comes after its variable product's row.", reference=reference[:40])))
    current = parent is not None and parent.code == code
    if current and parent.not_for_sale:
        return skipped_row(record.line, code, sku, f"Skipped: the product is {parent.not_for_sale}.")
    if record.get("published") in NOT_FOR_SALE:
        return skipped_row(record.line, code, sku, "Skipped: the variation is disabled in WooCommerce "
                                                   f"(Published {record.get('published')}).")
    names = parent.attribute_names if current else {}
    options = options_text([(record.get(f"attribute {n} name") or names.get(n, ""),
                             record.get(f"attribute {n} value(s)")) for n in attributes])
    variant, fault = _variant(record, columns, options)
    first = current and parent.variations == 0
    if current:
        parent.variations += 1
    # A variation away from its parent keeps the code: the sync rejects it as not consecutive.
    return feed_row(record.line, code, variant, parent.fields if first else None, fault=fault)


def _without_variations(parent: _Parent) -> Iterator[FeedRow]:
    if parent.variations == 0 and not parent.not_for_sale:
        yield FeedRow(parent.line, {"product_code": parent.code, "sku": ""}, problem=(
            _('The variable product %(code)s has no variation rows after it, so nothing of it can be sold.', code=parent.code[:80])))
