"""POST /webhooks/stripe on the platform host: Stripe's events, verified and handled once.

The signature is checked on the raw body with STRIPE_WEBHOOK_SECRET (and the timestamp
against the tolerance: an old event replayed by someone is refused). The event id is
inserted into `stripe_events` in the same transaction as its effects: a redelivered event
hits the primary key and changes nothing; an event whose handling fails is rolled back,
answered 500, and Stripe delivers it again later. Handlers re-read what they need from
Stripe, so the order in which events arrive does not matter.
"""

from __future__ import annotations

import stripe
from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError

from app.extensions import csrf, db, limiter
from app.integrations import stripe_gateway
from app.ledger.connect import refresh_from_stripe

from . import services
from .models import StripeEvent

bp = Blueprint("payments", __name__)

HANDLERS = {
    "checkout.session.completed": lambda obj: services.complete_checkout(obj),
    "checkout.session.async_payment_succeeded": lambda obj: services.complete_checkout(obj),
    "checkout.session.expired": lambda obj: services.expire_checkout(obj),
    "payment_intent.payment_failed": lambda obj: services.record_payment_failure(obj),
    "charge.refunded": lambda obj: services.record_refunds(obj),
    "charge.dispute.created": lambda obj: services.record_dispute_event(obj),
    "charge.dispute.closed": lambda obj: services.record_dispute_event(obj, closed=True),
    "account.updated": lambda obj: _account_updated(obj),
}


def _account_updated(account) -> services.Outcome:
    found = refresh_from_stripe(account)
    return services.Outcome(f"account {account['id']} {'updated' if found else 'unknown'}")


@bp.post("/webhooks/stripe")
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    if not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        return {"error": "Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)."}, 404  # not translated: a reply to Stripe
    payload = request.get_data()
    try:
        event = stripe_gateway.construct_event(payload, request.headers.get("Stripe-Signature"))
    except (ValueError, stripe.SignatureVerificationError) as error:
        current_app.logger.warning("refused a Stripe webhook: %s", error)
        return {"error": "invalid payload or signature"}, 400  # not translated: a reply to Stripe
    if db.session.get(StripeEvent, event["id"]) is not None:
        return {"received": True, "duplicate": True}
    handler = HANDLERS.get(event["type"])
    try:
        record = StripeEvent(id=event["id"], type=event["type"])
        db.session.add(record)
        db.session.flush()  # a concurrent delivery of the same event stops here
        outcome = handler(event["data"]["object"]) if handler else services.Outcome("ignored")
        record.outcome = outcome.message[:200]
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return {"received": True, "duplicate": True}
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Stripe event %s (%s) failed; Stripe will retry", event["id"], event["type"])
        return {"error": "handling failed; retry later"}, 500  # not translated: a reply to Stripe
    return {"received": True, "outcome": outcome.message}
