"""PaymentIntents with manual capture: capture an authorisation (all of it, or less), cancel
it, or let it expire (Stripe cancels an uncaptured card authorisation after 7 days): a part
of the fake Stripe (see server.py)."""

from __future__ import annotations

import copy
from typing import Any

from .errors import FakeStripeError, StripeAPIError, _invalid
from .forms import _Params
from .money import stripe_fee
from .records import _DASHBOARD, _Ctx

CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action",
              "processing")
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


class IntentActions:
    """Capture and cancel of PaymentIntents (a part of FakeStripe)."""

    def _api_capture_intent(self, params: dict[str, Any], ctx: _Ctx, object_id: str) -> dict[str, Any]:
        p = _Params(params)
        p.only("amount_to_capture", "metadata", "expand")
        intent = self._lookup("payment_intent", object_id)
        if intent["status"] != "requires_capture":
            raise StripeAPIError(
                f"This PaymentIntent could not be captured because it has a status of {intent['status']}. "
                "Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                code="payment_intent_unexpected_state")
        amount = p.int("amount_to_capture", minimum=1) if p.has("amount_to_capture") else intent["amount_capturable"]
        if amount > intent["amount_capturable"]:
            raise _invalid("The amount to capture cannot be more than the amount capturable "
                           f"({intent['amount_capturable']}).", "amount_to_capture")
        if p.has("metadata"):
            intent["metadata"].update(p.metadata())
        charge = self._store[intent["latest_charge"]]
        txn = self._balance_txn(amount, intent["currency"], fee=stripe_fee(amount), source=charge["id"],
                                type_="charge", category="charge")
        charge.update(captured=True, amount_captured=amount, balance_transaction=txn["id"])
        if amount < charge["amount"]:  # the rest of the hold is released
            charge["amount_refunded"] = charge["amount"] - amount
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        self._emit("charge.captured", charge, ctx)
        self._emit("payment_intent.succeeded", intent, ctx)
        return self._render(intent, p.expand())

    def _api_cancel_intent(self, params: dict[str, Any], ctx: _Ctx, object_id: str) -> dict[str, Any]:
        p = _Params(params)
        p.only("cancellation_reason", "expand")
        reason = p.enum("cancellation_reason", CANCELLATION_REASONS)
        intent = self._lookup("payment_intent", object_id)
        self._cancel_intent(intent, reason, ctx)
        return self._render(intent, p.expand())

    def _cancel_intent(self, intent: dict[str, Any], reason: str | None, ctx: _Ctx) -> None:
        if intent["status"] not in CANCELABLE:
            raise StripeAPIError(
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. "
                f"Only a PaymentIntent with one of the following statuses may be canceled: {', '.join(CANCELABLE)}.",
                code="payment_intent_unexpected_state")
        held = intent["amount_capturable"]
        intent.update(status="canceled", canceled_at=self._now(), cancellation_reason=reason,
                      amount_capturable=0)
        charge = self._store.get(intent["latest_charge"] or "")
        if charge is not None and held:  # the hold on the card is released: nothing was taken
            charge.update(refunded=True, amount_refunded=charge["amount"])
            if reason == "automatic":
                self._emit("charge.expired", charge, ctx)
        self._emit("payment_intent.canceled", intent, ctx)

    def expire_authorization(self, intent_id: str) -> dict[str, Any]:
        """Stripe lets an uncaptured card authorisation lapse (after 7 days): the intent is
        canceled with reason `automatic`, and charge.expired is sent."""
        with self._lock:
            intent = self._control_object(intent_id, "payment_intent")
            if intent["status"] != "requires_capture":
                raise FakeStripeError(f"{intent_id} is {intent['status']}, not an authorisation to expire")
            self._cancel_intent(intent, "automatic", _DASHBOARD)
            intent = copy.deepcopy(intent)
        self._deliver_pending()
        return intent
