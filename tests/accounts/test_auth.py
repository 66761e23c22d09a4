"""Sign-up, log-in, passwords, rate limits, CSRF and the host-only platform cookie."""

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import authenticate
from app.extensions import db, limiter
from app.notifications.models import OutboundEmail
from tests.factories import PASSWORD, make_user, scalar_unscoped


def test_signup_creates_an_unconfirmed_user_and_sends_the_confirmation(client):
    response = client.post("/signup", data={"email": "New@Example.com", "password": "long enough pw",
                                            "confirm": "long enough pw"})
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_verified_at is None
    email = scalar_unscoped(select(OutboundEmail).where(OutboundEmail.to_address == "new@example.com"))
    assert "/verify-email/" in email.body_text
    assert client.get("/dashboard/new").status_code == 302  # not logged in by the sign-up itself
    assert client.post("/login", data={"email": "new@example.com",
                                        "password": "long enough pw"}).status_code == 302
    assert client.get("/dashboard/new").status_code == 200  # may build a shop before confirming


@pytest.mark.parametrize("data, message", [
    ({"email": "a@example.com", "password": "short", "confirm": "short"}, b"10"),
    ({"email": "nope", "password": "long enough pw", "confirm": "long enough pw"}, b"email"),
    ({"email": "a@example.com", "password": "long enough pw", "confirm": "different pw!"}, b"differ"),
])
def test_signup_errors_are_shown_and_nothing_written(client, data, message):
    response = client.post("/signup", data=data)
    assert response.status_code == 422
    assert message in response.data
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("path, expected", [
    ("/signup", ["Enter an e-mail address like name@example.com.", "Choose a password: 10 or more characters.",
                 "Type the password again, to be sure of it."]),
    ("/login", ["Enter an e-mail address like name@example.com.", "Enter your password."]),
])
def test_an_empty_form_says_what_each_field_wants(client, path, expected):
    text = client.post(path, data={"email": " ", "password": "", "confirm": ""}).get_data(as_text=True)
    assert [message for message in expected if message in text] == expected
    assert "This field is required." not in text


def test_signup_with_taken_email_looks_like_a_new_signup(client):
    """No account enumeration: the same page and status, and the address's owner hears of it."""
    user = make_user("taken@example.com")
    hash_before = user.password_hash
    data = {"password": "long enough pw", "confirm": "long enough pw"}
    taken = client.post("/signup", data={"email": "taken@example.com", **data})
    fresh = client.post("/signup", data={"email": "fresh@example.com", **data})
    assert taken.status_code == fresh.status_code == 200
    assert taken.get_data(as_text=True).replace("taken@", "X@") == fresh.get_data(as_text=True).replace("fresh@", "X@")
    assert [h for h in taken.headers.getlist("Set-Cookie")] == [] == fresh.headers.getlist("Set-Cookie")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == hash_before
    notice = scalar_unscoped(select(OutboundEmail).where(OutboundEmail.to_address == "taken@example.com"))
    assert "tried to open a Flagship account" in notice.body_text and "/login" in notice.body_text
    # A flood of attempts is one e-mail an hour to the owner.
    client.post("/signup", data={"email": "taken@example.com", **data})
    assert scalar_unscoped(select(func.count(OutboundEmail.id)).where(
        OutboundEmail.to_address == "taken@example.com")) == 1


def test_login_wrong_password_and_logout(client):
    user = make_user()
    bad = client.post("/login", data={"email": user.email, "password": "wrong password"})
    assert bad.status_code == 422 and b"don\xe2\x80\x99t match" in bad.data
    good = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert good.status_code == 302
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard/").status_code == 302  # back to login


def test_login_never_redirects_off_site(client):
    user = make_user()
    response = client.post("/login?next=https://evil.example/", data={
        "email": user.email, "password": PASSWORD})
    assert response.location.endswith("/dashboard/")


def test_authenticate_unknown_email():
    assert authenticate("nobody@example.com", "whatever pw") is None


def test_login_is_rate_limited(app, client):
    make_user("victim@example.com")
    app.config["AUTH_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        codes = [client.post("/login", data={"email": "victim@example.com",
                                             "password": f"guess {i}"}).status_code for i in range(5)]
    finally:
        app.config["AUTH_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert codes[:3] == [422, 422, 422]
    assert codes[3:] == [429, 429]


def test_signup_is_rate_limited(app, client):
    app.config["AUTH_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    try:
        codes = [client.post("/signup", data={"email": f"u{i}@example.com", "password": "x",
                                              "confirm": "x"}).status_code for i in range(3)]
    finally:
        app.config["AUTH_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert codes == [422, 422, 429]


def test_csrf_is_enforced_on_forms(app, client, shop_a, storefront):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/login", data={"email": "a@example.com", "password": "x"}).status_code == 400
        shopper = storefront(shop_a.shop)
        assert shopper.post("/checkout", data={"name": "x"}).status_code == 400
        assert shopper.post("/contact", data={"message": "x"}).status_code == 400
        # Add to cart takes no session token (a first visit sets no cookie) but refuses a
        # post from another site (tests/storefront/test_http_caching.py).
        listing = shop_a.listings[0]
        response = shopper.post("/cart/add", data={
            "listing_id": listing.id, "variant_id": listing.supply_product.variants[0].id},
            headers={"Origin": "https://evil.example"})
        assert response.status_code == 403
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_a_form_opened_before_logging_in_again_comes_back_with_why(app, client, shop_a, storefront):
    user = make_user("tabs@example.com")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        def log_in():
            client.post("/login", data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": _token(client.get("/login").get_data(as_text=True))})

        log_in()
        old_tab = _token(client.get("/account").get_data(as_text=True))
        client.post("/logout", data={"csrf_token": _token(client.get("/account").get_data(as_text=True))})
        log_in()  # in another tab: a new session, so the first tab's token is no one's
        sent = client.post("/account/password", headers={"Referer": "http://flagship.test/account?tab=1"}, data={
            "csrf_token": old_tab, "current_password": PASSWORD, "password": "a new long password",
            "confirm": "a new long password"})
        assert sent.status_code == 303 and sent.location == "/account?tab=1"
        again = client.get(sent.location).get_data(as_text=True)
        assert "Nothing was saved: this page was opened before you last logged in or out" in again
        assert authenticate(user.email, PASSWORD) is not None  # the password did not change
        # bulk.js's saves ask for JSON; a form sent from another site (or with no Referer)
        # gets the error page, in the visitor's language, never a redirect there.
        saved = client.post("/account/password", data={"csrf_token": old_tab},
                            headers={"Accept": "application/json"})
        assert saved.status_code == 400 and "out of date" in saved.get_json()["error"]
        elsewhere = client.post("/account/password", data={"csrf_token": old_tab}, headers={
            "Referer": "https://evil.example/account", "Accept-Language": "zh"})
        assert elsewhere.status_code == 400 and "页面已过期" in elsewhere.get_data(as_text=True)
        # A shopper's checkout on the shop's own host comes back to the same page.
        shopper = storefront(shop_a.shop)
        host = f"{shop_a.shop.subdomain}.flagship.test"
        expired = shopper.post("/checkout", data={"name": "x"}, headers={"Referer": f"http://{host}/checkout"})
        assert expired.status_code == 303 and expired.location == "/checkout"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_platform_session_cookie_is_host_only(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("flagship=")]
    assert cookies, response.headers
    assert all("domain=" not in c.lower() for c in cookies)
    assert all("httponly" in c.lower() for c in cookies)


def test_platform_session_is_not_a_session_on_a_shop_host(app, client, shop_a, storefront):
    """Even a platform cookie copied by hand to a shop host logs nobody in there."""
    from flask import session

    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    platform_cookie = client.get_cookie("flagship").value
    shop_client = storefront(shop_a.shop)
    shop_client.flask_client.set_cookie(app.config["STOREFRONT_COOKIE_NAME"], platform_cookie,
                                        domain=f"{shop_a.shop.subdomain}.flagship.test")
    with shop_client.flask_client:
        shop_client.get("/")
        assert "_user_id" not in session
