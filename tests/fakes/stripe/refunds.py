"""Refunds: a part of the fake Stripe (see server.py)."""

from __future__ import annotations

from typing import Any

from .errors import StripeAPIError, _invalid
from .forms import _Params
from .money import _new_id, format_amount
from .records import _Ctx


class RefundResources:
    """Refunds (a part of FakeStripe)."""

    def _api_create_refund(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only(
            "charge", "payment_intent", "amount", "reason", "metadata", "expand",
            "refund_application_fee", "reverse_transfer", "instructions_email",
        )  # fmt: skip
        charge_id = p.str("charge")
        intent_id = p.str("payment_intent")
        amount = p.int("amount", minimum=1)
        reason = p.enum("reason", ("duplicate", "fraudulent", "requested_by_customer"))
        metadata = p.metadata()
        p.bool("refund_application_fee")
        p.bool("reverse_transfer")
        p.email("instructions_email")
        expand = p.expand()
        if not charge_id and not intent_id:
            raise _invalid(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                "payment_intent",
            )
        if intent_id:
            intent = self._lookup("payment_intent", intent_id, "payment_intent", 400)
            if intent["status"] != "succeeded" or not intent["latest_charge"]:
                raise StripeAPIError(
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                    param="payment_intent",
                    code="charge_not_refundable",
                )
            charge = self._store[intent["latest_charge"]]
            if charge_id and charge_id != charge["id"]:
                raise StripeAPIError(
                    f"Charge {charge_id} does not belong to PaymentIntent {intent_id}.",
                    param="charge",
                )
        else:
            assert charge_id is not None
            charge = self._lookup("charge", charge_id, "charge", 400)
        refund = self._refund(charge, amount, reason, metadata, ctx)
        return self._render(refund, expand)

    def _refund(
        self,
        charge: dict[str, Any],
        amount: int | None,
        reason: str | None,
        metadata: dict[str, str],
        ctx: _Ctx,
    ) -> dict[str, Any]:
        charge_id = charge["id"]
        if charge["status"] != "succeeded":
            raise StripeAPIError(
                f"Charge {charge_id} has not succeeded and cannot be refunded.",
                param="charge",
                code="charge_not_refundable",
            )
        if charge["disputed"]:
            raise StripeAPIError(
                f"Charge {charge_id} has been charged back; it cannot be refunded.",
                param="charge",
                code="charge_disputed",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeAPIError(
                f"Charge {charge_id} has already been refunded.",
                param="charge",
                code="charge_already_refunded",
            )
        if amount is None:
            amount = remaining
        if amount <= 0:
            raise _invalid("This value must be greater than or equal to 1.", "amount")
        if amount > remaining:
            currency = charge["currency"]
            raise StripeAPIError(
                f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
                f"amount on charge ({format_amount(remaining, currency)})",
                param="amount",
                code="amount_too_large",
            )
        refund_id = _new_id("re_")
        txn = self._balance_txn(
            -amount,
            charge["currency"],
            fee=0,
            source=refund_id,
            type_="refund",
            category="refund",
            status="available",
        )
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": txn["id"],
            "charge": charge_id,
            "created": self._now(),
            "currency": charge["currency"],
            "destination_details": {
                "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
                "type": "card",
            },
            "metadata": metadata,
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        self._store[refund_id] = refund
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self._emit("charge.refunded", charge, ctx, previous=previous)
        return refund

    def _api_list_refunds(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("limit", "starting_after", "ending_before", "expand", "charge", "payment_intent", "created")
        charge_id = p.str("charge")
        intent_id = p.str("payment_intent")
        created = p.created_filter()
        refunds = [
            r
            for r in self._of_type("refund")
            if (charge_id is None or r["charge"] == charge_id)
            and (intent_id is None or r["payment_intent"] == intent_id)
            and created(r["created"])
        ]
        return self._list(refunds, "/v1/refunds", p, "refund")
