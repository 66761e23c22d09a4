"""'Forgot your password?': the same answer for every address, one e-mail per few minutes,
a link that works once and for an hour, and a new password that ends every other login."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from app.accounts import password_reset
from app.accounts.models import User
from app.accounts.password_reset import reset_token, send_password_reset, user_for_reset_token
from app.errors import DomainError
from app.extensions import db, limiter
from app.notifications.models import OutboundEmail
from app.tenancy import unscoped
from tests.conftest import PLATFORM, HostClient
from tests.factories import PASSWORD, forged, make_user, scalar_unscoped
from tests.supplier.helpers import member_of

NEW_PASSWORD = "a fresh new password"


def _reset_emails(address: str) -> list[OutboundEmail]:
    with unscoped():
        return list(db.session.scalars(select(OutboundEmail).where(
            OutboundEmail.to_address == address, OutboundEmail.dedupe_key.startswith("password-reset:"))
            .order_by(OutboundEmail.id)))


def _link(address: str) -> str:
    body = _reset_emails(address)[-1].body_text
    return re.search(r"http://flagship\.test(/reset-password/[\w.-]+)", body).group(1)


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _reset(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def _logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_the_login_page_links_to_the_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page and "Forgot your password?" in page
    assert client.get("/forgot-password").status_code == 200


def test_the_link_sets_a_new_password_logs_in_and_lands_on_the_dashboard(client):
    user = make_user("owner@example.com")
    answer = client.post("/forgot-password", data={"email": "Owner@Example.com "})
    assert answer.status_code == 200
    assert "If an account exists for" in answer.get_data(as_text=True)
    [email] = _reset_emails("owner@example.com")
    assert email.subject == "Reset your Flagship password" and "60 minutes" in email.body_text
    assert email.shop_id is None

    page = client.get(_link("owner@example.com"))
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "same-origin"  # the token never leaves the site
    assert page.headers["Cache-Control"] == "no-store"
    response = _reset(client, _link("owner@example.com"))
    assert response.status_code == 302 and response.location.endswith("/dashboard/")
    assert _logged_in(client)
    assert _user(user.id).session_version == 2
    fresh = HostClient(client.app, PLATFORM)
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_each_kind_of_user_lands_on_their_own_home(app, client, catalog):
    admin = make_user("boss@example.com", is_admin=True)
    client.post("/forgot-password", data={"email": admin.email})
    response = _reset(client, _link(admin.email))
    assert response.status_code == 302 and response.location.endswith("/admin/")

    staff = member_of(catalog.supplier, "packer@example.com")
    portal = HostClient(app, PLATFORM)
    portal.post("/forgot-password", data={"email": staff.email})
    response = _reset(portal, _link(staff.email))
    assert portal.get(response.location).location.endswith("/supplier/")


def test_unknown_address_gets_the_same_answer_and_no_email(client):
    make_user("known@example.com")
    known = client.post("/forgot-password", data={"email": "known@example.com"})
    unknown = client.post("/forgot-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert (known.get_data(as_text=True).replace("known@", "X@")
            == unknown.get_data(as_text=True).replace("nobody@", "X@"))
    assert known.headers.getlist("Set-Cookie") == unknown.headers.getlist("Set-Cookie")
    assert _reset_emails("nobody@example.com") == []
    assert scalar_unscoped(select(func.count(OutboundEmail.id))) == 1


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b"])
def test_a_bad_address_is_a_field_error(client, address):
    response = client.post("/forgot-password", data={"email": address})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and ("e-mail address like" in page or "email address" in page)
    assert scalar_unscoped(select(func.count(OutboundEmail.id))) == 0


def test_the_link_works_once(client):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    link = _link(user.email)
    assert _reset(client, link).status_code == 302
    again = HostClient(client.app, PLATFORM)
    assert again.get(link).status_code == 400
    reused = _reset(again, link, "yet another password")
    assert reused.status_code == 400 and "already used" in reused.get_data(as_text=True)
    assert not _logged_in(again)
    fresh = HostClient(client.app, PLATFORM)
    assert fresh.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_a_password_change_kills_every_link_sent_before(client, login):
    user = make_user()
    earlier = reset_token(user)
    login(user).post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    other = HostClient(client.app, PLATFORM)
    response = _reset(other, f"/reset-password/{earlier}", "the attacker's password")
    assert response.status_code == 400 and "Ask for a new one" in response.get_data(as_text=True)
    fresh = HostClient(client.app, PLATFORM)
    assert fresh.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_logging_out_everywhere_or_a_new_address_kills_the_links_too(login):
    user = make_user()
    token = reset_token(user)
    login(user).post("/account/logout-everywhere")
    db.session.expire_all()
    with pytest.raises(DomainError, match="already used"):
        user_for_reset_token(token)
    user = _user(user.id)
    token = reset_token(user)
    user.email = "moved@example.com"
    db.session.flush()
    with pytest.raises(DomainError, match="already used"):
        user_for_reset_token(token)


def test_the_link_expires_after_an_hour(client, monkeypatch):
    user = make_user()
    with monkeypatch.context() as clock:
        clock.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 59 * 60)
        fresh = reset_token(user)
        clock.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 61 * 60)
        stale = reset_token(user)
    assert user_for_reset_token(fresh) == user
    page = client.get(f"/reset-password/{stale}")
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)
    response = _reset(client, f"/reset-password/{stale}")
    assert response.status_code == 400
    assert _user(user.id).session_version == 1


def test_a_forged_or_mangled_link_is_refused(app, client):
    user = make_user()
    token = reset_token(user)
    for bad in (forged(token), "nonsense", token.replace(".", "", 1)):
        response = client.get(f"/reset-password/{bad}")
        assert response.status_code == 400 and "isn’t valid" in response.get_data(as_text=True)
    # Signed with another key (another deployment's, or a guess), naming this user:
    from itsdangerous import URLSafeTimedSerializer

    other_key = URLSafeTimedSerializer("another-secret", salt=password_reset.SALT).dumps(
        {"user": user.id, "state": password_reset.account_state(user)})
    assert _reset(client, f"/reset-password/{other_key}").status_code == 400
    # Signed right but for another account state (the fingerprint of a guessed hash):
    with app.test_request_context():
        wrong_state = password_reset._serializer().dumps({"user": user.id, "state": "0" * 32})
    response = _reset(client, f"/reset-password/{wrong_state}")
    assert response.status_code == 400 and "already used" in response.get_data(as_text=True)
    assert _user(user.id).session_version == 1


def test_new_password_follows_the_signup_rules_and_nothing_is_written(client):
    user = make_user()
    token = reset_token(user)
    short = _reset(client, f"/reset-password/{token}", "short")
    assert short.status_code == 422 and "10 or more characters" in short.get_data(as_text=True)
    differ = client.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": "something else"})
    assert differ.status_code == 422 and "The passwords differ." in differ.get_data(as_text=True)
    assert _user(user.id).session_version == 1 and not _logged_in(client)
    assert client.get(f"/reset-password/{token}").status_code == 200  # the link still works


def test_the_reset_ends_every_other_login(app, client):
    user = make_user()
    elsewhere = HostClient(app, PLATFORM)
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert _logged_in(elsewhere)
    _reset(client, f"/reset-password/{reset_token(user)}")
    assert _logged_in(client) and not _logged_in(elsewhere)


def test_an_unconfirmed_address_is_confirmed_by_the_reset(client):
    user = make_user(verified=False)
    _reset(client, f"/reset-password/{reset_token(user)}")
    assert _user(user.id).email_verified


def test_at_most_one_email_per_address_every_few_minutes():
    user = make_user()
    assert send_password_reset(user.email) is not None
    assert send_password_reset(user.email) is None
    assert send_password_reset(user.email.upper()) is None
    assert len(_reset_emails(user.email)) == 1
    # Six minutes on, another may go.
    with unscoped():
        first = _reset_emails(user.email)[0]
        first.created_at -= timedelta(minutes=6)
        first.dedupe_key = f"password-reset:{user.id}:earlier"
        db.session.flush()
    assert send_password_reset(user.email) is not None
    assert len(_reset_emails(user.email)) == 2


def test_asking_is_rate_limited(app, client):
    app.config["AUTH_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        codes = [client.post("/forgot-password", data={"email": f"who{i}@example.com"}).status_code
                 for i in range(5)]
    finally:
        app.config["AUTH_RATE_LIMIT"] = "10000 per minute"
        limiter.reset()
    assert codes == [200, 200, 200, 429, 429]
