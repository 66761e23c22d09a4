"""Builders for test data. Each call makes new rows; nothing shared or mutable."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from app.accounts.services import create_user
from app.catalog.models import Supplier, SupplyProduct, SupplyVariant
from app.extensions import db
from app.orders.cart import build_cart, line_key
from app.orders.services import CustomerDetails, place_order
from app.shops.pricing import PriceRule
from app.shops.services import add_listing, create_shop
from app.tenancy import use_shop

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(email: str | None = None, *, is_admin: bool = False, verified: bool = True):
    return create_user(email or f"user{next(_seq)}@example.com", PASSWORD, is_admin=is_admin,
                       verified=verified)


def make_supplier(name: str | None = None, *, status: str = "active", currency: str = "USD"):
    supplier = Supplier(name=name or f"Supplier {next(_seq)}", status=status, currency=currency,
                        contact_email="ops@supplier.example")
    db.session.add(supplier)
    db.session.flush()
    return supplier


def make_product(supplier, *, title: str | None = None, category: str = "apparel",
                 variants: list[dict] | None = None, image_url: str = ""):
    n = next(_seq)
    product = SupplyProduct(supplier_id=supplier.id, code=f"P{n}", title=title or f"Product {n}",
                            description="Made well.", category=category, currency=supplier.currency,
                            image_url=image_url)
    for i, spec in enumerate(variants or [{}]):
        product.variants.append(SupplyVariant(
            supplier_id=supplier.id, sku=spec.get("sku", f"P{n}-{i}"),
            options=spec.get("options", {}),
            wholesale_price=spec.get("wholesale", 1000),
            min_retail_price=spec.get("min_retail", 1500),
            stock=spec.get("stock", 10),
        ))
    db.session.add(product)
    db.session.flush()
    return product


@dataclass
class Catalog:
    supplier: Supplier
    tee: SupplyProduct
    snack: SupplyProduct
    products: list = field(default_factory=list)


def make_catalog() -> Catalog:
    supplier = make_supplier()
    tee = make_product(supplier, title="Organic Cotton Tee", variants=[
        {"options": {"size": "S", "colour": "Sand"}, "wholesale": 1200, "min_retail": 1800, "stock": 5},
        {"options": {"size": "M", "colour": "Sand"}, "wholesale": 1200, "min_retail": 1800, "stock": 1},
    ])
    snack = make_product(supplier, title="Sea Salt Crisps", category="snacks",
                         variants=[{"wholesale": 250, "min_retail": 350, "stock": 100}])
    return Catalog(supplier, tee, snack, [tee, snack])


@dataclass
class ShopFixture:
    shop: object
    owner: object
    listings: list


def make_shop_with_listings(subdomain: str, catalog: Catalog, *, markup_bp: int = 5000) -> ShopFixture:
    owner = make_user(f"owner-{subdomain}@example.com")
    shop = create_shop(owner, name=subdomain.title() + " Shop", subdomain=subdomain, currency="USD",
                       bio=f"The {subdomain} shop bio.")
    with use_shop(shop.id):
        listings = [
            add_listing(shop, product.id, rule=PriceRule("markup", markup_bp),
                        title=f"{subdomain} {product.title}",
                        recommendation=f"Why {subdomain} loves it.")
            for product in catalog.products
        ]
    db.session.flush()
    return ShopFixture(shop, owner, listings)


CUSTOMER = CustomerDetails(name="Ada Shopper", email="ada@example.com", phone="+1 555 0100 200",
                           line1="1 Main Street", city="Springfield", postcode="12345", country="US")


def make_order(fixture: ShopFixture, quantities: dict | None = None):
    """Place an order in the fixture's shop: {listing: (variant, quantity)} or one of the first."""
    with use_shop(fixture.shop.id):
        if quantities is None:
            listing = fixture.listings[0]
            quantities = {listing: (listing.supply_product.variants[0], 1)}
        raw = {line_key(listing.id, variant.id): qty for listing, (variant, qty) in quantities.items()}
        order = place_order(fixture.shop, build_cart(raw, fixture.shop.currency), CUSTOMER)
        db.session.flush()
        return order


def run_job(func, *args):
    """Call a job function as the worker does: afterwards the outbox rows it committed are
    relayed (inline here: run at once, as they would be by a worker soon after)."""
    from app.jobs.outbox import relay_committed

    result = func(*args)
    relay_committed()
    return result


def scalar_unscoped(statement):
    """Read platform-wide (e-mails, ledger entries and webhook deliveries are under
    row-level security on PostgreSQL: outside a scope they show no rows)."""
    from app.tenancy import unscoped

    with unscoped():
        return db.session.scalar(statement)


def next_number() -> int:
    """A number no other builder has used in this run (for unique names)."""
    return next(_seq)


def forged(token: str) -> str:
    """`token` with one character of its signature changed for another. (Not its last
    characters: the last one of a base64 signature carries padding bits, so rewriting the
    tail could leave the signature valid, about once in 256 runs.)"""
    at = len(token) - 6
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]
