"""The account page: change the address (current password, a link to the new address, a
note to the old one), change the password in one browser while logged in in another, log
out everywhere, and when the address was confirmed."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from app.accounts.email_change import change_token
from app.accounts.models import User
from app.extensions import db, limiter
from app.i18n import format_date
from app.notifications.models import OutboundEmail
from tests.conftest import PLATFORM, HostClient
from tests.factories import PASSWORD, forged, make_user, scalar_unscoped
from tests.supplier.helpers import member_of

NEW_PASSWORD = "a brand new password"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The per-user limit on address changes counts by user id, which the rolled-back tests
    reuse: each test starts with none used."""
    limiter.reset()
    yield
    limiter.reset()


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _emails_to(address: str) -> list[OutboundEmail]:
    from app.tenancy import unscoped

    with unscoped():
        return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)
                                       .order_by(OutboundEmail.id)))


def _email_count() -> int:
    return scalar_unscoped(select(func.count(OutboundEmail.id)))


def _confirm_link(address: str) -> str:
    body = _emails_to(address)[-1].body_text
    return re.search(r"http://flagship\.test(/account/email/[\w.-]+)", body).group(1)


def _ask(client, new_email: str, password: str = PASSWORD):
    return client.post("/account/email", data={"change-email-new_email": new_email,
                                               "change-email-current_password": password})


def _logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_the_page_shows_the_address_and_when_it_was_confirmed(client, login):
    user = make_user("shown@example.com")
    page = login(user).get("/account").get_data(as_text=True)
    assert "shown@example.com" in page
    assert f'<time datetime="{user.email_verified_at.isoformat()}">' in page
    assert format_date(user.email_verified_at) in page  # "Dec 4, 2026": the reader's way
    for heading in ("Change your e-mail address", "Change your password", "Log out everywhere"):
        assert heading in page


def test_an_unconfirmed_address_says_so(client, login):
    page = login(make_user(verified=False)).get("/account").get_data(as_text=True)
    assert "Not yet" in page


def test_every_back_office_header_links_to_the_account_page(client, login, shop_a):
    login(shop_a.owner)
    assert 'href="/account"' in client.get("/dashboard/alpha/").get_data(as_text=True)
    admin = make_user(is_admin=True)
    client.post("/logout")
    login(admin)
    assert 'href="/account"' in client.get("/admin/").get_data(as_text=True)
    staff = member_of(shop_a.listings[0].supply_product.supplier)
    client.post("/logout")
    login(staff)
    assert 'href="/account"' in client.get("/supplier/").get_data(as_text=True)


def test_changing_the_address_happens_when_the_link_to_the_new_one_is_opened(client, login):
    user = make_user("old@example.com")
    login(user)
    response = _ask(client, " New@Example.com")
    assert response.status_code == 302 and response.location.endswith("/account")
    assert "sent a link to new@example.com" in client.get("/account").get_data(as_text=True)
    assert _user(user.id).email == "old@example.com"  # nothing changes yet
    [message] = _emails_to("new@example.com")
    assert message.subject == "Confirm your new e-mail address for Flagship"
    assert _emails_to("old@example.com") == []

    confirmed = client.get(_confirm_link("new@example.com"))
    assert confirmed.status_code == 302 and confirmed.location.endswith("/account")
    user = _user(user.id)
    assert user.email == "new@example.com" and user.email_verified
    [notice] = _emails_to("old@example.com")
    assert "now logs in with new@example.com" in notice.body_text
    assert _logged_in(client)  # this browser stays logged in
    fresh = HostClient(client.app, PLATFORM)
    assert fresh.post("/login", data={"email": "old@example.com", "password": PASSWORD}).status_code == 422
    assert fresh.post("/login", data={"email": "new@example.com", "password": PASSWORD}).status_code == 302


def test_the_link_works_in_a_browser_not_logged_in_and_only_once(app, client, login):
    user = make_user("first@example.com")
    login(user)
    _ask(client, "second@example.com")
    link = _confirm_link("second@example.com")
    phone = HostClient(app, PLATFORM)
    opened = phone.get(link)
    assert opened.status_code == 302 and opened.location.endswith("/login")
    again = phone.get(link)
    assert again.status_code == 400 and "out of date" in again.get_data(as_text=True)
    assert _user(user.id).email == "second@example.com"
    assert len(_emails_to("first@example.com")) == 1


def test_it_needs_the_current_password(client, login):
    user = make_user("mine@example.com")
    login(user)
    response = _ask(client, "theirs@example.com", "not my password")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That isn’t your current password." in page
    assert 'value="theirs@example.com"' in page  # what was typed stays
    assert _email_count() == 0 and _user(user.id).email == "mine@example.com"


def test_someone_elses_address_is_refused(client, login):
    make_user("taken@example.com")
    user = make_user("mine@example.com")
    login(user)
    response = _ask(client, "Taken@example.com")
    assert response.status_code == 422
    assert "Another account uses this address" in response.get_data(as_text=True)
    assert _email_count() == 0


def test_an_address_taken_after_the_link_was_sent_is_refused(client, login):
    user = make_user("mine@example.com")
    login(user)
    _ask(client, "wanted@example.com")
    make_user("wanted@example.com")  # signed up with it meanwhile
    response = client.get(_confirm_link("wanted@example.com"))
    assert response.status_code == 400 and "started using wanted@example.com" in response.get_data(as_text=True)
    assert _user(user.id).email == "mine@example.com"
    assert _emails_to("mine@example.com") == []


@pytest.mark.parametrize("new_email, message", [
    ("", "e-mail address like"),
    ("not an address", "e-mail address like"),
    ("mine@example.com", "already your address"),
])
def test_bad_addresses_are_field_errors(client, login, new_email, message):
    login(make_user("mine@example.com"))
    response = _ask(client, new_email)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert 'id="change-email-new_email-error"' in response.get_data(as_text=True)
    assert _email_count() == 0


def test_a_password_change_cancels_a_pending_address_change(client, login):
    user = make_user("mine@example.com")
    login(user)
    _ask(client, "intruder@example.com")
    client.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                           "confirm": NEW_PASSWORD})
    response = client.get(_confirm_link("intruder@example.com"))
    assert response.status_code == 400 and "out of date" in response.get_data(as_text=True)
    assert _user(user.id).email == "mine@example.com"


def test_forged_and_expired_change_links_are_refused(app, client, monkeypatch):
    user = make_user("mine@example.com")
    with app.test_request_context():
        token = change_token(user, "elsewhere@example.com")
    refused = client.get(f"/account/email/{forged(token)}")
    assert refused.status_code == 400 and "isn’t valid" in refused.get_data(as_text=True)
    with monkeypatch.context() as clock, app.test_request_context():
        clock.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 4 * 86400)
        stale = change_token(user, "elsewhere@example.com")
    expired = client.get(f"/account/email/{stale}")
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert _user(user.id).email == "mine@example.com"


def test_asking_for_address_changes_is_limited_per_user(app, client, login):
    login(make_user())
    app.config["VERIFY_RESEND_RATE_LIMIT"] = "2 per hour"
    limiter.reset()
    try:
        wrong = _ask(client, "x@example.com", "a wrong password")  # does not use up the limit
        codes = [_ask(client, f"new{i}@example.com").status_code for i in range(3)]
    finally:
        app.config["VERIFY_RESEND_RATE_LIMIT"] = "3 per hour"
        limiter.reset()
    assert wrong.status_code == 422
    assert codes == [302, 302, 429]
    assert _email_count() == 2


def test_a_password_change_logs_out_the_other_browser_and_keeps_this_one(app, client, login):
    user = make_user()
    login(user)
    laptop = HostClient(app, PLATFORM)
    assert laptop.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "remember": "y"}).status_code == 302
    assert _logged_in(laptop)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(laptop)


def test_a_refused_password_change_shows_the_errors_and_writes_nothing(client, login):
    user = make_user()
    login(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "short", "confirm": "short"})
    assert response.status_code == 422 and "10 or more characters" in response.get_data(as_text=True)
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert _user(user.id).session_version == 1


def test_log_out_everywhere_ends_both_browsers(app, client, login):
    user = make_user()
    login(user)
    laptop = HostClient(app, PLATFORM)
    laptop.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.post("/account/logout-everywhere")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not _logged_in(client) and not _logged_in(laptop)
    assert _user(user.id).session_version >= 2
