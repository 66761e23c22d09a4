"""What a supplier's catalog sync left for the owner to look at: notices, approve a new price."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app.errors import DomainError
from app.i18n import _
from app.shops import guardrails
from app.shops import services as shops
from app.web import flash_refusal, found

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS["notices"] = "notices"


@bp.context_processor
def _attention():
    """How many listings of the current dashboard shop need the owner (for the banner)."""
    if not (request.blueprint == "dashboard" and getattr(g, "shop", None) is not None):
        return {}
    return {"attention_count": guardrails.attention_count()}


@bp.get("/<shop>/notices")
def notices():
    items = guardrails.open_notices()
    listings = {}
    for notice in items:
        if notice.listing_id not in listings:
            listings[notice.listing_id] = shops.get_listing(notice.listing_id)
    return render_template("dashboard/notices.html", notices=items, listings=listings,
                           labels=guardrails.KIND_LABELS, price_kinds=guardrails.PRICE_KINDS)


@bp.post("/<shop>/products/<int:listing_id>/approve-price")
def approve_listing_price(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    guardrails.approve_listing_prices(listing)
    title = listing.title
    flash(_('New price approved: “%(title)s” is on sale again.', title=title), "success")
    if request.form.get("next") == "listing":
        return redirect(url_for(".edit_listing", listing_id=listing_id))
    return redirect(url_for(".notices"))


@bp.post("/<shop>/notices/<int:notice_id>/dismiss")
def dismiss_notice(notice_id: int):
    notice = found(guardrails.get_notice, notice_id)
    try:
        guardrails.dismiss_notice(notice)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_('Notice dismissed.'), "success")
    return redirect(url_for(".notices"))
