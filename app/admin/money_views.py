"""Admin "Money": fee income, payout runs, failed payouts (retry / cancel), refunds on any
order, and a shop's platform-fee override."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.errors import DomainError
from app.i18n import _
from app.jobs import defer
from app.ledger import payouts as payout_service
from app.ledger.jobs import queue_transfer, run_payouts
from app.ledger.services import platform_income
from app.money import format_money
from app.orders import services as orders_service
from app.orders.fulfilment import purchase_orders_of
from app.payments import refunds
from app.payments.summary import order_money_context
from app.shops.services import set_platform_fee
from app.tenancy import use_shop
from app.web import flash_refusal, found, read_refund_form

from . import queries
from .views import NAV_SECTIONS, bp

NAV_SECTIONS.update({"money": "money", "run_payouts_now": "money", "retry_payout": "money",
                     "cancel_payout": "money", "shop_order": "shops", "refund_shop_order": "shops",
                     "set_shop_fee": "shops"})


@bp.get("/money")
def money():
    return render_template("admin/money.html", income=platform_income(),
                           runs=payout_service.recent_runs(), failed=payout_service.failed_payouts(),
                           stuck=payout_service.stuck_payouts(),
                           default_fee_bp=current_app.config["PLATFORM_FEE_BP"])


@bp.post("/money/run-payouts")
def run_payouts_now():
    defer(run_payouts, "manual", queue="payouts", job_id="manual-payout-run")
    flash(_('Payout run started: due balances of connected payees are being paid out.'), "success")
    return redirect(url_for(".money"))


@bp.post("/payouts/<int:payout_id>/retry")
def retry_payout(payout_id: int):
    payout = found(payout_service.get_payout, payout_id)
    try:
        payout_service.retry_payout(payout)
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".money"))
    queue_transfer(payout.id)
    flash(_('Payout #%(id)s is being tried again.', id=payout.id), "success")
    return redirect(url_for(".money"))


@bp.post("/payouts/<int:payout_id>/cancel")
def cancel_payout(payout_id: int):
    payout = found(payout_service.get_payout, payout_id)
    try:
        payout_service.cancel_payout(payout)
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".money"))
    flash(_("Payout #%(id)s is cancelled; %(amount)s is back in the payee’s balance.", id=payout.id, amount=format_money(payout.amount, payout.currency)), "success")
    return redirect(url_for(".money"))


def _shop_order(shop_id: int, order_id: int):
    shop = found(queries.get_shop, shop_id)
    with use_shop(shop.id):
        return shop, found(orders_service.get_order, order_id)


@bp.get("/shops/<int:shop_id>/orders/<int:order_id>")
def shop_order(shop_id: int, order_id: int):
    shop, order = _shop_order(shop_id, order_id)
    with use_shop(shop.id):
        context = order_money_context(order)
        pos = purchase_orders_of(order)
        return render_template("admin/order.html", shop=shop, order=order, purchase_orders=pos,
                               **context)


@bp.post("/shops/<int:shop_id>/orders/<int:order_id>/refund")
def refund_shop_order(shop_id: int, order_id: int):
    shop, order = _shop_order(shop_id, order_id)
    with use_shop(shop.id):
        try:
            wanted = read_refund_form(request.form, order.lines)
            refund = refunds.refund_order(order, wanted.quantities, reason=wanted.reason,
                                          source="admin", user_id=current_user.id)
        except DomainError as error:
            flash_refusal(error)
        else:
            flash(_('Refunded %(amount)s to the shopper.', amount=format_money(refund.amount, refund.currency)), "success")
    return redirect(url_for(".shop_order", shop_id=shop.id, order_id=order.id))


@bp.post("/shops/<int:shop_id>/fee")
def set_shop_fee(shop_id: int):
    shop = found(queries.get_shop, shop_id)
    try:
        set_platform_fee(shop, request.form.get("fee_percent", ""))
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_("%(name)s’s platform fee is saved; it applies to orders paid from now on.", name=shop.name), "success")
    return redirect(url_for(".shop_detail", shop_id=shop.id))
