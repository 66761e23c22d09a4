"""The owners' e-mails when the platform suspends or reopens their shop
(app/shops/services.py set_shop_status): one per owner and event, with the reason and what
it means, recorded in the change's transaction, never to another shop's owner."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import ShopMembership
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.shops.services import set_shop_status
from app.tenancy import unscoped
from tests.admin.conftest import page_text
from tests.factories import make_user


def _emails(kind: str) -> list[OutboundEmail]:
    with unscoped():
        return [email for email in db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id))
                if email.dedupe_key.startswith(f"{kind}:")]


def test_suspending_and_reopening_e_mail_every_owner_once_each(admin, shop_a, shop_b):
    partner, helper = make_user("partner@example.com"), make_user("helper@example.com")
    db.session.add_all([ShopMembership(shop_id=shop_a.shop.id, user_id=partner.id, role="owner"),
                        ShopMembership(shop_id=shop_a.shop.id, user_id=helper.id, role="staff")])
    db.session.flush()
    response = admin.post(f"/admin/shops/{shop_a.shop.id}/suspend", data={"reason": "Unpaid supplier invoices"})
    assert response.status_code == 302
    suspended = _emails("shop-suspended")
    assert sorted(e.to_address for e in suspended) == ["owner-alpha@example.com", "partner@example.com"]
    email = suspended[0]
    assert email.subject == "Alpha Shop is suspended" and email.shop_id == shop_a.shop.id
    for expected in ("The reason: Unpaid supplier invoices", "takes no new orders",
                     "Orders already placed go on as usual", "http://flagship.test/dashboard/alpha/"):
        assert expected in email.body_text, expected
    assert "Unpaid supplier invoices" in email.body_html and "Orders already placed go on" in email.body_html

    admin.post(f"/admin/shops/{shop_a.shop.id}/suspend", data={"reason": "Again"})  # no change: no e-mail
    assert len(_emails("shop-suspended")) == 2

    assert admin.post(f"/admin/shops/{shop_a.shop.id}/reopen").status_code == 302
    reopened = _emails("shop-reopened")
    assert sorted(e.to_address for e in reopened) == ["owner-alpha@example.com", "partner@example.com"]
    assert reopened[0].subject == "Alpha Shop is open again"
    assert "http://alpha.flagship.test/" in reopened[0].body_text
    admin.post(f"/admin/shops/{shop_a.shop.id}/reopen")
    assert len(_emails("shop-reopened")) == 2

    admin.post(f"/admin/shops/{shop_a.shop.id}/suspend", data={"reason": "Once more"})  # a new event
    assert len(_emails("shop-suspended")) == 4
    every = _emails("shop-suspended") + _emails("shop-reopened")
    assert "owner-bravo@example.com" not in {e.to_address for e in every}
    assert "helper@example.com" not in {e.to_address for e in every}


def test_a_refused_suspension_e_mails_nobody(admin, shop_a):
    response = admin.post(f"/admin/shops/{shop_a.shop.id}/suspend", data={"reason": " "})
    assert response.status_code == 422 and "Say why" in page_text(response)
    assert _emails("shop-suspended") == []


def test_a_suspension_that_rolls_back_leaves_no_e_mail(shop_a):
    savepoint = db.session.begin_nested()
    set_shop_status(shop_a.shop, "suspended", "Review")
    assert len(_emails("shop-suspended")) == 1  # recorded in the transaction...
    savepoint.rollback()
    assert _emails("shop-suspended") == []  # ...and gone with it
