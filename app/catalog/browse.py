"""Searching the shared supply catalog for the shop owner's catalog browser.

The supply catalog has no shop_id (it is shared by every shop), so nothing here is
tenant-filtered: what a shop may see is decided by the rules below (active supplier,
active product, the shop's currency).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.db_types import contains_pattern, title_order
from app.errors import NotFound
from app.extensions import db
from app.i18n import _
from app.money import exponent
from app.pagination import window
from app.remembered import remembered

from .exchange import MILLION, convert_up, rate_between, rates
from .models import CATEGORIES, Supplier, SupplyProduct, SupplyVariant

MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class CatalogFilters:
    """What the owner searches for. Prices are wholesale, in minor units of `currency`."""

    currency: str
    text: str = ""
    category: str = ""
    supplier_id: int | None = None
    min_wholesale: int | None = None
    max_wholesale: int | None = None


@dataclass(frozen=True)
class CatalogEntry:
    """One supply product as the browser shows it: price spans and stock over its variants."""

    product: SupplyProduct
    wholesale_low: int
    wholesale_high: int
    min_retail_low: int
    min_retail_high: int
    total_stock: int

    @classmethod
    def of(cls, product: SupplyProduct, currency: str | None = None) -> CatalogEntry:
        """The product's price ranges, in `currency` (a shop's: converted up) or its own."""
        currency = currency or product.currency
        wholesale = [convert_up(v.wholesale_price, product.currency, currency) for v in product.variants] or [0]
        min_retail = [convert_up(v.min_retail_price, product.currency, currency) for v in product.variants] or [0]
        return cls(product, min(wholesale), max(wholesale), min(min_retail), max(min_retail),
                   product.total_stock)


def _priced_in(currency: str) -> list[str]:
    """The catalog currencies a shop selling in `currency` can list: its own, and those the
    admin set a rate from (app/catalog/exchange.py)."""
    return sorted({currency} | {source for (source, target) in rates() if target == currency})


def _shoppable(currency: str):
    """Products a shop selling in `currency` may list: active, from an active supplier."""
    return (
        select(SupplyProduct)
        .join(SupplyProduct.supplier)
        .where(
            Supplier.status == "active",
            SupplyProduct.status == "active",
            SupplyProduct.currency.in_(_priced_in(currency)),
        )
    )


def _wholesale_between(currency: str, low: int | None, high: int | None):
    """A variant's wholesale price lies in [low, high], both in the shop's `currency`: each
    catalog currency compares against the bounds converted back into it."""
    clauses = []
    for source in _priced_in(currency):
        # k: how many of the shop's minor units one of `source`'s is worth.
        k = Decimal(rate_between(source, currency)) / MILLION * (Decimal(10) ** (exponent(currency) - exponent(source)))

        def back(amount: int, k: Decimal = k) -> Decimal:
            return Decimal(amount) / k

        clause = SupplyProduct.currency == source
        # Costs convert rounded up: ceil(x * k) >= low <=> x > (low - 1) / k; <= high <=> x <= high / k.
        if low is not None:
            clause &= SupplyVariant.wholesale_price > int(back(low - 1).to_integral_value(ROUND_FLOOR))
        if high is not None:
            clause &= SupplyVariant.wholesale_price <= int(back(high).to_integral_value(ROUND_FLOOR))
        clauses.append(clause)
    return or_(*clauses)


def search_catalog(filters: CatalogFilters, page: int = 1, per_page: int = 24):
    """A page (app.pagination.Window) of matching supply products, by title.

    A product matches a price range when at least one of its variants' wholesale prices
    lies inside it.
    """
    query = _shoppable(filters.currency).options(
        contains_eager(SupplyProduct.supplier), selectinload(SupplyProduct.variants)
    )
    text = filters.text.strip()[:MAX_QUERY_LENGTH]
    if text:
        pattern = contains_pattern(text)
        query = query.where(or_(
            SupplyProduct.title.ilike(pattern, escape="\\"),
            SupplyProduct.description.ilike(pattern, escape="\\"),
            SupplyProduct.code.ilike(pattern, escape="\\"),
        ))
    if filters.category:
        query = query.where(SupplyProduct.category == filters.category)
    if filters.supplier_id is not None:
        query = query.where(SupplyProduct.supplier_id == filters.supplier_id)
    if filters.min_wholesale is not None or filters.max_wholesale is not None:
        in_range = (SupplyVariant.product_id == SupplyProduct.id) & _wholesale_between(
            filters.currency, filters.min_wholesale, filters.max_wholesale)
        query = query.where(exists().where(in_range))
    query = query.order_by(title_order(SupplyProduct.title, bool(text)), SupplyProduct.id)
    return window(query, page, per_page, unique=True)  # no count of the whole catalog


def catalog_suppliers(currency: str) -> list:
    """Active suppliers with at least one product a shop in `currency` can list: rows of
    (id, name), for a filter (a platform may have thousands)."""
    priced_in = _priced_in(currency)
    has_products = exists().where(
        SupplyProduct.supplier_id == Supplier.id,
        SupplyProduct.status == "active",
        SupplyProduct.currency.in_(priced_in),
    )
    # The same for every shop and request until the catalog changes (4 ms at a thousand
    # suppliers and 100,000 products): kept per process (app/remembered.py).
    return remembered("catalog_suppliers", lambda: list(db.session.execute(
        select(Supplier.id, Supplier.name).where(Supplier.status == "active", has_products)
        .order_by(Supplier.name))), parts=tuple(priced_in))


DEFAULT_CURRENCY = "USD"  # a platform whose catalog is still empty


def catalog_currencies() -> list[str]:
    """The currencies a new shop can sell in: those the supply catalog prices products in
    (a shop's currency never changes; exchange.reachable_currencies adds those a rate leads
    to). Until the catalog has a product, the platform's default."""
    # A walk of the whole catalog (24 ms at 100,000 products) for the new-shop form's few
    # currencies: kept per process until the catalog changes, as the suppliers above.
    found = remembered("catalog_currencies", lambda: list(db.session.scalars(
        select(SupplyProduct.currency).join(SupplyProduct.supplier)
        .where(Supplier.status == "active", SupplyProduct.status == "active")
        .distinct().order_by(SupplyProduct.currency))))
    return list(found) or [DEFAULT_CURRENCY]


def catalog_categories() -> tuple[str, ...]:
    return CATEGORIES


def available_product(product_id: int, currency: str) -> SupplyProduct:
    """A product a shop in `currency` can list now (the one rule of what is listable, for
    one product or a hundred), or NotFound."""
    product = available_products([product_id], currency).get(int(product_id))
    if product is None:
        raise NotFound(_('That product is not in the supply catalog.'))
    return product


def available_products(product_ids, currency: str) -> dict[int, SupplyProduct]:
    """Those of these products a shop in `currency` can list now, by id, their variants
    loaded: two statements however many (the bulk add asks for a hundred)."""
    ids = [int(product_id) for product_id in product_ids]
    products = db.session.scalars(_shoppable(currency).where(SupplyProduct.id.in_(ids))
                                  .options(selectinload(SupplyProduct.variants)))
    return {product.id: product for product in products}
