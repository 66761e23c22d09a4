"""Admin "Money": fee income, payout runs, a shop's fee override; the supplier's payouts page."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.services import mark_paid
from app.tenancy import unscoped, use_shop
from tests import factories
from tests.admin.conftest import admin, page_text

__all__ = ["admin"]


def _paid(fixture):
    order = factories.make_order(fixture)
    with use_shop(fixture.shop.id):
        mark_paid(order)
    return order


def test_money_page_shows_fee_income(admin, shop_a):
    _paid(shop_a)
    _paid(shop_a)
    text = page_text(admin.get("/admin/money"))
    assert "Fee income" in text and "$1.80" in text  # 2 orders x 5 % of $18.00
    assert "None: every payout went through." in text


def test_run_payouts_now_records_a_run(admin):
    response = admin.post("/admin/money/run-payouts", follow_redirects=True)
    assert "Payout run started" in page_text(response)
    assert "#1" in page_text(admin.get("/admin/money"))


def test_fee_override_is_validated_and_used(admin, shop_a):
    shop_id = shop_a.shop.id
    for bad in ("lots", "-1", "60", "2.555", "1e999999"):
        response = admin.post(f"/admin/shops/{shop_id}/fee", data={"fee_percent": bad}, follow_redirects=True)
        assert "fee" in page_text(response).lower() and shop_a.shop.platform_fee_bp is None
    admin.post(f"/admin/shops/{shop_id}/fee", data={"fee_percent": "2.5"})
    db.session.refresh(shop_a.shop)
    assert shop_a.shop.platform_fee_bp == 250
    assert "2.5 %" in page_text(admin.get(f"/admin/shops/{shop_id}"))
    order = _paid(shop_a)
    with unscoped():
        fee = db.session.scalar(select(LedgerEntry.amount).where(
            LedgerEntry.order_id == order.id, LedgerEntry.payee_type == "platform"))
    assert fee == 45
    admin.post(f"/admin/shops/{shop_id}/fee", data={"fee_percent": ""})
    db.session.refresh(shop_a.shop)
    assert shop_a.shop.platform_fee_bp is None


def test_money_pages_are_for_admins_only(client, login, shop_a):
    login(shop_a.owner)
    assert client.get("/admin/money").status_code == 404
    assert client.post("/admin/money/run-payouts").status_code == 404


def test_supplier_sees_what_it_is_owed(client, login, shop_a):
    from app.catalog.portal_models import SupplierMember

    order = _paid(shop_a)
    supplier_id = order.lines[0].supplier_id
    staff = factories.make_user("ships@supplier.example")
    db.session.add(SupplierMember(supplier_id=supplier_id, user_id=staff.id))
    db.session.flush()
    login(staff)
    text = page_text(client.get("/supplier/payouts"))
    assert "$12.00" in text and f"Order {order.number}" in text
    assert "Connect with Stripe" not in text  # no Stripe key: it explains instead
    assert "not set up on this platform yet" in text
