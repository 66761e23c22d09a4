"""What the fake records (requests, webhook deliveries) and its control rules (failures, stalls)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import WSGIRequestHandler

# Test cards, by name or by Stripe's test card number.
_CARDS: dict[str, dict[str, Any]] = {
    "success": {"last4": "4242", "decline": None},
    "declined": {
        "last4": "0002",
        "decline": ("card_declined", "generic_decline", "Your card was declined."),
    },
    "insufficient_funds": {
        "last4": "9995",
        "decline": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    },
}


@dataclass
class RecordedRequest:
    """One call of the API as the fake saw it (params decoded, strings as sent)."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    replayed: bool
    status: int
    request_id: str
    api_key: str | None = None
    stripe_version: str | None = None
    stripe_account: str | None = None
    injected_failure: bool = False  # answered by a fail_next() rule


@dataclass
class WebhookDelivery:
    """One POST of an event to the webhook target."""

    event_id: str
    type: str
    target: str
    status: int | None  # None: no HTTP answer (see error)
    error: str | None = None
    body: str | None = None  # the start of the answer's body

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _FailRule:
    prefix: str
    method: str | None
    status: int
    remaining: int
    commit: bool
    error_type: str
    message: str
    code: str | None
    should_retry: bool | None


@dataclass
class Stall:
    """A request answered only once `release` is set (see FakeStripe.stall_next)."""

    prefix: str
    method: str | None
    timeout: float
    taken: bool = False
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Ctx:
    """What an API request leaves in the events it causes (event.request)."""

    request_id: str | None = None
    idempotency_key: str | None = None


_DASHBOARD = _Ctx()  # events caused by the shopper, the dashboard or Stripe itself


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stripe does not follow redirects when delivering webhooks: a 3xx is a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_WEBHOOK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


_REQUIREMENTS_DUE = ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]


def _requirements(due: list[str]) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }
