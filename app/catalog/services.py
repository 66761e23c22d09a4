"""Onboarding the supply catalog: suppliers, their products and variants.

The rules for a product live here once, for the admin's product form and for the CSV
import alike: `read_product` and `read_variant` turn typed-in text into checked values
(collecting every problem, not only the first), and `save_product` applies the rules that
need the database (unique product code and SKUs per supplier) before it writes anything.
Services flush; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.accounts.services import normalise_email
from app.db_types import contains_pattern, title_order
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import LANGUAGES, _, format_number
from app.i18n import lazy_gettext as _l
from app.money import CURRENCIES, MAX_AMOUNT, AmountTooLarge, MoneyError, parse_amount
from app.pagination import window
from app.remembered import remembered

from .models import (
    CATEGORIES,
    PRODUCT_STATUSES,
    SUPPLIER_STATUSES,
    Supplier,
    SupplyProduct,
    SupplyVariant,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,79}$")
THOUSANDS_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
# What an image URL may not contain: whitespace (str.isspace, as \s is for str patterns),
# control characters, quotes, angle brackets, backslashes.
URL_FORBIDDEN_RE = re.compile(r'[\s\x00-\x1f"<>\\]')
# The usual image URL (a plain host name): accepted without urlsplit, a third of the cost of
# checking a feed row. Anything else (user info, IP literals, odd hosts) goes the long way.
PLAIN_WEB_URL_RE = re.compile(r"(?i)https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?(?:[/?#]|\Z)")
CODE_RULE = _l("Use letters, digits and . _ / - (no spaces), up to 80 characters.")
MAX_DESCRIPTION = 5000
MAX_OPTIONS = 5
MAX_STOCK = 1_000_000
MAX_PRICE = MAX_AMOUNT  # minor units; keeps every amount inside a 32-bit integer column


# Suppliers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierDetails:
    name: str
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    currency: str = "USD"
    status: str = "pending"
    language: str = "en"


def _clean_supplier(details: SupplierDetails, supplier: Supplier | None) -> SupplierDetails:
    name = " ".join((details.name or "").split())
    if not 2 <= len(name) <= 120:
        raise DomainError(_('Give the supplier a name of 2 to 120 characters.'), field="name")
    taken = select(Supplier.id).where(func.lower(Supplier.name) == name.lower())
    if supplier is not None:
        taken = taken.where(Supplier.id != supplier.id)
    if db.session.scalar(taken) is not None:
        raise DomainError(_('A supplier called “%(name)s” already exists.', name=name), field="name")
    contact_name = (details.contact_name or "").strip()
    if len(contact_name) > 120:
        raise DomainError(_('Keep the contact name under 120 characters.'), field="contact_name")
    email = (details.contact_email or "").strip()
    if email:
        try:
            email = normalise_email(email)
        except DomainError as error:
            raise DomainError(error.message, field="contact_email") from None
    phone = (details.contact_phone or "").strip()
    if len(phone) > 40:
        raise DomainError(_('Keep the phone number under 40 characters.'), field="contact_phone")
    if details.currency not in CURRENCIES:
        raise DomainError(_('Choose one of the listed currencies.'), field="currency")
    if supplier is not None and details.currency != supplier.currency and has_products(supplier):
        raise DomainError(
            _('The currency stays %(currency)s: this supplier already has products priced in it.', currency=supplier.currency),
            field="currency",
        )
    if details.status not in SUPPLIER_STATUSES:
        raise DomainError(_('Choose one of the listed statuses.'), field="status")
    if details.language not in LANGUAGES:
        raise DomainError(_("Choose one of the listed languages."), field="language")
    return SupplierDetails(name, contact_name, email, phone, details.currency, details.status, details.language)


def create_supplier(details: SupplierDetails) -> Supplier:
    """A new supplier. The name is unique (ignoring case)."""
    clean = _clean_supplier(details, None)
    supplier = Supplier(
        name=clean.name, contact_name=clean.contact_name, contact_email=clean.contact_email,
        contact_phone=clean.contact_phone, currency=clean.currency, status=clean.status,
        language=clean.language,
    )
    db.session.add(supplier)
    db.session.flush()
    return supplier


def update_supplier(supplier: Supplier, details: SupplierDetails) -> Supplier:
    """Change a supplier's details. Its currency is fixed once it has products."""
    clean = _clean_supplier(details, supplier)
    supplier.name, supplier.contact_name = clean.name, clean.contact_name
    supplier.contact_email, supplier.contact_phone = clean.contact_email, clean.contact_phone
    supplier.currency, supplier.status, supplier.language = clean.currency, clean.status, clean.language
    db.session.flush()
    return supplier


def get_supplier(supplier_id) -> Supplier:
    supplier = db.session.get(Supplier, _as_id(supplier_id))
    if supplier is None:
        raise NotFound(_('No such supplier.'))
    return supplier


def has_products(supplier: Supplier) -> bool:
    return db.session.scalar(
        select(SupplyProduct.id).where(SupplyProduct.supplier_id == supplier.id).limit(1)
    ) is not None


SUPPLIERS_PER_PAGE = 50


def search_suppliers(text: str = "", page: int = 1, per_page: int | None = None):
    """A page of suppliers, by name, whose name, contact or contact e-mail contains `text`:
    the admin's supplier and feed lists (a platform may have thousands; all at once took
    50-60 ms and 360 KB at a thousand)."""
    per_page = per_page or SUPPLIERS_PER_PAGE
    query = select(Supplier).order_by(func.lower(Supplier.name), Supplier.id)
    text = (text or "").strip()
    if text:
        pattern = contains_pattern(text)
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            Supplier.name, Supplier.contact_name, Supplier.contact_email))))
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def product_counts(supplier_ids: Sequence[int]) -> dict[int, int]:
    """{supplier id: its number of products} for these suppliers (those with none left out)."""
    if not supplier_ids:
        return {}
    return dict(db.session.execute(
        select(SupplyProduct.supplier_id, func.count(SupplyProduct.id))
        .where(SupplyProduct.supplier_id.in_(supplier_ids)).group_by(SupplyProduct.supplier_id)).all())


def supplier_products(supplier: Supplier, page: int = 1, per_page: int = 25):
    """A page of the supplier's products (by code), variants loaded."""
    query = (
        select(SupplyProduct).where(SupplyProduct.supplier_id == supplier.id)
        .options(selectinload(SupplyProduct.variants))
        .order_by(SupplyProduct.code, SupplyProduct.id)
    )
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def get_product(supplier: Supplier, product_id) -> SupplyProduct:
    """One of this supplier's products (NotFound for another supplier's)."""
    product = db.session.scalar(
        select(SupplyProduct)
        .where(SupplyProduct.id == _as_id(product_id), SupplyProduct.supplier_id == supplier.id)
        .options(selectinload(SupplyProduct.variants))
    )
    if product is None:
        raise NotFound(_('No such product for this supplier.'))
    return product


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(_('No such row.')) from None


# Reading typed-in product data ---------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: the field, and the variant row (an index into the
    variants given) when it is about a variant."""

    field: str
    message: str
    row: int | None = None


class ProductInvalid(DomainError):
    """A product or its variants break the rules; `problems` lists every one found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(self.problems[0].message if self.problems else "Invalid product.",
                         field=self.problems[0].field if self.problems else None)


@dataclass(frozen=True)
class ProductSpec:
    code: str
    title: str
    description: str
    category: str
    image_url: str = ""
    status: str = "active"


@dataclass(frozen=True)
class VariantSpec:
    """A variant to create, or (with `variant_id`) new values for an existing one."""

    sku: str
    options: dict[str, str]
    wholesale_price: int
    min_retail_price: int
    stock: int
    variant_id: int | None = None


def clean_code(text: str | None, what: str = "product code") -> str:
    code = (text or "").strip()
    if not code:
        raise DomainError(_('The %(what)s is missing.', what=what))
    if not CODE_RE.match(code):
        raise DomainError(_('“%(code)s” is not a valid %(what)s. %(code_rule)s', code=code[:90], what=what, code_rule=CODE_RULE))
    return code


def clean_title(text: str | None) -> str:
    title = " ".join((text or "").split())
    if not title:
        raise DomainError(_('The title is missing.'))
    if not 2 <= len(title) <= 200:
        raise DomainError(_('The title needs 2 to 200 characters.'))
    return title


def clean_category(text: str | None) -> str:
    category = (text or "").strip().lower()
    if not category:
        raise DomainError(_('The category is missing.'))
    if category not in CATEGORIES:
        raise DomainError(_('Unknown category “%(category)s”; use one of: %(categories)s.', category=category[:40], categories=', '.join(CATEGORIES)))
    return category


def clean_image_url(text: str | None) -> str:
    """An http(s) URL or a path under /static/ (or nothing)."""
    url = (text or "").strip()
    if not url:
        return ""
    if len(url) > 500:
        raise DomainError(_('The image URL is longer than 500 characters.'))
    if not URL_FORBIDDEN_RE.search(url):
        if PLAIN_WEB_URL_RE.match(url):
            return url
        if url.startswith("/static/"):
            if ".." not in url.split("?")[0].split("/"):
                return url
        else:
            parts = urlsplit(url)
            if parts.scheme.lower() in ("http", "https") and parts.hostname:
                return url
    # Worded only now: a sync checks 100,000s of good URLs, and a translation costs more than a check.
    raise DomainError(_('“%(url)s” is not an image URL: use an http:// or https:// address or a path starting with /static/.', url=url[:90]))


def parse_options(text: str | None) -> dict[str, str]:
    """ "size=M; colour=Red" -> {"size": "M", "colour": "Red"}; blank -> {}."""
    return dict(_parse_options(text or ""))


# A feed repeats the same few option texts, prices and stocks row after row (a sync checks
# 100,000s of rows): these pure readings are cached; a DomainError is not, and is raised again.
@lru_cache(maxsize=8192)
def _parse_options(text: str) -> tuple[tuple[str, str], ...]:
    options: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value or "=" in value:
            raise DomainError(_('Options are written like “size=M; colour=Red”; “%(part)s” is not.', part=part[:60]))
        if len(name) > 40 or len(value) > 80:
            raise DomainError(_('Keep option names under 40 and values under 80 characters.'))
        if name.lower() in (existing.lower() for existing in options):
            raise DomainError(_('The option “%(name)s” is given twice.', name=name))
        options[name] = value
    if len(options) > MAX_OPTIONS:
        raise DomainError(_('A variant can have at most %(max_options)s options.', max_options=MAX_OPTIONS))
    return tuple(options.items())


def format_options(options: Mapping[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in options.items())


@lru_cache(maxsize=65536)
def parse_price(text: str | None, currency: str, label: str) -> int:
    """A price in major units ("12.50") as minor units of `currency`."""
    raw = (text or "").strip()
    if not raw:
        raise DomainError(_('The %(label)s is missing.', label=label))
    if "," in raw and not THOUSANDS_RE.match(raw):
        # "12,50" would otherwise be read as 1250: a decimal comma must not pass silently.
        raise DomainError(_('The %(label)s “%(raw)s” has a comma; write decimals with a dot, like 12.50.', label=label, raw=raw[:30]))
    try:
        amount = parse_amount(raw, currency)
    except AmountTooLarge:
        raise DomainError(_('The %(label)s is too large.', label=label)) from None
    except MoneyError as error:
        if "negative" in str(error):
            raise DomainError(_('The %(label)s cannot be negative.', label=label)) from None
        if "decimal places" in str(error):
            raise DomainError(_('The %(label)s “%(raw)s” has too many decimal places for %(currency)s.', label=label, raw=raw[:30], currency=currency)) from None
        raise DomainError(_('The %(label)s “%(raw)s” is not a price; write it like 12.50.', label=label, raw=raw[:30])) from None
    if amount > MAX_PRICE:
        raise DomainError(_('The %(label)s is too large.', label=label))
    return amount


@lru_cache(maxsize=8192)
def parse_stock(text: str | None) -> int:
    raw = (text or "").strip()
    if not raw:
        raise DomainError(_('The stock is missing.'))
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise DomainError(_('The stock “%(raw)s” is not a whole number.', raw=raw[:30]))
    stock = int(raw)
    if stock < 0:
        raise DomainError(_('The stock cannot be negative.'))
    if stock > MAX_STOCK:
        raise DomainError(_('The stock cannot be more than %(max_stock)s.', max_stock=format_number(MAX_STOCK)))
    return stock


def _attempt(problems: list[Problem], field_name: str, check, *args, row: int | None = None):
    try:
        return check(*args)
    except DomainError as error:
        problems.append(Problem(field_name, error.message, row))
        return None


def read_product(raw: Mapping[str, str | None]) -> tuple[ProductSpec | None, list[Problem]]:
    """Product fields as typed (code, title, description, category, image_url, status)."""
    problems: list[Problem] = []
    code = _attempt(problems, "code", clean_code, raw.get("code"))
    title = _attempt(problems, "title", clean_title, raw.get("title"))
    description = (raw.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(Problem("description", _('Keep the description under %(max_description)s characters.', max_description=MAX_DESCRIPTION)))
    category = _attempt(problems, "category", clean_category, raw.get("category"))
    image_url = _attempt(problems, "image_url", clean_image_url, raw.get("image_url"))
    status = (raw.get("status") or "active").strip()
    if status not in PRODUCT_STATUSES:
        problems.append(Problem("status", _('Choose one of the listed statuses.')))
    if problems:
        return None, problems
    return ProductSpec(code, title, description, category, image_url, status), []


def read_variant(raw: Mapping[str, str | None], currency: str, row: int | None = None,
                 variant_id: int | None = None) -> tuple[VariantSpec | None, list[Problem]]:
    """One variant row as typed: sku, options, wholesale_price, min_retail_price, stock."""
    problems: list[Problem] = []
    sku = _attempt(problems, "sku", clean_code, raw.get("sku"), "SKU", row=row)
    options = _attempt(problems, "options", parse_options, raw.get("options"), row=row)
    wholesale = _attempt(problems, "wholesale_price", parse_price, raw.get("wholesale_price"),
                         currency, "wholesale price", row=row)
    min_retail = _attempt(problems, "min_retail_price", parse_price, raw.get("min_retail_price"),
                          currency, "minimum retail price", row=row)
    stock = _attempt(problems, "stock", parse_stock, raw.get("stock"), row=row)
    if wholesale is not None and min_retail is not None and min_retail < wholesale:
        problems.append(Problem("min_retail_price",
                                _('The minimum retail price is below the wholesale price.'), row))
    if problems:
        return None, problems
    return VariantSpec(sku, options, wholesale, min_retail, stock, variant_id), []


# Writing products ------------------------------------------------------------------------


@dataclass
class SaveOutcome:
    product: SupplyProduct
    created: bool
    variants_created: int = 0
    variants_updated: int = 0


def _check_product(supplier: Supplier, spec: ProductSpec, variants: Sequence[VariantSpec],
                   product: SupplyProduct | None) -> list[Problem]:
    problems: list[Problem] = []
    same_code = select(SupplyProduct.id).where(
        SupplyProduct.supplier_id == supplier.id, SupplyProduct.code == spec.code)
    if product is not None:
        same_code = same_code.where(SupplyProduct.id != product.id)
    if db.session.scalar(same_code) is not None:
        problems.append(Problem("code", _('%(name)s already has a product with the code “%(code)s”.', name=supplier.name, code=spec.code)))

    existing = {variant.id: variant for variant in (product.variants if product else [])}
    if product is None and not variants:
        problems.append(Problem("variants", _('Add at least one variant (a SKU with its prices and stock).')))
    first_row_of_sku: dict[str, int] = {}
    for row, variant in enumerate(variants):
        if variant.variant_id is not None and variant.variant_id not in existing:
            problems.append(Problem("sku", _('This variant does not belong to the product.'), row))
        if variant.sku in first_row_of_sku:
            problems.append(Problem("sku", _('The SKU “%(sku)s” is given twice.', sku=variant.sku), row))
        else:
            first_row_of_sku[variant.sku] = row
        if variant.min_retail_price < variant.wholesale_price:
            problems.append(Problem("min_retail_price",
                                    _('The minimum retail price is below the wholesale price.'), row))
    problems += _sku_clashes(supplier, variants)
    problems += _option_clashes(variants, existing)
    return problems


def _sku_clashes(supplier: Supplier, variants: Sequence[VariantSpec]) -> list[Problem]:
    """SKUs already used by another variant of the supplier (not the one being updated)."""
    problems = []
    skus = [variant.sku for variant in variants]
    owners: dict[str, tuple[int, str]] = {}
    for start in range(0, len(skus), 500):
        rows = db.session.execute(
            select(SupplyVariant.sku, SupplyVariant.id, SupplyProduct.code)
            .join(SupplyVariant.product)
            .where(SupplyVariant.supplier_id == supplier.id, SupplyVariant.sku.in_(skus[start:start + 500]))
        )
        owners.update({sku: (variant_id, code) for sku, variant_id, code in rows})
    for row, variant in enumerate(variants):
        owner = owners.get(variant.sku)
        if owner is not None and owner[0] != variant.variant_id:
            problems.append(Problem(
                "sku", _('The SKU “%(sku)s” is already used by product “%(owner)s”.', sku=variant.sku, owner=owner[1]), row))
    return problems


def _option_clashes(variants: Sequence[VariantSpec], existing: dict[int, SupplyVariant]) -> list[Problem]:
    """Two variants of one product with the same options could not be told apart."""
    problems = []
    updated = {variant.variant_id for variant in variants if variant.variant_id is not None}
    seen = {_options_key(v.options) for vid, v in existing.items() if vid not in updated}
    for row, variant in enumerate(variants):
        key = _options_key(variant.options)
        if key in seen:
            label = format_options(variant.options) or _('no options')
            problems.append(Problem("options", _('Another variant of this product has the same options (%(label)s).', label=label), row))
        seen.add(key)
    return problems


def _options_key(options: Mapping[str, str]) -> tuple:
    return _options_items_key(tuple(options.items()))


@lru_cache(maxsize=8192)  # (a feed repeats its few option sets row after row)
def _options_items_key(items: tuple[tuple[str, str], ...]) -> tuple:
    return tuple(sorted((name.lower(), value.lower()) for name, value in items))


def save_product(supplier: Supplier, spec: ProductSpec, variants: Sequence[VariantSpec],
                 product: SupplyProduct | None = None) -> SaveOutcome:
    """Create a product of `supplier` (product=None) or update one, with its variants.

    Variants with a `variant_id` update that variant of the product; the others are added.
    Existing variants not mentioned are left as they are (order lines point at them).
    Every rule is checked before anything is written: ProductInvalid lists all problems.
    """
    if product is not None and product.supplier_id != supplier.id:
        raise NotFound(_('No such product for this supplier.'))
    problems = _check_product(supplier, spec, variants, product)
    if problems:
        raise ProductInvalid(problems)
    created = product is None
    if product is None:
        product = SupplyProduct(supplier_id=supplier.id, currency=supplier.currency, code=spec.code)
        db.session.add(product)
    product.code, product.title, product.description = spec.code, spec.title, spec.description
    product.category, product.image_url, product.status = spec.category, spec.image_url, spec.status
    outcome = SaveOutcome(product, created)
    existing = {variant.id: variant for variant in product.variants}
    for variant_spec in variants:
        target = existing.get(variant_spec.variant_id) if variant_spec.variant_id else None
        if target is None:
            target = SupplyVariant(supplier_id=supplier.id)
            product.variants.append(target)
            outcome.variants_created += 1
        else:
            outcome.variants_updated += 1
        target.sku, target.options = variant_spec.sku, dict(variant_spec.options)
        target.wholesale_price = variant_spec.wholesale_price
        target.min_retail_price = variant_spec.min_retail_price
        target.stock = variant_spec.stock
    db.session.flush()
    return outcome


_SKU_MATCHES_BY_ID = 500  # more than this (a common SKU prefix): one subquery instead


def find_products(*, text: str = "", supplier_id: int | None = None, category: str = "",
                  status: str = "", page: int = 1, per_page: int = 50):
    """A page of products of every supplier (admin), by title, with supplier and variants."""
    query = (
        select(SupplyProduct).join(SupplyProduct.supplier)
        .options(contains_eager(SupplyProduct.supplier), selectinload(SupplyProduct.variants))
    )
    text = (text or "").strip()[:100]
    query = query.order_by(title_order(SupplyProduct.title, bool(text)), SupplyProduct.id)
    if text:
        pattern = contains_pattern(text)
        # Products with a matching SKU, found through the SKUs' trigram index. When few, they
        # are looked up first and named by id: the planner then ORs three index scans, where
        # `id IN (subquery)` made it read every product (39 ms -> 9 ms at 100,000 products).
        skus = select(SupplyVariant.product_id).where(SupplyVariant.sku.ilike(pattern, escape="\\"))
        if len(text) >= 3:  # what a trigram index can use
            found = set(db.session.scalars(skus.distinct().limit(_SKU_MATCHES_BY_ID + 1)))
            if len(found) <= _SKU_MATCHES_BY_ID:
                skus = sorted(found)
        query = query.where(or_(SupplyProduct.title.ilike(pattern, escape="\\"),
                                SupplyProduct.code.ilike(pattern, escape="\\"), SupplyProduct.id.in_(skus)))
    if supplier_id is not None:
        query = query.where(SupplyProduct.supplier_id == supplier_id)
    if category:
        query = query.where(SupplyProduct.category == category)
    if status:
        query = query.where(SupplyProduct.status == status)
    return window(query, page, per_page, unique=True)  # no count of every product


def supplier_names() -> list:
    """Rows of (id, name) of every supplier, by name, for a filter: kept per process until
    the catalog changes (app/remembered.py), as a platform may have thousands."""
    return remembered("supplier_names", lambda: list(db.session.execute(
        select(Supplier.id, Supplier.name).order_by(func.lower(Supplier.name), Supplier.id))))
