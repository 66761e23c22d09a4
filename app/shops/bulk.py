"""Changing many of a shop's listings at once: hide or show them, price them all by one
markup, put them in a new order. Every function acts for the current shop (tenancy scope).

All or nothing: a choice that names a listing the shop does not have (another shop's, one
removed since the page was drawn) changes nothing, and a markup that would price any chosen
listing illegally changes no listing at all, and says why for each one it refuses.

Adding products ticked in the supply catalog is the exception (`add_from_catalog`): each
becomes a listing of its own, and one that cannot be added as it is (it needs a price of the
owner's own) is named, with why, while the others are added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.catalog.browse import available_products
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.wording import counted

from .models import Listing
from .pricing import PriceRule, price_table
from .services import (
    list_product,
    listings_by_product,
    next_position,
    renumber,
    set_listing_price_rule,
    set_listing_visibility,
    shop_listings,
)

# A further check of one variant's new price (variant, price) -> why it is refused, or None.
# The referral programme's lives above this package, so the caller passes it in.
PriceProblem = Callable[[object, int], "str | None"]


def chosen_listings(listing_ids: Iterable[int]) -> list[Listing]:
    """The current shop's listings with these ids, in the shop's order. No id, or an id
    that is not one of this shop's listings, refuses the whole choice (DomainError)."""
    # The tenancy scope keeps another shop's rows out: their ids simply are not found. All
    # the shop's listings, then a filter: a form of a million ids is no IN list for the database.
    return _pick(shop_listings(), listing_ids)


def _pick(listings: list[Listing], listing_ids: Iterable[int]) -> list[Listing]:
    ids = {int(listing_id) for listing_id in listing_ids}
    if not ids:
        raise DomainError(_('Tick the products you want to change first.'), field="listing")
    chosen = [listing for listing in listings if listing.id in ids]
    if len(chosen) != len(ids):
        raise DomainError(_('Some of the chosen products are not in this shop (any more): nothing was changed. Reload the page and choose again.'), field="listing")
    return chosen


def set_visibility(listing_ids: Iterable[int], visible: bool) -> list[Listing]:
    """Show or hide every chosen listing in the storefront."""
    listings = chosen_listings(listing_ids)
    for listing in listings:
        set_listing_visibility(listing, visible)
    return listings


# Markup ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceChange:
    """One chosen listing under the new rule: its lowest and highest price now and after,
    and why the new rule is refused for it (empty when it is fine)."""

    listing: Listing
    old_rule: PriceRule
    old_prices: tuple[int, int]
    new_prices: tuple[int, int]
    problems: tuple[str, ...]

    @property
    def refused(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True)
class MarkupPlan:
    """What pricing the chosen listings by one markup does to each of them."""

    rule: PriceRule
    changes: list[PriceChange]

    @property
    def refused(self) -> list[PriceChange]:
        return [change for change in self.changes if change.refused]


class MarkupRefused(DomainError):
    """The markup would price some chosen listings illegally: nothing was changed."""

    def __init__(self, plan: MarkupPlan):
        refused = plan.refused
        super().__init__(f"Nothing was changed: {counted(len(refused), 'chosen product')} "
                         f"cannot take this markup.", field="markup_percent")
        self.plan = plan


def _span(rule: PriceRule, product, currency: str) -> tuple[int, int]:
    prices = [rule.price_for(variant, currency) for variant in product.variants] or [0]
    return min(prices), max(prices)


def plan_markup(listing_ids: Iterable[int], markup_basis_points: int, *,
                price_problem: PriceProblem | None = None) -> MarkupPlan:
    """Each chosen listing priced by this markup (a fixed-price listing too: it gets the
    markup rule), checked by the rules a single edit uses: no variant under its wholesale
    cost or the supplier's minimum retail price, and none refused by `price_problem`.
    Changes nothing; DomainError for a markup out of range or a bad choice."""
    rule = PriceRule("markup", markup_basis_points=markup_basis_points)
    rule.validate_shape()
    changes = []
    for listing in chosen_listings(listing_ids):
        product, currency = listing.supply_product, listing.currency
        problems = [(row.variant.label, row.problem) for row in price_table(rule, product, currency) if row.problem]
        if price_problem is not None:
            problems += [(variant.label, problem) for variant in product.variants
                         if (problem := price_problem(variant, rule.price_for(variant, currency)))]
        old_rule = PriceRule.of(listing)
        changes.append(PriceChange(listing, old_rule, _span(old_rule, product, currency), _span(rule, product, currency),
                                   _grouped(problems)))
    return MarkupPlan(rule, changes)


def _grouped(problems: list[tuple[str, str]]) -> tuple[str, ...]:
    """One line per reason, naming every variant it applies to: six sizes under the same
    minimum make one line "S, M, L, ...: $19.50 is under ...", not six."""
    labels_by_reason: dict[str, list[str]] = {}
    for label, problem in problems:
        reason = problem.removeprefix(f"{label}: ")
        labels_by_reason.setdefault(reason, []).append(label)
    return tuple(f"{', '.join(labels)}: {reason}" for reason, labels in labels_by_reason.items())


def set_markup(listing_ids: Iterable[int], markup_basis_points: int, *,
               price_problem: PriceProblem | None = None) -> MarkupPlan:
    """Price every chosen listing by this markup, or none of them: MarkupRefused (carrying
    the plan, with each refused listing's reasons) when any would be priced illegally.
    Saving approves the new prices, as a single edit does (a paused listing sells again)."""
    plan = plan_markup(listing_ids, markup_basis_points, price_problem=price_problem)
    if plan.refused:
        raise MarkupRefused(plan)
    for change in plan.changes:
        set_listing_price_rule(change.listing, plan.rule)
    return plan


# Order -----------------------------------------------------------------------------------


def reorder_listings(listing_ids: list[int]) -> list[Listing]:
    """Put these listings in this order, in the places they hold in the shop's order: the
    Products page sends the rows it shows, dragged into a new order, and the listings on its
    other pages keep their places. (Every listing of the shop: the whole new order.) Naming
    none, one twice or one the shop does not have refuses it all (DomainError): nothing moves."""
    ids = [int(listing_id) for listing_id in listing_ids]
    if not ids:
        raise DomainError(_('The new order names no product: nothing was moved.'), field="order")
    if len(set(ids)) != len(ids):
        raise DomainError(_('The new order names a product twice: nothing was moved.'), field="order")
    listings = shop_listings()
    by_id = {listing.id: listing for listing in listings}
    if any(listing_id not in by_id for listing_id in ids):
        raise DomainError(_('The new order names a product that is not in this shop: nothing was moved. Reload the page and try again.'), field="order")
    renumber(listings)
    places = sorted(by_id[listing_id].position for listing_id in ids)
    ordered = [by_id[listing_id] for listing_id in ids]
    for position, listing in zip(places, ordered, strict=True):
        listing.position = position
    db.session.flush()
    return ordered


def move_listings(listing_ids: Iterable[int], place: int) -> int:
    """Move the chosen listings, in the shop's order, together to `place` (from 1) of the
    shop's order: how an owner moves products between the Products page's pages. A place past
    the end puts them last. Returns the place the first of them has now."""
    listings = shop_listings()
    chosen = _pick(listings, listing_ids)
    moving = {listing.id for listing in chosen}
    rest = [listing for listing in listings if listing.id not in moving]
    start = min(max(int(place), 1), len(rest) + 1)
    renumber([*rest[:start - 1], *chosen, *rest[start - 1:]])
    db.session.flush()
    return start


# Adding from the catalog -----------------------------------------------------------------

# A catalog page (CATALOG_PAGE_SIZE, 24 by default) fits well within it; each product added
# is a few statements.
MOST_ADDED_AT_ONCE = 100


@dataclass(frozen=True)
class NotAdded:
    title: str
    reason: str


def add_from_catalog(shop, product_ids: Iterable[int], rule_for: Callable[[object], PriceRule],
                     price_problem: PriceProblem) -> tuple[list[Listing], list[NotAdded]]:
    """Add these supply products to the shop, in the order given, each priced by `rule_for`
    (the catalog's suggestion: the smallest markup that meets every variant's minimum retail
    price), visible and with the supplier's title, as "Add to shop" would. A product that
    left the catalog, is in the shop already or whose price the referral programme's
    commissions do not fit is not added, and said why; the rest are."""
    ids = list(dict.fromkeys(int(product_id) for product_id in product_ids))
    if not ids:
        raise DomainError(_('Tick the products you want to add first.'), field="product")
    if len(ids) > MOST_ADDED_AT_ONCE:
        raise DomainError(_('Add at most %(most)s products at once.', most=MOST_ADDED_AT_ONCE), field="product")
    listed = listings_by_product(ids)
    available = available_products(ids, shop.currency)
    position = next_position()
    added: list[Listing] = []
    not_added: list[NotAdded] = []
    for product_id in ids:
        product = available.get(product_id)
        if product is None:
            not_added.append(NotAdded(_('Product %(number)s', number=product_id),
                                      _('That product is not in the supply catalog.')))
            continue
        if product.id in listed:
            not_added.append(NotAdded(product.title, _('It is in your shop already.')))
            continue
        rule = rule_for(product)
        problems = [problem for variant in product.variants
                    if (problem := price_problem(variant, rule.price_for(variant, shop.currency)))]
        try:
            if problems:
                raise DomainError(" ".join(problems))
            added.append(list_product(shop, product, rule=rule, position=position))
            position += 1
        except DomainError as error:
            not_added.append(NotAdded(product.title, _('%(why)s Add it with a price of your own.', why=error.message)))
    return added, not_added
