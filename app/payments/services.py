"""Card checkout through Stripe Checkout, and what Stripe tells us afterwards.

The Checkout Session is created before the order row (its number and status-link token
are drawn first), so no database lock is held while Stripe answers and a Stripe failure
leaves nothing behind. The order then takes its stock and waits, pending, until Stripe
says it is paid: by webhook, or when the shopper comes back (whichever is first; the
other finds it done). An expired session gives the stock back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.integrations import stripe_gateway
from app.jobs.outbox import defer
from app.ledger.services import record_dispute
from app.orders.models import Order, OrderNumber
from app.orders.quotes import Quote, quote_order
from app.orders.services import (
    CustomerDetails,
    OutOfStock,
    cancel_order,
    new_access_token,
    new_order_number,
    place_order,
    with_pickup_address,
)
from app.tenancy import unscoped, use_shop

from . import holds
from .models import Payment
from .refunds import record_stripe_refunds


class PaymentUnavailable(DomainError):
    """Stripe could not be reached or refused to start the payment."""


@dataclass
class CardCheckout:
    order: Order
    payment: Payment
    url: str  # Stripe's hosted payment page


def start_card_checkout(shop, cart, customer: CustomerDetails, *, status_url, cancel_url,
                        checkout_key: str | None = None, hold: str = "", capture_manually: bool = False,
                        pay_by: datetime | None = None, made_to_order: bool = False,
                        deposit: tuple[int, str] | None = None, pickup_point=None,
                        discount_code: str = "", quote: Quote | None = None) -> CardCheckout:
    """Create the Checkout Session, then the pending order that waits for it (current shop
    scope). `status_url(number, token)` and `cancel_url(number, token)` build the return URLs.
    A `hold`'s order is handed to its holder once paid (app/payments/holds.py); with
    `capture_manually` the card is only authorised. `pay_by`: the page closes no later
    (but not under Stripe's 30 minutes). `deposit` (amount, label): only that part of the
    order is paid now (a pre-sale's deposit; the balance later, `start_balance_checkout`).
    The page charges exactly the order's total: each line at its price less its part of a
    `discount_code`, and shipping as a line of its own."""
    if not stripe_gateway.enabled():
        raise PaymentUnavailable(_('Card payments are not available in this shop.'))
    customer = with_pickup_address(customer, pickup_point).cleaned()
    if cart.is_empty:
        raise DomainError(_('Your cart is empty.'))
    if cart.problems:
        raise OutOfStock(" ".join(cart.problems))
    if quote is None:
        quote = quote_order(shop, cart, country=customer.country, pickup=pickup_point is not None,
                            code=discount_code, email=customer.email)
    quote.refuse_if_not_placeable()
    number, token = new_order_number(), new_access_token()
    expires_at = utcnow() + checkout_lifetime()
    if pay_by is not None:
        expires_at = max(min(expires_at, pay_by), utcnow() + timedelta(minutes=31))
    items = stripe_items(cart, quote)
    if deposit is not None:
        items = [stripe_gateway.line_item(deposit[1], deposit[0], 1, cart.currency)]
    try:
        session = stripe_gateway.create_checkout_session(
            number=number, shop_id=shop.id, line_items=items, customer_email=customer.email,
            success_url=status_url(number, token) + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=cancel_url(number, token), expires_at=expires_at, capture_manually=capture_manually)
    except stripe_gateway.StripeError as error:
        current_app.logger.warning("Stripe checkout session failed: %s", error)
        raise PaymentUnavailable(_('Card payment could not start just now. Please try again in a moment, or choose pay on delivery.')) from None
    try:
        order = place_order(shop, cart, customer, "card", number=number, access_token=token,
                            checkout_key=checkout_key, held=bool(hold), made_to_order=made_to_order,
                            pickup_point=pickup_point, quote=quote)
    except DomainError:
        _expire_quietly(session["id"])
        raise
    order.hold = hold
    payment = Payment(shop_id=order.shop_id, order_id=order.id, checkout_session_id=session["id"],
                      checkout_url=session.get("url") or "", currency=order.currency, status="open",
                      amount=deposit[0] if deposit else order.total, purpose="deposit" if deposit else "order")
    db.session.add(payment)
    db.session.flush()
    return CardCheckout(order, payment, session["url"])


def stripe_items(cart, quote: Quote) -> list[dict]:
    """Stripe Checkout's line items for a quote, adding up to exactly its total. Stripe takes
    no negative items, so a discounted line shows its discounted amount: per unit when it
    divides evenly, else as one item ("3 × Tee"); shipping is an item of its own."""
    items = []
    for line, discount in zip(cart.lines, quote.line_discounts, strict=True):
        name = line.listing.title + (f" ({line.variant.label})" if line.variant.options else "")
        if not discount:
            items.append(stripe_gateway.line_item(name, line.unit_price, line.quantity, cart.currency))
            continue
        name += f", code {quote.discount_code}"
        paid = line.line_total - discount
        if paid % line.quantity == 0:
            items.append(stripe_gateway.line_item(name, paid // line.quantity, line.quantity, cart.currency))
        else:
            items.append(stripe_gateway.line_item(f"{line.quantity} × {name}", paid, 1, cart.currency))
    if quote.shipping_total:
        items.append(stripe_gateway.line_item(quote.shipping_label or "Shipping", quote.shipping_total, 1,
                                              cart.currency))
    charged = sum(item["price_data"]["unit_amount"] * item["quantity"] for item in items)
    if charged != quote.total:  # never ask Stripe for anything but the order's total
        raise RuntimeError(f"Stripe items add up to {charged}, not the order's {quote.total}")
    return items


def checkout_lifetime() -> timedelta:
    """How long a Checkout Session stays payable: CHECKOUT_SESSION_MINUTES, kept a minute
    inside the 30 minutes to 24 hours Stripe accepts from the moment it creates the session
    (the request takes time, and the timestamp is whole seconds)."""
    seconds = current_app.config["CHECKOUT_SESSION_MINUTES"] * 60
    return timedelta(seconds=min(max(seconds, 30 * 60) + 60, 24 * 3600 - 60))


def _expire_quietly(session_id: str) -> None:
    """Best effort: an unused session otherwise just expires on its own."""
    try:
        stripe_gateway.expire_checkout_session(session_id)
    except stripe_gateway.StripeError:
        current_app.logger.info("could not expire checkout session %s", session_id)


def _payment_for_session(session_id: str) -> Payment | None:
    with unscoped():
        return db.session.scalar(select(Payment).where(Payment.checkout_session_id == session_id))


def _payment_for_intent(intent_id: str) -> Payment | None:
    if not intent_id:
        return None
    with unscoped():
        return db.session.scalar(select(Payment).where(Payment.payment_intent_id == intent_id))


def _order_numbered(metadata) -> Order | None:
    """The order a Stripe object's metadata names (platform-wide: its shop is not known yet)."""
    number = (metadata or {}).get("order_number")
    if not number:
        return None
    with unscoped():
        shop_id = db.session.scalar(select(OrderNumber.shop_id).where(OrderNumber.number == number))
        if shop_id is None:
            return None
        return db.session.scalar(select(Order).where(Order.shop_id == shop_id, Order.number == number))


def _open_payment_of(order: Order) -> Payment | None:
    """The order's Checkout Session that can still be paid (current shop scope)."""
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id,
                                                   Payment.status == "open"))


def _order_of(payment: Payment) -> Order:
    return db.session.scalar(select(Order).where(Order.id == payment.order_id,
                                                 Order.shop_id == payment.shop_id))


@dataclass
class Outcome:
    """What handling a Stripe object did (recorded with the event)."""

    message: str


def complete_checkout(session, *, fresh: bool = False) -> Outcome:
    """The session is paid: the order becomes paid and enters the ledger (with the fee
    from Stripe's balance transaction). Safe to call again: it then changes nothing.

    An order held for someone else's decision (a group buy: app/payments/holds.py) is
    handed to its holder instead, whether its card was charged or only authorised (manual
    capture: the session is complete but "unpaid", the intent "requires_capture").

    What an event says is only a hint: the session is read again from Stripe (unless
    `fresh`: just read), and its payment must be this order's (order number, amount,
    currency, in the session and its payment intent), else nothing is paid."""
    payment = _payment_for_session(session["id"])
    if payment is None:
        return Outcome(f"no order for session {session['id']}")
    if not fresh:
        session = stripe_gateway.retrieve_checkout_session(session["id"])
    if session.get("status") != "complete" or session.get("payment_status") not in ("paid", "unpaid"):
        return Outcome(f"session {session['id']} is {session.get('payment_status')}")
    with use_shop(payment.shop_id):
        order = _order_of(payment)
        if payment.status != "open" and payment.payment_intent_id:
            return Outcome(f"order {order.number} already {payment.status}")
        intent = stripe_gateway.retrieve_payment_intent(session["payment_intent"])
        authorised = intent.get("status") == "requires_capture"
        if session.get("payment_status") != "paid" and not authorised:
            return Outcome(f"session {session['id']} is {session.get('payment_status')}")
        if mismatch := _not_this_orders(order, payment, session, intent, authorised):
            current_app.logger.warning("refused Stripe session %s for order %s: %s",
                                       session["id"], order.number, mismatch)
            return Outcome(f"refused for order {order.number}: {mismatch}")
        charge = intent["latest_charge"]
        payment.payment_intent_id, payment.charge_id = intent["id"], charge["id"] if charge else ""
        payment.checkout_url = ""
        if authorised:
            payment.status = "authorised"
        else:
            balance = charge["balance_transaction"] if charge else None
            if balance is None or isinstance(balance, str):
                # Card charges settle at once; anything else: let Stripe redeliver the event.
                raise RuntimeError(f"payment intent {intent['id']} has no balance transaction yet")
            payment.processor_fee, payment.status, payment.paid_at = int(balance["fee"]), "paid", utcnow()
        db.session.flush()
        if order.status == "cancelled":
            # Paid after the order was cancelled (the session raced the cancel): give it back.
            defer(holds.release_held_payment, payment.shop_id, payment.id, job_id=f"release-payment-{payment.id}")
            return Outcome(f"order {order.number} was cancelled: the payment goes back")
        if payment.purpose == "balance":
            return Outcome(holds.balance_paid(order, payment))
        if order.hold:
            return Outcome(holds.payment_arrived(order, payment))
        if authorised:  # only held orders are paid by authorisation
            raise RuntimeError(f"order {order.number} was authorised but holds for nothing")
        if not holds.record_paid(order):
            return Outcome(f"order {order.number} is {order.status}")
        return Outcome(f"order {order.number} paid")


def _not_this_orders(order: Order, payment: Payment, session, intent, authorised: bool) -> str:
    """Why the session and its payment intent are not the payment of this order ("" if
    they are): the order number they carry, the amount and the currency."""
    currency = payment.currency.lower()
    checks = (
        ((session.get("metadata") or {}).get("order_number") == order.number, "another order's session"),
        (session.get("client_reference_id") in (None, order.number), "another order's reference"),
        (session.get("amount_total") == payment.amount, "a different amount"),
        ((session.get("currency") or "").lower() == currency, "a different currency"),
        (intent.get("transfer_group") == order.number, "another order's payment intent"),
        ((intent.get("metadata") or {}).get("order_number") == order.number,
         "another order's payment intent"),
        ((intent.get("amount_capturable") if authorised else intent.get("amount_received", intent.get("amount")))
         == payment.amount,
         "a payment of a different amount"),
        ((intent.get("currency") or "").lower() == currency, "a payment in another currency"),
    )
    return next((reason for ok, reason in checks if not ok), "")


def confirm_return(order: Order, session_id: str) -> Outcome:
    """The shopper is back from Stripe: check the session now rather than wait for the
    webhook, so the status page can say "paid" at once."""
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id,
                                                      Payment.checkout_session_id == session_id))
    if payment is None or payment.status != "open":
        return Outcome("nothing to confirm")
    try:
        session = stripe_gateway.retrieve_checkout_session(session_id)
    except stripe_gateway.StripeError:
        return Outcome("Stripe did not answer; the webhook will confirm")
    return complete_checkout(session, fresh=True)


def expire_checkout(session) -> Outcome:
    """The shopper never paid: the order is cancelled and its stock goes back."""
    payment = _payment_for_session(session["id"])
    if payment is None:
        return Outcome(f"no order for session {session['id']}")
    with use_shop(payment.shop_id):
        order = _order_of(payment)
        if payment.status != "open":
            return Outcome(f"order {order.number} is {order.status}")
        payment.status, payment.checkout_url = "expired", ""
        if payment.purpose == "balance":  # the shopper may open another page until it is due
            return Outcome(f"order {order.number}: balance page expired")
        if order.status != "pending":
            return Outcome(f"order {order.number} is {order.status}")
        cancel_order(order, reason=_('The card payment was not completed in time.'), source="stripe")
        return Outcome(f"order {order.number} cancelled: checkout expired")


def record_payment_failure(intent) -> Outcome:
    """A card was declined. The order stays pending: the shopper may try another card on
    the same Stripe page until the session expires."""
    order = _order_numbered(intent.get("metadata"))
    if order is None:
        return Outcome(f"no order for intent {intent['id']}")
    with use_shop(order.shop_id):
        payment = _open_payment_of(order)
        if payment is None:
            return Outcome(f"order {order.number} has no open payment")
        error = intent.get("last_payment_error") or {}
        payment.failure_message = (error.get("message") or "The card was declined.")[:500]
        db.session.flush()
        return Outcome(f"payment failed: {payment.failure_message}")


def record_refunds(charge) -> Outcome:
    """`charge.refunded`: record the refunds we did not make ourselves. If this event came
    before the payment's own (out of order), the payment is completed first."""
    payment = _payment_for_intent(charge.get("payment_intent"))
    if payment is None:
        payment = _payment_by_charge_session(charge)
    if payment is None:
        return Outcome(f"no order for charge {charge['id']}")
    if payment.status == "open":
        complete_checkout({"id": payment.checkout_session_id})
    with use_shop(payment.shop_id):
        order = _order_of(payment)
        if order.status not in ("paid", "refunded"):
            return Outcome(f"order {order.number} is {order.status}")
        made = stripe_gateway.list_refunds(charge["id"])
        created = record_stripe_refunds(order, made)
        return Outcome(f"order {order.number}: {len(created)} refund(s) recorded")


def _payment_by_charge_session(charge) -> Payment | None:
    order = _order_numbered(charge.get("metadata"))
    if order is None:
        return None
    with unscoped():
        return db.session.scalar(select(Payment).where(Payment.order_id == order.id,
                                                       Payment.shop_id == order.shop_id))


def record_dispute_event(dispute, closed: bool = False) -> Outcome:
    """`charge.dispute.created`: the money is taken back (the shop bears it) and the owner
    sees the dispute; `charge.dispute.closed` as won puts it back."""
    payment = _payment_for_intent(dispute.get("payment_intent"))
    if payment is None:
        with unscoped():
            payment = db.session.scalar(select(Payment).where(Payment.charge_id == dispute.get("charge")))
    if payment is None:
        return Outcome(f"no order for dispute {dispute['id']}")
    with use_shop(payment.shop_id):
        order = _order_of(payment)
        payment.dispute_id, payment.dispute_status = dispute["id"], dispute.get("status", "")
        if not closed:
            record_dispute(order, payment)
        elif dispute.get("status") == "won":
            record_dispute(order, payment, won=True)
        db.session.flush()
        return Outcome(f"order {order.number}: dispute {dispute.get('status')}")


def open_payment(order: Order) -> Payment | None:
    """The order's Stripe page while it can still be paid there."""
    if order.payment_method != "card" or order.status != "pending":
        return None
    return _open_payment_of(order)


def close_open_checkout(order: Order, *, quietly: bool = False) -> None:
    """The order is cancelled before the shopper paid: close its Stripe page first, so it
    cannot be paid after the cancel. `quietly`: best effort (a job's decision stands; a
    payment that still comes is given back, see complete_checkout)."""
    payment = _open_payment_of(order)
    if payment is None:
        return
    try:
        session = stripe_gateway.expire_checkout_session(payment.checkout_session_id)
    except stripe_gateway.StripeError:
        if quietly:
            current_app.logger.info("could not close the Stripe page of %s", order.number)
            return
        session = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id)
        if session["status"] == "complete":
            raise DomainError(_('The shopper has just paid this order; reload the page.')) from None
        if session["status"] != "expired":
            raise DomainError(_('Stripe could not close the payment page; try again.')) from None
    payment.status, payment.checkout_url = "expired", ""
    db.session.flush()


def expire_stale_checkouts(older_than_minutes: int = 15) -> int:
    """Periodic: pending card orders whose session should have expired by now (a missed
    webhook) are checked with Stripe and settled either way. Returns how many changed."""
    cutoff = utcnow() - checkout_lifetime() - timedelta(minutes=older_than_minutes)
    with unscoped():
        stale = db.session.scalars(select(Payment.checkout_session_id).where(
            Payment.status == "open", Payment.created_at < cutoff)).all()
    changed = 0
    for session_id in stale:
        session = stripe_gateway.retrieve_checkout_session(session_id)
        if session["status"] == "expired":
            expire_checkout(session)
        elif session["payment_status"] == "paid":
            complete_checkout(session, fresh=True)
        else:
            continue
        db.session.commit()
        changed += 1
    return changed
