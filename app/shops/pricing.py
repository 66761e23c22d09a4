"""What a listing charges for each variant, and whether that price is allowed.

Prices are in the shop's currency. A variant's wholesale cost and minimum retail price are
read in that currency too (`cost_of`, `floor_of`): its product's own prices, or converted
at the admin's exchange rate, rounded up (app/catalog/exchange.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.exchange import min_retail_in, wholesale_in
from app.errors import DomainError
from app.i18n import _
from app.money import MAX_AMOUNT, apply_markup, format_money

MAX_MARKUP_BASIS_POINTS = 100_000  # 1000 %: past this it is a typo, not a price


@dataclass(frozen=True)
class PriceRule:
    kind: str  # "markup" or "fixed"
    markup_basis_points: int | None = None
    fixed_price: int | None = None

    @classmethod
    def of(cls, listing) -> PriceRule:
        return cls(listing.price_rule, listing.markup_basis_points, listing.fixed_price)

    def validate_shape(self) -> None:
        if self.kind == "markup":
            if self.markup_basis_points is None:
                raise DomainError(_('Enter a markup percentage.'), field="markup_percent")
            if not 0 <= self.markup_basis_points <= MAX_MARKUP_BASIS_POINTS:
                raise DomainError(_('The markup must be between 0% and 1000%.'), field="markup_percent")
        elif self.kind == "fixed":
            if not self.fixed_price or self.fixed_price <= 0:
                raise DomainError(_('Enter a price above zero.'), field="fixed_price")
            if self.fixed_price > MAX_AMOUNT:
                raise DomainError(_('That price is too large.'), field="fixed_price")
        else:
            raise DomainError(_('Choose a markup or a fixed price.'), field="price_rule")

    def price_for(self, variant, currency: str) -> int:
        """The variant's price in `currency`, the shop's."""
        if self.kind == "fixed":
            return self.fixed_price
        return apply_markup(cost_of(variant, currency), self.markup_basis_points or 0)


def listing_prices(listing) -> dict[str, int]:
    """{variant id (str): price} under the listing's rule and today's wholesale prices: what
    the owner approves by saving the rule, and what the guardrails compare a sync against."""
    rule, currency = PriceRule.of(listing), listing.currency
    return {str(variant.id): rule.price_for(variant, currency) for variant in listing.supply_product.variants}


def cost_of(variant, currency: str) -> int:
    """What the shop pays the supplier for one, in the shop's currency."""
    return wholesale_in(variant, currency)


def floor_of(variant, currency: str) -> int:
    """The least the shop may charge for one, in the shop's currency."""
    return min_retail_in(variant, currency)


@dataclass(frozen=True)
class VariantPrice:
    variant: object
    price: int
    currency: str
    problem: str | None
    cost: int = 0  # the variant's wholesale cost, in `currency`
    floor: int = 0  # its minimum retail price, in `currency`

    @property
    def margin(self) -> int:
        return self.price - self.cost


def price_table(rule: PriceRule, product, currency: str) -> list[VariantPrice]:
    """Each variant's resulting price in `currency` (the shop's), with the reason it is
    refused if it is."""
    rows = []
    for variant in product.variants:
        price = rule.price_for(variant, currency)
        cost, floor = cost_of(variant, currency), floor_of(variant, currency)
        problem = None
        if price < cost:
            problem = _("%(option)s: %(price)s is under the wholesale cost of %(cost)s.", option=variant.label,
                        price=format_money(price, currency), cost=format_money(cost, currency))
        elif price < floor:
            problem = _("%(option)s: %(price)s is under the supplier’s minimum retail price of %(floor)s.",
                        option=variant.label, price=format_money(price, currency), floor=format_money(floor, currency))
        rows.append(VariantPrice(variant, price, currency, problem, cost, floor))
    return rows


def check_price_rule(rule: PriceRule, product, currency: str) -> list[VariantPrice]:
    """The price table, or DomainError naming every variant priced too low."""
    rule.validate_shape()
    rows = price_table(rule, product, currency)
    problems = [row.problem for row in rows if row.problem]
    if problems:
        field = "fixed_price" if rule.kind == "fixed" else "markup_percent"
        raise DomainError(" ".join(problems), field=field)
    return rows
