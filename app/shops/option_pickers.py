"""A product page's choice of variant: one picker per option (size, colour, ...), built from
the variants' options, instead of one flat list of variants.

The pickers cascade. A value of the first option is offered while any variant with it is in
stock; a value of a later option while a variant with it *and the values chosen before it*
is in stock. So every value left open leads to something the shopper can buy, and no value
is greyed out by a choice made after it. A value with nothing to buy is disabled and says
why: "Sold out" (that combination exists, none are left) or "Unavailable" (the supplier
does not make it).

The page still submits one variant id: a plain select of the variants (all a browser
without JavaScript shows), which themes/default/static/product.js keeps in step with the
pickers. Products whose variants cannot be told apart by their options (no options, or not
every variant naming every option) get the select only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.i18n import _

AVAILABLE, SOLD_OUT, UNAVAILABLE = "available", "sold_out", "unavailable"
LOW_STOCK = 5


@dataclass(frozen=True)
class VariantOffer:
    """One variant as the page offers it."""

    variant: object
    price: int
    stock: int  # 0 while the product is not for sale
    values: tuple[str, ...]  # its value of each option, in the pickers' order

    @property
    def id(self) -> int:
        return self.variant.id

    @property
    def stock_label(self) -> str:
        if self.stock <= 0:
            return _("Sold out")
        return _("Only %(stock)s left", stock=self.stock) if self.stock <= LOW_STOCK else _("In stock")


@dataclass(frozen=True)
class PickerValue:
    value: str
    state: str  # AVAILABLE, SOLD_OUT or UNAVAILABLE (for the choice shown first)
    checked: bool

    @property
    def disabled(self) -> bool:
        return self.state != AVAILABLE

    @property
    def note(self) -> str:
        return {SOLD_OUT: _("Sold out"), UNAVAILABLE: _("Unavailable")}.get(self.state, "")


@dataclass(frozen=True)
class Picker:
    name: str  # as the supplier wrote it: "size"
    values: tuple[PickerValue, ...]

    @property
    def label(self) -> str:
        return self.name[:1].upper() + self.name[1:]


@dataclass(frozen=True)
class VariantChoice:
    offers: tuple[VariantOffer, ...]
    default_id: int | None  # the variant chosen when the page opens (None: nothing to buy)
    pickers: tuple[Picker, ...]  # empty: the plain select only

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(picker.label for picker in self.pickers)


def _option_names(variants) -> tuple[str, ...] | None:
    """The options every variant names, in the first variant's order, when they tell the
    variants apart; else None."""
    if len(variants) < 2:
        return None
    names = tuple((variants[0].options or {}).keys())
    if not names:
        return None
    combos = set()
    for variant in variants:
        options = variant.options or {}
        if set(options) != set(names) or any(str(options[name]).strip() == "" for name in names):
            return None
        combos.add(tuple(str(options[name]) for name in names))
    return names if len(combos) == len(variants) else None


def state_of(offers: Sequence[VariantOffer], chosen: tuple[str, ...], index: int, value: str) -> str:
    """Whether `value` of option `index` can be chosen after the values chosen before it."""
    matching = [offer for offer in offers
                if offer.values[:index] == chosen[:index] and offer.values[index] == value]
    if any(offer.stock > 0 for offer in matching):
        return AVAILABLE
    return SOLD_OUT if matching else UNAVAILABLE


def variant_choice(rows, *, for_sale: bool, chosen_id: int | None = None) -> VariantChoice:
    """The page's variants (rows of app.shops.pricing.price_table: variant and price), the
    one chosen when it opens (the shopper's `chosen_id` if it is in stock, else the first in
    stock) and the pickers showing that choice."""
    variants = [row.variant for row in rows]
    names = _option_names(variants)
    offers = tuple(VariantOffer(row.variant, row.price, row.variant.stock if for_sale else 0,
                                tuple(str(row.variant.options[name]) for name in names) if names else ())
                   for row in rows)
    in_stock = [offer for offer in offers if offer.stock > 0]
    default = next((offer for offer in in_stock if offer.id == chosen_id), in_stock[0] if in_stock else None)
    if names is None:
        return VariantChoice(offers, default.id if default else None, ())
    shown = (default or offers[0]).values
    pickers = []
    for index, name in enumerate(names):
        values = list(dict.fromkeys(offer.values[index] for offer in offers))  # first-seen order
        pickers.append(Picker(name, tuple(
            PickerValue(value, state_of(offers, shown, index, value), value == shown[index])
            for value in values)))
    return VariantChoice(offers, default.id if default else None, tuple(pickers))
