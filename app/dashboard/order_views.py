"""The shop's orders: list with status tabs, detail (with its money), mark paid, refund, cancel."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.db_types import utcnow
from app.errors import DomainError
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.money import format_money
from app.orders import confirmation, exports, search
from app.orders import services as orders_service
from app.orders.fulfilment import purchase_orders_of
from app.orders.models import ORDER_STATUSES
from app.payments import refunds
from app.payments.summary import order_money_context
from app.referrals import services as referrals
from app.web import csv_download, flash_refusal, found, read_refund_form

from .blueprint import bp

ORDERS_PER_PAGE = 25


def _filters() -> tuple[search.OrderFilters, dict]:
    """The list's filters from the query string, and the error of a field that makes no sense
    (the list then shows every order, and the form says what to fix)."""
    try:
        return search.OrderFilters.read(request.args, g.shop.timezone), {}
    except DomainError as error:
        return search.OrderFilters(timezone=g.shop.timezone), {error.field or "q": error.message}


@bp.get("/<shop>/orders")
def orders():
    filters, errors = _filters()
    if "status" in errors:  # a tab's link, not a field: say so above the list
        flash(_("%(error)s Showing all orders.", error=errors.pop("status")), "error")
    results = search.find_orders(filters, older=request.args.get("older"), newer=request.args.get("newer"),
                                 per_page=ORDERS_PER_PAGE)
    return render_template("dashboard/orders.html", results=results, filters=filters, errors=errors,
                           values=request.args, statuses=ORDER_STATUSES, exports=exports.recent_exports())


@bp.get("/<shop>/orders.csv")
def orders_csv():
    """The CSV of the orders the list's filters find; past exports.inline_most() orders, a
    page that offers to make it in the background instead."""
    filters, errors = _filters()
    if errors:
        flash(next(iter(errors.values())), "error")
        return redirect(url_for(".orders", **request.args))
    if exports.too_big_to_download(filters):
        return render_template("dashboard/order_export.html", filters=filters, most=exports.inline_most(),
                               kept_days=exports.KEPT_DAYS)
    stamp = utcnow().strftime("%Y-%m-%d")
    return csv_download(search.orders_csv(filters), f"orders-{g.shop.subdomain}-{stamp}.csv")


@bp.post("/<shop>/orders/exports")
def request_order_export():
    try:
        filters = search.OrderFilters.read(request.form, g.shop.timezone)
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".orders"))
    exports.request_export(filters, current_user)
    flash(_("We are making the file. We will e-mail %(email)s a link when it is ready (usually within a "
            "minute), and it is listed above the orders.", email=current_user.email), "success")
    return redirect(url_for(".orders", **filters.query_args()))


@bp.get("/<shop>/orders/exports/<int:export_id>")
def order_export(export_id: int):
    try:
        export, text = found(exports.export_file, export_id)
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".orders"))
    return csv_download(text, exports.file_name(export, g.shop))


@bp.get("/<shop>/orders/packing-slips")
def packing_slips():
    """Printable packing slips: the orders ticked on the list, else those its filters find
    (up to 200 at once), one per page."""
    filters, _errors = _filters()
    ids = [int(value) for value in request.args.getlist("order") if value.isdigit()][:200]
    chosen = search.orders_for_slips(filters, ids or None)
    return render_template("dashboard/packing_slips.html", orders=chosen)


@bp.get("/<shop>/orders/<int:order_id>")
def order_detail(order_id: int):
    order = found(orders_service.get_order, order_id)
    return render_template("dashboard/order_detail.html", order=order,
                           purchase_orders=purchase_orders_of(order), commissions=referrals.order_commissions(order.id),
                           commission_hold_days=current_app.config["COMMISSION_HOLD_DAYS"], percent=referrals.percent,
                           **order_money_context(order))


def _change_status(order_id: int, change, done_message: str):
    order = found(orders_service.get_order, order_id)
    try:
        change(order)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(str(done_message).format(number=order.number), "success")
    return redirect(url_for(".order_detail", order_id=order_id))


@bp.post("/<shop>/orders/<int:order_id>/mark-paid")
def mark_order_paid(order_id: int):
    return _change_status(order_id, orders_service.mark_paid, _l("Order {number} is marked paid."))


@bp.post("/<shop>/orders/<int:order_id>/approve")
def approve_order(order_id: int):
    return _change_status(order_id, confirmation.approve,
                          _l("Order {number} is approved: it goes to the supplier now."))


@bp.post("/<shop>/orders/<int:order_id>/decline")
def decline_order(order_id: int):
    return _change_status(order_id, confirmation.decline,
                          _l("Order {number} is declined: cancelled, stock back, the shopper told."))


@bp.get("/<shop>/orders/<int:order_id>/cancel")
def confirm_cancel_order(order_id: int):
    order = found(orders_service.get_order, order_id)
    return render_template("dashboard/order_cancel.html", order=order)


@bp.post("/<shop>/orders/<int:order_id>/cancel")
def cancel_order(order_id: int):
    order = found(orders_service.get_order, order_id)
    paid = order.status in ("paid", "refunded") and order.net_total > 0
    try:
        refunds.cancel_and_refund(order, reason=request.form.get("reason", ""), source="dashboard",
                                  user_id=current_user.id)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_('Order %(number)s is cancelled', number=order.number)
              + (", the shopper's money is refunded" if paid else "")
              + " and its stock is back with the supplier.", "success")
    return redirect(url_for(".order_detail", order_id=order_id))


@bp.post("/<shop>/orders/<int:order_id>/refund")
def refund_order(order_id: int):
    """Refund the chosen quantities (or, with `whole`, everything left)."""
    order = found(orders_service.get_order, order_id)
    try:
        wanted = read_refund_form(request.form, order.lines)
        refund = refunds.refund_order(order, wanted.quantities, reason=wanted.reason,
                                      source="dashboard", user_id=current_user.id)
    except DomainError as error:
        flash_refusal(error)
    else:
        flash(_('Refunded %(amount)s to the shopper.', amount=format_money(refund.amount, refund.currency)), "success")
    return redirect(url_for(".order_detail", order_id=order_id))
