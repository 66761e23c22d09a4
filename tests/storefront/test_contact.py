"""'Contact the shop' (issue 14, day-one item 3): a shopper's message reaches every owner of
the shop by e-mail, Reply-To the shopper; no owner's address ever shows on the storefront."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import ShopMembership
from app.extensions import db, limiter
from app.notifications.models import OutboundEmail
from app.notifications.services import deliver
from app.tenancy import unscoped
from tests.factories import make_user

MESSAGE = {"name": "Ada Shopper", "email": "Ada@Example.com ", "order_number": "fs-7k2m9qxa",
           "message": "Hello! My parcel arrived without the tee. Could you check?"}


def _mails(shop_id=None):
    with unscoped():
        query = select(OutboundEmail).where(OutboundEmail.dedupe_key.like("contact:%")).order_by(OutboundEmail.id)
        if shop_id is not None:
            query = query.where(OutboundEmail.shop_id == shop_id)
        return db.session.scalars(query).all()


def _member(shop, email, role="owner", verified=True):
    user = make_user(email, verified=verified)
    db.session.add(ShopMembership(shop_id=shop.id, user_id=user.id, role=role))
    db.session.flush()
    return user


def test_one_email_per_owner_with_reply_to_the_shopper(shop_a, shop_b, storefront):
    _member(shop_a.shop, "co-owner@example.com")
    _member(shop_a.shop, "not-yet-confirmed@example.com", verified=False)
    _member(shop_a.shop, "staff@example.com", role="staff")
    client = storefront(shop_a.shop)

    response = client.post("/contact", data=MESSAGE)

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "your message is on its way" in page
    assert "Ada@example.com" in page
    mails = _mails()
    assert sorted(m.to_address for m in mails) == ["co-owner@example.com", "owner-alpha@example.com"]
    for mail in mails:
        assert mail.reply_to == "Ada@example.com" and mail.shop_id == shop_a.shop.id
        assert mail.subject == "Message from Ada Shopper via Alpha Shop"
        assert "My parcel arrived without the tee." in mail.body_text and "FS-7K2M9QXA" in mail.body_text
        assert "My parcel arrived without the tee." in mail.body_html
        assert "/dashboard/alpha/orders" in mail.body_text
    assert _mails(shop_b.shop.id) == []


def test_the_same_message_twice_is_sent_once(shop_a, storefront):
    client = storefront(shop_a.shop)
    client.post("/contact", data=MESSAGE)
    client.post("/contact", data=MESSAGE)
    assert len(_mails()) == 1
    client.post("/contact", data=dict(MESSAGE, message="And one more thing about the size, please."))
    assert len(_mails()) == 2


def test_no_owner_address_shows_on_the_storefront(shop_a, storefront):
    _member(shop_a.shop, "co-owner@example.com")
    client = storefront(shop_a.shop)
    pages = [client.get(path) for path in ("/", "/contact", "/pages/privacy", "/pages/returns")]
    pages += [client.post("/contact", data=MESSAGE), client.post("/contact", data=dict(MESSAGE, email="bad"))]
    for response in pages:
        text = response.get_data(as_text=True)
        assert "owner-alpha@example.com" not in text and "co-owner@example.com" not in text
        assert 'href="/contact"' in text or "/contact" in text


def test_the_smtp_message_carries_reply_to(app, shop_a, storefront, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, *args):
            pass

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    storefront(shop_a.shop).post("/contact", data=MESSAGE)
    [mail] = _mails()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.com")
    deliver(mail)
    [message] = sent
    assert message["Reply-To"] == "Ada@example.com" and message["To"] == "owner-alpha@example.com"
    assert "owner-alpha" not in message["Reply-To"]


def test_every_bad_field_is_shown_on_its_field_and_nothing_is_sent(shop_a, storefront):
    client = storefront(shop_a.shop)
    response = client.post("/contact", data={"name": "", "email": "not an address",
                                             "order_number": "<script>", "message": "hi"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field, text in [("name", "Enter your name"), ("email", "Enter an email address like name@example.com."),
                        ("order_number", "An order number looks like"),
                        ("message", "Tell the shop a little more (at least 10 characters).")]:
        assert f'id="contact-{field}-error" role="alert">{text}' in page
        assert f'aria-describedby="contact-{field}' in page
    assert "&lt;script&gt;" in page and "<script>" not in page.split("<main", 1)[1]
    assert _mails() == []


@pytest.mark.parametrize(("field", "value", "error"), [
    ("name", "x" * 81, "Keep your name under 80 characters."),
    ("email", "", "Enter your email address, so the shop can answer you."),
    ("message", "", "Write your message."),
    ("message", "x" * 5001, "Keep your message under 5,000 characters (it has 5,001)."),
    ("order_number", "FS-" + "A" * 30, "An order number looks like"),
])
def test_limits_have_clear_errors(shop_a, storefront, field, value, error):
    response = storefront(shop_a.shop).post("/contact", data=dict(MESSAGE, **{field: value}))
    assert response.status_code == 422
    assert f'id="contact-{field}-error" role="alert">{error}' in response.get_data(as_text=True)
    assert _mails() == []


def test_the_text_is_kept_when_a_field_is_wrong(shop_a, storefront):
    response = storefront(shop_a.shop).post("/contact", data=dict(MESSAGE, email="nope"))
    page = response.get_data(as_text=True)
    assert "My parcel arrived without the tee. Could you check?</textarea>" in page
    assert 'value="Ada Shopper"' in page


def test_a_name_cannot_inject_headers(shop_a, storefront):
    storefront(shop_a.shop).post("/contact", data=dict(MESSAGE, name="Ada\r\nBcc: everyone@example.com"))
    [mail] = _mails()
    assert "\n" not in mail.subject and "\r" not in mail.subject


def test_a_filled_honeypot_looks_sent_but_sends_nothing(shop_a, storefront):
    response = storefront(shop_a.shop).post("/contact", data=dict(MESSAGE, website="http://spam.example"))
    assert response.status_code == 200 and "your message is on its way" in response.get_data(as_text=True)
    assert _mails() == []


def test_the_honeypot_is_hidden_from_people(shop_a, storefront):
    page = storefront(shop_a.shop).get("/contact").get_data(as_text=True)
    hidden = page.split('class="contact-extra"', 1)[1].split("</div>", 1)[0]
    assert 'aria-hidden="true"' in hidden and 'name="website"' in hidden and 'tabindex="-1"' in hidden


def test_messages_are_rate_limited_per_client_across_shops(app, shop_a, shop_b, storefront):
    limiter.reset()
    app.config["CONTACT_RATE_LIMIT"] = "2 per 10 minutes"
    try:
        first = storefront(shop_a.shop).post("/contact", data=MESSAGE)
        second = storefront(shop_b.shop).post("/contact", data=dict(MESSAGE, message="Another shop, another question."))
        # A wrong form is not counted: the shopper may correct it.
        wrong = storefront(shop_a.shop).post("/contact", data=dict(MESSAGE, email="nope"))
        third = storefront(shop_a.shop).post("/contact", data=dict(MESSAGE, message="A third message this time."))
    finally:
        app.config["CONTACT_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert [first.status_code, second.status_code, wrong.status_code, third.status_code] == [200, 200, 422, 429]
    page = third.get_data(as_text=True)
    assert "You have sent several messages in a short time" in page
    assert "A third message this time.</textarea>" in page
    assert len(_mails()) == 2


def test_the_form_needs_its_csrf_token(app, shop_a, storefront):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = storefront(shop_a.shop).post("/contact", data=MESSAGE)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert _mails() == []


def test_the_form_names_an_order_from_its_link(shop_a, storefront):
    page = storefront(shop_a.shop).get("/contact?order=FS-ABCD1234").get_data(as_text=True)
    assert 'value="FS-ABCD1234"' in page


def test_the_footer_links_contact_and_every_policy(shop_a, storefront):
    page = storefront(shop_a.shop).get("/").get_data(as_text=True)
    footer = page.split('<footer class="site-footer">', 1)[1]
    for path in ("/contact", "/pages/returns", "/pages/shipping", "/pages/privacy", "/pages/terms"):
        assert f'href="{path}"' in footer
