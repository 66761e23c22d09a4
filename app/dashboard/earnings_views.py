"""The shop's money: balances, ledger entries, payouts, and its Stripe payout account."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.errors import DomainError
from app.extensions import db
from app.ledger import connect
from app.ledger.payouts import payouts_of
from app.ledger.services import balances, payee_entries
from app.payments import stripe_gateway

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"earnings": "earnings", "connect_payouts": "earnings", "payouts_connected": "earnings"})


@bp.get("/<shop>/earnings")
def earnings():
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template(
        "dashboard/earnings.html", balances=balances("shop", g.shop.id),
        entries=payee_entries("shop", g.shop.id, page=page), payouts=payouts_of("shop", g.shop.id),
        account_status=connect.status_of("shop", g.shop.id), stripe_enabled=stripe_gateway.enabled())


@bp.post("/<shop>/earnings/connect")
def connect_payouts():
    """Create (once) the shop's Stripe Express account and send the owner to onboarding."""
    try:
        url = connect.start_onboarding(
            "shop", g.shop.id, email=current_user.email,
            refresh_url=url_for(".connect_payouts_again", _external=True),
            return_url=url_for(".payouts_connected", _external=True))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".earnings"))
    db.session.commit()
    return redirect(url, code=303)


@bp.get("/<shop>/earnings/connect")
def connect_payouts_again():
    """Stripe's refresh URL (an onboarding link expired): explain and offer a new one."""
    flash("That Stripe link had expired. Press “Finish the sign-up with Stripe” for a new one.", "info")
    return redirect(url_for(".earnings"))


@bp.get("/<shop>/earnings/connected")
def payouts_connected():
    """Back from Stripe's onboarding: read the account's state."""
    try:
        account = connect.refresh_account("shop", g.shop.id)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".earnings"))
    db.session.commit()
    if account is not None and account.status == "active":
        flash("Your Stripe account is connected: payouts will go there.", "success")
    else:
        flash("Stripe still needs a few details before it can pay you.", "info")
    return redirect(url_for(".earnings"))
