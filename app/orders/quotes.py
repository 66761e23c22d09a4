"""What an order will cost before it is placed: the goods, a discount code's part of each
line, shipping, and the total the shopper pays (goods - discount + shipping).

Checkout shows a quote; placing the order books the same quote (and a card payment charges
exactly its total), so what the shopper saw is what is paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.errors import DomainError
from app.shops.pricing import cost_of, floor_of

from .cart import Cart
from .discounts import AppliedCode, PricedLine, apply_code
from .shipping import ShippingCharge, charge_for, shipping_zones


@dataclass
class Quote:
    currency: str
    subtotal: int  # the goods at their prices
    discount: AppliedCode | None = None  # None: no code typed
    line_discounts: list[int] = field(default_factory=list)  # in the cart's line order
    shipping: ShippingCharge = field(default_factory=ShippingCharge)

    @property
    def shipping_total(self) -> int:
        return self.shipping.amount

    @property
    def shipping_label(self) -> str:
        """What the charge is for ("Shipping to Germany")."""
        return self.shipping.label

    @property
    def discount_total(self) -> int:
        return sum(self.line_discounts)

    @property
    def discount_code(self) -> str:
        return self.discount.code.code if self.discount_total else ""

    @property
    def goods_total(self) -> int:
        """What the shopper pays for the goods: the base of a promoter's commission."""
        return self.subtotal - self.discount_total

    @property
    def total(self) -> int:
        return self.subtotal - self.discount_total + self.shipping_total

    def refuse_if_not_placeable(self) -> None:
        """DomainError (naming the field) when the shop does not ship there, or a typed code
        does not apply."""
        if self.shipping.refusal:
            raise DomainError(self.shipping.refusal, field="country")
        if self.discount is not None and self.discount.refusal:
            raise DomainError(self.discount.refusal, field="discount_code")


def priced_lines(cart: Cart) -> list[PricedLine]:
    return [PricedLine(line.unit_price, line.quantity, cost_of(line.variant, cart.currency),
                       floor_of(line.variant, cart.currency)) for line in cart.lines]


def quote_order(shop, cart: Cart, *, country: str = "", pickup: bool = False, code: str = "", email: str = "",
                now: datetime | None = None, zones=None) -> Quote:
    """The quote of `cart` in the current shop, delivered to `country` (or collected at a
    pickup point: `pickup`), with the discount code `code` (optional, case-insensitive); `email` lets
    a once-per-shopper code be refused to a shopper who used it. `zones`: the shop's
    shipping zones, when the caller has them already."""
    quote = Quote(cart.currency, cart.subtotal, line_discounts=[0] * len(cart.lines))
    if (code or "").strip():
        quote.discount = apply_code(shop, code, priced_lines(cart), email=email, now=now)
        if not quote.discount.refusal:
            quote.line_discounts = list(quote.discount.parts)
    quote.shipping = charge_for(shop, country, quote.goods_total, pickup=pickup, zones=zones)  # (read if needed)
    return quote


def quotes_by_country(shop, cart: Cart, countries: list[str], *, code: str = "", email: str = "",
                      zones=None) -> dict[str, Quote]:
    """The cart's quote for each country, and for a pickup ("pickup"): what checkout's page
    switches between as the shopper chooses (the code is checked once). `zones`: the shop's
    shipping zones, when the caller has them already."""
    base = quote_order(shop, cart, code=code, email=email, pickup=True)
    zones = shipping_zones() if zones is None else zones
    quotes = {"pickup": base}
    for country in countries:
        quotes[country] = Quote(base.currency, base.subtotal, base.discount, base.line_discounts,
                                charge_for(shop, country, base.goods_total, zones=zones))
    return quotes
