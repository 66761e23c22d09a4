"""Group buys on the storefront: start or join a group (a checkout of its own, paid on
delivery), and the group page everyone shares (live progress, countdown, QR code)."""

from __future__ import annotations

import segno
from flask import abort, flash, g, redirect, request, url_for
from markupsafe import Markup

from app.deals import services as deals
from app.errors import DomainError, NotFound
from app.orders.cart import Cart, CartLine
from app.orders.services import CustomerDetails, OutOfStock
from app.unit_of_work import refuse
from app.web import flash_refusal, row_id

from . import checkout_limits, seo
from .forms import CheckoutForm
from .rendering import render_storefront
from .views import bp

DETAILS = ("name", "email", "phone", "line1", "line2", "city", "region", "postcode", "country")


def _live_deal(deal_id):
    try:
        deal = deals.get_deal(deal_id)
    except NotFound:
        abort(404)
    listing = deals.deal_listing(deal)
    if not listing.is_visible:
        abort(404)
    return deal, listing


@bp.get("/groups/<token>")
def group(token: str):
    round_ = deals.round_by_token(token)
    if round_ is None:
        abort(404)
    deal = round_.deal
    listing = deals.deal_listing(deal)
    url = deals.group_url(g.shop, round_)
    qr = Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#111111", omitsize=True))  # noqa: S704 - segno's own SVG
    variants = [(v, deal.price_of(v.id)) for v in listing.supply_product.variants if deal.price_of(v.id)]
    low = min(price for _, price in variants) if variants else 0
    meta = seo.group_meta(g.shop, listing, round_, low, url)
    return render_storefront("group.html", round=round_, deal=deal, listing=listing, variants=variants,
                             members=deals.members(round_), share_url=url, qr=qr, meta=meta,
                             low_price=low, joinable=round_.status == "open" and deal.status == "active")


@bp.route("/group-checkout", methods=["GET", "POST"])
def group_checkout():
    """Checkout for a group: `deal`, `variant`, `qty`, and `group` (a token) to join one."""
    deal, listing = _live_deal(request.args.get("deal", type=row_id))
    token = request.args.get("group") or None
    round_ = deals.round_by_token(token) if token else None
    if token and (round_ is None or round_.deal_id != deal.id):
        abort(404)
    variant = next((v for v in listing.supply_product.variants
                    if str(v.id) == request.args.get("variant") and deal.price_of(v.id)), None)
    if variant is None:
        flash("Choose one of the product's options for the group.", "error")
        return redirect(url_for(".product", handle=listing.handle))
    quantity = request.args.get("qty", 1, type=row_id) or 1
    if not 1 <= quantity <= deals.MAX_QUANTITY:
        quantity = 1
    cart = Cart([CartLine(key=f"{listing.id}:{variant.id}", listing=listing, variant=variant,
                          quantity=quantity, unit_price=deal.price_of(variant.id))], g.shop.currency)
    form = CheckoutForm()
    status = 200
    if form.validate_on_submit():
        details = CustomerDetails(**{k: form.data[k] for k in DETAILS})
        if not checkout_limits.allows_checkout(g.shop.id, details.email):
            flash(checkout_limits.REFUSAL, "error")
            status = 429
        else:
            try:
                order, joined = deals.join(g.shop, deal, token, variant.id, quantity, details,
                                           checkout_key=form.checkout_key.data or None)
            except OutOfStock as error:
                flash_refusal(error)
            except DomainError as error:
                if error.field and error.field in form:
                    refuse()
                    form[error.field].errors.append(error.message)
                else:
                    flash_refusal(error)
            else:
                flash("You’re in the group: your order goes ahead when it fills." if joined.status == "open"
                      else "You completed the group: everyone’s order goes ahead now.", "success")
                return redirect(url_for(".group", token=joined.token, order=order.number))
    elif not form.is_submitted():
        form.draw_checkout_key()
    return render_storefront("checkout.html", cart=cart, form=form, card_payments=False,
                             form_action=request.full_path, group_round=round_, deal=deal,
                             status=422 if form.errors else status)
