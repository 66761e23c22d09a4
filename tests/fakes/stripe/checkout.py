"""Checkout Sessions, their line items and the payment that follows (payment intents, charges, balance transactions): a part of the fake Stripe (see server.py)."""

from __future__ import annotations

import copy
import time
from typing import Any

from .errors import FakeStripeError, StripeAPIError, _invalid, _missing
from .forms import _Params, _show, _valid_url
from .money import _CARD_NUMBERS, MAXIMUM_AMOUNT, MINIMUM_CHARGE, _new_id, format_amount, stripe_fee
from .records import _CARDS, _DASHBOARD, _Ctx


class CheckoutResources:
    """Checkout Sessions, their line items and the payment that follows (payment intents, charges, balance transactions) (a part of FakeStripe)."""

    def _api_create_session(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only(
            "mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata",
            "customer_email", "expires_at", "payment_intent_data", "expand",
            "payment_method_types", "locale", "submit_type", "billing_address_collection",
            "currency", "ui_mode",
        )  # fmt: skip
        mode = p.enum("mode", ("payment", "setup", "subscription"), required=True)
        if mode != "payment":
            raise _invalid(f"The fake Stripe supports only mode=payment, not mode={mode}.", "mode")
        ui_mode = p.enum("ui_mode", ("hosted", "embedded", "custom"), default="hosted")
        if ui_mode != "hosted":
            raise _invalid("The fake Stripe supports only ui_mode=hosted.", "ui_mode")
        success_url = p.url("success_url", required=True)
        cancel_url = p.url("cancel_url")
        now = self._now()
        items, products = self._line_items_from(p, now)
        currency = items[0]["currency"]
        for i, item in enumerate(items):
            if item["currency"] != currency:
                raise _invalid(
                    "All line items must have the same currency; line_items[0] is in "
                    f"{currency} but line_items[{i}] is in {item['currency']}.",
                    f"line_items[{i}][price_data][currency]",
                )
        wanted_currency = p.currency("currency")
        if wanted_currency and wanted_currency != currency:
            raise _invalid(
                f"currency {wanted_currency} does not match the line items' {currency}.", "currency"
            )
        total = sum(item["amount_total"] for item in items)
        minimum = MINIMUM_CHARGE.get(currency, 1)
        if total < minimum:
            raise _invalid(
                "The Checkout Session's total amount due must add up to at least "
                f"{format_amount(minimum, currency)}",
                "line_items",
                "amount_too_small",
            )
        if total > MAXIMUM_AMOUNT:
            raise _invalid(
                f"The Checkout Session's total amount due must be no more than "
                f"{format_amount(MAXIMUM_AMOUNT, currency)}",
                "line_items",
                "amount_too_large",
            )
        client_reference_id = p.str("client_reference_id", max_length=200)
        customer_email = p.email("customer_email")
        metadata = p.metadata()
        expires_at = p.int("expires_at")
        if expires_at is None:
            expires_at = now + 86400
        elif expires_at < now + 1800:
            raise _invalid(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
                "creation.",
                "expires_at",
            )
        elif expires_at > now + 86400:
            raise _invalid(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session "
                "creation.",
                "expires_at",
            )
        intent_data = self._intent_data_from(p)
        method_types = p.list("payment_method_types")
        for i, method_type in enumerate(method_types or []):
            if not isinstance(method_type, str) or not method_type:
                raise _invalid(f"Invalid string: {_show(method_type)}", f"payment_method_types[{i}]")
        locale = p.str("locale", max_length=10)
        submit_type = p.enum("submit_type", ("auto", "book", "donate", "pay", "subscribe"))
        address = p.enum("billing_address_collection", ("auto", "required"), default="auto")
        expand = p.expand()
        session_id = _new_id("cs_test_", 58)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "billing_address_collection": address,
            "cancel_url": cancel_url,
            "client_reference_id": client_reference_id,
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": customer_email,
            "expires_at": expires_at,
            "livemode": False,
            "locale": locale,
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": method_types or ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "submit_type": submit_type,
            "success_url": success_url,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.url}/pay/{session_id}",
        }
        self._check_expand(session, expand)
        for product in products:
            self._store[product["id"]] = product
        self._store[session_id] = session
        self._line_items[session_id] = items
        self._intent_data[session_id] = intent_data
        return self._render(session, expand)

    def _line_items_from(self, p: _Params, now: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        raw_items = p.list("line_items", required=True)
        if not raw_items:
            raise _missing("line_items")
        if len(raw_items) > 100:
            raise _invalid("You may only specify up to 100 line items.", "line_items")
        items, products = [], []
        for i, raw in enumerate(raw_items):
            line = _Params(raw, f"line_items[{i}]")
            line.only("price", "price_data", "quantity")
            if line.has("price"):
                raise _invalid(
                    f"No such price: '{line.str('price')}' (the fake Stripe supports only "
                    "price_data line items)",
                    line.name("price"),
                    "resource_missing",
                )
            price_data = line.sub("price_data")
            if price_data is None:
                raise _invalid(
                    "You must specify either `price` or `price_data` for each line item.",
                    line.name("price_data"),
                )
            price_data.only("currency", "unit_amount", "product_data", "tax_behavior")
            currency = price_data.currency("currency", required=True)
            unit_amount = price_data.int(
                "unit_amount", required=True, minimum=0, maximum=MAXIMUM_AMOUNT
            )
            tax_behavior = price_data.enum(
                "tax_behavior", ("exclusive", "inclusive", "unspecified"), default="unspecified"
            )
            product_data = price_data.sub("product_data", required=True)
            assert product_data is not None and currency and unit_amount is not None
            product_data.only("name", "description", "images", "metadata", "tax_code")
            name = product_data.str("name", required=True, max_length=250)
            description = product_data.str("description", max_length=40000)
            images = product_data.list("images") or []
            for j, image in enumerate(images):
                if not isinstance(image, str) or not _valid_url(image):
                    raise _invalid("Not a valid URL", f"{product_data.name('images')}[{j}]", "url_invalid")
            product_metadata = product_data.metadata()
            tax_code = product_data.str("tax_code")
            quantity = line.int("quantity", required=True, minimum=1, maximum=999_999)
            assert quantity is not None
            product_id = _new_id("prod_", 14)
            products.append(
                {
                    "id": product_id,
                    "object": "product",
                    "active": True,
                    "created": now,
                    "description": description,
                    "images": images,
                    "livemode": False,
                    "metadata": product_metadata,
                    "name": name,
                    "tax_code": tax_code,
                }
            )
            amount = unit_amount * quantity
            items.append(
                {
                    "id": _new_id("li_"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": currency,
                    "description": name,
                    "price": {
                        "id": _new_id("price_"),
                        "object": "price",
                        "active": False,
                        "billing_scheme": "per_unit",
                        "created": now,
                        "currency": currency,
                        "livemode": False,
                        "metadata": {},
                        "product": product_id,
                        "recurring": None,
                        "tax_behavior": tax_behavior,
                        "type": "one_time",
                        "unit_amount": unit_amount,
                        "unit_amount_decimal": str(unit_amount),
                    },
                    "quantity": quantity,
                }
            )
        return items, products

    def _intent_data_from(self, p: _Params) -> dict[str, Any]:
        out: dict[str, Any] = {
            "capture_method": "automatic",
            "description": None,
            "metadata": {},
            "receipt_email": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "transfer_group": None,
        }
        data = p.sub("payment_intent_data")
        if data is None:
            return out
        data.only(
            "transfer_group", "metadata", "description", "receipt_email", "statement_descriptor",
            "statement_descriptor_suffix", "capture_method",
        )  # fmt: skip
        capture = data.enum("capture_method", ("automatic", "automatic_async", "manual"))
        out["capture_method"] = "automatic" if capture in (None, "automatic_async") else capture
        out["transfer_group"] = data.str("transfer_group")
        out["metadata"] = data.metadata()
        out["description"] = data.str("description", max_length=1000)
        out["receipt_email"] = data.email("receipt_email")
        out["statement_descriptor"] = data.str("statement_descriptor", max_length=22)
        out["statement_descriptor_suffix"] = data.str("statement_descriptor_suffix", max_length=22)
        return out

    def _api_list_sessions(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("limit", "starting_after", "ending_before", "expand", "payment_intent", "status", "created")
        payment_intent = p.str("payment_intent")
        status = p.enum("status", ("open", "complete", "expired"))
        created = p.created_filter()
        sessions = [
            s
            for s in self._of_type("checkout.session")
            if (payment_intent is None or s["payment_intent"] == payment_intent)
            and (status is None or s["status"] == status)
            and created(s["created"])
        ]
        return self._list(sessions, "/v1/checkout/sessions", p, "checkout.session")

    def _line_items_list(self, session_id: str, params: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        p = _Params(params)
        items = self._line_items.get(session_id, [])
        # line items keep their order (Stripe lists them as created, not newest first)
        listed = self._list(list(reversed(items)), f"/v1/checkout/sessions/{session_id}/line_items", p, "item")
        for path in expand:
            self._expand_into(listed, path.split("."), path)
        return listed

    def _api_session_line_items(self, params: dict[str, Any], ctx: _Ctx, object_id: str) -> dict[str, Any]:
        self._lookup("checkout.session", object_id)
        p = _Params(params)
        p.only("limit", "starting_after", "ending_before", "expand")
        return self._line_items_list(object_id, params, [])

    def _api_expire_session(self, params: dict[str, Any], ctx: _Ctx, object_id: str) -> dict[str, Any]:
        p = _Params(params)
        p.only("expand")
        expand = p.expand()
        session = self._lookup("checkout.session", object_id)
        if session["status"] != "open":
            raise StripeAPIError(
                'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f"session has a status of \"{session['status']}\".",
                param="session",
            )
        self._expire(session, ctx)
        return self._render(session, expand)

    def _expire(self, session: dict[str, Any], ctx: _Ctx) -> None:
        session["status"] = "expired"
        session["url"] = None
        self._emit("checkout.session.expired", session, ctx)

    # ----------------------------------------------------------------- payments

    def _pay(self, session_id: str, card: str, email: str | None) -> dict[str, Any]:
        session = self._control_object(session_id, "checkout.session")
        if session["status"] != "open":
            raise FakeStripeError(f"session {session_id} is {session['status']}, not open")
        card_name = _CARD_NUMBERS.get(card.replace(" ", ""), card)
        if card_name not in _CARDS:
            raise FakeStripeError(
                f"unknown test card {card!r}: use one of {', '.join(_CARDS)} or {', '.join(_CARD_NUMBERS)}"
            )
        outcome = _CARDS[card_name]
        now = self._now()
        amount, currency = session["amount_total"], session["currency"]
        data = self._intent_data[session_id]
        email = email or session["customer_email"] or "shopper@example.com"
        intent_id = self._session_intent.get(session_id)
        if intent_id is None:  # one PaymentIntent per session, made at the first attempt
            intent_id = _new_id("pi_")
            self._session_intent[session_id] = intent_id
            self._store[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_received": 0,
                "canceled_at": None,
                "cancellation_reason": None,
                "capture_method": data["capture_method"],
                "client_secret": f"{intent_id}_secret_{_new_id('', 24)}",
                "confirmation_method": "automatic",
                "created": now,
                "currency": currency,
                "customer": None,
                "description": data["description"],
                "last_payment_error": None,
                "latest_charge": None,
                "livemode": False,
                "metadata": copy.deepcopy(data["metadata"]),
                "on_behalf_of": None,
                "payment_method": None,
                "payment_method_types": list(session["payment_method_types"]),
                "receipt_email": data["receipt_email"],
                "statement_descriptor": data["statement_descriptor"],
                "statement_descriptor_suffix": data["statement_descriptor_suffix"],
                "status": "requires_payment_method",
                "transfer_data": None,
                "transfer_group": data["transfer_group"],
            }
        intent = self._store[intent_id]
        method_id = _new_id("pm_")
        charge_id = _new_id("ch_")
        decline = outcome["decline"]
        manual = data["capture_method"] == "manual"  # an authorisation, captured later (or not)
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": 0 if decline or manual else amount,
            "amount_refunded": 0,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": None,
            "billing_details": {"address": None, "email": email, "name": None, "phone": None},
            "captured": not decline and not manual,
            "created": now,
            "currency": currency,
            "customer": None,
            "description": data["description"],
            "disputed": False,
            "failure_code": decline[0] if decline else None,
            "failure_message": decline[2] if decline else None,
            "livemode": False,
            "metadata": copy.deepcopy(intent["metadata"]),
            "outcome": (
                {
                    "network_status": "declined_by_network",
                    "reason": decline[1],
                    "risk_level": "normal",
                    "seller_message": "The bank did not return any further details with this decline.",
                    "type": "issuer_declined",
                }
                if decline
                else {
                    "network_status": "approved_by_network",
                    "reason": None,
                    "risk_level": "normal",
                    "seller_message": "Payment complete.",
                    "type": "authorized",
                }
            ),
            "paid": not decline,
            "payment_intent": intent_id,
            "payment_method": method_id,
            "payment_method_details": {
                "card": {
                    "brand": "visa",
                    "country": "US",
                    "exp_month": 12,
                    "exp_year": time.gmtime(now).tm_year + 3,
                    "funding": "credit",
                    "last4": outcome["last4"],
                },
                "type": "card",
            },
            "receipt_email": data["receipt_email"],
            "refunded": False,
            "source_transfer": None,
            "statement_descriptor": data["statement_descriptor"],
            "statement_descriptor_suffix": data["statement_descriptor_suffix"],
            "status": "failed" if decline else "succeeded",
            "transfer": None,
            "transfer_group": data["transfer_group"],
        }
        self._store[charge_id] = charge
        intent["latest_charge"] = charge_id
        intent["payment_method"] = method_id
        if decline:
            code, decline_code, message = decline
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "charge": charge_id,
                "code": code,
                "decline_code": decline_code,
                "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
                "message": message,
                "payment_method": {"id": method_id, "object": "payment_method", "type": "card"},
                "type": "card_error",
            }
            self._emit("payment_intent.payment_failed", intent, _DASHBOARD)
            return session
        if manual:  # the funds are held on the card; nothing moves until the capture
            intent["status"] = "requires_capture"
            intent["amount_capturable"] = amount
            charge["outcome"]["seller_message"] = "Payment authorized."
        else:
            txn = self._balance_txn(
                amount, currency, fee=stripe_fee(amount), source=charge_id, type_="charge", category="charge"
            )
            charge["balance_transaction"] = txn["id"]
            intent["status"] = "succeeded"
            intent["amount_received"] = amount
        intent["last_payment_error"] = None
        session["status"] = "complete"
        session["payment_status"] = "unpaid" if manual else "paid"
        session["payment_intent"] = intent_id
        session["url"] = None
        session["customer_details"] = {
            "address": None,
            "email": email,
            "name": None,
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }
        if manual:
            self._emit("payment_intent.amount_capturable_updated", intent, _DASHBOARD)
        self._emit("checkout.session.completed", session, _DASHBOARD)
        return session
