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

from .errors import FakeStripeError, StripeAPIError
from .forms import parse_form
from .money import DEFAULT_API_KEY, format_amount, stripe_fee
from .records import RecordedRequest, WebhookDelivery
from .server import DEFAULT_API_VERSION, FakeStripe

__all__ = [
    "StripeAPIError",
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
