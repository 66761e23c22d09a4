"""Importing a supplier's products from a CSV file (the format is in docs/catalog-csv.md), or
from a Shopify, WooCommerce or Google Merchant Center export read by the feed readers
(app.catalog.feed_formats), told apart from the file's first line.

All or nothing: every row is checked first and every problem is reported with its line
number (the header is line 1), the row's SKU and the reason. Only a file without a single
problem is written, in one savepoint; the caller commits. Rows whose product code or SKU
this supplier already has update those products and variants; the others are created.
The rules for a product are those of the admin's product form (app.catalog.services).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import DomainError
from app.extensions import db
from app.i18n import _, format_number
from app.wording import counted, named

from .models import Supplier, SupplyProduct, SupplyVariant
from .services import (
    ProductInvalid,
    ProductSpec,
    VariantSpec,
    clean_code,
    read_product,
    read_variant,
    save_product,
)

REQUIRED_COLUMNS = ("product_code", "title", "category", "sku", "wholesale_price",
                    "min_retail_price", "stock")
OPTIONAL_COLUMNS = ("description", "options", "image_url")
COLUMNS = ("product_code", "title", "description", "category", "sku", "options",
           "wholesale_price", "min_retail_price", "stock", "image_url")
PRODUCT_COLUMNS = ("title", "description", "category", "image_url")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
_CHUNK = 500  # ids per IN (...) list
_PEEK = 64 * 1024  # bytes looked at to tell the file's format


@dataclass(frozen=True)
class RowError:
    line: int  # the line in the file; the header is line 1
    sku: str
    message: str


@dataclass
class ImportResult:
    """What an import did: products created/updated (and their variants), or the errors.
    With any error, nothing was written and the counts are zero."""

    created: int = 0
    updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)  # left out on purpose (an export's drafts)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({error.line for error in self.errors})


@dataclass
class _Row:
    line: int
    sku: str
    variant: VariantSpec | None


@dataclass
class _ProductGroup:
    """The rows sharing one product code: the first row's product fields, then the variants."""

    code: str
    first_line: int
    first_sku: str
    fields: dict[str, str]
    spec: ProductSpec | None
    rows: list[_Row] = field(default_factory=list)
    bad: bool = False


class _Fatal(Exception):
    """The file cannot be read on (bad header, not UTF-8, too many rows)."""


def import_catalog_csv(supplier: Supplier, text_stream: Iterable[str]) -> ImportResult:
    """Import `supplier`'s products from CSV text (a text stream opened with newline="").

    Returns counts when everything was written, or every problem found (nothing written).
    """
    result = ImportResult()
    try:
        reader = csv.DictReader(text_stream)
        _check_header(reader, result)
        groups = _read_groups(supplier, _rows(reader, result), result)
    except _Fatal:
        return result
    return _finish(supplier, groups, result)


def import_catalog_file(supplier: Supplier, binary) -> ImportResult:
    """Import `supplier`'s products from an uploaded file (a binary stream): our CSV, or an
    export of Shopify, WooCommerce or Google Merchant Center. The same all-or-nothing rules;
    an export's drafts and the like are skipped and listed in `skipped`."""
    # The readers build on this module's columns: imported here, not at the top.
    from .feed_formats import EXPORT_FORMATS, detect_format, read_export_rows
    from .feeds import ByteCounter, FeedError

    buffered = io.BufferedReader(ByteCounter(binary), _PEEK)
    try:
        fmt = detect_format(buffered.peek(_PEEK)[:_PEEK], {})
    except FeedError:
        fmt = "csv"  # our reader says what is wrong with the header, as it always has
    if fmt not in EXPORT_FORMATS:
        text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
        try:
            return import_catalog_csv(supplier, text)
        finally:
            text.detach()
    result = ImportResult()
    try:
        groups = _read_groups(supplier, _export_records(read_export_rows(buffered, fmt, {}), supplier, result),
                              result)
    except _Fatal:
        return result
    return _finish(supplier, groups, result)


def _export_records(rows, supplier: Supplier, result: ImportResult) -> Iterator[tuple[int, dict]]:
    """(line, record in our columns) for each FeedRow of an export; its problems and faults
    become errors, its skipped rows are listed apart."""
    from .feeds import FeedError

    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except FeedError as error:
            result.errors.append(RowError(1, "", str(error)))
            raise _Fatal from None
        result.rows += 1
        if result.rows > MAX_ROWS:
            result.errors.append(RowError(row.line, "", _('The file has more than %(max_rows)s product rows. Split it into smaller files.', max_rows=format_number(MAX_ROWS))))
            raise _Fatal
        if row.skipped:
            result.skipped.append(RowError(row.line, row.sku, row.problem))
            continue
        if row.problem:
            result.errors.append(RowError(row.line, row.sku, row.problem))
            continue
        if fault := row.fault_for(supplier.currency):
            result.errors.append(RowError(row.line, row.sku, fault))
        yield row.line, {column: row.fields.get(column, "") for column in COLUMNS}


def _finish(supplier: Supplier, groups: dict[str, _ProductGroup], result: ImportResult) -> ImportResult:
    if not groups and not result.errors:
        result.errors.append(RowError(1, "", _('The file has a header but no product rows.')))
    _write(supplier, groups, result)
    return result


# Reading and checking each row ----------------------------------------------------------


def _normalise_header(names: list[str]) -> list[str]:
    return [(name or "").lstrip("\ufeff").strip().lower() for name in names]


def _check_header(reader: csv.DictReader, result: ImportResult) -> None:
    try:
        names = reader.fieldnames
    except UnicodeDecodeError:
        result.errors.append(RowError(1, "", _NOT_UTF8))
        raise _Fatal from None
    except csv.Error as error:
        result.errors.append(RowError(1, "", _('The header cannot be read as CSV (%(error)s).', error=error)))
        raise _Fatal from None
    if not names:
        result.errors.append(RowError(1, "", _("The file is empty. The first line must be the header: %(columns)s",
                                               columns=",".join(COLUMNS))))
        raise _Fatal
    names = _normalise_header(names)
    reader.fieldnames = names
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        result.errors.append(RowError(1, "", _("The header lacks %(missing)s. The first line must name the columns: "
                                               "%(columns)s", missing=named(missing, "column"), columns=",".join(COLUMNS))))
    twice = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if twice:
        result.errors.append(RowError(1, "", _("The header names %(twice)s more than once.",
                                               twice=named(twice, "column"))))
    if result.errors:
        raise _Fatal


_NOT_UTF8 = "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."


def _rows(reader: csv.DictReader, result: ImportResult):
    """(first line of the record, record) for each non-blank record."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            result.errors.append(RowError(reader.line_num + 1, "", _NOT_UTF8))
            raise _Fatal from None
        except csv.Error as error:
            result.errors.append(RowError(reader.line_num, "", _('This line cannot be read as CSV (%(error)s).', error=error)))
            raise _Fatal from None
        values = [value for value in record.values() if isinstance(value, str)]
        if not any(value.strip() for value in values) and not record.get(None):
            continue
        # line_num is the record's last line; quoted values may span lines.
        first_line = reader.line_num - sum(value.count("\n") for value in values)
        result.rows += 1
        if result.rows > MAX_ROWS:
            result.errors.append(RowError(first_line, "", _('The file has more than %(max_rows)s product rows. Split it into smaller files.', max_rows=format_number(MAX_ROWS))))
            raise _Fatal
        yield first_line, record


def _read_groups(supplier: Supplier, records: Iterable[tuple[int, dict]],
                 result: ImportResult) -> dict[str, _ProductGroup]:
    groups: dict[str, _ProductGroup] = {}
    first_line_of_sku: dict[str, int] = {}
    for line, record in records:
        sku = (record.get("sku") or "").strip()
        errors: list[str] = []

        def add(message: str, line=line, sku=sku, errors=errors) -> None:
            errors.append(message)
            result.errors.append(RowError(line, sku, message))

        if record.get(None):
            add(_("The line has %(counted)s than the header has columns (a comma inside a value needs quotes).",
                  counted=counted(len(record[None]), "more value")))
        missing = [column for column in COLUMNS if column in record and record[column] is None]
        if missing:
            add(_("The line has fewer values than the header: missing %(columns)s.", columns=", ".join(missing)))
        raw = {column: (record.get(column) or "") for column in COLUMNS}

        try:
            code = clean_code(raw["product_code"])
        except DomainError as error:
            add(error.message)
            code = None
        variant, problems = read_variant(raw, supplier.currency)
        for problem in problems:
            add(problem.message)
        if sku:
            if sku in first_line_of_sku:
                add(_("The SKU “%(sku)s” is also on line %(line)s.", sku=sku, line=first_line_of_sku[sku]))
            else:
                first_line_of_sku[sku] = line
        if code is None:
            continue
        group = groups.get(code)
        if group is None:
            spec, problems = read_product({"code": code, "title": raw["title"],
                                           "description": raw["description"],
                                           "category": raw["category"], "image_url": raw["image_url"]})
            for problem in problems:
                add(problem.message)
            group = groups[code] = _ProductGroup(code, line, sku, raw, spec, bad=spec is None)
        else:
            for column in PRODUCT_COLUMNS:
                if _conflicts(column, raw[column], group.fields[column]):
                    add(_("The %(column)s “%(value)s” differs from line %(line)s for product %(code)s. Leave it "
                          "blank or repeat it exactly.", column=column, value=raw[column].strip()[:60],
                          line=group.first_line, code=code))
        group.rows.append(_Row(line, sku, variant))
        if errors:
            group.bad = True
    return groups


def _conflicts(column: str, value: str, first: str) -> bool:
    value, first = " ".join(value.split()), " ".join(first.split())
    if column == "category":
        value, first = value.lower(), first.lower()
    return bool(value) and value != first


# Checking against the catalog, and writing -------------------------------------------------


def _existing(supplier: Supplier, groups: dict[str, _ProductGroup]):
    codes = list(groups)
    products: dict[str, SupplyProduct] = {}
    for start in range(0, len(codes), _CHUNK):
        products.update((product.code, product) for product in db.session.scalars(
            select(SupplyProduct)
            .where(SupplyProduct.supplier_id == supplier.id, SupplyProduct.code.in_(codes[start:start + _CHUNK]))
            .options(selectinload(SupplyProduct.variants))
        ))
    skus = [row.sku for group in groups.values() for row in group.rows if row.sku]
    owners: dict[str, tuple[int, str]] = {}
    for start in range(0, len(skus), _CHUNK):
        owners.update((sku, (variant_id, code)) for sku, variant_id, code in db.session.execute(
            select(SupplyVariant.sku, SupplyVariant.id, SupplyProduct.code)
            .join(SupplyVariant.product)
            .where(SupplyVariant.supplier_id == supplier.id, SupplyVariant.sku.in_(skus[start:start + _CHUNK]))
        ))
    return products, owners


def _write(supplier: Supplier, groups: dict[str, _ProductGroup], result: ImportResult) -> None:
    """Save each product whose rows are all good, inside one savepoint; if anything at all
    is wrong (here or in the rows), roll the savepoint back so nothing is written."""
    products, owners = _existing(supplier, groups)
    savepoint = db.session.begin_nested()
    try:
        for group in groups.values():
            if not group.bad:
                _save_group(supplier, group, products.get(group.code), owners, result)
    except BaseException:
        savepoint.rollback()
        raise
    if result.errors:
        savepoint.rollback()
        result.created = result.updated = result.variants_created = result.variants_updated = 0
        result.errors.sort(key=lambda error: error.line)
    else:
        savepoint.commit()


def _save_group(supplier: Supplier, group: _ProductGroup, product: SupplyProduct | None,
                owners: dict[str, tuple[int, str]], result: ImportResult) -> None:
    variants, clean = [], True
    for row in group.rows:
        owner = owners.get(row.sku)
        if owner is not None and owner[1] != group.code:
            result.errors.append(RowError(row.line, row.sku, (
                _('The SKU “%(sku)s” belongs to product %(owner)s, not %(code)s; a SKU cannot move to another product.', sku=row.sku, owner=owner[1], code=group.code))))
            clean = False
        variants.append(replace(row.variant, variant_id=owner[0] if owner else None))
    if not clean:
        return
    spec = replace(group.spec, status=product.status if product is not None else "active")
    try:
        outcome = save_product(supplier, spec, variants, product)
    except ProductInvalid as invalid:
        for problem in invalid.problems:
            row = group.rows[problem.row] if problem.row is not None else None
            result.errors.append(RowError(row.line if row else group.first_line,
                                          row.sku if row else group.first_sku, problem.message))
        return
    if outcome.created:
        result.created += 1
    else:
        result.updated += 1
    result.variants_created += outcome.variants_created
    result.variants_updated += outcome.variants_updated
