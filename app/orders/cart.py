"""The shopper's cart: raw (listing, variant, quantity) entries kept in the storefront session,
priced fresh from the database every time it is shown."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.catalog.models import SupplyVariant
from app.extensions import db
from app.i18n import _
from app.shops.browsing import as_cards
from app.shops.models import Listing
from app.shops.pricing import PriceRule

MAX_QUANTITY = 99


@dataclass
class CartLine:
    key: str
    listing: Listing
    variant: SupplyVariant
    quantity: int
    unit_price: int
    problem: str | None = None

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


@dataclass
class Cart:
    lines: list[CartLine]
    currency: str

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def problems(self) -> list[str]:
        return [line.problem for line in self.lines if line.problem]

    @property
    def is_empty(self) -> bool:
        return not self.lines


def raw_cart(session, shop_id: int) -> dict[str, int]:
    """A shop's raw cart as the storefront session keeps it ({"listing:variant": quantity}
    under "carts", by shop): the one reading of that shape (views, the page cache)."""
    carts = session.get("carts")
    cart = carts.get(str(shop_id)) if isinstance(carts, dict) else None
    return dict(cart) if isinstance(cart, dict) else {}


def save_raw_cart(session, shop_id: int, raw: dict[str, int]) -> None:
    carts = session.get("carts")
    session["carts"] = {**(carts if isinstance(carts, dict) else {}), str(shop_id): raw}


def line_key(listing_id: int, variant_id: int) -> str:
    return f"{int(listing_id)}:{int(variant_id)}"


def parse_key(key: str) -> tuple[int, int] | None:
    try:
        listing_id, variant_id = (int(part) for part in key.split(":"))
    except (ValueError, AttributeError):
        return None
    return listing_id, variant_id


def build_cart(raw: dict[str, int], currency: str) -> Cart:
    """Price the raw session cart in the current shop. Entries that no longer resolve are dropped."""
    parsed = {key: parse_key(key) for key in raw}
    listing_ids = {p[0] for p in parsed.values() if p}
    listings = {
        listing.id: listing
        for listing in db.session.scalars(
            select(Listing).where(Listing.id.in_(listing_ids)).options(*as_cards())).unique()
    } if listing_ids else {}
    lines = []
    for key, quantity in raw.items():
        ids = parsed[key]
        if ids is None or ids[0] not in listings:
            continue
        listing = listings[ids[0]]
        variant = next((v for v in listing.supply_product.variants if v.id == ids[1]), None)
        if variant is None or not listing.is_visible:
            continue
        problem = None
        if not listing.supply_product.is_available or listing.status == "paused":
            problem = _('%(title)s is no longer available.', title=listing.title)
        elif variant.stock < quantity:
            problem = (
                _('%(title)s (%(label)s): only %(stock)s left.', title=listing.title, label=variant.label, stock=variant.stock)
                if variant.stock else _('%(title)s (%(label)s) is sold out.', title=listing.title, label=variant.label)
            )
        lines.append(CartLine(key, listing, variant, int(quantity),
                              PriceRule.of(listing).price_for(variant, currency), problem))
    return Cart(lines, currency)


def add_to_cart(raw: dict[str, int], listing: Listing, variant_id, quantity) -> dict[str, int]:
    """A new raw cart with `quantity` more of one variant; validates the variant and quantity."""
    from app.errors import DomainError

    try:
        variant_id, quantity = int(variant_id), int(quantity)
    except (TypeError, ValueError):
        raise DomainError(_('Choose an option and a quantity.')) from None
    variant = next((v for v in listing.supply_product.variants if v.id == variant_id), None)
    if variant is None:
        raise DomainError(_('Choose one of the options shown.'), field="variant_id")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError(_('Choose a quantity from 1 to %(max_quantity)s.', max_quantity=MAX_QUANTITY), field="quantity")
    if listing.status == "paused":
        raise DomainError(_('Sorry, this product is unavailable right now.'), field="variant_id")
    if not listing.supply_product.is_available or variant.stock <= 0:
        raise DomainError(_('Sorry, that option is sold out.'), field="variant_id")
    key = line_key(listing.id, variant.id)
    updated = dict(raw)
    new_quantity = min(updated.get(key, 0) + quantity, MAX_QUANTITY)
    if new_quantity > variant.stock:
        raise DomainError(_('Only %(stock)s left of this option.', stock=variant.stock), field="quantity")
    updated[key] = new_quantity
    return updated


def set_quantity(raw: dict[str, int], key: str, quantity) -> dict[str, int]:
    updated = dict(raw)
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        return updated
    if key in updated:
        if quantity <= 0:
            del updated[key]
        else:
            updated[key] = min(quantity, MAX_QUANTITY)
    return updated
