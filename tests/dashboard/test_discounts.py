"""Dashboard → Discounts: add a code, change it, pause and resume it, see its uses; every bad
field says why; another owner reaches none of it."""

from __future__ import annotations

from app.extensions import db
from app.orders.discount_models import DiscountCode
from app.orders.discounts import save_discount_code
from app.tenancy import use_shop
from tests.dashboard.conftest import fetch_all, page_text

FORM = {"code": "Welcome5", "kind": "amount", "value": "5.00", "min_order": "30", "starts": "", "ends": "2026-12-31T23:59",
        "max_uses": "100", "once_per_shopper": "1"}


def test_the_owner_adds_a_code_and_sees_it_listed(owner):
    page = owner.get("/dashboard/alpha/discounts")
    assert page.status_code == 200 and "No discount codes yet" in page_text(page)
    added = owner.post("/dashboard/alpha/discounts", data=FORM)
    assert added.status_code == 302
    [code] = fetch_all(DiscountCode)
    assert (code.code, code.kind, code.value, code.min_order, code.max_uses, code.once_per_shopper) == (
        "WELCOME5", "amount", 500, 3000, 100, True)
    listing = page_text(owner.get("/dashboard/alpha/discounts"))
    assert "WELCOME5" in listing and "$5.00 off" in listing and "orders of $30.00 or more" in listing
    assert "once per shopper" in listing and "0 of 100" in listing and "a refund or a cancel does not give" in listing


def test_a_bad_field_is_shown_on_its_field_and_nothing_is_saved(owner):
    refused = owner.post("/dashboard/alpha/discounts", data=dict(FORM, value="five"))
    text = page_text(refused)
    assert refused.status_code == 422 and "Enter the amount off as an amount, like 5.00." in text
    assert 'value="Welcome5"' in text  # what was typed stays
    assert fetch_all(DiscountCode) == []


def test_the_owner_edits_pauses_and_resumes_a_code(owner, shop_a):
    owner.post("/dashboard/alpha/discounts", data=FORM)
    [code] = fetch_all(DiscountCode)
    page = page_text(owner.get(f"/dashboard/alpha/discounts/{code.id}"))
    assert 'value="WELCOME5"' in page and 'value="5.00"' in page and 'value="2026-12-31T23:59"' in page
    assert "Not used yet" in page
    saved = owner.post(f"/dashboard/alpha/discounts/{code.id}", data=dict(FORM, kind="percent", value="12.5"))
    assert saved.status_code == 302
    [code] = fetch_all(DiscountCode)
    assert (code.kind, code.value) == ("percent", 1250)
    assert "12.5% off" in page_text(owner.get("/dashboard/alpha/discounts"))
    owner.post(f"/dashboard/alpha/discounts/{code.id}/pause")
    [code] = fetch_all(DiscountCode)
    assert not code.active and "Paused" in page_text(owner.get("/dashboard/alpha/discounts"))
    owner.post(f"/dashboard/alpha/discounts/{code.id}/resume", data={"back": "list"})
    [code] = fetch_all(DiscountCode)
    assert code.active
    assert owner.post(f"/dashboard/alpha/discounts/{code.id}/delete").status_code == 404


def test_another_owner_can_neither_see_nor_change_a_shops_codes(owner, shop_b):
    with use_shop(shop_b.shop.id):
        theirs = save_discount_code(None, shop_b.shop, text="BRAVO20", kind="percent", value="20")
        theirs_id = theirs.id
    db.session.flush()
    assert "BRAVO20" not in page_text(owner.get("/dashboard/alpha/discounts"))
    for path in (f"/dashboard/alpha/discounts/{theirs_id}", f"/dashboard/bravo/discounts/{theirs_id}",
                 "/dashboard/bravo/discounts"):
        assert owner.get(path).status_code == 404
    assert owner.post(f"/dashboard/alpha/discounts/{theirs_id}", data=FORM).status_code == 404
    assert owner.post(f"/dashboard/alpha/discounts/{theirs_id}/pause").status_code == 404
    assert owner.post("/dashboard/bravo/discounts", data=FORM).status_code == 404
    [code] = fetch_all(DiscountCode)
    assert (code.code, code.value, code.active) == ("BRAVO20", 2000, True)
