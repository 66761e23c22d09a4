"""Inviting supplier staff: admin form -> e-mail with a one-time link -> portal member."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.portal_models import SupplierInvitation, SupplierMember
from app.catalog.supplier_staff import invite_staff
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.tenancy import unscoped
from tests.factories import PASSWORD, make_supplier, make_user


def text(response):
    return response.get_data(as_text=True)


def _invite_link(email_to):
    with unscoped():  # a platform e-mail (no shop)
        email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == email_to))
    return re.search(r"http://flagship\.test(/supplier/invite/[\w-]+)", email.body_text).group(1)


def test_admin_invites_and_the_invitee_sets_a_password(admin, client, app):
    supplier = make_supplier("Acme Farm")
    supplier_id = supplier.id
    page = admin.get(f"/admin/suppliers/{supplier_id}")
    assert f"/admin/suppliers/{supplier_id}/staff" in text(page)
    assert admin.get(f"/admin/suppliers/{supplier_id}/staff").status_code == 200
    response = admin.post(f"/admin/suppliers/{supplier_id}/staff/invite", data={"email": "Ship@Acme.example"})
    assert response.status_code == 302
    invitation = db.session.scalar(select(SupplierInvitation).where(SupplierInvitation.supplier_id == supplier_id))
    link = _invite_link("ship@acme.example")
    assert invitation.email == "ship@acme.example"
    assert link.rsplit("/", 1)[1] not in invitation.token_hash  # only the hash is stored
    assert (invitation.expires_at - invitation.created_at) >= timedelta(days=6, hours=23)

    admin.post("/logout")
    assert client.get(link).status_code == 200
    mismatch = client.post(link, data={"password": PASSWORD, "confirm": "other password x"})
    assert mismatch.status_code == 422
    response = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/supplier/")
    user = db.session.scalar(select(User).where(User.email == "ship@acme.example"))
    assert db.session.scalar(select(func.count(SupplierMember.id)).where(
        SupplierMember.user_id == user.id, SupplierMember.supplier_id == supplier_id)) == 1
    assert client.get("/supplier/").status_code == 200  # logged in
    # The token works once.
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 404


def test_bad_email_is_refused_with_nothing_written(admin):
    supplier_id = make_supplier().id
    response = admin.post(f"/admin/suppliers/{supplier_id}/staff/invite", data={"email": "not-an-email"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(SupplierInvitation.id))) == 0


def test_expired_invitation_is_refused(client):
    supplier = make_supplier()
    invitation, token = invite_staff(supplier, "late@example.com")
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.session.flush()
    assert client.get(f"/supplier/invite/{token}").status_code == 404
    response = client.post(f"/supplier/invite/{token}", data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "late@example.com")) == 0


def test_unknown_token_is_refused(client):
    assert client.get("/supplier/invite/not-a-token").status_code == 404


def test_logged_in_user_links_their_account(client, login):
    supplier = make_supplier()
    user = make_user("existing@example.com")
    user_id, supplier_id = user.id, supplier.id
    _, token = invite_staff(supplier, "existing@example.com")
    login(user)
    page = client.get(f"/supplier/invite/{token}")
    assert "Accept the invitation" in text(page)
    assert client.post(f"/supplier/invite/{token}").status_code == 302
    assert db.session.scalar(select(func.count(SupplierMember.id)).where(
        SupplierMember.user_id == user_id, SupplierMember.supplier_id == supplier_id)) == 1


def test_existing_account_must_log_in_first(client):
    supplier = make_supplier()
    make_user("known@example.com")
    _, token = invite_staff(supplier, "known@example.com")
    response = client.post(f"/supplier/invite/{token}", data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 422 and "log in" in text(response)
    assert db.session.scalar(select(func.count(SupplierMember.id))) == 0


def test_only_the_addressee_may_accept(client, login):
    """A forwarded or leaked link does not make another logged-in user a supplier's staff."""
    supplier = make_supplier()
    intruder = make_user("intruder@example.com")
    _, token = invite_staff(supplier, "Ship@Acme.example")
    login(intruder)
    page = client.get(f"/supplier/invite/{token}")
    assert page.status_code == 403
    assert "This invitation is for ship@acme.example" in text(page) and "Accept the invitation" not in text(page)
    refused = client.post(f"/supplier/invite/{token}")
    assert refused.status_code == 403 and "This invitation is for ship@acme.example" in text(refused)
    assert db.session.scalar(select(func.count(SupplierMember.id))) == 0
    assert client.get("/supplier/").status_code == 404


def test_the_addressee_accepts_whatever_the_case_of_their_address(client, login):
    supplier = make_supplier()
    user = make_user("ship@acme.example", verified=False)
    user_id = user.id
    _, token = invite_staff(supplier, "SHIP@acme.example")
    login(user)
    assert client.post(f"/supplier/invite/{token}").status_code == 302
    assert db.session.scalar(select(func.count(SupplierMember.id)).where(SupplierMember.user_id == user_id)) == 1
    db.session.expire_all()
    assert db.session.get(User, user_id).email_verified  # the link reached their inbox


def test_an_account_made_from_an_invitation_is_confirmed(client):
    _, token = invite_staff(make_supplier(), "fresh@acme.example")
    client.post(f"/supplier/invite/{token}", data={"password": PASSWORD, "confirm": PASSWORD})
    assert db.session.scalar(select(User).where(User.email == "fresh@acme.example")).email_verified


def test_the_service_refuses_another_users_acceptance():
    import pytest

    from app.catalog.supplier_staff import accept_invitation
    from app.errors import DomainError

    _, token = invite_staff(make_supplier(), "ship@acme.example")
    with pytest.raises(DomainError, match="This invitation is for ship@acme.example"):
        accept_invitation(token, user=make_user("someone@example.com"))
    assert db.session.scalar(select(func.count(SupplierMember.id))) == 0
