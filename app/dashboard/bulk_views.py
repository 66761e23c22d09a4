"""Bulk work on the Products page: hide, show or re-price the ticked listings (a markup is
reviewed, old and new price side by side, before it is saved), and save a new order of the
listings or of the homepage's sections, dragged into place (`app/static/bulk.js`).
The rules live in `app.shops.bulk` and `app.shops.theme_services`."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for

from app.errors import DomainError, NotFound
from app.i18n import _, ngettext
from app.shops import bulk
from app.shops import theme_services as themes
from app.shops.services import page_of
from app.unit_of_work import refuse
from app.web import flash_refusal, found, row_id, wants_json
from app.wording import counted

from .blueprint import NAV_SECTIONS, bp
from .forms import CatalogFilterForm, basis_points_to_percent, percent_to_basis_points
from .listing_views import products_url, referral_price_problem, suggested_markup

NAV_SECTIONS.update({"bulk_products": "products", "set_bulk_markup": "products", "add_from_catalog": "catalog"})


def _chosen_ids() -> list[int]:
    """The ticked listings' ids, each once (a form sent with a box named twice must not
    count its product twice in "2 products moved to places 3-4")."""
    try:
        return list(dict.fromkeys(row_id(value) for value in request.form.getlist("listing")))
    except ValueError:
        raise DomainError(_('Choose products from the list.'), field="listing") from None


@bp.post("/<shop>/products/bulk")
def bulk_products():
    """The bulk bar: Hide, Show and Move act at once; a markup goes to its review page first."""
    action = request.form.get("action")
    if action not in ("hide", "show", "move", "markup"):
        abort(400, "Choose Hide, Show, Move or a markup.")
    try:
        ids = _chosen_ids()
        if action == "markup":
            return _markup_review(ids, request.form.get("markup_percent", ""))
        if action == "move":
            return _move(ids, request.form.get("place", ""))
        listings = bulk.set_visibility(ids, visible=action == "show")
    except DomainError as error:
        flash_refusal(error)
        return redirect(products_url())
    if action == "show":
        flash(ngettext("%(num)d product is visible in your storefront.",
                       "%(num)d products are visible in your storefront.", len(listings)), "success")
    else:
        flash(ngettext("%(num)d product is hidden from your storefront.",
                       "%(num)d products are hidden from your storefront.", len(listings)), "success")
    return redirect(products_url())


def _move(ids: list[int], place_text: str):
    """Move the ticked products to a place in the shop's order, and show the page they are
    on now (the way to move products between pages)."""
    try:
        place = int(place_text.strip())
        if place < 1:
            raise ValueError
    except ValueError:
        raise DomainError(_('Say where to move them: a place in your order, from 1.'), field="place") from None
    start = bulk.move_listings(ids, place)
    flash(ngettext("%(num)d product moved to place %(place)d of your order.",
                   "%(num)d products moved to places %(place)d-%(last)d of your order.", len(ids),
                   place=start, last=start + len(ids) - 1), "success")
    return redirect(products_url(page_of(start), ids[0] if len(ids) == 1 else None))


def _markup_review(ids: list[int], markup_text: str, *, note: str | None = None):
    """The review page of a markup on the chosen listings: each one's price now and after,
    and why it is refused if it is (then nothing can be saved: 422)."""
    listings = bulk.chosen_listings(ids)  # DomainError: the caller flashes it
    try:
        basis_points = percent_to_basis_points(markup_text)
        plan = bulk.plan_markup(ids, basis_points, price_problem=referral_price_problem)
    except DomainError as error:
        refuse(error)
        return _render_review(listings, markup_text, error=error.message), 422
    return _render_review(listings, basis_points_to_percent(basis_points), plan=plan, note=note), \
        422 if plan.refused else 200


def _render_review(listings, markup_text: str, *, plan=None, error: str | None = None,
                   note: str | None = None):
    return render_template(
        "dashboard/products_markup.html", listings=listings, plan=plan, markup_text=markup_text,
        error=error, note=note, reviewed=plan.rule.markup_basis_points if plan else None,
        count_text=counted(len(listings), "product"), percent=basis_points_to_percent,
        refused_text=counted(len(plan.refused), "chosen product") if plan else "",
        from_page=request.form.get("page", 1, type=int))  # the Products page to go back to


@bp.post("/<shop>/products/bulk/markup")
def set_bulk_markup():
    """Save the reviewed markup on every chosen listing, or on none (422, with each refused
    listing's reasons). A markup edited since the review is shown for review again."""
    markup_text = request.form.get("markup_percent", "")
    try:
        ids = _chosen_ids()
        try:
            basis_points = percent_to_basis_points(markup_text)
        except DomainError:
            return _markup_review(ids, markup_text)
        if request.form.get("reviewed") != str(basis_points):
            return _markup_review(ids, markup_text,
                                  note=_('The markup changed since you reviewed it: check the new prices, then save.'))
        plan = bulk.set_markup(ids, basis_points, price_problem=referral_price_problem)
    except bulk.MarkupRefused as error:
        refuse(error)
        return _render_review([change.listing for change in error.plan.changes], markup_text,
                              plan=error.plan, error=error.message), 422
    except DomainError as error:
        flash_refusal(error)
        return redirect(products_url())
    flash(_('New prices saved: a markup of %(basis_points_to_percent)s%% on %(counted)s.', basis_points_to_percent=basis_points_to_percent(basis_points), counted=counted(len(plan.changes), 'product')), "success")
    return redirect(products_url())


# Adding from the catalog -----------------------------------------------------------------

def _catalog_filters() -> set[str]:
    """The catalog's own query keys: its filter form's fields and the page (a filter added
    to the form is kept on the way back without being named here too)."""
    return {field.name for field in CatalogFilterForm(formdata=None)} | {"page"}


@bp.post("/<shop>/catalog/add")
def add_from_catalog():
    """The catalog's "Add ticked to my shop": each ticked product at its suggested price
    (as "Add to shop" suggests it), then back to the same page of the catalog, where they
    now say "In your shop"; any that could not be added are named, with why."""
    filters = _catalog_filters()
    back = {key: value for key, value in parse_qsl(request.form.get("back", "")) if key in filters}
    back_url = url_for(".catalog") + (f"?{urlencode(back)}" if back else "")
    try:
        try:
            ids = [row_id(value) for value in request.form.getlist("product")]
        except ValueError:
            raise DomainError(_('Choose products from the list.'), field="product") from None
        added, not_added = bulk.add_from_catalog(g.shop, ids, suggested_markup, referral_price_problem)
    except DomainError as error:
        flash_refusal(error)
        return redirect(back_url)
    if added:
        flash(_('%(counted)s added to your shop at the suggested prices. Write why you recommend them, or change their prices, on Products.', counted=counted(len(added), 'product')), "success")
    for item in not_added:
        flash(_('Not added: %(title)s. %(reason)s', title=item.title, reason=item.reason), "error")
    return redirect(back_url)


# Saving a dragged order ------------------------------------------------------------------


def _answer(message: str, location: str, *, refused: DomainError | None = None):
    """bulk.js asks for JSON; a plain form post gets a flash and a redirect."""
    if refused is not None:
        refuse(refused)
    if wants_json():
        return (jsonify(error=message), 422) if refused else jsonify(saved=True, message=message)
    flash(message, "error" if refused else "success")
    return redirect(location)


@bp.post("/<shop>/products/order")
def reorder_products():
    """Save the whole new order of the shop's listings (every listing exactly once)."""
    location = products_url()
    try:
        try:
            ids = [row_id(value) for value in request.form.getlist("order")]
        except ValueError:
            raise DomainError(_('The new order names a product that is not in this shop.'), field="order") from None
        bulk.reorder_listings(ids)
    except DomainError as error:
        return _answer(error.message, location, refused=error)
    return _answer(_('New order saved: your storefront shows your products in this order.'), location)


@bp.post("/<shop>/themes/<theme>/section-order")
def reorder_theme_sections(theme: str):
    """Save the whole new order of the draft homepage's sections (every one exactly once)."""
    package = found(themes.theme_package, theme)
    location = url_for(".theme_editor", theme=package.name) + "#sections"
    try:
        themes.reorder_sections(package.name, request.form.getlist("order"))
    except NotFound:
        abort(404)
    except DomainError as error:
        return _answer(error.message, location, refused=error)
    return _answer(_('New order of sections saved in the draft. Publish to show it.'), location)
