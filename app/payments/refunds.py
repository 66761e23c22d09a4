"""Refunds: some lines or the whole order, by the owner or the admin, on a cancel, or made
in Stripe's own dashboard.

A card refund runs in two steps, each its own transaction: `start_refund` writes the
Refund (pending), and `submit_refund` asks Stripe (idempotency key from the Refund row)
and then completes it. Stripe's `charge.refunded` webhook may arrive before Stripe has
even answered us; it finds our pending Refund by the id in the refund's metadata and
completes it the same way: a conditional UPDATE lets exactly one of the two write the
ledger. A pay-on-delivery refund is cash the owner gave back: it completes at once.

Both steps lock the order row first (`_lock_order`), so refunds of one order run one at a
time: what is left to refund is read after the lock, never from a copy loaded before a
concurrent refund was written, and one full refund leaves nothing for the next. A refund
left pending is tried again by the periodic job, each in its own transaction; after
MAX_ATTEMPTS tries it is marked failed, with the reason, where the owner and admin see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.integrations import stripe_gateway
from app.ledger.services import record_refund
from app.orders.fulfilment import has_shipped
from app.orders.models import Order
from app.orders.services import cancel_order
from app.status_words import status_in_sentence
from app.tenancy import unscoped, use_shop

from .emails import MoneyBack, email_cancellation, email_refund
from .models import Payment, Refund

REFUNDABLE = ("paid", "refunded")
NO_REASON = "Order cancelled"  # a cancel's refund when whoever cancelled gave no reason
MAX_ATTEMPTS = 6  # tries of a pending refund (the job runs every 10 minutes): about an hour


def _lock_order(order) -> None:
    """Lock the order row until the transaction ends and read it again, so two refunds of
    one order never both see the same money left. PostgreSQL: FOR NO KEY UPDATE (it still
    lets other transactions insert rows that point at the order). SQLite ignores the
    clause: its transactions already run one at a time (BEGIN IMMEDIATE, see app/__init__)."""
    db.session.flush()  # the refresh reads the row again: nothing unsaved may be lost
    db.session.refresh(order, with_for_update={"key_share": True})


def refundable_quantities(order) -> dict[int, int]:
    """Per order line, how many units are left to refund (not refunded, nor being)."""
    left = {line.id: line.quantity for line in order.lines}
    for refund in db.session.scalars(select(Refund).where(
            Refund.order_id == order.id, Refund.status.in_(("pending", "succeeded")))):
        for line_id, quantity in (refund.lines or {}).items():
            left[int(line_id)] -= int(quantity)
    return left


def refunds_of(order) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id)
                                   .order_by(Refund.id)))


def card_payment(order) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id,
                                                   Payment.status == "paid"))


def _in_flight(order) -> int:
    return sum(refund.amount for refund in db.session.scalars(select(Refund).where(
        Refund.order_id == order.id, Refund.status == "pending")))


def line_refund(line, quantity: int, refunded_before: int) -> int:
    """What refunding `quantity` more units of `line` gives back, `refunded_before` units of
    it having been refunded (or being) already: their price less their part of the line's
    discount, pro rata on the running count, so refunding every unit gives back exactly
    what was paid for the line, whatever the order of the refunds."""
    def discount_back(units: int) -> int:
        return line.discount_total * units // line.quantity

    return (quantity * line.unit_price
            - (discount_back(refunded_before + quantity) - discount_back(refunded_before)))


def _amount_of(order, quantities: Mapping[int, int], left: Mapping[int, int]) -> tuple[int, dict[str, int]]:
    """Check the wanted quantities against what is `left` to refund; -> (amount, lines).
    A discounted line gives back what was paid for those units (`line_refund`)."""
    by_id = {line.id: line for line in order.lines}
    amount, lines = 0, {}
    for line_id, quantity in quantities.items():
        line = by_id.get(int(line_id))
        if line is None:
            raise DomainError(_('That line is not part of this order.'))
        if quantity < 0:
            raise DomainError(_('Enter a quantity of zero or more.'))
        if quantity > left[line.id]:
            raise DomainError(_('%(title)s: only %(left)s left to refund.', title=line.title, left=left[line.id]))
        if quantity:
            amount += line_refund(line, quantity, line.quantity - left[line.id])
            lines[str(line.id)] = quantity
    return amount, lines


def start_refund(order, quantities: Mapping[int, int] | None, *, reason: str = "",
                 source: str = "dashboard", user_id: int | None = None,
                 cancels_order: bool = False) -> Refund:
    """Write a pending refund of `quantities` (order line id -> units; None: all that is
    left). `cancels_order`: the order is cancelled when the refund succeeds (and, as
    nothing shipped, the suppliers give back their costs). Flushes; the caller commits, then
    calls `submit_refund`."""
    _lock_order(order)
    if order.status not in REFUNDABLE:
        raise DomainError(_('An order that is %(status)s has no payment to refund.', status=status_in_sentence(order.status)))
    in_flight = _in_flight(order)
    left = order.net_total - in_flight
    units_left = refundable_quantities(order)
    if quantities is None:
        whole = {line_id: max(units, 0) for line_id, units in units_left.items()}
        _amount, lines = _amount_of(order, whole, units_left)
        amount = left  # also what an earlier amount-only refund left
    else:
        amount, lines = _amount_of(order, quantities, units_left)
        if amount > left:
            raise DomainError(_('That is more than is left to refund on this order.'))
    if amount <= 0:
        if quantities is not None:
            raise DomainError(_('Choose at least one item to refund.'))
        raise DomainError(_('A refund of everything left on this order is under way already.')
                          if in_flight else _('Everything on this order has been refunded already.'))
    if order.payment_method == "card" and card_payment(order) is None:
        raise DomainError(_("This order’s card payment was not found."))
    if cancels_order and has_shipped(order):
        raise DomainError(_('Part of this order has already shipped, so it can no longer be cancelled. Refund the items instead.'))
    refund = Refund(shop_id=order.shop_id, order_id=order.id, amount=amount, currency=order.currency,
                    lines=lines, reason=(reason or "").strip()[:300], source=source,
                    created_by_id=user_id, cancels_order=cancels_order)
    db.session.add(refund)
    db.session.flush()
    return refund


def submit_refund(refund_id: int) -> Refund:
    """Give the money back: ask Stripe (card), then complete the refund. Commits. A refusal
    from Stripe marks the refund failed and raises DomainError with Stripe's reason."""
    refund = db.session.scalar(select(Refund).where(Refund.id == refund_id))
    if refund is None or refund.status != "pending":
        return refund
    order = db.session.scalar(select(Order).where(Order.id == refund.order_id,
                                                  Order.shop_id == refund.shop_id))
    stripe_refund_id = None
    if order.payment_method == "card":
        payment = card_payment(order)
        if payment is None:
            raise RuntimeError(f"refund {refund.id}: order {order.number} has no paid card payment")
        try:
            paid = _paid_card_payments(order)
            if len(paid) > 1:  # a pre-order's deposit and balance: two charges to refund from
                stripe_refund_id = _refund_across(refund, order, paid)
                complete_refund(refund, order, stripe_refund_id)
                db.session.commit()
                return refund
            made = stripe_gateway.find_refund(payment.charge_id, refund.id)
            if made is None and refund.attempts >= MAX_ATTEMPTS:
                # Stripe has no refund for it (looked up just now): stop trying, and say so.
                _give_up(refund)
                db.session.commit()
                raise DomainError(refund.failure_message)
            made = made or stripe_gateway.create_refund(
                payment_intent=payment.payment_intent_id, amount=refund.amount,
                idempotency_key=refund.idempotency_key,
                metadata={"refund_id": str(refund.id), "order_number": order.number})
        except stripe_gateway.StripeError as error:
            message = (error.user_message or str(error))[:500]
            if not stripe_gateway.is_refusal(error):
                # The outcome is open (a 5xx, or no answer): keep it pending. The next try
                # looks the refund up first, then uses a fresh key.
                _update_pending(refund, attempts=Refund.attempts + 1, failure_message=message)
                db.session.commit()
                raise DomainError(_('Stripe had a problem; the refund is pending and will be tried again shortly.')) from None
            _update_pending(refund, status="failed", failure_message=message)
            db.session.commit()
            raise DomainError(_('Stripe refused the refund: %(message)s', message=message)) from None
        stripe_refund_id = made["id"]
    complete_refund(refund, order, stripe_refund_id)
    db.session.commit()
    return refund


def _paid_card_payments(order) -> list[Payment]:
    """The order's paid card payments, the latest first (a balance before its deposit)."""
    return list(db.session.scalars(select(Payment).where(Payment.order_id == order.id, Payment.status == "paid")
                                   .order_by(Payment.id.desc())))


def _refund_across(refund: Refund, order, payments: list[Payment]) -> str:
    """Refund `refund.amount` from several charges, the latest first, each part with its own
    idempotency key (and found again by the refund's id in its metadata after a lost
    answer). Returns the first Stripe refund's id."""
    remaining, first = refund.amount, None
    for payment in payments:
        if remaining <= 0:
            break
        made = stripe_gateway.find_refund(payment.charge_id, refund.id)
        if made is None:
            charge = stripe_gateway.retrieve_charge(payment.charge_id)
            part = min(remaining, charge["amount_captured"] - charge["amount_refunded"])
            if part <= 0:
                continue
            made = stripe_gateway.create_refund(
                payment_intent=payment.payment_intent_id, amount=part,
                idempotency_key=f"{refund.idempotency_key}-payment-{payment.id}",
                metadata={"refund_id": str(refund.id), "order_number": order.number})
        remaining -= made["amount"]
        first = first or made["id"]
    if remaining > 0:
        raise RuntimeError(f"refund {refund.id}: {remaining} more than the payments of {order.number} hold")
    return first


def _give_up(refund: Refund) -> None:
    """pending -> failed after MAX_ATTEMPTS tries, keeping the last reason in sight."""
    last = refund.failure_message or "no reason given"
    _update_pending(refund, status="failed",
                    failure_message=f"Gave up after {refund.attempts} tries: {last}"[:500])
    db.session.refresh(refund)


def _update_pending(refund: Refund, **values) -> bool:
    """Change a refund only while it is pending (a conditional UPDATE: of a webhook and
    our own call, one wins); True if this call did."""
    return db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == "pending").values(**values)
        .execution_options(synchronize_session=False)).rowcount == 1


def complete_refund(refund: Refund, order, stripe_refund_id: str | None) -> bool:
    """pending -> succeeded for exactly one caller, then the ledger and the order follow
    (and a cancelling refund cancels the order). False if someone else already did."""
    _lock_order(order)  # the ledger's split and refunded_total read what earlier refunds wrote
    won = _update_pending(refund, status="succeeded", succeeded_at=utcnow(),
                          stripe_refund_id=stripe_refund_id)
    db.session.refresh(refund)
    if not won:
        return False
    # Shipped meanwhile (the supplier was quicker than Stripe): the money is back with the
    # shopper, but the order stands and the suppliers keep their costs.
    cancelling = refund.cancels_order and not has_shipped(order)
    _apply(order, refund)
    if cancelling:
        cancel_order(order, reason=refund.reason or _('Cancelled and refunded'))
        email_cancellation(order, source=refund.source, reason="" if refund.reason == NO_REASON else refund.reason,
                           money=_money_back(order, refund.amount))
    else:
        email_refund(order, refund)
    return True


def _money_back(order, amount: int) -> MoneyBack:
    return MoneyBack("card" if order.payment_method == "card" else "cash", amount)


def cancel_and_refund(order, *, reason: str = "", source: str = "dashboard",
                      user_id: int | None = None) -> Order:
    """Cancel any order, giving a paid one's money back first. A use case of its own
    transactions (it commits): a paid card order's cancel waits on Stripe's refund; a paid
    pay-on-delivery order's cash refund completes, and so cancels it, at once."""
    if order.hold == "balance" and order.status == "pending":
        # A pre-order that went ahead, its balance not paid yet: the deposit goes back.
        from .holds import held_payment, release

        deposit = held_payment(order)
        order.hold, order.hold_expires_at = "", None
        release(order, reason or _("Cancelled before the balance was paid"))
        email_cancellation(order, source=source, reason=reason, money=(
            MoneyBack("none") if deposit is None else MoneyBack("released") if deposit.status == "authorised"
            else MoneyBack("card", deposit.amount)))
        db.session.commit()
        return order
    if order.hold == "deal" and order.status == "pending":
        # Its group decides: a failed group cancels it and returns the money; a member
        # taken out by hand would make the group's count a lie.
        raise DomainError(_('This order waits for its group buy: if the group does not fill in time it is cancelled and any money returned; once it fills, you can cancel it with a refund.'))
    paid = order.status in REFUNDABLE and order.net_total > 0
    if paid and order.payment_method == "card":
        refund = start_refund(order, None, reason=reason or NO_REASON, source=source,
                              user_id=user_id, cancels_order=True)
        db.session.commit()
        submit_refund(refund.id)  # the shopper is told once Stripe gave the money back
    elif paid:
        refund_cash(order, None, reason=reason or NO_REASON, source=source, user_id=user_id,
                    cancels_order=True)
        db.session.commit()
    else:
        if order.payment_method == "card" and order.status == "pending":
            from .services import close_open_checkout

            close_open_checkout(order)
        money = MoneyBack("refunded_before" if order.refunded_total else "none")
        cancel_order(order, reason, source=source, user_id=user_id)
        email_cancellation(order, source=source, reason=reason, money=money)
        db.session.commit()
    return order


def _apply(order, refund: Refund) -> None:
    record_refund(order, refund)
    order.refunded_total += refund.amount
    if order.refunded_total >= order.total and order.status == "paid":
        order.status = "refunded"
    db.session.flush()


def refund_cash(order, quantities: Mapping[int, int] | None, **options) -> Refund:
    """A pay-on-delivery refund: the owner gave the cash back. One step. Flushes."""
    refund = start_refund(order, quantities, **options)
    complete_refund(refund, order, None)
    return refund


def record_stripe_refunds(order, stripe_refunds) -> list[Refund]:
    """`charge.refunded`: complete our own pending refunds (found by the id in their
    metadata) and record, as amount refunds, the ones made in Stripe's dashboard."""
    recorded = []
    # Ours split over a deposit and its balance is completed by `submit_refund`, which sees
    # every part: one charge's list is only a part.
    split = len(_paid_card_payments(order)) > 1
    for made in stripe_refunds:
        if made.get("status") not in ("succeeded", "pending"):
            continue
        ours = (made.get("metadata") or {}).get("refund_id")
        if ours and split:
            continue
        if ours:
            refund = db.session.scalar(select(Refund).where(Refund.id == int(ours),
                                                            Refund.order_id == order.id))
            if refund is not None and complete_refund(refund, order, made["id"]):
                recorded.append(refund)
            continue
        if db.session.scalar(select(Refund.id).where(Refund.stripe_refund_id == made["id"])):
            continue
        amount = min(int(made["amount"]), order.net_total)
        if amount <= 0:
            continue
        refund = Refund(shop_id=order.shop_id, order_id=order.id, amount=amount,
                        currency=order.currency, lines={}, source="stripe", status="succeeded",
                        reason=_("Refunded in Stripe’s dashboard"), stripe_refund_id=made["id"],
                        succeeded_at=utcnow())
        db.session.add(refund)
        db.session.flush()
        _apply(order, refund)
        email_refund(order, refund)
        recorded.append(refund)
    return recorded


def resubmit_pending_refunds(older_than_minutes: int = 5) -> int:
    """Periodic: card refunds left pending (Stripe did not answer, a worker died) are
    submitted again; the lookup by id first makes a retry safe. Each refund is its own
    transaction: one that raises is logged and its try recorded (failed after MAX_ATTEMPTS),
    and the others go on. -> how many succeeded."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    with unscoped():
        pending = db.session.execute(select(Refund.id, Refund.shop_id).where(
            Refund.status == "pending", Refund.created_at < cutoff).order_by(Refund.id)).all()
    db.session.commit()
    settled = 0
    for refund_id, shop_id in pending:
        with use_shop(shop_id):
            try:
                refund = submit_refund(refund_id)
            except DomainError:
                db.session.rollback()  # submit_refund recorded the outcome (failed, or a try)
                continue
            except Exception as error:  # one bad refund must not stop the others
                db.session.rollback()
                current_app.logger.exception("refund %s could not be submitted again", refund_id)
                _record_error(refund_id, error)
                continue
            if refund is not None and refund.status == "succeeded":
                settled += 1
    return settled


def _record_error(refund_id: int, error: Exception) -> None:
    """A try that raised (not Stripe's answer: our own error, or a row that cannot be
    submitted) counts as a try, with its reason; the last allowed one fails the refund."""
    refund = db.session.scalar(select(Refund).where(Refund.id == refund_id))
    if refund is None:
        return
    message = f"Could not be submitted: {type(error).__name__}: {error}"[:500]
    if _update_pending(refund, attempts=Refund.attempts + 1, failure_message=message):
        db.session.refresh(refund)
        if refund.attempts >= MAX_ATTEMPTS:
            _give_up(refund)
    db.session.commit()


def refund_order(order, quantities: Mapping[int, int] | None, *, reason: str = "", source: str,
                 user_id: int | None) -> Refund:
    """A back office's refund ({order line id: quantity}, or None for everything left),
    carried out: a use case of its own transactions, like `cancel_and_refund` (the refund
    is recorded and committed before Stripe is asked). Raises DomainError."""
    refund = start_refund(order, quantities, reason=reason, source=source, user_id=user_id)
    db.session.commit()
    return submit_refund(refund.id)
