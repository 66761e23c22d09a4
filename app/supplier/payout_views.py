"""The supplier's money: what it is owed for the purchase orders it ships, and payouts to its
connected Stripe account. Every read names the current supplier as the payee."""

from __future__ import annotations

from flask import g, render_template, request
from flask_login import current_user

from app.integrations import stripe_gateway
from app.ledger import connect
from app.ledger.payouts import payouts_of
from app.ledger.services import balances, payee_entries
from app.payout_onboarding import (
    finish_payout_onboarding,
    onboarding_link_expired,
    start_payout_onboarding,
)
from app.web import row_id

from .views import NAV_SECTIONS, bp

NAV_SECTIONS.update({"payouts": "payouts", "connect_payouts": "payouts", "payouts_connected": "payouts",
                     "connect_payouts_again": "payouts"})


@bp.get("/payouts")
def payouts():
    page = max(request.args.get("page", 1, type=row_id), 1)
    supplier = g.supplier
    return render_template(
        "supplier/payouts.html", balances=balances("supplier", supplier.id),
        entries=payee_entries("supplier", supplier.id, page=page),
        payouts=payouts_of("supplier", supplier.id),
        account_status=connect.status_of("supplier", supplier.id),
        stripe_enabled=stripe_gateway.enabled())


@bp.post("/payouts/connect")
def connect_payouts():
    return start_payout_onboarding("supplier", g.supplier.id, g.supplier.contact_email or current_user.email,
                                   back=".payouts", again=".connect_payouts_again",
                                   connected=".payouts_connected")


@bp.get("/payouts/connect")
def connect_payouts_again():
    return onboarding_link_expired(".payouts")


@bp.get("/payouts/connected")
def payouts_connected():
    return finish_payout_onboarding("supplier", g.supplier.id, back=".payouts")
