"""The fake Stripe server: HTTP, authentication, idempotency, routing, recording, webhooks and the control methods. Each resource's endpoints are in a module of their own (checkout, refunds, connect, events, pages)."""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

try:  # the version StripeClient sends in Stripe-Version unless told otherwise
    from stripe._api_version import _ApiVersion

    DEFAULT_API_VERSION: str = _ApiVersion.CURRENT
except ImportError:  # pragma: no cover - a future stripe moved it
    DEFAULT_API_VERSION = str(stripe.api_version)

from .checkout import CheckoutResources
from .connect import ConnectResources
from .errors import (
    FakeStripeError,
    StripeAPIError,
    _cannot_expand,
    _invalid,
    _no_such,
    _unrecognized,
)
from .events import EventResources
from .forms import FormError, _Params, parse_form
from .intents import IntentActions
from .money import DEFAULT_API_KEY, DISPUTE_FEE, _new_id
from .pages import HostedPages
from .records import (
    _DASHBOARD,
    _WEBHOOK_OPENER,
    RecordedRequest,
    Stall,
    WebhookDelivery,
    _Ctx,
    _FailRule,
    _QuietHandler,
)
from .refunds import RefundResources


class FakeStripe(CheckoutResources, RefundResources, ConnectResources, EventResources, HostedPages, IntentActions):
    """A fake Stripe API server. `start()`/`stop()` or `with FakeStripe() as fake:`.

    One instance is meant to live for the whole test session; call `reset()` before each
    test. All state is guarded by one lock; webhook deliveries happen outside it.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_version: str = DEFAULT_API_VERSION,
        webhook_url: str | Callable[[bytes, dict[str, str]], Any] | None = None,
        webhook_secret: str | None = None,
    ):
        self.host = host
        self.port = port
        self.api_version = api_version
        # Where events are POSTed: a URL, or a callable(payload_bytes, headers) -> status
        # (or anything with .status_code, e.g. a Flask test client's response).
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        # Connect events (event.account set, e.g. account.updated) go here when set.
        self.connect_webhook_url: str | Callable[[bytes, dict[str, str]], Any] | None = None
        self.connect_webhook_secret: str | None = None
        self.auto_deliver = True  # False: events queue until flush_webhooks()
        self.webhook_timeout = 10.0
        self.clock: Callable[[], float] = time.time  # timestamps of objects and events
        self._lock = threading.RLock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None
        self._routes = self._build_routes()
        self._clear()

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeStripe:
        if self._server is not None:
            return self
        server = make_server(
            self.host, self.port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._server = server
        self._url = f"http://{self.host}:{server.port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-stripe-{server.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._url is None:
            raise FakeStripeError("the fake Stripe is not started; call start() first")
        return self._url

    @property
    def base_addresses(self) -> dict[str, str]:
        """For `stripe.StripeClient(key, base_addresses=...)`: every base the library knows
        points at the fake, so nothing can reach the real Stripe by accident."""
        return {"api": self.url, "connect": self.url, "files": self.url, "meter_events": self.url}

    def client(self, api_key: str = DEFAULT_API_KEY, **kwargs: Any) -> stripe.StripeClient:
        """A StripeClient wired to the fake (no retries unless max_network_retries=...)."""
        kwargs.setdefault("max_network_retries", 0)
        return stripe.StripeClient(api_key, base_addresses=self.base_addresses, **kwargs)

    def reset(self) -> None:
        """Forget every object, request, event, delivery, failure rule and the webhook
        targets (webhook_url, connect_webhook_url); auto_deliver goes back to True. Webhook
        secrets, api_version and the server itself stay."""
        with self._lock:
            self._clear()
            self.webhook_url = None
            self.connect_webhook_url = None
            self.auto_deliver = True

    def _clear(self) -> None:
        self._store: dict[str, dict[str, Any]] = {}  # every object by id, in creation order
        self._requests: list[RecordedRequest] = []
        self._deliveries: list[WebhookDelivery] = []
        self._pending: list[str] = []  # event ids not delivered yet
        self._idempotency: dict[tuple[str, str], dict[str, Any]] = {}
        self._in_flight: set[tuple[str, str]] = set()  # (api key, idempotency key) being answered
        self._fail_rules: list[_FailRule] = []
        for stall in getattr(self, "_stalls", []):
            stall.release.set()  # never leave a request of an earlier test hanging
        self._stalls: list[Stall] = []
        self._transfer_blocks: dict[str, str] = {}
        self._line_items: dict[str, list[dict[str, Any]]] = {}  # session id -> items
        self._intent_data: dict[str, dict[str, Any]] = {}  # session id -> payment_intent_data
        self._session_intent: dict[str, str] = {}  # session id -> its PaymentIntent
        self._links: dict[str, dict[str, Any]] = {}  # onboarding link id -> link state
        self._available: dict[str, int] | None = None  # None: unlimited platform balance
        self.errors: list[str] = []  # tracebacks of crashes inside the fake

    # ----------------------------------------------------------------- inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def find_requests(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Recorded API requests, filtered by method and by path (exact, or a prefix
        ending in '/' or '*': "/v1/transfers*")."""
        out = []
        for rec in self.requests:
            if method and rec.method != method.upper():
                continue
            if path:
                prefix = path.rstrip("*")
                if path.endswith(("*", "/")):
                    if not rec.path.startswith(prefix):
                        continue
                elif rec.path != path:
                    continue
            out.append(rec)
        return out

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event, oldest first (copies)."""
        return self.objects("event")

    def events_of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.events if fnmatch.fnmatchcase(event["type"], event_type)]

    def last_event(self, event_type: str | None = None) -> dict[str, Any]:
        events = self.events_of_type(event_type) if event_type else self.events
        if not events:
            raise FakeStripeError(f"no event{' of type ' + event_type if event_type else ''}")
        return events[-1]

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._deliveries)

    @property
    def pending_webhooks(self) -> list[str]:
        """Ids of events emitted but not delivered yet (auto_deliver=False)."""
        with self._lock:
            return list(self._pending)

    def get(self, object_id: str) -> dict[str, Any]:
        """Any object the fake holds, by id (a copy)."""
        with self._lock:
            obj = self._store.get(object_id)
            if obj is None:
                raise FakeStripeError(f"the fake Stripe has no object {object_id!r}")
            return copy.deepcopy(obj)

    def objects(self, object_type: str) -> list[dict[str, Any]]:
        """Every object of a type ("checkout.session", "charge", ...), oldest first."""
        with self._lock:
            return [
                copy.deepcopy(obj) for obj in self._store.values() if obj["object"] == object_type
            ]

    @property
    def available_balance(self) -> dict[str, int] | None:
        with self._lock:
            return None if self._available is None else dict(self._available)

    # ----------------------------------------------------------------- control methods

    def pay_session(self, session_id: str, card: str = "success", *, email: str | None = None) -> dict[str, Any]:
        """The shopper pays on the hosted page. card: "success", "declined",
        "insufficient_funds" (or the test card numbers 4242..., 4000000000000002, ...).
        Success: a succeeded PaymentIntent, a Charge and its BalanceTransaction (fee =
        stripe_fee(amount)), the session "complete"/"paid", event checkout.session.completed.
        Decline: event payment_intent.payment_failed, the session stays open.
        With payment_intent_data[capture_method]=manual, success is an authorisation: the
        intent "requires_capture" (amount_capturable), the charge not captured and without a
        balance transaction, the session "complete"/"unpaid", events
        payment_intent.amount_capturable_updated and checkout.session.completed.
        Returns the session (a copy)."""
        with self._lock:
            session = copy.deepcopy(self._pay(session_id, card, email))
        self._deliver_pending()
        return session

    def expire_session(self, session_id: str) -> dict[str, Any]:
        """Stripe expires an open session (event checkout.session.expired)."""
        with self._lock:
            session = self._control_object(session_id, "checkout.session")
            if session["status"] != "open":
                raise FakeStripeError(f"session {session_id} is {session['status']}, not open")
            self._expire(session, _DASHBOARD)
            result = copy.deepcopy(session)
        self._deliver_pending()
        return result

    def refund_from_dashboard(
        self, charge_id: str, amount: int | None = None, *, reason: str | None = None
    ) -> dict[str, Any]:
        """Someone refunds in the Stripe dashboard (event charge.refunded). Returns the refund."""
        with self._lock:
            charge = self._control_object(charge_id, "charge")
            try:
                refund = copy.deepcopy(self._refund(charge, amount, reason, {}, _DASHBOARD))
            except StripeAPIError as exc:
                raise FakeStripeError(exc.message) from exc
        self._deliver_pending()
        return refund

    def open_dispute(
        self, charge_id: str, amount: int | None = None, *, reason: str = "fraudulent"
    ) -> dict[str, Any]:
        """The cardholder disputes a charge (event charge.dispute.created). Returns the
        dispute (`dp_...`, status needs_response). A disputed charge cannot be refunded."""
        with self._lock:
            charge = self._control_object(charge_id, "charge")
            if charge["status"] != "succeeded":
                raise FakeStripeError(f"charge {charge_id} did not succeed")
            if charge["disputed"]:
                raise FakeStripeError(f"charge {charge_id} is already disputed")
            amount = charge["amount"] if amount is None else amount
            if not 0 < amount <= charge["amount"]:
                raise FakeStripeError(f"a dispute of {amount} on a charge of {charge['amount']}")
            dispute_id = _new_id("dp_")
            txn = self._balance_txn(
                -amount,
                charge["currency"],
                fee=DISPUTE_FEE,
                source=dispute_id,
                type_="adjustment",
                category="dispute",
                status="available",
                fee_description="Dispute fee",
            )
            now = self._now()
            dispute = {
                "id": dispute_id,
                "object": "dispute",
                "amount": amount,
                "balance_transactions": [copy.deepcopy(txn)],
                "charge": charge["id"],
                "created": now,
                "currency": charge["currency"],
                "evidence": {"customer_email_address": None, "uncategorized_text": None},
                "evidence_details": {
                    "due_by": now + 7 * 86400,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "status": "needs_response",
            }
            self._store[dispute_id] = dispute
            charge["disputed"] = True
            self._emit("charge.dispute.created", dispute, _DASHBOARD)
            result = copy.deepcopy(dispute)
        self._deliver_pending()
        return result

    def close_dispute(self, dispute_id: str, status: str = "lost") -> dict[str, Any]:
        """The dispute ends, "won" or "lost" (event charge.dispute.closed)."""
        if status not in ("won", "lost"):
            raise FakeStripeError("status must be 'won' or 'lost'")
        with self._lock:
            dispute = self._control_object(dispute_id, "dispute")
            previous = {"status": dispute["status"]}
            dispute["status"] = status
            if status == "won":
                txn = self._balance_txn(
                    dispute["amount"] + DISPUTE_FEE,
                    dispute["currency"],
                    fee=0,
                    source=dispute_id,
                    type_="adjustment",
                    category="dispute_reversal",
                    status="available",
                )
                dispute["balance_transactions"].append(copy.deepcopy(txn))
            self._emit("charge.dispute.closed", dispute, _DASHBOARD, previous=previous)
            result = copy.deepcopy(dispute)
        self._deliver_pending()
        return result

    def complete_onboarding(self, account_id: str) -> dict[str, Any]:
        """The account holder finishes onboarding (what /onboard/<link> does): details
        submitted, charges and payouts enabled, capabilities active; event account.updated."""
        with self._lock:
            self._control_object(account_id, "account")
            account = copy.deepcopy(self._complete_onboarding(account_id))
        self._deliver_pending()
        return account

    def fail_transfers_to(
        self, account_id: str, message: str = "Transfers to this account are not possible right now."
    ) -> None:
        """Transfers to the account answer 400 (param destination) with `message`."""
        with self._lock:
            self._transfer_blocks[account_id] = message

    def allow_transfers_to(self, account_id: str) -> None:
        with self._lock:
            self._transfer_blocks.pop(account_id, None)

    def set_available_balance(self, currency: str, amount: int | None) -> None:
        """Track the platform's available balance: transfers (without source_transaction)
        beyond it fail with code balance_insufficient. amount=None: unlimited again."""
        with self._lock:
            if amount is None:
                self._available = None
                return
            if self._available is None:
                self._available = {}
            self._available[currency.lower()] = amount

    def stall_next(self, path_prefix: str, *, method: str | None = None,
                   timeout: float = 120.0) -> Stall:
        """The next API request whose path starts with `path_prefix` takes effect, then its
        answer is held back until `stall.release` is set (or `timeout` passes): a client
        killed meanwhile never learns what Stripe did. `stall.reached` is set once the
        request is being held."""
        if not path_prefix.startswith("/"):
            path_prefix = "/v1/" + path_prefix
        stall = Stall(path_prefix, method.upper() if method else None, timeout)
        with self._lock:
            self._stalls.append(stall)
        return stall

    def _take_stall(self, method: str, path: str) -> Stall | None:
        for stall in self._stalls:
            if not stall.taken and path.startswith(stall.prefix) and stall.method in (None, method):
                stall.taken = True
                return stall
        return None

    def fail_next(
        self,
        path_prefix: str,
        status: int = 500,
        times: int = 1,
        *,
        method: str | None = None,
        commit: bool = False,
        message: str | None = None,
        error_type: str | None = None,
        code: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """The next `times` API requests whose path starts with `path_prefix` ("/v1/transfers",
        or "transfers") answer `status` with a Stripe-shaped error.

        commit=False (an outage in front of the API): nothing happens and nothing is saved
        under the idempotency key, so a retry with the same key runs for real.
        commit=True (the answer is lost after the work was done): the request takes effect
        and its real answer is saved under its idempotency key, but the client sees the
        error; a retry with the same key gets the saved answer replayed.
        The library retries 5xx (and 409) answers when max_network_retries > 0;
        should_retry sets the Stripe-Should-Retry header that overrides that choice.
        """
        if not path_prefix.startswith("/"):
            path_prefix = "/v1/" + path_prefix
        if error_type is None:
            error_type = "api_error" if status >= 500 else "invalid_request_error"
        if status == 429 and code is None:
            code = "rate_limit"
        if message is None:
            message = (
                "An unknown error occurred (simulated by the fake Stripe)."
                if status >= 500
                else f"Simulated error {status} from the fake Stripe."
            )
        with self._lock:
            self._fail_rules.append(
                _FailRule(
                    path_prefix,
                    method.upper() if method else None,
                    status,
                    times,
                    commit,
                    error_type,
                    message,
                    code,
                    should_retry,
                )
            )

    # ----------------------------------------------------------------- webhooks

    def signed_event_request(
        self,
        event: Mapping[str, Any] | str,
        secret: str | None = None,
        timestamp: int | float | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """(payload bytes, headers) of a webhook delivery of `event` (an event or its id),
        signed with `secret` (default webhook_secret) at `timestamp` (default now) using the
        library's own stripe.WebhookSignature.generate_signature_header. Post them with a
        Flask test client: `client.post(url, data=payload, headers=headers)`."""
        if isinstance(event, str):
            event = self.get(event)
        secret = secret or self.webhook_secret
        if not secret:
            raise FakeStripeError("no webhook secret: pass secret= or set fake.webhook_secret")
        payload = json.dumps(event, indent=2)
        signature = stripe.WebhookSignature.generate_signature_header(
            payload, secret, timestamp=None if timestamp is None else int(timestamp)
        )
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        return payload.encode("utf-8"), headers

    def redeliver(self, event_id: str) -> WebhookDelivery:
        """Deliver an event again (Stripe's retries and the dashboard's "Resend")."""
        event = self.get(event_id)
        if event["object"] != "event":
            raise FakeStripeError(f"{event_id} is not an event")
        delivery = self._deliver(event)
        if delivery is None:
            raise FakeStripeError("no webhook target: set fake.webhook_url and fake.webhook_secret")
        return delivery

    def flush_webhooks(self) -> list[WebhookDelivery]:
        """Deliver every pending event now, in order (for auto_deliver=False)."""
        deliveries = []
        while True:
            with self._lock:
                if not self._pending:
                    return deliveries
                event = copy.deepcopy(self._store[self._pending.pop(0)])
            delivery = self._deliver(event)
            if delivery is not None:
                deliveries.append(delivery)

    def _deliver_pending(self) -> None:
        while True:
            with self._lock:
                if not self.auto_deliver or not self._pending:
                    return
                event = copy.deepcopy(self._store[self._pending.pop(0)])
            self._deliver(event)

    def _target_for(self, event: Mapping[str, Any]) -> tuple[Any, str | None]:
        if event.get("account") and self.connect_webhook_url:
            return self.connect_webhook_url, self.connect_webhook_secret or self.webhook_secret
        return self.webhook_url, self.webhook_secret

    def _deliver(self, event: dict[str, Any]) -> WebhookDelivery | None:
        target, secret = self._target_for(event)
        if target is None or not secret:
            return None
        payload, headers = self.signed_event_request(event, secret=secret)
        status: int | None = None
        error = body = None
        raised: BaseException | None = None
        try:
            if callable(target):
                result = target(payload, dict(headers))
                result = getattr(result, "status_code", result)
                status = None if result is None else int(result)
            else:
                request = urllib.request.Request(target, data=payload, headers=headers, method="POST")
                try:
                    with _WEBHOOK_OPENER.open(request, timeout=self.webhook_timeout) as answer:
                        status = answer.status
                        body = answer.read(2000).decode("utf-8", "replace")
                except urllib.error.HTTPError as exc:
                    status = exc.code
                    body = exc.read(2000).decode("utf-8", "replace")
        except Exception as exc:  # recorded; a callable target's exception is re-raised below
            error = f"{type(exc).__name__}: {exc}"
            if callable(target):
                raised = exc
        delivery = WebhookDelivery(
            event["id"], event["type"], target if isinstance(target, str) else repr(target),
            status, error, body,
        )
        with self._lock:
            self._deliveries.append(delivery)
        if raised is not None:
            raise raised
        return delivery

    # ----------------------------------------------------------------- HTTP plumbing

    def _now(self) -> int:
        return int(self.clock())

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        try:
            if path == "/v1" or path.startswith("/v1/"):
                response = self._api(request)
            elif path.startswith("/pay/"):
                response = self._pay_page(request, path[len("/pay/") :])
            elif path.startswith("/onboard/"):
                response = self._onboard_page(request, path[len("/onboard/") :])
            else:
                response = self._json_response(404, _unrecognized(request.method, path).body())
        except Exception as exc:  # a bug of the fake: answer 500, keep the traceback
            self.errors.append(traceback.format_exc())
            response = self._json_response(
                500, {"error": {"type": "api_error", "message": f"The fake Stripe crashed: {exc!r}"}}
            )
        try:
            self._deliver_pending()
        except Exception:  # a callable webhook target failed in this server thread
            self.errors.append(traceback.format_exc())
        return response(environ, start_response)

    @staticmethod
    def _json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
        data = body if isinstance(body, bytes) else json.dumps(body, indent=2).encode()
        return Response(data, status=status, headers=dict(headers or {}), mimetype="application/json")

    def _api(self, request: Request) -> Response:
        method = request.method.upper()
        auth = request.headers.get("Authorization", "")
        api_key = auth[7:].strip() if auth.startswith("Bearer ") else None
        if api_key is None and request.authorization and request.authorization.type == "basic":
            api_key = request.authorization.username
        rec = RecordedRequest(
            method=method,
            path=request.path,
            params={},
            idempotency_key=request.headers.get("Idempotency-Key") if method == "POST" else None,
            replayed=False,
            status=0,
            request_id=_new_id("req_", 14),
            api_key=api_key,
            stripe_version=request.headers.get("Stripe-Version"),
            stripe_account=request.headers.get("Stripe-Account"),
        )
        scope = (rec.api_key or "", rec.idempotency_key) if rec.idempotency_key else None
        with self._lock:
            self._requests.append(rec)
            if scope is not None and scope in self._in_flight:
                # Stripe: a second request with a key whose first is still being answered.
                status, body, headers = self._error(StripeAPIError(
                    "There is currently another in-progress request using this Idempotent Key "
                    "(that probably means you submitted twice, and the other request is still "
                    f"going through): {rec.idempotency_key}. Please try again later.",
                    status=409, type="idempotency_error"))
                rec.status = status
                return self._json_response(status, body, {"Request-Id": rec.request_id,
                                                          "Stripe-Version": rec.stripe_version or self.api_version,
                                                          **headers})
            if scope is not None:
                self._in_flight.add(scope)
            try:
                status, body, headers = self._api_locked(request, rec)
                rec.status = status
                stall = self._take_stall(rec.method, rec.path)
            except BaseException:
                self._in_flight.discard(scope)
                raise
        try:
            if stall is not None:  # the work is done; the answer waits (outside the lock)
                stall.reached.set()
                stall.release.wait(stall.timeout)
        finally:
            with self._lock:
                self._in_flight.discard(scope)
        headers = {
            "Request-Id": rec.request_id,
            "Stripe-Version": rec.stripe_version or self.api_version,
            **headers,
        }
        return self._json_response(status, body, headers)

    def _api_locked(self, request: Request, rec: RecordedRequest) -> tuple[int, bytes, dict[str, str]]:
        key = rec.api_key
        if not key:
            return self._error(
                StripeAPIError(
                    "You did not provide an API key. You need to provide your API key in the "
                    "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                    "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for "
                    "details, or we can help at https://support.stripe.com/.",
                    status=401,
                )
            )
        if not key.startswith("sk_test_") or len(key) <= len("sk_test_"):
            shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key
            return self._error(StripeAPIError(f"Invalid API Key provided: {shown}", status=401))
        try:
            if rec.method == "POST":
                if request.mimetype not in ("", "application/x-www-form-urlencoded"):
                    raise FormError(
                        f"Invalid request: the v1 API takes form-encoded bodies, not {request.mimetype}"
                    )
                params = parse_form(request.get_data())
            else:
                params = parse_form(request.query_string)
        except (FormError, UnicodeDecodeError) as exc:
            return self._error(_invalid(str(exc)))
        rec.params = params
        rule = self._take_fail_rule(rec.method, rec.path)
        if rule is not None and not rule.commit:
            rec.injected_failure = True
            return self._rule_answer(rule)
        answer = self._execute(rec, params)
        if rule is not None:
            rec.injected_failure = True
            return self._rule_answer(rule)
        return answer

    @staticmethod
    def _error(exc: StripeAPIError) -> tuple[int, bytes, dict[str, str]]:
        return exc.status, json.dumps(exc.body(), indent=2).encode(), {}

    def _take_fail_rule(self, method: str, path: str) -> _FailRule | None:
        for rule in self._fail_rules:
            if rule.remaining > 0 and path.startswith(rule.prefix) and rule.method in (None, method):
                rule.remaining -= 1
                return rule
        return None

    @staticmethod
    def _rule_answer(rule: _FailRule) -> tuple[int, bytes, dict[str, str]]:
        exc = StripeAPIError(rule.message, status=rule.status, type=rule.error_type, code=rule.code)
        headers = {}
        if rule.should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if rule.should_retry else "false"
        return rule.status, json.dumps(exc.body(), indent=2).encode(), headers

    def _execute(self, rec: RecordedRequest, params: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        key = rec.idempotency_key
        scope = (rec.api_key or "", key or "")
        if key is not None:
            if len(key) > 255:
                return self._error(_invalid("Idempotency-Key must be at most 255 characters long."))
            saved = self._idempotency.get(scope)
            if saved is not None:
                if (saved["method"], saved["path"]) != (rec.method, rec.path):
                    return self._error(
                        StripeAPIError(
                            "Keys for idempotent requests can only be used for the same endpoint "
                            f"they were first used for ('{saved['method']} {saved['path']}' vs "
                            f"'{rec.method} {rec.path}'). Try using a key other than '{key}' if "
                            "you meant to execute a different request.",
                            type="idempotency_error",
                        )
                    )
                if saved["params"] != params:
                    return self._error(
                        StripeAPIError(
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{key}' if you meant to execute a different request.",
                            type="idempotency_error",
                        )
                    )
                rec.replayed = True
                headers = {
                    **saved["headers"],
                    "Idempotent-Replayed": "true",
                    "Original-Request": saved["request_id"],
                }
                return saved["status"], saved["body"], headers
        handler, args = self._route(rec.method, rec.path)
        ctx = _Ctx(rec.request_id, key)
        try:
            if handler is None:
                raise _unrecognized(rec.method, rec.path)
            status, obj, stored = 200, handler(params, ctx, **args), True
        except StripeAPIError as exc:
            status, obj, stored = exc.status, exc.body(), exc.stored
        body = json.dumps(obj, indent=2).encode()
        headers = {"Idempotency-Key": key} if key else {}
        if key is not None and stored:
            self._idempotency[scope] = {
                "method": rec.method,
                "path": rec.path,
                "params": copy.deepcopy(params),
                "status": status,
                "body": body,
                "headers": headers,
                "request_id": rec.request_id,
            }
        return status, body, headers

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any]]]:
        one = r"(?P<object_id>[^/]+)"
        table: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", r"/v1/checkout/sessions", self._api_create_session),
            ("GET", r"/v1/checkout/sessions", self._api_list_sessions),
            ("GET", rf"/v1/checkout/sessions/{one}", self._retriever("checkout.session")),
            ("GET", rf"/v1/checkout/sessions/{one}/line_items", self._api_session_line_items),
            ("POST", rf"/v1/checkout/sessions/{one}/expire", self._api_expire_session),
            ("GET", rf"/v1/payment_intents/{one}", self._retriever("payment_intent", "client_secret")),
            ("POST", rf"/v1/payment_intents/{one}/capture", self._api_capture_intent),
            ("POST", rf"/v1/payment_intents/{one}/cancel", self._api_cancel_intent),
            ("GET", rf"/v1/charges/{one}", self._retriever("charge")),
            ("GET", rf"/v1/balance_transactions/{one}", self._retriever("balance_transaction")),
            ("POST", r"/v1/refunds", self._api_create_refund),
            ("GET", r"/v1/refunds", self._api_list_refunds),
            ("GET", rf"/v1/refunds/{one}", self._retriever("refund")),
            ("POST", r"/v1/transfers", self._api_create_transfer),
            ("GET", r"/v1/transfers", self._api_list_transfers),
            ("GET", rf"/v1/transfers/{one}", self._retriever("transfer")),
            ("POST", r"/v1/accounts", self._api_create_account),
            ("GET", rf"/v1/accounts/{one}", self._retriever("account")),
            ("POST", r"/v1/account_links", self._api_create_account_link),
            ("GET", rf"/v1/disputes/{one}", self._retriever("dispute")),
            ("GET", r"/v1/events", self._api_list_events),
            ("GET", rf"/v1/events/{one}", self._retriever("event")),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    def _route(self, method: str, path: str) -> tuple[Callable[..., Any] | None, dict[str, str]]:
        for route_method, pattern, handler in self._routes:
            if route_method == method and (match := pattern.fullmatch(path)):
                return handler, match.groupdict()
        return None, {}

    # ----------------------------------------------------------------- objects and expansion

    _KIND_NAMES = {
        "checkout.session": "checkout.session",
        "payment_intent": "payment_intent",
        "charge": "charge",
        "balance_transaction": "balance transaction",
        "refund": "refund",
        "transfer": "transfer",
        "account": "account",
        "dispute": "dispute",
        "event": "event",
    }

    def _lookup(self, object_type: str, object_id: str, param: str = "id", status: int = 404) -> dict[str, Any]:
        obj = self._store.get(object_id)
        if obj is None or obj["object"] != object_type:
            raise _no_such(self._KIND_NAMES.get(object_type, object_type), object_id, param, status)
        return obj

    def _control_object(self, object_id: str, object_type: str) -> dict[str, Any]:
        obj = self._store.get(object_id)
        if obj is None or obj["object"] != object_type:
            raise FakeStripeError(f"the fake Stripe has no {object_type} {object_id!r}")
        return obj

    def _render(self, obj: dict[str, Any], expand: Iterable[str] = ()) -> dict[str, Any]:
        out = copy.deepcopy(obj)
        for path in expand:
            self._expand_into(out, path.split("."), path)
        return out

    def _check_expand(self, obj: dict[str, Any], expand: Iterable[str]) -> None:
        """Before a create stores anything: the first field of each path must exist."""
        for path in expand:
            first = path.split(".")[0]
            virtual = obj.get("object") == "checkout.session" and first == "line_items"
            if first in ("id", "object") or (first not in obj and not virtual):
                raise _cannot_expand(path)

    def _expand_into(self, obj: dict[str, Any], parts: list[str], path: str) -> None:
        key, rest = parts[0], parts[1:]
        if obj.get("object") == "checkout.session" and key == "line_items" and key not in obj:
            obj[key] = self._line_items_list(obj["id"], {}, [])
        if key in ("id", "object") or key not in obj:
            raise _cannot_expand(path)
        value = obj[key]
        if isinstance(value, str):
            target = self._store.get(value)
            if target is None:
                raise _cannot_expand(path)
            value = obj[key] = copy.deepcopy(target)
        elif isinstance(value, list):
            if not rest:
                raise _cannot_expand(path)
            for item in value:
                if isinstance(item, dict):
                    self._expand_into(item, rest, path)
            return
        elif isinstance(value, dict):
            if "object" not in value:
                raise _cannot_expand(path)
        elif value is not None:
            raise _cannot_expand(path)
        if rest and isinstance(value, dict):
            self._expand_into(value, rest, path)

    def _list(
        self,
        items: list[dict[str, Any]],
        url: str,
        p: _Params,
        kind: str,
    ) -> dict[str, Any]:
        limit = p.int("limit", minimum=1, maximum=100, default=10)
        assert limit is not None
        starting_after = p.str("starting_after")
        ending_before = p.str("ending_before")
        expand = p.expand()
        newest_first = list(reversed(items))
        ids = [obj["id"] for obj in newest_first]
        cursor = starting_after or ending_before
        if cursor and cursor not in ids:
            self._lookup(kind, cursor, "starting_after" if starting_after else "ending_before", 400)
        if starting_after:
            start = ids.index(starting_after) + 1
            page, has_more = newest_first[start : start + limit], start + limit < len(ids)
        elif ending_before:
            end = ids.index(ending_before)
            start = max(0, end - limit)
            page, has_more = newest_first[start:end], start > 0
        else:
            page, has_more = newest_first[:limit], len(ids) > limit
        result = {"object": "list", "data": copy.deepcopy(page), "has_more": has_more, "url": url}
        for path in expand:
            self._expand_into(result, path.split("."), path)
        return result

    def _of_type(self, object_type: str) -> list[dict[str, Any]]:
        return [obj for obj in self._store.values() if obj["object"] == object_type]

    def _balance_txn(
        self,
        amount: int,
        currency: str,
        *,
        fee: int,
        source: str,
        type_: str,
        category: str,
        status: str = "pending",
        fee_description: str = "Stripe processing fees",
    ) -> dict[str, Any]:
        txn_id = _new_id("txn_")
        now = self._now()
        txn = {
            "id": txn_id,
            "object": "balance_transaction",
            "amount": amount,
            "available_on": now + 2 * 86400 if status == "pending" else now,
            "created": now,
            "currency": currency,
            "description": None,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": (
                [
                    {
                        "amount": fee,
                        "application": None,
                        "currency": currency,
                        "description": fee_description,
                        "type": "stripe_fee",
                    }
                ]
                if fee
                else []
            ),
            "net": amount - fee,
            "reporting_category": category,
            "source": source,
            "status": status,
            "type": type_,
        }
        self._store[txn_id] = txn
        return txn

    def _emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        ctx: _Ctx,
        *,
        previous: dict[str, Any] | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "id": _new_id("evt_"),
            "object": "event",
            "api_version": self.api_version,
            "created": self._now(),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": ctx.request_id, "idempotency_key": ctx.idempotency_key},
            "type": event_type,
        }
        if previous is not None:
            event["data"]["previous_attributes"] = copy.deepcopy(previous)
        if account:
            event["account"] = account  # a Connect event: it happened on a connected account
        target, secret = self._target_for(event)
        if target is not None and secret:
            event["pending_webhooks"] = 1
        self._store[event["id"]] = event
        self._pending.append(event["id"])
        return event

    # ----------------------------------------------------------------- API: retrieve

    def _retriever(self, object_type: str, *extra_params: str) -> Callable[..., dict[str, Any]]:
        def retrieve(params: dict[str, Any], ctx: _Ctx, object_id: str) -> dict[str, Any]:
            p = _Params(params)
            p.only("expand", *extra_params)
            expand = p.expand()
            return self._render(self._lookup(object_type, object_id), expand)

        return retrieve

    # ----------------------------------------------------------------- API: checkout sessions
