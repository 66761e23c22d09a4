"""The shopper's e-mails when money goes back or an order is cancelled by someone else: who
cancelled it and why, in plain words, and what happens to the money (back to the card, the
cash given back, a card hold released, or nothing was charged). Each is recorded in the
transaction that makes the change, through `email_shopper` (one per order and event).

Cancellations that already tell the shopper in their own words are not e-mailed here: a
declined or unconfirmed pay-on-delivery order (app/orders/confirmation.py), a group buy or
pre-sale that did not go ahead (app/deals), a balance not paid in time or a card that could
not be charged (app/payments/holds.py). Nor is the shopper's own "cancel the payment".
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.money import format_money
from app.orders.emails import email_shopper
from app.shops.models import Shop

# Who cancelled, as the shopper reads it ({shop} is the shop's name).
CANCELLED_BY = {
    "dashboard": _l("{shop} cancelled your order"),
    "admin": _l("Flagship, the platform {shop} sells on, cancelled your order"),
}
NOT_TOLD_HERE = ("shopper",)  # the shopper cancelled on the page, which says so


@dataclass(frozen=True)
class MoneyBack:
    """What happens to the shopper's money: "card" (refunded to it), "cash" (given back),
    "released" (a card hold let go, nothing taken), "refunded_before" (all of it came back
    by earlier refunds) or "none" (nothing was paid)."""

    kind: str
    amount: int = 0


def email_cancellation(order, *, source: str, reason: str = "", money: MoneyBack) -> None:
    """Tell the shopper their order is cancelled: by whom (`source`), why (`reason`, the
    words of whoever cancelled it, may be empty) and what happens to the money."""
    if source in NOT_TOLD_HERE:
        return
    shop = db.session.get(Shop, order.shop_id)
    who = CANCELLED_BY.get(source, "Your order was cancelled").format(shop=shop.name)
    back = _money_text(order, shop, money)
    if money.kind in ("card", "cash") and order.net_total <= 0 < order.refunded_total - money.amount:
        back += f" With the earlier refund, all {format_money(order.refunded_total, order.currency)} you paid is back."
    email_shopper(order, shop, "order_cancelled", _l("Your order {number} from {shop} is cancelled"),
                  cancelled_by=who, reason=(reason or "").strip(), money_back=back)


def email_refund(order, refund) -> None:
    """Tell the shopper money went back on their order (a refund that does not cancel it):
    how much, for which items, and when it reaches their card or that the cash was given
    back. The refund's own reason is the shop's note, never shown to the shopper."""
    shop = db.session.get(Shop, order.shop_id)
    by_id = {line.id: line for line in order.lines}
    items = [(by_id[int(line_id)], int(quantity)) for line_id, quantity in (refund.lines or {}).items()
             if int(line_id) in by_id and int(quantity) > 0]
    email_shopper(order, shop, "order_refunded", _l("{amount} refunded on your order {number} from {shop}"),
                  key=str(refund.id), refund=refund, items=items, amount=format_money(refund.amount, refund.currency),
                  money_back=_money_text(order, shop, MoneyBack("card" if order.payment_method == "card" else "cash",
                                                                refund.amount)))


def _money_text(order, shop, money: MoneyBack) -> str:
    """What happens to the money, in a sentence or two of plain words."""
    amount = format_money(money.amount, order.currency)
    if money.kind == "card":
        return (_('%(amount)s goes back to the card you paid with. Refunds usually reach your account within 5 to 10 business days; your bank decides the exact day.', amount=amount))
    if money.kind == "cash":
        return _('You paid %(amount)s on delivery: %(name)s has given it back to you in cash.', amount=amount, name=shop.name)
    if money.kind == "released":
        return _('The hold on your card is released: nothing was taken. Your bank may take a few days to show it.')
    if money.kind == "refunded_before":
        return _('Everything you paid was refunded already.')
    return _('Your card was not charged.') if order.payment_method == "card" else _('Nothing was charged and nothing is due.')
