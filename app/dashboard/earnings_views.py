"""The shop's money: balances, ledger entries, payouts, and its Stripe payout account."""

from __future__ import annotations

from flask import g, render_template, request
from flask_login import current_user

from app.integrations import stripe_gateway
from app.ledger import connect
from app.ledger.payouts import payouts_of
from app.ledger.services import balances, cash_orders, fee_bp_for, fee_percent, payee_entries
from app.payout_onboarding import (
    finish_payout_onboarding,
    onboarding_link_expired,
    start_payout_onboarding,
)
from app.web import row_id

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"earnings": "earnings", "connect_payouts": "earnings", "payouts_connected": "earnings"})


@bp.get("/<shop>/earnings")
def earnings():
    page = max(request.args.get("page", 1, type=row_id), 1)
    return render_template(
        "dashboard/earnings.html", balances=balances("shop", g.shop.id), cash=cash_orders(g.shop.id),
        platform_fee=fee_percent(fee_bp_for(g.shop)),
        entries=payee_entries("shop", g.shop.id, page=page), payouts=payouts_of("shop", g.shop.id),
        account_status=connect.status_of("shop", g.shop.id), stripe_enabled=stripe_gateway.enabled())


@bp.post("/<shop>/earnings/connect")
def connect_payouts():
    """Create (once) the shop's Stripe Express account and send the owner to onboarding."""
    return start_payout_onboarding("shop", g.shop.id, current_user.email, back=".earnings",
                                   again=".connect_payouts_again", connected=".payouts_connected")


@bp.get("/<shop>/earnings/connect")
def connect_payouts_again():
    """Stripe's refresh URL (an onboarding link expired): explain and offer a new one."""
    return onboarding_link_expired(".earnings")


@bp.get("/<shop>/earnings/connected")
def payouts_connected():
    """Back from Stripe's onboarding: read the account's state."""
    return finish_payout_onboarding("shop", g.shop.id, back=".earnings")
