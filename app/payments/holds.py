"""Card payments of orders that wait on someone else's decision (a group buy's group).

Such an order is paid like any other, on Stripe's page, but whether it goes ahead is not
payments' call: when its money arrives (authorised, or captured at once where the wait is
longer than a card authorisation lasts), payments hands it to the package that holds the
order, which subscribed here for the order's `hold` (payments never imports it). That
package then says `go_ahead` (the money is taken, the sale enters the ledger, fulfilment
starts) or `release` (the order is cancelled and the money given back: an authorisation
cancelled, a captured payment refunded in full, outside the ledger, which never saw it).

The Stripe calls are outbox jobs keyed by the payment, so a decision committed is never
lost, and a job run twice changes nothing (Stripe replays an idempotency key's answer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.integrations import stripe_gateway
from app.jobs.outbox import defer
from app.ledger.services import record_sale
from app.orders.emails import email_shopper
from app.orders.models import Order
from app.orders.services import cancel_order, mark_card_paid, queue_fulfilment
from app.shops.models import Shop
from app.tenancy import unscoped, use_shop

from .models import Payment

# What a held order's payment arriving means is the holder's: handler(order, payment) -> outcome.
PaymentArrived = Callable[[Order, Payment], str]
_subscribers: dict[str, PaymentArrived] = {}

HELD_STATUSES = ("authorised", "paid")  # money the shopper has given, not yet in the ledger


def subscribe(hold: str, handler: PaymentArrived) -> None:
    """Call `handler` when the payment of an order held as `hold` arrives."""
    _subscribers[hold] = handler


def payment_arrived(order: Order, payment: Payment) -> str:
    handler = _subscribers.get(order.hold)
    if handler is None:  # a deployment error: let Stripe deliver the event again later
        raise RuntimeError(f"nothing handles the payment of orders held as {order.hold!r}")
    return handler(order, payment)


def held_payment(order: Order) -> Payment | None:
    """The order's money held for it (authorised or captured), if any (current shop scope)."""
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id,
                                                   Payment.status.in_(HELD_STATUSES)))


def go_ahead(order: Order) -> None:
    """The holder lets a card order go ahead: an authorisation is captured by a job (which
    then records the sale); money already captured enters the ledger now. A deposit's
    order now waits for its balance (`hold = "balance"`), which the shopper is asked for."""
    payment = held_payment(order)
    if payment is None:
        raise RuntimeError(f"order {order.number} has no payment to go ahead with")
    if payment.purpose == "deposit":
        order.hold = "balance"
        order.hold_expires_at = utcnow() + timedelta(days=current_app.config["PRESALE_BALANCE_DAYS"])
        db.session.flush()
        _email(order, "presale_balance_due", _l("Your pre-order {number} goes ahead: please pay the balance"))
    elif payment.status == "authorised":
        defer(capture_held_payment, payment.shop_id, payment.id, job_id=f"capture-payment-{payment.id}")
    else:
        record_paid(order)


def release(order: Order, reason: str) -> None:
    """The holder will not go ahead: the order is cancelled (its stock back) and the money
    held for it goes back by a job. An order still on Stripe's page has its page closed."""
    from .services import close_open_checkout  # services imports this module

    close_open_checkout(order, quietly=True)
    payment = held_payment(order)
    cancel_order(order, reason, source="system")
    if payment is not None:
        defer(release_held_payment, payment.shop_id, payment.id, job_id=f"release-payment-{payment.id}")


def record_paid(order: Order) -> bool:
    """pending -> paid for a card order whose money is all in: it enters the ledger (with
    Stripe's fees of every payment of it: a deposit and its balance are two) and goes to
    fulfilment, in this transaction. False if the order was not pending (someone else won)."""
    if not mark_card_paid(order):
        return False
    fees = db.session.scalars(select(Payment.processor_fee).where(
        Payment.order_id == order.id, Payment.status == "paid")).all()
    record_sale(order, db.session.get(Shop, order.shop_id), processor_fee=sum(fee or 0 for fee in fees))
    queue_fulfilment(order)  # the confirmation e-mail and the purchase orders: never paid and forgotten
    return True


def balance_paid(order: Order, payment: Payment) -> str:
    """The balance of a pre-order arrived: the whole order is paid now, enters the ledger
    and goes to fulfilment."""
    if order.hold != "balance" or order.status != "pending":
        return f"order {order.number} is {order.status}"
    order.hold, order.hold_expires_at = "", None
    record_paid(order)
    return f"order {order.number}: balance paid"


def balance_due(order: Order) -> int:
    paid = db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.order_id == order.id, Payment.status == "paid"))
    return max(order.total - paid, 0)


def start_balance_checkout(order: Order, *, status_url: str, cancel_url: str) -> str:
    """Stripe's page for the balance of a pre-order that went ahead (an open one is reused).
    Raises DomainError when nothing is due (paid, cancelled, or too late)."""
    from .services import PaymentUnavailable

    if order.hold != "balance" or order.status != "pending":
        raise DomainError(_('Nothing is due on this order.'))
    if order.hold_expires_at is not None and order.hold_expires_at <= utcnow():
        raise DomainError(_('The time to pay the balance has passed; the order is being cancelled.'))
    current = db.session.scalar(select(Payment).where(Payment.order_id == order.id, Payment.purpose == "balance",
                                                      Payment.status == "open"))
    if current is not None and current.checkout_url:
        return current.checkout_url
    attempt = db.session.scalar(select(func.count(Payment.id)).where(Payment.order_id == order.id,
                                                                     Payment.purpose == "balance"))
    due = balance_due(order)
    try:
        session = stripe_gateway.create_checkout_session(
            number=order.number, shop_id=order.shop_id, customer_email=order.customer_email,
            line_items=[stripe_gateway.line_item(f"Balance of pre-order {order.number}", due, 1, order.currency)],
            success_url=status_url + "?session_id={CHECKOUT_SESSION_ID}", cancel_url=cancel_url,
            expires_at=utcnow() + timedelta(hours=23), idempotency_key=f"balance-{order.number}-{attempt}")
    except stripe_gateway.StripeError as error:
        current_app.logger.warning("Stripe balance session failed: %s", error)
        raise PaymentUnavailable(_('Card payment could not start just now. Please try again in a moment.')) from None
    db.session.add(Payment(shop_id=order.shop_id, order_id=order.id, checkout_session_id=session["id"],
                           checkout_url=session.get("url") or "", amount=due, currency=order.currency,
                           status="open", purpose="balance"))
    db.session.flush()
    return session["url"]


def expire_unpaid_balances(now=None) -> int:
    """Periodic: pre-orders whose balance was not paid in time are cancelled, their deposit
    refunded in full, and the shopper told. Each in its own transaction; safe to run twice."""
    with unscoped():
        due = db.session.execute(select(Order.shop_id, Order.id).where(
            Order.hold == "balance", Order.status == "pending", Order.hold_expires_at <= (now or utcnow()))
            .limit(200)).all()
    for shop_id, order_id in due:
        with use_shop(shop_id):
            order = db.session.scalar(select(Order).where(Order.id == order_id, Order.hold == "balance",
                                                          Order.status == "pending").with_for_update())
            if order is not None:
                order.hold, order.hold_expires_at = "", None
                release(order, _("The balance was not paid in time"))
                _email(order, "presale_balance_expired", _l("Your pre-order {number} is cancelled"))
            db.session.commit()
    return len(due)


def _payment_row(shop_id: int, payment_id: int) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.id == payment_id, Payment.shop_id == shop_id)
                             .with_for_update().execution_options(populate_existing=True))


def _order_of(payment: Payment) -> Order:
    return db.session.scalar(select(Order).where(Order.id == payment.order_id, Order.shop_id == payment.shop_id))


# Jobs (ids in, safe to run twice) -------------------------------------------------------


def capture_held_payment(shop_id: int, payment_id: int) -> str:
    """Take an authorisation whose order goes ahead, then record the sale and start the
    fulfilment. A refused capture (the authorisation lapsed, say) cancels the order and
    tells the shopper; no answer at all raises, and the job is retried."""
    with use_shop(shop_id):
        payment = _payment_row(shop_id, payment_id)
        if payment is None or payment.status != "authorised":
            return f"payment {payment_id} is {payment.status if payment else 'missing'}"
        order = _order_of(payment)
        try:
            intent = stripe_gateway.capture_payment_intent(
                payment.payment_intent_id, idempotency_key=f"capture-{payment.id}")
        except stripe_gateway.StripeError as error:
            if not stripe_gateway.is_refusal(error):
                raise
            payment.status = "failed"
            payment.failure_message = f"The authorisation could not be captured: {error.user_message or error}"[:500]
            if order.status == "pending":
                cancel_order(order, "The card payment could not be taken", source="stripe")
                _email(order, "payment_not_taken", _l("Your order {number} from {shop} could not be paid"))
            db.session.commit()
            return f"order {order.number}: capture refused"
        balance = (intent.get("latest_charge") or {}).get("balance_transaction") or {}
        payment.status, payment.paid_at = "paid", utcnow()
        payment.processor_fee = int(balance["fee"]) if isinstance(balance, dict) and "fee" in balance else None
        record_paid(order)
        db.session.commit()
        return f"order {order.number}: captured"


def release_held_payment(shop_id: int, payment_id: int) -> str:
    """Give back the money of an order that did not go ahead: cancel the authorisation, or
    refund a captured payment in full."""
    with use_shop(shop_id):
        payment = _payment_row(shop_id, payment_id)
        if payment is None or payment.status not in HELD_STATUSES:
            return f"payment {payment_id} is {payment.status if payment else 'missing'}"
        order = _order_of(payment)
        if order.status != "cancelled":  # it went ahead after all: the money is the sale's
            return f"order {order.number} is {order.status}: nothing to release"
        if payment.status == "authorised":
            try:
                stripe_gateway.cancel_payment_intent(payment.payment_intent_id,
                                                     idempotency_key=f"release-{payment.id}")
            except stripe_gateway.StripeError as error:
                # Already cancelled (Stripe lets an authorisation lapse after 7 days): released.
                if not stripe_gateway.is_refusal(error):
                    raise
                current_app.logger.info("authorisation of %s already gone: %s", order.number, error)
            payment.status, payment.failure_message = "released", "The authorisation was cancelled: nothing was taken."
        else:
            stripe_gateway.create_refund(payment_intent=payment.payment_intent_id, amount=payment.amount,
                                         idempotency_key=f"release-refund-{payment.id}",
                                         metadata={"order_number": order.number, "release": "1"})
            payment.status, payment.failure_message = "refunded", "Refunded in full: the order did not go ahead."
        db.session.commit()
        return f"order {order.number}: {payment.status}"


def _email(order: Order, template: str, subject: str) -> None:
    email_shopper(order, db.session.get(Shop, order.shop_id), template, subject, due=balance_due(order))
