"""Group buys on the storefront: start or join a group (a checkout of its own, paid on
delivery), and the group page everyone shares (live progress, countdown, QR code)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, request, url_for

from app.db_types import utcnow
from app.deals import services as deals
from app.errors import DomainError, NotFound
from app.i18n import _
from app.integrations import stripe_gateway
from app.money import format_money
from app.orders.cart import Cart, CartLine
from app.orders.services import CustomerDetails, OutOfStock, order_of_checkout
from app.payments.services import PaymentUnavailable, open_payment
from app.shops import pickup
from app.unit_of_work import refuse
from app.web import flash_refusal, row_id

from . import checkout_limits, checkout_quotes, seo, sharing
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
    if deal.kind != "group":  # a pre-sale lives on its product page
        return redirect(url_for(".product", handle=listing.handle))
    url = deals.group_url(g.shop, round_)
    variants = [(v, deal.price_of(v.id)) for v in listing.supply_product.variants if deal.price_of(v.id)]
    low = min(price for _variant, price in variants) if variants else 0
    meta = seo.group_meta(g.shop, listing, round_, low, url)
    joinable = round_.status == "open" and round_.places_left > 0 and deal.status == "active"
    share = sharing.share_of(sharing.group_target(g.shop, listing, round_, low)) if variants else None
    return render_storefront("group.html", round=round_, deal=deal, listing=listing, variants=variants,
                             members=deals.members(round_), share=share, meta=meta,
                             low_price=low, joinable=joinable,
                             paying=deals.awaits_payment(round_, request.args.get("order", "")))


@bp.get("/groups/<token>/progress")
def group_progress(token: str):
    """What the group page polls to stay live (members, status; nothing private)."""
    round_ = deals.round_by_token(token)
    if round_ is None:
        abort(404)
    paying = deals.awaits_payment(round_, request.args.get("order", ""))
    return {"status": round_.status, "progress": round_.progress, "target": round_.target, "paying": paying}


@bp.route("/group-checkout", methods=["GET", "POST"])
def group_checkout():
    """Checkout for a group: `deal`, `variant`, `qty`, and `group` (a token) to join one."""
    deal, listing = _live_deal(request.args.get("deal", type=row_id))
    token = request.args.get("group") or None
    round_ = deals.round_by_token(token) if token else None
    if token and (round_ is None or round_.deal_id != deal.id):
        abort(404)
    presale_run = deals.current_run(deal) if deal.kind == "presale" else None
    if deal.kind == "presale" and (presale_run is None or presale_run.status != "open"):
        flash(_("This pre-sale has closed."), "info")
        return redirect(url_for(".product", handle=listing.handle))
    variant = next((v for v in listing.supply_product.variants
                    if str(v.id) == request.args.get("variant") and deal.price_of(v.id)), None)
    if variant is None:
        flash(_("Choose one of the product’s options for the group."), "error")
        return redirect(url_for(".product", handle=listing.handle))
    quantity = request.args.get("qty", 1, type=row_id) or 1
    if not 1 <= quantity <= deals.MAX_QUANTITY:
        quantity = 1
    round_ = round_ or presale_run
    cart = Cart([CartLine(key=f"{listing.id}:{variant.id}", listing=listing, variant=variant,
                          quantity=quantity, unit_price=deal.price_of(variant.id))], g.shop.currency)
    form = CheckoutForm()
    card_payments = stripe_gateway.enabled()
    if card_payments:
        form.offer_card()
    form.offer_pickup(pickup.pickup_points(active_only=True))
    checkout_quotes.offer_countries(form)
    deposit = presale_run.deposit_of(cart.subtotal) if presale_run and presale_run.deposit_bp else None
    if deposit is not None:
        if not card_payments:
            flash(_("This pre-sale takes a deposit by card, which the shop cannot take just now."), "error")
            return redirect(url_for(".product", handle=listing.handle))
        form.card_only()
    status = 200
    if form.validate_on_submit():
        placed = order_of_checkout(form.checkout_key.data or None)
        if placed is not None:  # this form was sent before (a retry, a double click)
            return _after_group_checkout(placed)
        details = CustomerDetails(**{k: form.data[k] for k in DETAILS})
        point = form.chosen_point()
        seen, _rates = checkout_quotes.quotes(form, cart, codes=False, deposit=deposit)
        if form.quoted() is not None and form.quoted() != seen.total:
            # Another country's shipping the page did not show yet (no script): show it first.
            flash(_("Your total is now %(total)s. Check it, then place your order.",
                    total=format_money(seen.total, cart.currency)), "info")
            status = 409
        elif not checkout_limits.allows_checkout(g.shop.id, details.email):
            flash(str(checkout_limits.REFUSAL), "error")
            status = 429
        else:
            try:
                if form.payment_method.data == "card":
                    card, _round = deals.join_by_card(
                        g.shop, deal, token, variant.id, quantity, details,
                        checkout_key=form.checkout_key.data or None,
                        status_url=lambda number, token: url_for(".order_status", number=number, token=token,
                                                                 _external=True),
                        cancel_url=lambda number, token: url_for(".cancel_payment", number=number,
                                                                 token=token, _external=True),
                        pickup_point=point)
                    return redirect(card.url, code=303)
                order, joined = deals.join(g.shop, deal, token, variant.id, quantity, details,
                                           checkout_key=form.checkout_key.data or None, pickup_point=point)
            except OutOfStock as error:
                flash_refusal(error)
            except PaymentUnavailable as error:
                flash_refusal(error)
                status = 503
            except DomainError as error:
                if error.field and error.field in form:
                    refuse()
                    form[error.field].errors.append(error.message)
                else:
                    flash_refusal(error)
            else:
                if deal.kind == "presale":
                    return redirect(url_for(".order_status", number=order.number, token=order.access_token,
                                            placed=1))
                flash(_("You’re in the group: your order goes ahead when it fills.") if joined.status == "open"
                      else _("You completed the group: everyone’s order goes ahead now."), "success")
                return redirect(url_for(".group", token=joined.token, order=order.number))
    elif not form.is_submitted():
        form.draw_checkout_key()
    deadline = round_.deadline if round_ else utcnow() + timedelta(minutes=deal.time_limit_minutes)
    quote, rates = checkout_quotes.quotes(form, cart, codes=False, deposit=deposit)  # deals take no codes
    return render_storefront("checkout.html", cart=cart, form=form, card_payments=card_payments,
                             quote=quote, rates=rates,
                             card_authorise_only=deadline - utcnow() <= deals.authorisation_life(),
                             form_action=request.full_path, group_round=None if presale_run else round_, deal=deal,
                             presale_run=presale_run, deposit=deposit,
                             balance_days=current_app.config["PRESALE_BALANCE_DAYS"], pickup_points=form.points,
                             status=422 if form.errors else status)


def _after_group_checkout(order):
    """A group checkout sent again: Stripe's page while the card is still to pay, else the group."""
    payment = open_payment(order)
    if payment is not None and payment.checkout_url:
        return redirect(payment.checkout_url, code=303)
    round_ = deals.round_of(order)
    return redirect(url_for(".group", token=round_.token, order=order.number) if round_ and round_.deal.kind == "group"
                    else url_for(".order_status", number=order.number, token=order.access_token))
