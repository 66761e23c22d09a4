"""The owner's group buys (group price per option, group size, time limit, groups at once;
pause or resume) and pre-sales (price, minimum, closing and ship-by dates; close early) on a
listing, with their runs and what happened."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.db_types import utcnow
from app.deals import services as deals
from app.errors import DomainError
from app.i18n import _
from app.money import to_major
from app.referrals import services as referrals
from app.shops import services as shops
from app.unit_of_work import refuse
from app.web import flash_refusal, found

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"group_buy": "products", "group_buy_status": "products", "presale": "products",
                     "close_presale": "products"})


def _page(listing, deal, values: dict, errors: dict, status: int = 200):
    return render_template("dashboard/group_buy.html", listing=listing, deal=deal, values=values,
                           errors=errors, rounds=deals.rounds_of(deal) if deal else [],
                           events=deals.events_of(deal) if deal else []), status


@bp.route("/<shop>/products/<int:listing_id>/group-buy", methods=["GET", "POST"])
def group_buy(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    deal = deals.deal_of_listing(listing.id)
    if request.method == "GET":
        values = {"group_size": deal.group_size if deal else 3,
                  "time_limit_hours": deal.time_limit_minutes // 60 if deal else 24,
                  "max_open_groups": deal.max_open_groups if deal else 5}
        if deal:
            currency = listing.currency
            values.update({f"price_{v}": str(to_major(p, currency)) for v, p in deal.prices.items()})
        return _page(listing, deal, values, {})
    values = request.form.to_dict()
    try:
        saved = deals.save_group_buy(
            listing, prices={v.id: request.form.get(f"price_{v.id}", "") for v in listing.supply_product.variants},
            group_size=values.get("group_size"), time_limit_hours=values.get("time_limit_hours"),
            max_open_groups=values.get("max_open_groups"))
        referrals.check_deal_prices(g.shop, listing, saved.prices)
    except DomainError as error:
        refuse(error)
        return _page(listing, deal, values, {error.field or "form": error.message}, 422)
    flash(_('Group buy saved: shoppers can start groups on the product page.') if deal is None
          else _('Group buy saved. Groups already running keep their size and deadline.'), "success")
    return redirect(url_for(".group_buy", listing_id=saved.listing_id))


@bp.post("/<shop>/products/<int:listing_id>/group-buy/<action>")
def group_buy_status(listing_id: int, action: str):
    if action not in ("pause", "resume"):
        abort(404)
    listing = found(shops.get_listing, listing_id)
    deal = deals.deal_of_listing(listing.id)
    if deal is None:
        abort(404)
    try:
        deals.set_deal_status(deal, "paused" if action == "pause" else "active")
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_('Group buy paused: no new groups or members; running groups still close at their deadline.')
              if action == "pause" else _('Group buy running again.'), "success")
    return redirect(url_for(".group_buy", listing_id=listing.id))


def _presale_page(listing, deal, values: dict, errors: dict, status: int = 200):
    run = deals.current_run(deal) if deal else None
    return render_template("dashboard/presale.html", listing=listing, deal=deal, run=run, values=values,
                           errors=errors, runs=deals.rounds_of(deal) if deal else [],
                           orders=deals.orders_of_run(run) if run else [],
                           production=deals.production_orders_of(run) if run else [],
                           events=deals.events_of(deal) if deal else []), status


@bp.route("/<shop>/products/<int:listing_id>/pre-sale", methods=["GET", "POST"])
def presale(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    deal = deals.presale_of_listing(listing.id)
    if request.method == "GET":
        soon = utcnow() + timedelta(days=14)
        values = {"minimum": 20, "closes_at": soon.strftime("%Y-%m-%dT12:00"), "deposit_percent": "",
                  "ships_by": (soon + timedelta(days=21)).strftime("%Y-%m-%d")}
        if deal:
            currency = listing.currency
            values.update({f"price_{v}": str(to_major(p, currency)) for v, p in deal.prices.items()})
        return _presale_page(listing, deal, values, {})
    values = request.form.to_dict()
    try:
        deals.open_presale(
            listing, prices={v.id: request.form.get(f"price_{v.id}", "") for v in listing.supply_product.variants},
            minimum=values.get("minimum"), closes_at=values.get("closes_at"), ships_by=values.get("ships_by"),
            deposit_percent=values.get("deposit_percent", ""))
        referrals.check_deal_prices(g.shop, listing, deals.presale_of_listing(listing.id).prices)
    except DomainError as error:
        refuse(error)
        return _presale_page(listing, deal, values, {error.field or "form": error.message}, 422)
    flash(_('Pre-sale open: shoppers can pre-order on the product page.'), "success")
    return redirect(url_for(".presale", listing_id=listing.id))


@bp.post("/<shop>/products/<int:listing_id>/pre-sale/close")
def close_presale(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    deal = deals.presale_of_listing(listing.id)
    if deal is None:
        abort(404)
    try:
        outcome = deals.close_presale_now(deal)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_('Pre-sale closed: the minimum was reached, so every order goes ahead and the supplier gets one production order.') if outcome == "filled" else
              _('Pre-sale closed below its minimum: every order is cancelled and any payment returned.'), "success")
    return redirect(url_for(".presale", listing_id=listing.id))
