"""The supplier's money: what it is owed for the purchase orders it ships, and payouts to its
connected Stripe account. Every read names the current supplier as the payee."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.errors import DomainError
from app.extensions import db
from app.ledger import connect
from app.ledger.payouts import payouts_of
from app.ledger.services import balances, payee_entries
from app.payments import stripe_gateway

from .views import NAV_SECTIONS, bp

NAV_SECTIONS.update({"payouts": "payouts", "connect_payouts": "payouts", "payouts_connected": "payouts",
                     "connect_payouts_again": "payouts"})


@bp.get("/payouts")
def payouts():
    page = max(request.args.get("page", 1, type=int), 1)
    supplier = g.supplier
    return render_template(
        "supplier/payouts.html", balances=balances("supplier", supplier.id),
        entries=payee_entries("supplier", supplier.id, page=page),
        payouts=payouts_of("supplier", supplier.id),
        account_status=connect.status_of("supplier", supplier.id),
        stripe_enabled=stripe_gateway.enabled())


@bp.post("/payouts/connect")
def connect_payouts():
    try:
        url = connect.start_onboarding(
            "supplier", g.supplier.id, email=g.supplier.contact_email or current_user.email,
            refresh_url=url_for(".connect_payouts_again", _external=True),
            return_url=url_for(".payouts_connected", _external=True))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".payouts"))
    db.session.commit()
    return redirect(url, code=303)


@bp.get("/payouts/connect")
def connect_payouts_again():
    flash("That Stripe link had expired. Press “Finish the sign-up with Stripe” for a new one.", "info")
    return redirect(url_for(".payouts"))


@bp.get("/payouts/connected")
def payouts_connected():
    try:
        account = connect.refresh_account("supplier", g.supplier.id)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".payouts"))
    db.session.commit()
    if account is not None and account.status == "active":
        flash("Your Stripe account is connected: payouts will go there.", "success")
    else:
        flash("Stripe still needs a few details before it can pay you.", "info")
    return redirect(url_for(".payouts"))
