"""Confirming a new owner's e-mail address: the signed link, the banner and its resend
button, and the shop that opens to shoppers only once an owner is confirmed."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.verification import shop_owner_verified, verification_token
from app.extensions import db, limiter
from app.notifications.models import OutboundEmail
from app.shops.services import create_shop, open_shops_for_directory
from tests.factories import PASSWORD, forged, make_shop_with_listings, make_user, scalar_unscoped


def _link(address: str) -> str:
    email = scalar_unscoped(select(OutboundEmail).where(OutboundEmail.to_address == address)
                              .order_by(OutboundEmail.id.desc()))
    return re.search(r"http://flagship\.test(/verify-email/[\w.-]+)", email.body_text).group(1)


def _user(address: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == address))


def test_the_link_in_the_signup_email_confirms_the_address(client):
    client.post("/signup", data={"email": "lena@example.com", "password": "long enough pw",
                                 "confirm": "long enough pw"})
    assert _user("lena@example.com").email_verified_at is None
    response = client.get(_link("lena@example.com"))
    assert response.status_code == 302 and response.location.endswith("/login")
    assert _user("lena@example.com").email_verified_at is not None
    assert client.get(_link("lena@example.com")).status_code == 302  # a second click is fine


def test_the_login_after_the_link_has_the_address_filled_in(client):
    client.post("/signup", data={"email": "ola@example.com", "password": "long enough pw",
                                 "confirm": "long enough pw"})
    assert 'value="ola@example.com"' not in client.get("/login").get_data(as_text=True)
    client.get(_link("ola@example.com"))
    page = client.get("/login").get_data(as_text=True)
    assert "your e-mail address is confirmed" in page
    assert re.search(r'<input[^>]*id="email"[^>]*value="ola@example.com"', page)
    assert re.search(r'<input[^>]*autofocus[^>]*id="password"|<input[^>]*id="password"[^>]*autofocus', page)
    assert 'value="ola@example.com"' in client.get("/login").get_data(as_text=True)  # a reload too
    wrong = client.post("/login", data={"email": "ola@example.com", "password": "not it at all"})
    assert wrong.status_code == 422 and "autofocus" not in wrong.get_data(as_text=True)
    assert client.post("/login", data={"email": "ola@example.com", "password": "long enough pw"}).status_code == 302
    client.post("/logout")
    assert "ola@example.com" not in client.get("/login").get_data(as_text=True)  # gone with the login


def test_a_logged_in_owner_lands_on_the_dashboard(client, login):
    user = make_user(verified=False)
    login(user)
    token = verification_token(user)
    response = client.get(f"/verify-email/{token}")
    assert response.status_code == 302 and response.location.endswith("/dashboard/")


def test_bad_expired_and_outdated_links_are_refused(app, client):
    user = make_user(verified=False)
    token = verification_token(user)
    refused = client.get(f"/verify-email/{forged(token)}")
    assert refused.status_code == 400 and "isn’t valid" in refused.get_data(as_text=True)
    app.config["VERIFY_EMAIL_MAX_AGE"] = -1
    try:
        expired = client.get(f"/verify-email/{token}")
    finally:
        app.config["VERIFY_EMAIL_MAX_AGE"] = 3 * 24 * 3600
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    user.email = "someone-else@example.com"  # the address changed since the link was sent
    db.session.flush()
    outdated = client.get(f"/verify-email/{token}")
    assert outdated.status_code == 400 and "no longer uses" in outdated.get_data(as_text=True)
    assert _user("someone-else@example.com").email_verified_at is None


def test_unconfirmed_owner_sees_the_banner_and_can_resend(app, client, login):
    user = make_user("new-owner@example.com", verified=False)
    login(user)
    page = client.get("/dashboard/new").get_data(as_text=True)
    assert "Verify your e-mail" in page and "/verify-email/resend" in page
    app.config["VERIFY_RESEND_RATE_LIMIT"] = "2 per hour"
    limiter.reset()
    try:
        codes = [client.post("/verify-email/resend").status_code for _ in range(3)]
    finally:
        app.config["VERIFY_RESEND_RATE_LIMIT"] = "3 per hour"
        limiter.reset()
    assert codes == [302, 302, 429]
    assert scalar_unscoped(select(func.count(OutboundEmail.id)).where(
        OutboundEmail.to_address == "new-owner@example.com")) >= 1
    assert client.get(_link("new-owner@example.com")).status_code == 302
    assert "Verify your e-mail" not in client.get("/dashboard/new").get_data(as_text=True)


def test_confirmed_users_see_no_banner(client, login):
    login(make_user())
    assert "Verify your e-mail" not in client.get("/dashboard/new").get_data(as_text=True)


def test_an_unconfirmed_owners_shop_does_not_open_to_shoppers(client, catalog, storefront):
    fixture = make_shop_with_listings("gamma", catalog)
    owner = fixture.owner
    owner.email_verified_at = None
    db.session.flush()
    assert not shop_owner_verified(fixture.shop.id)
    shopper = storefront(fixture.shop)
    home = shopper.get("/")
    assert home.status_code == 403 and "Opening soon" in home.get_data(as_text=True)
    listing = fixture.listings[0]
    add = shopper.post("/cart/add", data={"listing_id": listing.id,
                                          "variant_id": listing.supply_product.variants[0].id})
    assert add.status_code == 403
    assert shopper.get("/checkout").status_code == 403
    assert fixture.shop not in open_shops_for_directory()

    client.get(f"/verify-email/{verification_token(owner)}")
    db.session.expire_all()
    assert shopper.get("/").status_code == 200
    assert fixture.shop.id in [shop.id for shop in open_shops_for_directory()]


def test_the_unconfirmed_owner_may_preview_the_draft(client, login, catalog, storefront):
    user = make_user(verified=False)
    shop = create_shop(user, name="Delta", subdomain="delta", currency="USD")
    login(user)
    start = client.get("/dashboard/delta/themes/default/preview")
    assert start.status_code == 302
    owners_browser = storefront(shop)
    owners_browser.get(start.location.split("delta.flagship.test", 1)[1])
    assert owners_browser.get("/").status_code == 200  # the owner looks around...
    assert owners_browser.post("/cart/add", data={"listing_id": 1, "variant_id": 1}).status_code == 403
    assert storefront(shop).get("/").status_code == 403  # ...nobody else does


def test_factory_users_are_confirmed_unless_asked():
    assert make_user().email_verified
    assert not make_user(verified=False).email_verified


def test_signup_with_an_unconfirmed_address_resends_its_link(client):
    make_user("pending@example.com", verified=False)
    client.post("/signup", data={"email": "pending@example.com", "password": "long enough pw",
                                 "confirm": "long enough pw"})
    assert client.get(_link("pending@example.com")).status_code == 302
    assert _user("pending@example.com").email_verified


def test_login_still_works_with_the_password(client):
    user = make_user(verified=False)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
