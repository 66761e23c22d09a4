"""What a listing charges for each variant, and whether that price is allowed."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import DomainError
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
                raise DomainError("Enter a markup percentage.", field="markup_percent")
            if not 0 <= self.markup_basis_points <= MAX_MARKUP_BASIS_POINTS:
                raise DomainError("The markup must be between 0% and 1000%.", field="markup_percent")
        elif self.kind == "fixed":
            if not self.fixed_price or self.fixed_price <= 0:
                raise DomainError("Enter a price above zero.", field="fixed_price")
            if self.fixed_price > MAX_AMOUNT:
                raise DomainError("That price is too large.", field="fixed_price")
        else:
            raise DomainError("Choose a markup or a fixed price.", field="price_rule")

    def price_for(self, variant) -> int:
        if self.kind == "fixed":
            return self.fixed_price
        return apply_markup(variant.wholesale_price, self.markup_basis_points or 0)


@dataclass(frozen=True)
class VariantPrice:
    variant: object
    price: int
    currency: str
    problem: str | None

    @property
    def margin(self) -> int:
        return self.price - self.variant.wholesale_price


def price_table(rule: PriceRule, product) -> list[VariantPrice]:
    """Each variant's resulting price, with the reason it is refused if it is."""
    rows = []
    for variant in product.variants:
        price = rule.price_for(variant)
        problem = None
        if price < variant.wholesale_price:
            problem = (
                f"{variant.label}: {format_money(price, product.currency)} is under the wholesale "
                f"cost of {format_money(variant.wholesale_price, product.currency)}."
            )
        elif price < variant.min_retail_price:
            problem = (
                f"{variant.label}: {format_money(price, product.currency)} is under the supplier's "
                f"minimum retail price of {format_money(variant.min_retail_price, product.currency)}."
            )
        rows.append(VariantPrice(variant, price, product.currency, problem))
    return rows


def check_price_rule(rule: PriceRule, product) -> list[VariantPrice]:
    """The price table, or DomainError naming every variant priced too low."""
    rule.validate_shape()
    rows = price_table(rule, product)
    problems = [row.problem for row in rows if row.problem]
    if problems:
        field = "fixed_price" if rule.kind == "fixed" else "markup_percent"
        raise DomainError(" ".join(problems), field=field)
    return rows
