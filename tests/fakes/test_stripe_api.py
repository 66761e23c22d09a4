"""The fake Stripe, driven through the real stripe library (StripeClient over HTTP)."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.stripe import (
    FakeStripe,
    FakeStripeError,
    format_amount,
    parse_form,
    stripe_fee,
)

SECRET = "whsec_test_fake_secret"


@pytest.fixture(autouse=True)
def _transaction():
    """Overrides the suite's autouse database fixture: the fake needs no app or database."""
    yield


@pytest.fixture(scope="module")
def server():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def fake(server):
    server.reset()
    server.webhook_secret = SECRET
    yield server
    assert not server.errors, server.errors[0]


@pytest.fixture
def sc(fake) -> stripe.StripeClient:
    return fake.client()


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False
    with session:
        yield session


class Receiver:
    """A tiny webhook endpoint that verifies signatures with the library, like the app will."""

    def __init__(self):
        self.events: list[stripe.Event] = []
        self.failures: list[str] = []
        self.answer = 200
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.port}/webhooks/stripe"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _app(self, environ, start_response):
        request = Request(environ)
        try:
            event = stripe.Webhook.construct_event(
                request.get_data(), request.headers.get("Stripe-Signature"), SECRET
            )
        except (ValueError, stripe.SignatureVerificationError) as exc:
            self.failures.append(str(exc))
            return Response("bad signature", status=400)(environ, start_response)
        self.events.append(event)
        return Response("ok", status=self.answer)(environ, start_response)

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver(fake):
    receiver = Receiver()
    fake.webhook_url = receiver.url
    yield receiver
    receiver.close()


def session_params(**overrides):
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 2,
                "price_data": {
                    "currency": "USD",
                    "unit_amount": 1250,
                    "product_data": {"name": "Breton top"},
                },
            }
        ],
        "success_url": "http://mia.flagship.test/orders/FS-1001?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://mia.flagship.test/cart",
        "client_reference_id": "order-1001",
        "metadata": {"order_number": "FS-1001", "shop": "mia"},
        "customer_email": "shopper@example.com",
        "payment_intent_data": {"transfer_group": "FS-1001", "metadata": {"order_number": "FS-1001"}},
    }
    params.update(overrides)
    return params


def paid_session(fake, sc, **overrides):
    session = sc.v1.checkout.sessions.create(session_params(**overrides))
    fake.pay_session(session.id)
    return sc.v1.checkout.sessions.retrieve(session.id)


def onboarded_account(fake, sc, http):
    account = sc.v1.accounts.create(
        {"type": "express", "country": "US", "email": "mia@flagship.example",
         "capabilities": {"transfers": {"requested": True}}, "metadata": {"shop": "mia"}}
    )  # fmt: skip
    link = sc.v1.account_links.create(
        {"account": account.id, "refresh_url": "http://flagship.test/connect/refresh",
         "return_url": "http://flagship.test/connect/done", "type": "account_onboarding"}
    )  # fmt: skip
    answer = http.get(link.url, allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "http://flagship.test/connect/done"
    return account, link


# ----------------------------------------------------------------------------- basics


def test_stripe_fee_is_2_9_percent_rounded_half_up_plus_30():
    assert stripe_fee(1000) == 29 + 30
    assert stripe_fee(2500) == 73 + 30  # 72.5 rounds up
    assert stripe_fee(500) == 15 + 30  # 14.5 rounds up
    assert stripe_fee(50) == 1 + 30  # 1.45 rounds down
    assert stripe_fee(1724) == 50 + 30  # 49.996
    assert stripe_fee(0) == 30
    with pytest.raises(ValueError):
        stripe_fee(-1)


def test_form_decoding_nests_brackets_into_dicts_and_lists():
    body = (
        "line_items[0][price_data][unit_amount]=1200&line_items[0][quantity]=1"
        "&line_items[1][quantity]=3&metadata[order_number]=FS-1&metadata[0]=zero"
        "&expand[]=a&expand[]=b&capabilities[transfers][requested]=true&empty="
    )
    assert parse_form(body) == {
        "line_items": [{"price_data": {"unit_amount": "1200"}, "quantity": "1"}, {"quantity": "3"}],
        "metadata": {"order_number": "FS-1", "0": "zero"},
        "expand": ["a", "b"],
        "capabilities": {"transfers": {"requested": "true"}},
        "empty": "",
    }
    assert format_amount(2500, "usd") == "25.00 USD"
    assert format_amount(2500, "jpy") == "2,500 JPY"


def test_checkout_session_create_and_retrieve(fake, sc):
    session = sc.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "order-1001-a"})

    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.currency) == (2500, "usd")
    assert session.url == f"{fake.url}/pay/{session.id}"
    assert session.payment_intent is None
    assert session.client_reference_id == "order-1001"
    assert session.metadata.to_dict() == {"order_number": "FS-1001", "shop": "mia"}
    again = sc.v1.checkout.sessions.retrieve(session.id)
    assert again.to_dict() == session.to_dict()

    create = fake.find_requests("POST", "/v1/checkout/sessions")[0]
    assert create.idempotency_key == "order-1001-a"
    assert create.replayed is False and create.status == 200
    assert create.api_key == "sk_test_flagship_fake"
    assert create.params["line_items"][0]["price_data"]["unit_amount"] == "1250"
    assert create.params["metadata"] == {"order_number": "FS-1001", "shop": "mia"}

    items = sc.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [("Breton top", 2, 2500)]

    missing = "cs_test_doesnotexist"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.checkout.sessions.retrieve(missing)
    assert caught.value.http_status == 404 and caught.value.code == "resource_missing"


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"mode": None}, "mode"),
        ({"mode": "subscription"}, "mode"),
        ({"success_url": None}, "success_url"),
        ({"success_url": "not a url"}, "success_url"),
        ({"cancel_url": "ftp://x"}, "cancel_url"),
        ({"line_items": None}, "line_items"),
        ({"customer_email": "nobody"}, "customer_email"),
        ({"expires_at": int(time.time()) + 60}, "expires_at"),
        ({"shipping_options": [{"shipping_rate": "shr_1"}]}, "shipping_options"),
        (
            {"line_items": [{"quantity": 0, "price_data": {"currency": "usd", "unit_amount": 100,
                                                           "product_data": {"name": "x"}}}]},
            "line_items[0][quantity]",
        ),
        (
            {"line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": -5,
                                                           "product_data": {"name": "x"}}}]},
            "line_items[0][price_data][unit_amount]",
        ),
        (
            {"line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": "12.5",
                                                           "product_data": {"name": "x"}}}]},
            "line_items[0][price_data][unit_amount]",
        ),
        (
            {"line_items": [{"quantity": 1, "price_data": {"currency": "dollars", "unit_amount": 100,
                                                           "product_data": {"name": "x"}}}]},
            "line_items[0][price_data][currency]",
        ),
        (
            {"line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 100,
                                                           "product_data": {}}}]},
            "line_items[0][price_data][product_data]",
        ),
        (
            {"line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 100,
                                                           "product_data": {"name": "x", "colour": "red"}}}]},
            "line_items[0][price_data][product_data][colour]",
        ),
        (
            {"line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 10,
                                                           "product_data": {"name": "x"}}}]},
            "line_items",  # below Stripe's minimum charge of 0.50 USD
        ),
        ({"payment_intent_data": {"capture_method": "later"}}, "payment_intent_data[capture_method]"),
    ],
)  # fmt: skip
def test_invalid_parameters_raise_invalid_request_error_with_the_param(fake, sc, overrides, param):
    params = {k: v for k, v in session_params(**overrides).items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.checkout.sessions.create(params)
    assert caught.value.http_status == 400
    assert caught.value.param == param
    assert caught.value.json_body["error"]["type"] == "invalid_request_error"
    assert fake.objects("checkout.session") == []


def test_authentication_and_unknown_routes(fake, http):
    with pytest.raises(stripe.AuthenticationError):
        fake.client("sk_live_123456789012").v1.checkout.sessions.retrieve("cs_test_x")
    answer = http.get(f"{fake.url}/v1/charges/ch_1")
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert "API key" in answer.json()["error"]["message"]

    with pytest.raises(stripe.InvalidRequestError) as caught:
        fake.client().v1.products.retrieve("prod_1")  # not served by the fake
    assert caught.value.http_status == 404
    assert "Unrecognized request URL (GET: /v1/products/prod_1)" in str(caught.value)
    answer = http.get(f"{fake.url}/nowhere")
    assert answer.status_code == 404 and answer.json()["error"]["type"] == "invalid_request_error"
    assert [r.status for r in fake.requests] == [401, 401, 404]


# ----------------------------------------------------------------------------- idempotency


def test_idempotent_replay_returns_the_same_object_and_creates_nothing(fake, sc):
    first = sc.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "order-1001"})
    second = sc.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "order-1001"})

    assert second.id == first.id
    assert second.to_dict() == first.to_dict()
    assert len(fake.objects("checkout.session")) == 1
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert second.last_response.body == first.last_response.body
    assert [r.replayed for r in fake.requests] == [False, True]

    with pytest.raises(stripe.IdempotencyError) as caught:
        sc.v1.checkout.sessions.create(
            session_params(client_reference_id="other"), options={"idempotency_key": "order-1001"}
        )
    assert caught.value.http_status == 400
    assert caught.value.json_body["error"]["type"] == "idempotency_error"
    with pytest.raises(stripe.IdempotencyError):
        sc.v1.refunds.create({"charge": "ch_x"}, options={"idempotency_key": "order-1001"})
    assert len(fake.objects("checkout.session")) == 1


def test_a_rejected_request_is_not_saved_under_its_key(fake, sc):
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.checkout.sessions.create(session_params(mode=None), options={"idempotency_key": "k"})
    session = sc.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "k"})
    assert session.status == "open"


def test_a_failed_execution_is_replayed_under_its_key(fake, sc):
    account = sc.v1.accounts.create({"type": "express", "capabilities": {"transfers": {"requested": True}}})
    params = {"amount": 100, "currency": "usd", "destination": account.id}
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError):
            sc.v1.transfers.create(params, options={"idempotency_key": "payout-1"})
    fake.complete_onboarding(account.id)
    with pytest.raises(stripe.InvalidRequestError):  # Stripe replays the saved error
        sc.v1.transfers.create(params, options={"idempotency_key": "payout-1"})
    assert sc.v1.transfers.create(params, options={"idempotency_key": "payout-2"}).amount == 100


def test_the_library_sends_an_idempotency_key_on_every_post(fake, sc):
    sc.v1.checkout.sessions.create(session_params())
    (create,) = fake.requests
    assert create.idempotency_key  # a random uuid the library made up


# ----------------------------------------------------------------------------- payments


def test_paying_creates_intent_charge_balance_transaction_and_a_signed_event(fake, sc, receiver):
    session = sc.v1.checkout.sessions.create(session_params())
    fake.pay_session(session.id)

    session = sc.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    assert session.payment_intent.startswith("pi_")
    intent = sc.v1.payment_intents.retrieve(
        session.payment_intent, {"expand": ["latest_charge.balance_transaction"]}
    )
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 2500, "usd")
    assert intent.transfer_group == "FS-1001"
    assert intent.metadata.to_dict() == {"order_number": "FS-1001"}
    charge = intent.latest_charge
    assert charge.object == "charge" and charge.id.startswith("ch_")
    assert (charge.status, charge.paid, charge.amount_refunded) == ("succeeded", True, 0)
    txn = charge.balance_transaction
    assert txn.object == "balance_transaction" and txn.id.startswith("txn_")
    assert (txn.amount, txn.fee, txn.net) == (2500, 103, 2397)
    assert txn.fee == stripe_fee(2500) and txn.source == charge.id

    plain = sc.v1.payment_intents.retrieve(session.payment_intent)
    assert isinstance(plain.latest_charge, str)
    assert sc.v1.charges.retrieve(charge.id).balance_transaction == txn.id
    assert sc.v1.balance_transactions.retrieve(txn.id).net == 2397

    (event,) = fake.events
    assert event["id"].startswith("evt_")
    assert event["object"] == "event" and event["type"] == "checkout.session.completed"
    assert event["livemode"] is False and event["api_version"] == fake.api_version
    assert event["data"]["object"]["id"] == session.id
    assert event["data"]["object"]["payment_intent"] == intent.id

    # delivered over HTTP, signed: the receiver verified it with stripe.Webhook.construct_event
    assert receiver.failures == []
    (received,) = receiver.events
    assert received.id == event["id"] and received.type == "checkout.session.completed"
    assert received.data.object.payment_status == "paid"
    (delivery,) = fake.deliveries
    assert (delivery.event_id, delivery.status, delivery.ok) == (event["id"], 200, True)


def test_signed_event_requests_verify_and_tampering_or_backdating_fails(fake, sc):
    session = paid_session(fake, sc)
    event = fake.last_event("checkout.session.completed")
    payload, headers = fake.signed_event_request(event)

    verified = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], SECRET)
    assert verified.id == event["id"]
    assert verified.data.object.id == session.id
    assert sc.construct_event(payload, headers["Stripe-Signature"], SECRET).type == event["type"]

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload.replace(b"paid", b"unpaid"), headers["Stripe-Signature"], SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], "whsec_other")
    _, old = fake.signed_event_request(event["id"], timestamp=time.time() - 3600)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, old["Stripe-Signature"], SECRET)


def test_a_declined_card_emits_payment_failed_and_leaves_the_session_open(fake, sc):
    session = sc.v1.checkout.sessions.create(session_params())
    after = fake.pay_session(session.id, card="declined")

    assert (after["status"], after["payment_status"], after["payment_intent"]) == ("open", "unpaid", None)
    event = fake.last_event()
    assert event["type"] == "payment_intent.payment_failed"
    intent = event["data"]["object"]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["message"] == "Your card was declined."
    assert intent["metadata"] == {"order_number": "FS-1001"}

    paid = fake.pay_session(session.id, card="4242 4242 4242 4242")
    assert paid["payment_intent"] == intent["id"]  # one PaymentIntent per session
    assert sc.v1.payment_intents.retrieve(intent["id"]).status == "succeeded"
    with pytest.raises(FakeStripeError):
        fake.pay_session(session.id)


def test_hosted_pay_page_redirects_to_success_url_with_the_session_id(fake, sc, http):
    session = sc.v1.checkout.sessions.create(session_params())

    page = http.get(session.url)
    assert page.status_code == 200
    assert "25.00 USD" in page.text and "Breton top" in page.text
    assert '<button type="submit" id="pay">Pay</button>' in page.text
    assert 'href="http://mia.flagship.test/cart"' in page.text and ">Cancel</a>" in page.text

    answer = http.post(session.url, data={"card": "success"}, allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"] == (
        f"http://mia.flagship.test/orders/FS-1001?session_id={session.id}"
    )
    assert sc.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    assert [e["type"] for e in fake.events] == ["checkout.session.completed"]
    assert "already paid" in http.get(f"{fake.url}/pay/{session.id}").text

    other = sc.v1.checkout.sessions.create(session_params())
    declined = http.post(other.url, data={"card": "declined"}, allow_redirects=False)
    assert declined.status_code == 402 and "Your card was declined." in declined.text


def test_expiring_a_session(fake, sc):
    session = sc.v1.checkout.sessions.create(session_params())
    expired = sc.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert fake.last_event()["type"] == "checkout.session.expired"
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.checkout.sessions.expire(session.id)

    other = sc.v1.checkout.sessions.create(session_params())
    assert fake.expire_session(other.id)["status"] == "expired"
    with pytest.raises(FakeStripeError):
        fake.pay_session(other.id)


# ----------------------------------------------------------------------------- refunds, disputes


def test_refunds_cannot_exceed_the_charge(fake, sc):
    session = paid_session(fake, sc)
    charge_id = sc.v1.payment_intents.retrieve(session.payment_intent).latest_charge

    partial = sc.v1.refunds.create(
        {"payment_intent": session.payment_intent, "amount": 1000, "metadata": {"return": "R1"}},
        options={"idempotency_key": "refund-1"},
    )
    assert partial.id.startswith("re_")
    assert (partial.status, partial.amount, partial.charge) == ("succeeded", 1000, charge_id)
    charge = sc.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (1000, False)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.refunds.create({"charge": charge_id, "amount": 2000})
    assert caught.value.param == "amount"
    assert "greater than unrefunded amount" in str(caught.value)

    rest = sc.v1.refunds.create({"charge": charge_id, "expand": ["balance_transaction"]})
    assert rest.amount == 1500
    assert (rest.balance_transaction.amount, rest.balance_transaction.fee) == (-1500, 0)
    charge = sc.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (2500, True)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.refunds.create({"charge": charge_id, "amount": 1})
    assert caught.value.code == "charge_already_refunded"

    refunded = fake.events_of_type("charge.refunded")
    assert [e["data"]["object"]["amount_refunded"] for e in refunded] == [1000, 2500]
    assert refunded[0]["data"]["previous_attributes"] == {"amount_refunded": 0, "refunded": False}
    assert refunded[0]["request"]["idempotency_key"] == "refund-1"
    assert len(sc.v1.refunds.list({"charge": charge_id}).data) == 2


def test_dashboard_refunds_and_disputes(fake, sc):
    session = paid_session(fake, sc)
    charge_id = sc.v1.payment_intents.retrieve(session.payment_intent).latest_charge

    refund = fake.refund_from_dashboard(charge_id, 500)
    assert refund["amount"] == 500
    event = fake.last_event()
    assert event["type"] == "charge.refunded"
    assert event["data"]["object"]["amount_refunded"] == 500
    assert event["request"] == {"id": None, "idempotency_key": None}
    with pytest.raises(FakeStripeError):
        fake.refund_from_dashboard(charge_id, 5000)

    dispute = fake.open_dispute(charge_id)
    assert dispute["id"].startswith("dp_") and dispute["status"] == "needs_response"
    event = fake.last_event()
    assert event["type"] == "charge.dispute.created"
    assert event["data"]["object"]["id"] == dispute["id"]
    assert event["data"]["object"]["charge"] == charge_id
    assert sc.v1.charges.retrieve(charge_id).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.refunds.create({"charge": charge_id})
    assert caught.value.code == "charge_disputed"
    assert fake.close_dispute(dispute["id"], "lost")["status"] == "lost"
    assert fake.last_event()["type"] == "charge.dispute.closed"


# ----------------------------------------------------------------------------- Connect


def test_transfers_need_an_onboarded_account(fake, sc, http):
    account = sc.v1.accounts.create(
        {"type": "express", "country": "US", "email": "mia@flagship.example",
         "capabilities": {"transfers": {"requested": True}}, "metadata": {"shop": "mia"}}
    )  # fmt: skip
    assert account.id.startswith("acct_")
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (False, False, False)
    params = {"amount": 1800, "currency": "usd", "destination": account.id,
              "transfer_group": "FS-1001", "metadata": {"payout": "P1"}}  # fmt: skip
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.transfers.create(params)
    assert caught.value.param == "destination"
    assert "capabilities enabled: transfers" in str(caught.value)

    link = sc.v1.account_links.create(
        {"account": account.id, "refresh_url": "http://flagship.test/connect/refresh",
         "return_url": "http://flagship.test/connect/done", "type": "account_onboarding"}
    )  # fmt: skip
    assert link.object == "account_link" and link.url.startswith(f"{fake.url}/onboard/")
    answer = http.get(link.url, allow_redirects=False)
    assert (answer.status_code, answer.headers["Location"]) == (302, "http://flagship.test/connect/done")
    again = http.get(link.url, allow_redirects=False)  # a link works once, then refresh_url
    assert again.headers["Location"] == "http://flagship.test/connect/refresh"

    account = sc.v1.accounts.retrieve(account.id)
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (True, True, True)
    assert account.capabilities.transfers == "active"
    updated = fake.last_event("account.updated")
    assert updated["account"] == account.id
    assert updated["data"]["previous_attributes"]["payouts_enabled"] is False

    transfer = sc.v1.transfers.create(params, options={"idempotency_key": "payout-P1"})
    assert transfer.id.startswith("tr_")
    assert (transfer.amount, transfer.destination, transfer.transfer_group) == (1800, account.id, "FS-1001")
    assert sc.v1.transfers.retrieve(transfer.id).metadata.to_dict() == {"payout": "P1"}
    sc.v1.transfers.create({**params, "transfer_group": "FS-1002"})
    listed = sc.v1.transfers.list({"transfer_group": "FS-1001"})
    assert listed.object == "list" and [t.id for t in listed.data] == [transfer.id]
    assert len(sc.v1.transfers.list({"destination": account.id}).data) == 2

    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.transfers.create({**params, "destination": "acct_missing"})
    assert caught.value.param == "destination"
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.accounts.create({"type": "express"})  # no transfers capability requested


def test_fail_transfers_to_and_available_balance(fake, sc, http):
    account, _ = onboarded_account(fake, sc, http)
    params = {"amount": 500, "currency": "usd", "destination": account.id}
    fake.fail_transfers_to(account.id, "This account's payouts are paused.")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.transfers.create(params)
    assert caught.value.user_message == "This account's payouts are paused."
    assert caught.value.param == "destination"
    fake.allow_transfers_to(account.id)
    assert sc.v1.transfers.create(params).amount == 500

    fake.set_available_balance("usd", 600)
    assert sc.v1.transfers.create(params).amount == 500
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.transfers.create(params)
    assert caught.value.code == "balance_insufficient"
    assert fake.available_balance == {"usd": 100}


# ----------------------------------------------------------------------------- outages


def test_fail_next_makes_the_library_see_a_500(fake, sc):
    fake.fail_next("/v1/checkout/sessions", status=500)
    with pytest.raises(stripe.APIError) as caught:
        sc.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "k1"})
    assert caught.value.http_status == 500
    assert fake.objects("checkout.session") == []
    # nothing was saved under the key: the same request again runs for real
    session = sc.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "k1"})
    assert [(r.status, r.injected_failure, r.replayed) for r in fake.requests] == [
        (500, True, False),
        (200, False, False),
    ]
    assert session.status == "open"


def test_the_library_retries_a_500_with_the_same_idempotency_key(fake):
    sc = fake.client(max_network_retries=1)
    fake.fail_next("checkout/sessions")
    session = sc.v1.checkout.sessions.create(session_params())
    first, second = fake.requests
    assert (first.status, second.status) == (500, 200)
    assert first.idempotency_key == second.idempotency_key
    assert [s["id"] for s in fake.objects("checkout.session")] == [session.id]


def test_a_lost_answer_is_replayed_on_retry(fake, sc, http):
    account, _ = onboarded_account(fake, sc, http)
    params = {"amount": 700, "currency": "usd", "destination": account.id, "transfer_group": "P9"}
    fake.fail_next("/v1/transfers", commit=True)
    with pytest.raises(stripe.APIError):
        sc.v1.transfers.create(params, options={"idempotency_key": "payout-9"})
    assert len(fake.objects("transfer")) == 1  # it happened, the answer was lost
    transfer = sc.v1.transfers.create(params, options={"idempotency_key": "payout-9"})
    assert transfer.id == fake.objects("transfer")[0]["id"]
    assert fake.requests[-1].replayed is True
    assert len(fake.objects("transfer")) == 1


# ----------------------------------------------------------------------------- events and webhooks


def test_events_are_listed_and_redelivered(fake, sc, receiver):
    paid_session(fake, sc)
    session = sc.v1.checkout.sessions.create(session_params())
    fake.expire_session(session.id)

    listed = sc.v1.events.list({"type": "checkout.session.*"})
    assert [e.type for e in listed.data] == ["checkout.session.expired", "checkout.session.completed"]
    event_id = fake.events[0]["id"]
    assert sc.v1.events.retrieve(event_id).type == "checkout.session.completed"

    receiver.answer = 500
    assert fake.redeliver(event_id).status == 500
    receiver.answer = 200
    assert fake.redeliver(event_id).ok
    assert [e.id for e in receiver.events].count(event_id) == 3
    assert receiver.failures == []


def test_webhooks_to_a_callable_and_deferred_delivery(fake, sc):
    seen = []

    def endpoint(payload, headers):
        event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], SECRET)
        seen.append(event.type)
        return 200

    fake.webhook_url = endpoint
    fake.auto_deliver = False
    session = sc.v1.checkout.sessions.create(session_params())
    fake.pay_session(session.id)
    assert seen == [] and len(fake.pending_webhooks) == 1
    (delivery,) = fake.flush_webhooks()
    assert delivery.ok and seen == ["checkout.session.completed"]


def test_reset_forgets_everything(fake, sc):
    paid_session(fake, sc)
    fake.fail_next("/v1/transfers")
    fake.reset()
    assert fake.requests == [] and fake.events == [] and fake.objects("charge") == []
    with pytest.raises(FakeStripeError):
        fake.last_event()
    sc.v1.checkout.sessions.create(session_params())  # the server is still up


def test_concurrent_requests_are_safe(fake):
    sc = fake.client()
    errors = []

    def create(n):
        try:
            sc.v1.checkout.sessions.create(session_params(client_reference_id=f"o{n}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    refs = sorted(s["client_reference_id"] for s in fake.objects("checkout.session"))
    assert refs == sorted(f"o{n}" for n in range(8))


def test_a_second_request_with_a_key_still_in_flight_gets_stripes_409(fake):
    """Stripe answers 409 `idempotency_error` while another request with the same key is
    still going through; once it has been answered, the key replays its answer."""
    stall = fake.stall_next("/v1/accounts", method="POST")
    headers = {"Authorization": "Bearer sk_test_x", "Idempotency-Key": "onboard-shop-7"}
    form = {"type": "express", "country": "US", "capabilities[transfers][requested]": "true"}
    first = {}
    worker = threading.Thread(target=lambda: first.update(
        response=requests.post(f"{fake.url}/v1/accounts", data=form, headers=headers, timeout=30)))
    worker.start()
    assert stall.reached.wait(10)
    second = requests.post(f"{fake.url}/v1/accounts", data=form, headers=headers, timeout=30)
    assert second.status_code == 409
    assert second.json()["error"]["type"] == "idempotency_error"
    assert "another in-progress request using this Idempotent Key" in second.json()["error"]["message"]
    assert len(fake.objects("account")) == 1  # the first one's work is done, once
    other = requests.post(f"{fake.url}/v1/accounts", data=form, timeout=30,
                          headers={**headers, "Idempotency-Key": "onboard-shop-8"})
    assert other.status_code == 200  # another key is not held back
    stall.release.set()
    worker.join(10)
    assert first["response"].status_code == 200
    third = requests.post(f"{fake.url}/v1/accounts", data=form, headers=headers, timeout=30)
    assert third.status_code == 200 and third.headers["Idempotent-Replayed"] == "true"
    assert third.json()["id"] == first["response"].json()["id"]
    assert len(fake.objects("account")) == 2


# -- Manual capture (a group buy: authorise when joining, capture when the group fills) ------


def _authorised(fake, sc, **intent_data):
    session = sc.v1.checkout.sessions.create(session_params(payment_intent_data={
        "transfer_group": "FS-1001", "capture_method": "manual", **intent_data}))
    fake.pay_session(session.id)
    return sc.v1.checkout.sessions.retrieve(session.id)


def test_manual_capture_authorises_then_captures_the_whole_amount(fake, sc):
    session = _authorised(fake, sc)
    assert (session.status, session.payment_status) == ("complete", "unpaid")
    intent = sc.v1.payment_intents.retrieve(session.payment_intent)
    assert (intent.status, intent.capture_method) == ("requires_capture", "manual")
    assert (intent.amount_capturable, intent.amount_received) == (2500, 0)
    charge = sc.v1.charges.retrieve(intent.latest_charge)
    assert (charge.captured, charge.amount_captured, charge.balance_transaction) == (False, 0, None)
    assert [e["type"] for e in fake.events] == ["payment_intent.amount_capturable_updated",
                                                "checkout.session.completed"]

    captured = sc.v1.payment_intents.capture(intent.id, options={"idempotency_key": "capture-1"})
    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", 2500, 0)
    charge = sc.v1.charges.retrieve(intent.latest_charge, {"expand": ["balance_transaction"]})
    assert charge.captured and charge.amount_captured == 2500
    assert charge.balance_transaction.fee == stripe_fee(2500)
    assert [e["type"] for e in fake.events][-2:] == ["charge.captured", "payment_intent.succeeded"]
    with pytest.raises(stripe.InvalidRequestError) as again:
        sc.v1.payment_intents.capture(intent.id)
    assert again.value.code == "payment_intent_unexpected_state"
    assert "status of succeeded" in again.value.user_message


def test_a_capture_may_take_less_but_never_more(fake, sc):
    intent_id = _authorised(fake, sc).payment_intent
    with pytest.raises(stripe.InvalidRequestError, match="cannot be more than the amount capturable"):
        sc.v1.payment_intents.capture(intent_id, {"amount_to_capture": 2501})
    captured = sc.v1.payment_intents.capture(intent_id, {"amount_to_capture": 2000})
    assert captured.amount_received == 2000
    charge = sc.v1.charges.retrieve(captured.latest_charge)
    assert (charge.amount_captured, charge.amount_refunded) == (2000, 500)  # the rest released


def test_cancelling_an_authorisation_releases_it(fake, sc):
    intent_id = _authorised(fake, sc).payment_intent
    canceled = sc.v1.payment_intents.cancel(intent_id, {"cancellation_reason": "abandoned"})
    assert (canceled.status, canceled.cancellation_reason, canceled.amount_capturable) == ("canceled", "abandoned", 0)
    charge = sc.v1.charges.retrieve(canceled.latest_charge)
    assert charge.refunded and charge.amount_refunded == 2500 and not charge.captured
    assert fake.events[-1]["type"] == "payment_intent.canceled"
    for action in (sc.v1.payment_intents.cancel, sc.v1.payment_intents.capture):
        with pytest.raises(stripe.InvalidRequestError, match="status of canceled"):
            action(intent_id)
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.payment_intents.cancel(intent_id, {"cancellation_reason": "bored"})


def test_a_captured_payment_cannot_be_cancelled_and_an_authorisation_expires(fake, sc):
    paid = sc.v1.checkout.sessions.create(session_params())
    fake.pay_session(paid.id)
    intent_id = sc.v1.checkout.sessions.retrieve(paid.id).payment_intent
    with pytest.raises(stripe.InvalidRequestError, match="status of succeeded"):
        sc.v1.payment_intents.cancel(intent_id)
    held = _authorised(fake, sc).payment_intent
    expired = fake.expire_authorization(held)
    assert (expired["status"], expired["cancellation_reason"]) == ("canceled", "automatic")
    assert [e["type"] for e in fake.events][-2:] == ["charge.expired", "payment_intent.canceled"]
    with pytest.raises(FakeStripeError):
        fake.expire_authorization(held)
