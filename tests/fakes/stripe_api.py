"""A local fake of Stripe's HTTP API (v1) for the test suite.

The app's real ``stripe`` library (stripe==16.1.0) talks HTTP to it, so requests are
encoded, sent, retried and parsed exactly as they will be against api.stripe.com::

    with FakeStripe() as fake:
        client = stripe.StripeClient("sk_test_x", base_addresses=fake.base_addresses)
        session = client.v1.checkout.sessions.create({...}, options={"idempotency_key": "k"})
        fake.pay_session(session.id)            # or a browser on session.url

It serves, on 127.0.0.1 and a free port, in a daemon thread:

* ``/v1/...``: checkout sessions, payment intents, charges, balance transactions, refunds,
  transfers, accounts, account links, disputes and events, with Stripe's authentication,
  form decoding, parameter validation, error shapes, idempotency keys and ``expand[]``.
* ``/pay/<session id>``: the hosted checkout page (plain HTML: "Pay" and "Cancel").
* ``/onboard/<link id>``: the hosted Connect onboarding page (completes and redirects).

Everything that happens is recorded: ``fake.requests`` (every API call), ``fake.events``
(Stripe-shaped events, oldest first), ``fake.deliveries`` (webhook POSTs). Control methods
(``pay_session``, ``refund_from_dashboard``, ``open_dispute``, ``fail_next``, ...) play the
parts of the shopper, the dashboard and Stripe's outages. See tests/fakes/README.md.
"""

from __future__ import annotations

import copy
import fnmatch
import html
import json
import re
import secrets
import string
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

try:  # the version StripeClient sends in Stripe-Version unless told otherwise
    from stripe._api_version import _ApiVersion

    DEFAULT_API_VERSION: str = _ApiVersion.CURRENT
except ImportError:  # pragma: no cover - a future stripe moved it
    DEFAULT_API_VERSION = str(stripe.api_version)

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_VERSION",
    "FakeStripe",
    "FakeStripeError",
    "RecordedRequest",
    "WebhookDelivery",
    "format_amount",
    "parse_form",
    "stripe_fee",
]

DEFAULT_API_KEY = "sk_test_flagship_fake"

# Stripe's standard card pricing, in minor units: 2.9% (rounded half up) + 30.
FEE_PER_MILLE = 29
FEE_FIXED = 30
DISPUTE_FEE = 1500


def stripe_fee(amount: int) -> int:
    """The fee Stripe takes on a card charge of `amount` minor units:
    2.9% of the amount, rounded half up to a whole minor unit, plus 30 minor units."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"amount must be a non-negative integer, not {amount!r}")
    return (amount * FEE_PER_MILLE + 500) // 1000 + FEE_FIXED


ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
     "xaf", "xof", "xpf"}
)  # fmt: skip

# Stripe's minimum charge amounts (docs: "Minimum and maximum charge amounts").
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip
MAXIMUM_AMOUNT = 99_999_999

_EURO_COUNTRIES = (
    "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT",
    "NL", "PT", "SI", "SK",
)  # fmt: skip
_COUNTRY_CURRENCY = {
    "US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "NZ": "nzd", "JP": "jpy",
    "CH": "chf", "SG": "sgd", "HK": "hkd", "SE": "sek", "NO": "nok", "DK": "dkk",
    "PL": "pln", "MX": "mxn", "BR": "brl", "IN": "inr",
    **{country: "eur" for country in _EURO_COUNTRIES},
}  # fmt: skip


def format_amount(amount: int, currency: str) -> str:
    """`1250, "usd"` -> "12.50 USD"; `1250, "jpy"` -> "1,250 JPY"."""
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    code = currency.upper()
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return f"{sign}{amount:,} {code}"
    return f"{sign}{amount // 100:,}.{amount % 100:02d} {code}"


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
_CARD_NUMBERS = {
    "4242424242424242": "success",
    "4000000000000002": "declined",
    "4000000000009995": "insufficient_funds",
}

_ALPHABET = string.ascii_letters + string.digits


def _new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


# --------------------------------------------------------------------------- errors


class FakeStripeError(Exception):
    """A control method was misused (paying a session that is not open, an unknown id...)."""


class StripeAPIError(Exception):
    """An error answer of the API, in Stripe's shape.

    `stored=False` marks errors found before the endpoint "began executing" (bad or
    missing parameters): like Stripe, the fake does not save those under the request's
    idempotency key, so a corrected retry with the same key runs for real.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        stored: bool = True,
        extra: Mapping[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code
        self.stored = stored
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.param:
            error["param"] = self.param
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        error.update(self.extra)
        return {"error": error}


def _invalid(message: str, param: str | None = None, code: str | None = None) -> StripeAPIError:
    return StripeAPIError(message, param=param, code=code, stored=False)


def _missing(param: str) -> StripeAPIError:
    return _invalid(f"Missing required param: {param}.", param, "parameter_missing")


def _no_such(kind: str, object_id: str, param: str = "id", status: int = 404) -> StripeAPIError:
    return StripeAPIError(
        f"No such {kind}: '{object_id}'", status=status, param=param, code="resource_missing"
    )


def _cannot_expand(path: str) -> StripeAPIError:
    return _invalid(f"This property cannot be expanded ({path}).", "expand")


def _unrecognized(method: str, path: str) -> StripeAPIError:
    return StripeAPIError(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
        status=404,
        stored=False,
    )


# --------------------------------------------------------------------------- form decoding


class FormError(ValueError):
    pass


_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def parse_form(body: str | bytes) -> dict[str, Any]:
    """Decode a Stripe v1 form body (or query string) into nested dicts and lists.

    `a[b][0][c]=1` -> `{"a": {"b": [{"c": "1"}]}}`; `expand[]=x&expand[]=y` and
    `expand[0]=x&expand[1]=y` -> `{"expand": ["x", "y"]}`. A dict whose keys are all
    digits becomes a list, except a `metadata` dict (its keys are the user's). Values stay
    strings: each endpoint converts them as it validates.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        _assign(root, _split_key(key), value, key)
    return _listify(root)


def _split_key(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    if not head:
        raise FormError(f"Invalid parameter name: {key!r}")
    if not bracket:
        return [head]
    rest = bracket + rest
    parts = _BRACKETS.findall(rest)
    if "".join(f"[{part}]" for part in parts) != rest:
        raise FormError(f"Invalid parameter name: {key!r}")
    return [head, *parts]


def _assign(root: dict[str, Any], parts: list[str], value: str, key: str) -> None:
    node = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "":  # `a[]`: the next element of a list
            part = _next_index(node, None if last else parts[i + 1])
        if last:
            if isinstance(node.get(part), dict):
                raise FormError(f"Invalid hash: {key} is both a value and a hash")
            node[part] = value
        else:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise FormError(f"Invalid hash: {key} is both a value and a hash")
            node = child


def _next_index(node: dict[str, Any], next_part: str | None) -> str:
    count = len(node)
    if count and next_part:
        previous = node.get(str(count - 1))
        if isinstance(previous, dict) and next_part not in previous:
            return str(count - 1)  # `a[][x]=1&a[][y]=2` fills one element
    return str(count)


def _listify(node: Any, keep_keys: bool = False) -> Any:
    if not isinstance(node, dict):
        return node
    out = {key: _listify(value, key == "metadata") for key, value in node.items()}
    if not keep_keys and out and all(key.isdigit() for key in out):
        return [out[key] for key in sorted(out, key=int)]
    return out


# --------------------------------------------------------------------------- validation


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class _Params:
    """Typed access to one level of decoded parameters, raising Stripe's 400s."""

    def __init__(self, data: Any, prefix: str = ""):
        if not isinstance(data, dict):
            raise _invalid("Invalid object", prefix or None)
        self.data = data
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}[{key}]" if self.prefix else key

    def only(self, *allowed: str) -> None:
        for key in self.data:
            if key not in allowed:
                name = self.name(key)
                raise _invalid(f"Received unknown parameter: {name}", name)

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "")

    def str(self, key: str, *, required: bool = False, max_length: int = 5000) -> str | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return None
        if not isinstance(value, str):
            raise _invalid(f"Invalid string: {_show(value)}", self.name(key))
        if len(value) > max_length:
            raise _invalid(
                f"Invalid string: {value[:40]}...; must be at most {max_length} characters",
                self.name(key),
            )
        return value

    def int(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
        default: int | None = None,
    ) -> int | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return default
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
            raise _invalid(f"Invalid integer: {_show(value)}", self.name(key))
        number = int(value)
        if minimum is not None and number < minimum:
            raise _invalid(f"This value must be greater than or equal to {minimum}.", self.name(key))
        if maximum is not None and number > maximum:
            raise _invalid(f"This value must be less than or equal to {maximum}.", self.name(key))
        return number

    def bool(self, key: str, *, required: bool = False) -> bool | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return None
        if value not in ("true", "false"):
            raise _invalid(f"Invalid boolean: {_show(value)}", self.name(key))
        return value == "true"

    def enum(
        self, key: str, choices: Iterable[str], *, required: bool = False, default: str | None = None
    ) -> str | None:
        choices = tuple(choices)
        value = self.str(key, required=required)
        if value is None:
            return default
        if value not in choices:
            raise _invalid(f"Invalid {key}: must be one of {', '.join(choices)}", self.name(key))
        return value

    def currency(self, key: str, *, required: bool = False) -> str | None:
        value = self.str(key, required=required)
        if value is None:
            return None
        if not re.fullmatch(r"[A-Za-z]{3}", value):
            raise _invalid(
                f"Invalid currency: {value}. Stripe currently supports these currencies: "
                "a three-letter ISO 4217 code in lower case, such as usd or eur.",
                self.name(key),
            )
        return value.lower()

    def url(self, key: str, *, required: bool = False) -> str | None:
        value = self.str(key, required=required)
        if value is not None and not _valid_url(value):
            raise _invalid("Not a valid URL", self.name(key), "url_invalid")
        return value

    def email(self, key: str) -> str | None:
        value = self.str(key, max_length=800)
        if value is not None and not _EMAIL.fullmatch(value):
            raise _invalid(f"Invalid email address: {value}", self.name(key), "email_invalid")
        return value

    def sub(self, key: str, *, required: bool = False) -> _Params | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return None
        if not isinstance(value, dict):
            raise _invalid("Invalid object", self.name(key))
        return _Params(value, self.name(key))

    def list(self, key: str, *, required: bool = False) -> list[Any] | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise _missing(self.name(key))
            return None
        if value == "":
            return []
        if isinstance(value, dict) and all(k.isdigit() for k in value):
            value = [value[k] for k in sorted(value, key=int)]
        if not isinstance(value, list):
            raise _invalid("Invalid array", self.name(key))
        return value

    def metadata(self, key: str = "metadata") -> dict[str, str]:
        value = self.data.get(key)
        if value in (None, ""):
            return {}
        name = self.name(key)
        if not isinstance(value, dict):
            raise _invalid("Invalid object", name)
        if len(value) > 50:
            raise _invalid("Metadata can have up to 50 keys.", name)
        out = {}
        for meta_key, meta_value in value.items():
            if not isinstance(meta_value, str):
                raise _invalid(f"Invalid string: {_show(meta_value)}", f"{name}[{meta_key}]")
            if len(meta_key) > 40:
                raise _invalid(f"Metadata keys can have up to 40 characters ({meta_key!r}).", name)
            if len(meta_value) > 500:
                raise _invalid(
                    f"Metadata values can have up to 500 characters ({meta_key!r}).", name
                )
            if meta_value != "":  # an empty value unsets the key
                out[meta_key] = meta_value
        return out

    def expand(self) -> list[str]:
        paths = self.list("expand") or []
        for i, path in enumerate(paths):
            if not isinstance(path, str) or not path:
                raise _invalid(f"Invalid string: {_show(path)}", f"expand[{i}]")
            if path.count(".") >= 4:
                raise _invalid(
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    "expand",
                )
        return paths

    def created_filter(self, key: str = "created") -> Callable[[int], bool]:
        value = self.data.get(key)
        if value in (None, ""):
            return lambda created: True
        if isinstance(value, str):
            exact = self.int(key)
            return lambda created: created == exact
        bounds = self.sub(key)
        assert bounds is not None
        bounds.only("gt", "gte", "lt", "lte")
        gt, gte, lt, lte = (bounds.int(k) for k in ("gt", "gte", "lt", "lte"))
        return lambda created: (
            (gt is None or created > gt)
            and (gte is None or created >= gte)
            and (lt is None or created < lt)
            and (lte is None or created <= lte)
        )


# --------------------------------------------------------------------------- records


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


# --------------------------------------------------------------------------- the fake


class FakeStripe:
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
        with self._lock:
            self._requests.append(rec)
            status, body, headers = self._api_locked(request, rec)
            rec.status = status
            stall = self._take_stall(rec.method, rec.path)
        if stall is not None:  # the work is done; the answer waits (outside the lock)
            stall.reached.set()
            stall.release.wait(stall.timeout)
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
        if capture == "manual":
            raise _invalid(
                "The fake Stripe supports only automatic capture.", data.name("capture_method")
            )
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
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": 0 if decline else amount,
            "amount_refunded": 0,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": None,
            "billing_details": {"address": None, "email": email, "name": None, "phone": None},
            "captured": not decline,
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
        txn = self._balance_txn(
            amount, currency, fee=stripe_fee(amount), source=charge_id, type_="charge", category="charge"
        )
        charge["balance_transaction"] = txn["id"]
        intent["status"] = "succeeded"
        intent["amount_received"] = amount
        intent["last_payment_error"] = None
        session["status"] = "complete"
        session["payment_status"] = "paid"
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
        self._emit("checkout.session.completed", session, _DASHBOARD)
        return session

    # ----------------------------------------------------------------- API: refunds

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

    # ----------------------------------------------------------------- API: transfers

    def _api_create_transfer(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only(
            "amount", "currency", "destination", "transfer_group", "metadata", "description",
            "source_transaction", "expand",
        )  # fmt: skip
        amount = p.int("amount", required=True, minimum=1, maximum=MAXIMUM_AMOUNT * 100)
        currency = p.currency("currency", required=True)
        destination = p.str("destination", required=True)
        transfer_group = p.str("transfer_group")
        description = p.str("description", max_length=1000)
        metadata = p.metadata()
        source_transaction = p.str("source_transaction")
        expand = p.expand()
        assert amount is not None and currency and destination
        account = self._store.get(destination)
        if account is None or account["object"] != "account":
            raise StripeAPIError(
                f"No such destination: '{destination}'", param="destination", code="resource_missing"
            )
        blocked = self._transfer_blocks.get(destination)
        if blocked is not None:
            raise StripeAPIError(blocked, param="destination")
        if account["capabilities"].get("transfers") != "active":
            raise StripeAPIError(
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param="destination",
                code="insufficient_capabilities_for_transfer",
            )
        if source_transaction:
            source = self._lookup("charge", source_transaction, "source_transaction", 400)
            if source["status"] != "succeeded":
                raise StripeAPIError(
                    f"Charge {source_transaction} has not succeeded.", param="source_transaction"
                )
            if source["currency"] != currency:
                raise StripeAPIError(
                    f"The currency of source_transaction's balance transaction ({source['currency']}) "
                    f"must be the same as the transfer currency ({currency})",
                    param="currency",
                )
        elif self._available is not None:
            have = self._available.get(currency, 0)
            if amount > have:
                raise StripeAPIError(
                    "You have insufficient available funds in your Stripe account. Try adding "
                    "funds directly to your available balance by creating Charges using the "
                    "4000000000000077 test card.",
                    code="balance_insufficient",
                )
            self._available[currency] = have - amount
        transfer_id = _new_id("tr_")
        txn = self._balance_txn(
            -amount, currency, fee=0, source=transfer_id, type_="transfer", category="transfer",
            status="available",
        )  # fmt: skip
        transfer = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": txn["id"],
            "created": self._now(),
            "currency": currency,
            "description": description,
            "destination": destination,
            "destination_payment": _new_id("py_"),
            "livemode": False,
            "metadata": metadata,
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "reversed": False,
            "source_transaction": source_transaction,
            "source_type": "card",
            "transfer_group": transfer_group,
        }
        self._check_expand(transfer, expand)
        self._store[transfer_id] = transfer
        self._emit("transfer.created", transfer, ctx)
        return self._render(transfer, expand)

    def _api_list_transfers(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("limit", "starting_after", "ending_before", "expand", "destination", "transfer_group", "created")
        destination = p.str("destination")
        transfer_group = p.str("transfer_group")
        created = p.created_filter()
        transfers = [
            t
            for t in self._of_type("transfer")
            if (destination is None or t["destination"] == destination)
            and (transfer_group is None or t["transfer_group"] == transfer_group)
            and created(t["created"])
        ]
        return self._list(transfers, "/v1/transfers", p, "transfer")

    # ----------------------------------------------------------------- API: Connect accounts

    def _api_create_account(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only(
            "type", "country", "email", "capabilities", "metadata", "business_type",
            "business_profile", "default_currency", "expand",
        )  # fmt: skip
        account_type = p.enum("type", ("custom", "express", "standard"), required=True)
        country = p.str("country") or "US"
        if not re.fullmatch(r"[A-Za-z]{2}", country):
            raise _invalid(
                f"Country '{country}' is unknown. Try using a 2-character alphanumeric country "
                "code instead, such as 'US', 'EG', or 'GB'.",
                "country",
            )
        country = country.upper()
        email = p.email("email")
        requested = []
        capabilities = p.sub("capabilities")
        if capabilities is not None:
            for name in capabilities.data:
                if not re.fullmatch(r"[a-z0-9_]+", name):
                    raise _invalid(
                        f"Received unknown parameter: {capabilities.name(name)}", capabilities.name(name)
                    )
                capability = capabilities.sub(name, required=True)
                assert capability is not None
                capability.only("requested")
                if capability.bool("requested", required=True):
                    requested.append(name)
        if account_type in ("express", "custom") and "transfers" not in requested:
            raise _invalid(
                f"{account_type.capitalize()} accounts must request the `transfers` capability "
                "(capabilities[transfers][requested]=true).",
                "capabilities",
            )
        business_type = p.enum("business_type", ("company", "government_entity", "individual", "non_profit"))
        profile: dict[str, Any] = {
            "mcc": None, "name": None, "product_description": None, "support_email": None,
            "support_phone": None, "support_url": None, "url": None,
        }  # fmt: skip
        business_profile = p.sub("business_profile")
        if business_profile is not None:
            business_profile.only(*profile)
            for key in profile:
                if key in ("url", "support_url"):
                    profile[key] = business_profile.url(key)
                elif key == "support_email":
                    profile[key] = business_profile.email(key)
                else:
                    profile[key] = business_profile.str(key)
        default_currency = p.currency("default_currency") or _COUNTRY_CURRENCY.get(country, "usd")
        metadata = p.metadata()
        expand = p.expand()
        account_id = _new_id("acct_", 16)
        account = {
            "id": account_id,
            "object": "account",
            "business_profile": profile,
            "business_type": business_type,
            "capabilities": {name: "inactive" for name in requested},
            "charges_enabled": False,
            "controller": {
                "is_controller": True,
                "type": "application",
                "stripe_dashboard": {"type": {"express": "express", "standard": "full"}.get(account_type, "none")},
            },
            "country": country,
            "created": self._now(),
            "default_currency": default_currency,
            "details_submitted": False,
            "email": email,
            "external_accounts": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/accounts/{account_id}/external_accounts",
            },
            "metadata": metadata,
            "payouts_enabled": False,
            "requirements": _requirements(_REQUIREMENTS_DUE),
            "settings": {"payouts": {"schedule": {"delay_days": 2, "interval": "daily"}}},
            "tos_acceptance": {"date": None},
            "type": account_type,
        }
        self._check_expand(account, expand)
        self._store[account_id] = account
        return self._render(account, expand)

    def _api_create_account_link(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("account", "refresh_url", "return_url", "type", "collect", "collection_options", "expand")
        account_id = p.str("account", required=True)
        link_type = p.enum("type", ("account_onboarding", "account_update"), required=True)
        refresh_url = p.url("refresh_url", required=True)
        return_url = p.url("return_url", required=True)
        p.enum("collect", ("currently_due", "eventually_due"))
        options = p.sub("collection_options")
        if options is not None:
            options.only("fields", "future_requirements")
            options.enum("fields", ("currently_due", "eventually_due"))
            options.enum("future_requirements", ("include", "omit"))
        p.expand()
        assert account_id is not None
        account = self._lookup("account", account_id, "account", 400)
        if link_type == "account_update" and account["type"] != "custom":
            raise StripeAPIError(
                "You cannot create `account_update` type Account Links for accounts that are not "
                "Custom accounts.",
                param="type",
            )
        now = self._now()
        link_id = _new_id("", 32)
        self._links[link_id] = {
            "account": account_id,
            "expires_at": now + 300,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": link_type,
            "used": False,
        }
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + 300,
            "url": f"{self.url}/onboard/{link_id}",
        }

    def _complete_onboarding(self, account_id: str) -> dict[str, Any]:
        account = self._store[account_id]
        fields = ("capabilities", "charges_enabled", "details_submitted", "payouts_enabled", "requirements")
        previous = {key: copy.deepcopy(account[key]) for key in fields}
        capabilities = {name: "active" for name in account["capabilities"]}
        capabilities["transfers"] = "active"
        account.update(
            capabilities=capabilities,
            charges_enabled=True,
            details_submitted=True,
            payouts_enabled=True,
            requirements=_requirements([]),
            tos_acceptance={"date": self._now(), "ip": "127.0.0.1", "user_agent": None},
        )
        changed = {key: value for key, value in previous.items() if value != account[key]}
        if changed:
            self._emit("account.updated", account, _DASHBOARD, previous=changed, account=account_id)
        return account

    # ----------------------------------------------------------------- API: events

    def _api_list_events(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("limit", "starting_after", "ending_before", "expand", "type", "types", "created", "delivery_success")
        event_type = p.str("type")
        types = p.list("types")
        p.bool("delivery_success")
        created = p.created_filter()
        events = [
            e
            for e in self._of_type("event")
            if (event_type is None or fnmatch.fnmatchcase(e["type"], event_type))
            and (not types or e["type"] in types)
            and created(e["created"])
        ]
        return self._list(events, "/v1/events", p, "event")

    # ----------------------------------------------------------------- hosted pages

    @staticmethod
    def _html(status: int, title: str, body: str) -> Response:
        page = (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head>\n<body><main>\n{body}\n</main></body></html>\n"
        )
        return Response(page, status=status, mimetype="text/html")

    @staticmethod
    def _redirect(location: str, status: int) -> Response:
        return Response(
            f'<!doctype html>\n<p>Redirecting to <a href="{html.escape(location)}">{html.escape(location)}</a></p>\n',
            status=status,
            headers={"Location": location},
            mimetype="text/html",
        )

    def _pay_page(self, request: Request, session_id: str) -> Response:
        if request.method not in ("GET", "HEAD", "POST"):
            return self._html(405, "Method not allowed", "<p>Method not allowed.</p>")
        with self._lock:
            session = self._store.get(session_id)
            if session is None or session["object"] != "checkout.session":
                return self._html(404, "Not found", "<h1>Checkout Session not found</h1>")
            error = None
            if request.method == "POST":
                if session["status"] != "open":
                    return self._checkout_page(session, status=409)
                card = request.form.get("card") or "success"
                try:
                    self._pay(session_id, card, request.form.get("email") or None)
                except FakeStripeError as exc:
                    return self._checkout_page(session, error=str(exc), status=400)
                if session["status"] == "complete":
                    location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
                    return self._redirect(location, 303)
                intent = self._store[self._session_intent[session_id]]
                error = intent["last_payment_error"]["message"]
                return self._checkout_page(session, error=error, status=402)
            return self._checkout_page(session, status=410 if session["status"] == "expired" else 200)

    def _checkout_page(self, session: dict[str, Any], *, error: str | None = None, status: int = 200) -> Response:
        esc = html.escape
        session_id = session["id"]
        total = format_amount(session["amount_total"], session["currency"])
        rows = "".join(
            f"<tr><td>{esc(item['description'])}</td><td>{item['quantity']}</td>"
            f"<td>{esc(format_amount(item['amount_total'], item['currency']))}</td></tr>\n"
            for item in self._line_items.get(session_id, [])
        )
        parts = [
            "<h1>Fake Stripe Checkout</h1>",
            f'<p>Session <code id="session-id">{esc(session_id)}</code></p>',
            f"<table><thead><tr><th>Item</th><th>Qty</th><th>Amount</th></tr></thead>\n<tbody>\n{rows}</tbody></table>",
            f'<p>Total due: <strong id="amount-total" data-amount="{session["amount_total"]}" '
            f'data-currency="{esc(session["currency"])}">{esc(total)}</strong></p>',
        ]
        if session["status"] == "open":
            if error:
                parts.append(f'<p id="payment-error" role="alert">{esc(error)}</p>')
            options = "".join(
                f'<option value="{name}">{label}</option>'
                for name, label in (
                    ("success", "4242 4242 4242 4242 (succeeds)"),
                    ("declined", "4000 0000 0000 0002 (declined)"),
                    ("insufficient_funds", "4000 0000 0000 9995 (insufficient funds)"),
                )
            )
            parts.append(
                f'<form method="post" action="/pay/{esc(session_id)}">\n'
                f'<p><label>Email <input type="email" name="email" value="{esc(session["customer_email"] or "")}"></label></p>\n'
                f'<p><label>Card <select name="card" id="card">{options}</select></label></p>\n'
                '<p><button type="submit" id="pay">Pay</button></p>\n</form>'
            )
            if session["cancel_url"]:
                parts.append(f'<p><a id="cancel" href="{esc(session["cancel_url"])}">Cancel</a></p>')
        elif session["status"] == "complete":
            parts.append('<p id="session-status">This Checkout Session is complete: already paid.</p>')
        else:
            parts.append('<p id="session-status">This Checkout Session has expired.</p>')
        return self._html(status, "Fake Stripe Checkout", "\n".join(parts))

    def _onboard_page(self, request: Request, link_id: str) -> Response:
        with self._lock:
            link = self._links.get(link_id)
            if link is None:
                return self._html(404, "Not found", "<h1>This onboarding link does not exist</h1>")
            if link["used"] or self._now() > link["expires_at"]:
                # Stripe: an expired or already visited link sends the user to refresh_url
                return self._redirect(link["refresh_url"], 302)
            link["used"] = True
            if request.args.get("outcome") not in ("incomplete", "abandon"):
                self._complete_onboarding(link["account"])
            return self._redirect(link["return_url"], 302)
