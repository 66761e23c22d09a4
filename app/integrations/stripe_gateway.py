"""The one place that talks to Stripe (the official `stripe` library, StripeClient).

STRIPE_API_BASE points the client elsewhere (the test suite's local fake of Stripe's HTTP
API); unset, it talks to Stripe. Every create carries an idempotency key derived from our
own row, so a retry (ours or the library's) can never charge, refund or transfer twice.
"""

from __future__ import annotations

from datetime import datetime

import stripe
from flask import current_app

StripeError = stripe.StripeError


def _plain(obj) -> dict:
    """Stripe's objects as plain dicts (what the rest of the app reads), nested ones too."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def is_refusal(error: StripeError) -> bool:
    """A definite "no" from Stripe (a 4xx other than a conflict or rate limit): trying
    again will not help. 5xx, 409, 429 and no answer at all leave the outcome open."""
    status = getattr(error, "http_status", None)
    return status is not None and 400 <= status < 500 and status not in (409, 429)


def enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    """One StripeClient per app (it is thread-safe and keeps its HTTP connections)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("stripe_client")
    if cached is None:
        base = app.config.get("STRIPE_API_BASE") or None
        addresses = {"api": base, "connect": base, "files": base} if base else None
        cached = stripe.StripeClient(app.config["STRIPE_SECRET_KEY"], base_addresses=addresses,
                                     max_network_retries=app.config["STRIPE_NETWORK_RETRIES"])
        app.extensions["stripe_client"] = cached
    return cached


def create_checkout_session(*, number: str, shop_id: int, line_items: list[dict],
                            customer_email: str, success_url: str, cancel_url: str,
                            expires_at: datetime, capture_manually: bool = False,
                            idempotency_key: str | None = None):
    """A Checkout Session for one order, whose payment intent carries the order as its
    transfer group ("separate charges and transfers": one charge pays several parties).
    `capture_manually`: the card is only authorised; `capture_payment_intent` takes it."""
    metadata = {"order_number": number, "shop_id": str(shop_id)}
    intent_data = {"transfer_group": number, "metadata": metadata}
    if capture_manually:
        intent_data["capture_method"] = "manual"
    return _plain(client().v1.checkout.sessions.create(params={
        "mode": "payment",
        "line_items": line_items,
        "client_reference_id": number,
        "customer_email": customer_email,
        "metadata": metadata,
        "payment_intent_data": intent_data,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(expires_at.timestamp()),
    }, options={"idempotency_key": idempotency_key or f"checkout-{number}"}))


def line_item(name: str, unit_amount: int, quantity: int, currency: str) -> dict:
    return {"price_data": {"currency": currency.lower(), "unit_amount": unit_amount,
                           "product_data": {"name": name[:250]}}, "quantity": quantity}


def retrieve_checkout_session(session_id: str):
    return _plain(client().v1.checkout.sessions.retrieve(session_id))


def expire_checkout_session(session_id: str):
    return _plain(client().v1.checkout.sessions.expire(session_id))


def retrieve_payment_intent(intent_id: str):
    """The payment intent with its charge and the charge's balance transaction (the fee)."""
    return _plain(client().v1.payment_intents.retrieve(
        intent_id, params={"expand": ["latest_charge.balance_transaction"]}))


def capture_payment_intent(intent_id: str, *, idempotency_key: str):
    """Take the whole of an authorisation; the answer carries the charge's balance
    transaction (the fee)."""
    return _plain(client().v1.payment_intents.capture(
        intent_id, params={"expand": ["latest_charge.balance_transaction"]},
        options={"idempotency_key": idempotency_key}))


def cancel_payment_intent(intent_id: str, *, idempotency_key: str):
    """Release an authorisation: nothing is taken from the card."""
    return _plain(client().v1.payment_intents.cancel(
        intent_id, params={"cancellation_reason": "abandoned"}, options={"idempotency_key": idempotency_key}))


def retrieve_charge(charge_id: str):
    return _plain(client().v1.charges.retrieve(charge_id, params={"expand": ["balance_transaction"]}))


def list_refunds(charge_id: str) -> list[dict]:
    return [_plain(refund) for refund in
            client().v1.refunds.list(params={"charge": charge_id, "limit": 100}).auto_paging_iter()]


def find_refund(charge_id: str, refund_id: int) -> dict | None:
    """The Stripe refund made for our Refund row (its id is in the metadata), if any."""
    return next((refund for refund in list_refunds(charge_id)
                 if (refund.get("metadata") or {}).get("refund_id") == str(refund_id)
                 and refund.get("status") in ("succeeded", "pending")), None)


def create_refund(*, payment_intent: str, amount: int, idempotency_key: str, metadata: dict):
    return _plain(client().v1.refunds.create(params={
        "payment_intent": payment_intent, "amount": amount, "metadata": metadata,
    }, options={"idempotency_key": idempotency_key}))


def create_transfer(*, amount: int, currency: str, destination: str, transfer_group: str,
                    idempotency_key: str, metadata: dict):
    return _plain(client().v1.transfers.create(params={
        "amount": amount, "currency": currency.lower(), "destination": destination,
        "transfer_group": transfer_group, "metadata": metadata,
    }, options={"idempotency_key": idempotency_key}))


def find_transfer(transfer_group: str):
    """The transfer already made for a group (a payout), if any."""
    found = client().v1.transfers.list(params={"transfer_group": transfer_group, "limit": 10})
    return next((_plain(transfer) for transfer in found.data if not transfer["reversed"]), None)


def create_express_account(*, email: str, country: str, metadata: dict, idempotency_key: str):
    """An Express account; without an `email` (a pickup point's person in charge) Stripe asks
    for one during onboarding."""
    params = {"type": "express", "country": country, "capabilities": {"transfers": {"requested": True}},
              "metadata": metadata}
    if email:
        params["email"] = email
    return _plain(client().v1.accounts.create(params=params, options={"idempotency_key": idempotency_key}))


def retrieve_account(account_id: str):
    return _plain(client().v1.accounts.retrieve(account_id))


def create_onboarding_link(*, account_id: str, refresh_url: str, return_url: str):
    return _plain(client().v1.account_links.create(params={
        "account": account_id, "refresh_url": refresh_url, "return_url": return_url,
        "type": "account_onboarding",
    }))


def construct_event(payload: bytes, signature: str | None) -> dict:
    """Verify a webhook's signature on its raw body -> the event as a plain dict. Raises
    ValueError or stripe.SignatureVerificationError (a timestamp outside the tolerance too)."""
    return _plain(stripe.Webhook.construct_event(
        payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"],
        tolerance=current_app.config["STRIPE_WEBHOOK_TOLERANCE"]))
