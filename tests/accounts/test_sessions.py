"""Revocable logins: log out, password change and "log out everywhere" end copied cookies;
the remember cookie's attributes; a fresh session at every login."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from app.accounts.models import User
from app.accounts.sessions import login_token, user_for_token
from app.config import load_config
from app.extensions import db
from tests.conftest import PLATFORM, HostClient
from tests.factories import PASSWORD, make_user

SESSION, REMEMBER = "flagship", "flagship_remember"


def _cookie(client: HostClient, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def _browser_with(app, **cookies) -> HostClient:
    """Another browser (an attacker's) holding copies of these cookies."""
    other = HostClient(app, PLATFORM)
    for name, value in cookies.items():
        other.flask_client.set_cookie(name, value, domain=PLATFORM)
    return other


def _logged_in(client: HostClient) -> bool:
    return client.get("/account").status_code == 200


def test_old_session_cookie_is_refused_after_logout(app, client, login):
    login(make_user())
    stolen = _cookie(client, SESSION)
    assert _logged_in(_browser_with(app, flagship=stolen))  # a copy works while logged in...
    client.post("/logout")
    assert not _logged_in(_browser_with(app, flagship=stolen))  # ...and not after log-out
    assert not _logged_in(client)


def test_old_remember_cookie_is_refused_after_logout(app, client):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    stolen = _cookie(client, REMEMBER)
    assert stolen and _logged_in(_browser_with(app, flagship_remember=stolen))
    client.post("/logout")
    assert not _logged_in(_browser_with(app, flagship_remember=stolen))


def test_password_change_ends_other_logins_and_keeps_this_one(app, client, login):
    user = make_user()
    login(user)
    elsewhere = _browser_with(app, flagship=_cookie(client, SESSION))
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(elsewhere)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 2


def test_password_change_needs_the_current_password(client, login):
    user = make_user()
    login(user)
    response = client.post("/account/password", data={
        "current_password": "not my password", "password": "a brand new password",
        "confirm": "a brand new password"})
    assert response.status_code == 422 and "current password" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 1
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_log_out_everywhere(app, client, login):
    user = make_user()
    page = login(user).get("/account")
    assert page.status_code == 200 and "Log out everywhere" in page.get_data(as_text=True)
    other = HostClient(app, PLATFORM)
    other.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    copies = {"flagship": _cookie(other, SESSION), "flagship_remember": _cookie(other, REMEMBER)}
    assert _logged_in(other) and _logged_in(_browser_with(app, **copies))
    response = client.post("/account/logout-everywhere")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not _logged_in(client)
    assert not _logged_in(other)
    assert not _logged_in(_browser_with(app, **copies))


def test_account_page_needs_a_login(client):
    assert client.get("/account").status_code == 302
    assert client.post("/account/logout-everywhere").status_code == 302


def test_remember_cookie_attributes(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER + "="))
    lowered = header.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "domain=" not in lowered
    expires = re.search(r"expires=([^;]+)", header, re.IGNORECASE).group(1)
    from email.utils import parsedate_to_datetime

    days = (parsedate_to_datetime(expires).timestamp() - time.time()) / 86400
    assert 29 < days <= 30
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_production_cookies_are_host_prefixed_and_secure():
    config = load_config(environ={"FLAGSHIP_ENV": "production", "SECRET_KEY": "x" * 32,
                                  "DATABASE_URL": "postgresql://app@db/flagship",
                                  "MIGRATION_DATABASE_URL": "postgresql://owner@db/flagship"})
    assert config["REMEMBER_COOKIE_NAME"].startswith("__Host-")
    assert config["REMEMBER_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_login_tokens_expire_and_must_be_well_formed(app):
    user = make_user()
    assert user_for_token(login_token(user)) is user
    month_ago = int(time.time()) - 31 * 86400
    assert user_for_token(f"{user.id}:{user.session_version}:{month_ago}") is None
    assert user_for_token(f"{user.id}:{user.session_version}:{int(time.time()) + 3600}") is None
    for bad in (str(user.id), "", "a:b:c", f"{user.id}:1", None, f"{user.id}:1:2:3"):
        assert user_for_token(bad) is None


def _session_data(app, cookie: str) -> dict:
    with app.test_request_context(base_url=f"http://{PLATFORM}"):
        return app.session_interface.get_signing_serializer(app).loads(cookie)


def test_login_starts_a_fresh_session(app, client):
    """Nothing of the anonymous session survives login: a session cookie planted or read
    before (and the CSRF token in it) is not the logged-in session."""
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        before = _cookie(client, SESSION)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf})
        assert response.status_code == 302
        after = _cookie(client, SESSION)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    old, new = _session_data(app, before), _session_data(app, after)
    assert "csrf_token" in old and "_user_id" not in old
    assert new.get("csrf_token") != old["csrf_token"]
    assert new["_user_id"].startswith(f"{user.id}:1:")
    assert not _logged_in(_browser_with(app, flagship=before))
