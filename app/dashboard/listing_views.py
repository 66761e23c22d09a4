"""Catalog browser, adding a supply product to the shop, and managing the shop's listings."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from app.catalog import browse
from app.errors import DomainError
from app.i18n import _
from app.integrations import stripe_gateway
from app.ledger.allocation import Take
from app.ledger.services import fee_bp_for, fee_percent, take_for
from app.money import CURRENCIES
from app.referrals import services as referrals
from app.shops import listing_media
from app.shops import services as shops
from app.shops.pricing import PriceRule, check_price_rule, cost_of, floor_of, price_table
from app.web import add_error, found, row_id

from .blueprint import bp
from .forms import (
    CatalogFilterForm,
    EditListingForm,
    ListingForm,
    catalog_supplier_options,
    example_amount,
)


@bp.get("/<shop>/catalog")
def catalog():
    currency = g.shop.currency
    form = CatalogFilterForm(formdata=request.args)
    form.set_choices(browse.catalog_categories(), catalog_supplier_options(currency))
    filters = form.filters(currency)
    page = request.args.get("page", 1, type=row_id)
    results = listed = None
    if filters is not None:
        results = browse.search_catalog(filters, page=page,
                                        per_page=current_app.config["CATALOG_PAGE_SIZE"])
        listed = shops.listings_by_product(product.id for product in results.items)
    page_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "dashboard/catalog.html", form=form, results=results, listed=listed or {},
        entries=[browse.CatalogEntry.of(product, currency) for product in results.items] if results else [],
        page_args=page_args, filtered=bool(page_args),
    ), 200 if filters is not None else 422


# Pricing preview --------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    """One variant in the price table; price is None while the rule cannot be read. `take`
    is what the owner gets of one sold at that price: after the wholesale cost and the
    platform fee, as the ledger books it (`app.ledger.services.take_for`)."""

    variant: object
    price: int | None
    problem: str | None = None
    take: Take | None = None
    cost: int = 0  # wholesale and minimum retail, in the shop's currency
    floor: int = 0


def _preview_rows(rule: PriceRule | None, product) -> list[PreviewRow]:
    currency = g.shop.currency
    if rule is None:
        return [PreviewRow(variant, None, cost=cost_of(variant, currency), floor=floor_of(variant, currency))
                for variant in product.variants]
    return [PreviewRow(row.variant, row.price, row.problem, take_for(g.shop, row.price, row.cost), row.cost, row.floor)
            for row in price_table(rule, product, currency)]


def suggested_markup(product) -> PriceRule:
    """The smallest whole-percent markup that meets every variant's minimum retail price."""
    needed = 0
    for variant in product.variants:
        cost, floor = cost_of(variant, g.shop.currency), floor_of(variant, g.shop.currency)
        if cost > 0:
            needed = max(needed, -(-(floor - cost) * 10_000 // cost))
    return PriceRule("markup", markup_basis_points=-(-needed // 100) * 100)


def referral_price_problem(variant, price: int) -> str | None:
    """While the shop's referral programme runs, a price must still leave the commissions'
    worth: why `price` for `variant` does not (None when it does)."""
    return referrals.price_problem(g.shop, price, cost_of(variant, g.shop.currency), variant.label)


def _read_rule(form: ListingForm, product, *, check: bool) -> PriceRule | None:
    """The typed rule (None if unreadable); with `check`, price problems go on the field."""
    try:
        rule = form.price_rule_for(g.shop.currency)
    except DomainError as error:
        add_error(form, error)
        return None
    if check:
        try:
            check_price_rule(rule, product, g.shop.currency)
        except DomainError as error:
            add_error(form, error)
    problems = [problem for variant in product.variants
                if (problem := referral_price_problem(variant, rule.price_for(variant, g.shop.currency)))]
    if problems:
        add_error(form, DomainError(" ".join(problems),
                                    field="fixed_price" if rule.kind == "fixed" else "markup_percent"))
        return rule if check else None
    return rule


def _render_listing_form(template: str, form: ListingForm, product, rule: PriceRule | None,
                         *, previewed: bool = False, **context):
    currency = g.shop.currency
    exponent, symbol = CURRENCIES[currency]
    form.fixed_price.description = (
        _('In %(currency)s, the same for every variant. For example %(example_amount)s.', currency=currency, example_amount=example_amount(currency)))
    status = 422 if form.errors and not previewed else 200
    return render_template(
        template, form=form, product=product, rows=_preview_rows(rule, product),
        previewed=previewed, currency_exponent=exponent, currency_symbol=symbol,
        platform_fee=fee_percent(fee_bp_for(g.shop)), card_payments=stripe_gateway.enabled(), **context,
    ), status


@bp.route("/<shop>/catalog/<int:product_id>/add", methods=["GET", "POST"])
def add_listing(product_id: int):
    product = found(browse.available_product, product_id, g.shop.currency)
    existing = shops.listings_by_product([product.id]).get(product.id)
    if existing is not None:
        flash(_('This product is already in your shop. You can change it here.'), "info")
        return redirect(url_for(".edit_listing", listing_id=existing))
    form = ListingForm()
    if request.method == "GET":
        suggested = suggested_markup(product)
        form.title.data = product.title
        form.fill_rule(suggested, g.shop.currency)
        return _render_listing_form("dashboard/listing_add.html", form, product, suggested)
    if request.form.get("action") == "preview":
        rule = _read_rule(form, product, check=True)
        return _render_listing_form("dashboard/listing_add.html", form, product, rule, previewed=True)
    valid = form.validate()
    rule = _read_rule(form, product, check=False)
    if valid and rule is not None:
        try:
            listing = shops.add_listing(g.shop, product.id, rule=rule, title=form.title.data,
                                        recommendation=form.recommendation.data or "")
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_('“%(title)s” is in your shop.', title=listing.title), "success")
            return redirect(url_for(".products"))
    return _render_listing_form("dashboard/listing_add.html", form, product, rule)


# The shop's listings ---------------------------------------------------------------


def _price_span(listing) -> tuple[int, int]:
    rule = PriceRule.of(listing)
    prices = [rule.price_for(variant, g.shop.currency) for variant in listing.supply_product.variants] or [0]
    return min(prices), max(prices)


@bp.get("/<shop>/products")
def products():
    listings = shops.listings_page(request.args.get("page", 1, type=int))
    return render_template("dashboard/products.html", listings=listings,
                           spans={listing.id: _price_span(listing) for listing in listings})


def products_url(page: int | None = None, listing_id: int | None = None) -> str:
    """Back to the Products page: `page`, else the one the form was sent from (its hidden
    "page"), at the row of `listing_id` if given."""
    page = page or request.form.get("page", 1, type=int)
    return url_for(".products", page=page if page > 1 else None) + (f"#listing-{listing_id}" if listing_id else "")


@bp.route("/<shop>/products/<int:listing_id>", methods=["GET", "POST"])
def edit_listing(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    product = listing.supply_product
    if request.method == "GET":
        return render_edit_page(listing)
    form = EditListingForm(obj=listing)
    if request.form.get("action") == "preview":
        rule = _read_rule(form, product, check=True)
        return render_edit_page(listing, form, rule, previewed=True)
    valid = form.validate()
    rule = _read_rule(form, product, check=False)
    if valid and rule is not None:
        try:
            shops.update_listing(listing, title=form.title.data,
                                 recommendation=form.recommendation.data or "", rule=rule,
                                 is_visible=form.is_visible.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_('“%(title)s” saved.', title=listing.title), "success")
            return redirect(url_for(".products"))
    return render_edit_page(listing, form, rule)


def render_edit_page(listing, form: EditListingForm | None = None, rule: PriceRule | None = None, *,
                     previewed: bool = False, **context):
    """A listing's edit page: its form (as saved, or as sent) and its photos."""
    if form is None:
        form = EditListingForm(obj=listing, formdata=None)
        rule = PriceRule.of(listing)
        form.fill_rule(rule, g.shop.currency)
    photos = listing_media.listing_photos(listing.id)
    return _render_listing_form("dashboard/listing_edit.html", form, listing.supply_product, rule,
                                previewed=previewed, listing=listing, photos=photos,
                                shown_for=listing_media.variants_showing(photos, listing.supply_product.variants),
                                max_photos=listing_media.MAX_PHOTOS, **context)


def _set_visibility(listing_id: int, visible: bool):
    listing = found(shops.get_listing, listing_id)
    shops.set_listing_visibility(listing, visible)
    flash(_('“%(title)s” is %(visible)s your storefront.', title=listing.title, visible='visible in' if visible else 'hidden from'),
          "success")
    return redirect(products_url(listing_id=listing.id))


@bp.post("/<shop>/products/<int:listing_id>/hide")
def hide_listing(listing_id: int):
    return _set_visibility(listing_id, False)


@bp.post("/<shop>/products/<int:listing_id>/show")
def show_listing(listing_id: int):
    return _set_visibility(listing_id, True)


@bp.post("/<shop>/products/<int:listing_id>/move")
def move_listing(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, "Move a product up or down.")
    place = shops.move_listing(listing, direction)
    return redirect(products_url(shops.page_of(place), listing.id))


@bp.post("/<shop>/products/<int:listing_id>/remove")
def remove_listing(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    title = listing.title
    if shops.remove_listing(listing):
        flash(_('“%(title)s” was removed from your shop.', title=title), "success")
    else:
        flash(_('This listing has orders, so it was hidden instead of deleted.'), "info")
    return redirect(products_url())
