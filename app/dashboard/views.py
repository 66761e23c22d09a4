"""The shop owner's back office: /dashboard/ and /dashboard/<shop>/...

Views parse the request, call a service, commit once, render. The pages live in:
this module (shop picker, new shop, home, settings), `listing_views` (catalog browser,
adding and managing listings), `collection_views` and `order_views`.
"""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.catalog.supplier_staff import suppliers_of
from app.errors import DomainError
from app.extensions import limiter
from app.i18n import _, current_language
from app.integrations import stripe_gateway
from app.ledger import connect
from app.orders import confirmation
from app.orders.search import OrderFilters, find_orders, order_summary
from app.shops import services as shops
from app.shops.guardrails import set_price_guardrails
from app.shops.hosts import subdomain_host
from app.shops.services import shops_of
from app.shops.theme_services import theme_customised
from app.themes.registry import theme_manifest
from app.unit_of_work import refuse
from app.web import add_error

from .blueprint import bp
from .forms import NewShopForm, SettingsForm, basis_points_to_percent

__all__ = ["bp"]


@bp.get("/")
def index():
    """Pick a shop (or open the first one)."""
    owned = shops_of(current_user)
    if len(owned) == 1:
        return redirect(url_for(".shop_home", shop=owned[0].subdomain))
    if not owned:
        # Supplier staff have a home of their own: the portal (they can still open a shop).
        if suppliers_of(current_user):
            return redirect(url_for("supplier.index"))
        return redirect(url_for(".new_shop"))
    return render_template("dashboard/shops.html", shops=owned)


@bp.route("/new", methods=["GET", "POST"])
def new_shop():
    form = NewShopForm()
    if request.method == "GET":
        form.language.data = current_language()  # a new shop speaks its owner's language
    if form.validate_on_submit():
        try:
            shop = shops.create_shop(current_user, name=form.name.data, subdomain=form.subdomain.data,
                                     currency=form.currency.data, bio=form.bio.data,
                                     language=form.language.data or None)
        except DomainError as error:
            refuse()
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            flash(_('%(name)s is open. Add your first products next.', name=shop.name), "success")
            return redirect(url_for(".shop_home", shop=shop.subdomain))
    return render_template("dashboard/new_shop.html", form=form, address_suffix=subdomain_host("")), \
        422 if form.errors else 200


@bp.get("/new/address")
@limiter.limit("120 per minute")
def check_address():
    """The new-shop form asks as the owner types: is this web address free (`subdomain`),
    or which free one does the shop's `name` give? The same rules as opening the shop."""
    typed = request.args.get("subdomain", "").strip().lower()
    if not typed:
        suggested = shops.suggest_subdomain(request.args.get("name", ""))
        if suggested is None:
            return jsonify(subdomain="", free=False, message="")
        typed = suggested
    try:
        shops.validate_subdomain(typed, suggest=False)
    except DomainError as error:
        other = shops.suggest_subdomain(typed)  # taken or reserved: a free one like it
        return jsonify(subdomain=typed, free=False, message=str(error.message), suggestion=other or "",
                       use=_('Use %(subdomain)s', subdomain=other) if other else "")
    address = subdomain_host(typed)
    return jsonify(subdomain=typed, free=True, address=address,
                   message=_('%(address)s is free.', address=address))


@bp.get("/<shop>/")
def shop_home():
    listing_count, visible_count = shops.listing_counts(g.shop.id)
    recent_orders = find_orders(OrderFilters(timezone=g.shop.timezone), per_page=5, counted=False).items
    checklist = [
        (_("Add products from the supply catalog"), listing_count > 0, url_for(".catalog")),
        (_("Make the theme yours"), theme_customised(g.shop), url_for(".themes_library")),
        (_("Share your shop"), bool(recent_orders), "#share"),  # an order came in: it was shared
    ]
    if stripe_gateway.enabled():  # else there is nothing to connect yet (Earnings says so)
        checklist.append((_("Connect a payout account to get paid"),
                          connect.status_of("shop", g.shop.id) == "active",
                          url_for(".earnings") + "#payout-account"))
    return render_template("dashboard/home.html", checklist=checklist, summary=order_summary(g.shop.timezone),
                           listing_count=listing_count, visible_count=visible_count, recent_orders=recent_orders)


@bp.route("/<shop>/settings", methods=["GET", "POST"])
def settings():
    shop = g.shop
    form = SettingsForm(obj=shop)
    if request.method == "GET":
        form.price_change_tolerance.data = basis_points_to_percent(shop.price_change_tolerance_bp)
        form.margin_floor.data = basis_points_to_percent(shop.margin_floor_bp)
    if form.validate_on_submit():
        try:
            shops.update_shop_profile(shop, name=form.name.data, bio=form.bio.data, timezone=form.timezone.data,
                                      language=form.language.data)
            set_price_guardrails(shop, tolerance=form.price_change_tolerance.data,
                                 margin_floor=form.margin_floor.data)
            confirmation.set_cod_confirmation(shop, form.cod_confirmation.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_('Settings saved.'), "success")
            return redirect(url_for(".settings"))
    return render_template("dashboard/settings.html", form=form,
                           theme_title=theme_manifest(shop.theme)["name"]), 422 if form.errors else 200


# Register the other dashboard pages on the same blueprint.
from . import (  # noqa: E402,F401
    analytics_views,
    bulk_views,
    collection_views,
    deal_views,
    discount_views,
    domain_views,
    earnings_views,
    listing_media_views,
    listing_views,
    marketing_views,
    notice_views,
    order_views,
    page_views,
    pickup_views,
    referral_views,
    shipping_views,
    theme_views,
    weekly_views,
)
