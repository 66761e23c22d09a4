"""The referral programme end to end: the owner's rates (refused below zero margin), promoters
joining and recruiting, a shopper through a link (click, disclosure, binding), commissions on
one and two levels, refunds and cancels, booking after the refund window, payouts, and the
walls between shops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.extensions import db
from app.ledger.services import balances
from app.orders.models import Order
from app.payments.refunds import cancel_and_refund, refund_cash
from app.referrals import services as referrals
from app.referrals.models import Commission, ReferralBinding
from app.tenancy import unscoped, use_shop
from tests.factories import run_job
from tests.referrals.helpers import (
    after_window,
    buy,
    commissions,
    deliver_and_pay,
    entries,
    get_promoter,
    item,
    open_programme,
    page_link,
    promoter,
)

PROGRAMME = {"is_open": "on", "level1_percent": "10", "level2_percent": "5", "binding_days": "30"}


def test_the_owner_sees_the_margin_effect_and_rates_below_zero_margin_are_refused(shop_a, login):
    owner = login(shop_a.owner)
    page = owner.get("/dashboard/alpha/referrals").get_data(as_text=True)
    assert "Effect on your margins" in page and "alpha Organic Cotton Tee" in page
    # The tee sells at $18.00: $12.00 to the supplier and $0.90 fee leave $5.10; 30% is $5.40.
    refused = owner.post("/dashboard/alpha/referrals", data=dict(PROGRAMME, level1_percent="25"))
    text_ = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "below zero margin" in text_ and "alpha Organic Cotton Tee" in text_
    assert not db.session.get(type(shop_a.shop), shop_a.shop.id).referral_open
    preview = owner.post("/dashboard/alpha/referrals", data=dict(PROGRAMME, action="preview"))
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "preview: not saved yet" in body and "−$2.70" in body
    too_high = owner.post("/dashboard/alpha/referrals", data=dict(PROGRAMME, level2_percent="12"))
    assert too_high.status_code == 422 and "be more than the promoter" in too_high.get_data(as_text=True)
    saved = owner.post("/dashboard/alpha/referrals", data=PROGRAMME)
    assert saved.status_code == 302
    db.session.expire_all()
    with unscoped():
        shop = db.session.get(type(shop_a.shop), shop_a.shop.id)
        assert (shop.referral_open, shop.referral_level1_bp, shop.referral_level2_bp) == (True, 1000, 500)


def test_the_margin_effect_names_a_deals_price_in_the_owners_language(shop_a, app):
    """Finding: "· group price" was English on the Chinese referrals page."""
    from app.deals import services as deals
    from app.i18n import force_locale

    crisps = shop_a.listings[1]
    with use_shop(shop_a.shop.id):
        deals.save_group_buy(crisps, prices={crisps.supply_product.variants[0].id: "3.60"}, group_size=2,
                             time_limit_hours=24, max_open_groups=2)
        with app.test_request_context(), force_locale("zh"):
            labels = [row.label for row in referrals.margin_effect(shop_a.shop, 1000, 500)
                      if row.listing_id == crisps.id]
    assert any(label.endswith("· 团购价") for label in labels), labels


def test_a_listing_price_that_leaves_less_than_the_commissions_is_refused(shop_a):
    open_programme(shop_a.shop, level1_bp=2000, level2_bp=500)
    with use_shop(shop_a.shop.id):
        tee = shop_a.listings[0].supply_product.variants[0]
        assert referrals.price_problem(shop_a.shop, 1800, tee.wholesale_price) is None  # $5.10 left, $4.50 paid
        problem = referrals.price_problem(shop_a.shop, 1500, tee.wholesale_price)
    assert "less than the $3.75 your referral programme pays" in problem


def test_a_shopper_through_a_link_sees_who_earns_and_the_order_earns_two_levels(shop_a, storefront, app, login):
    open_programme(shop_a.shop)
    join = storefront(shop_a.shop)
    assert "Become a promoter" in join.get("/").get_data(as_text=True)
    joined = join.post("/promote", data={"name": "Ana Lima", "email": "Ana@Example.com"})
    assert joined.status_code == 200 and "ana@example.com" in joined.get_data(as_text=True)
    ana_page = page_link("ana@example.com")
    ana_id = int(ana_page.rsplit("/", 2)[1])
    ana = get_promoter(ana_id)
    page = join.get(ana_page.split("flagship.test", 1)[1]).get_data(as_text=True)
    assert f"?ref={ana.code}" in page and "Your numbers" in page and "<svg" in page and "Invite promoters" in page
    # Ana recruits Ben through her invitation link.
    recruit = storefront(shop_a.shop)
    recruit.post(f"/promote?by={ana.code}", data={"name": "Ben Okafor", "email": "ben@example.com", "by": ana.code})
    ben_id = int(page_link("ben@example.com").rsplit("/", 2)[1])
    ben = get_promoter(ben_id)
    assert ben.recruited_by_id == ana_id

    shopper = storefront(shop_a.shop)
    landed = shopper.get(f"/products/{shop_a.listings[1].handle}?ref={ben.code.upper()}")
    assert landed.status_code == 302 and landed.location.endswith(f"/products/{shop_a.listings[1].handle}")
    shopper.get(f"/?ref={ben.code}")  # the same browser again: one click
    assert get_promoter(ben_id).clicks == 1
    product = shopper.get(f"/products/{shop_a.listings[1].handle}").get_data(as_text=True)
    assert "Ben Okafor recommended Alpha Shop to you and earns 10%" in product
    order = buy(shopper, shop_a.listings[1], quantity=2)
    assert order.subtotal == 750
    level1, level2 = commissions(order.id)
    assert (level1.promoter_id, level1.level, level1.amount, level1.status) == (ben_id, 1, 75, "pending")
    assert (level2.promoter_id, level2.level, level2.amount) == (ana_id, 2, 37)
    with unscoped():
        binding = db.session.scalar(select(ReferralBinding).where(ReferralBinding.email == "ada@example.com"))
    assert binding.promoter_id == ben_id

    # Delivered and paid; booked only once the refund window passed.
    deliver_and_pay(shop_a.shop, order.id)
    assert run_job(referrals.settle_due, utcnow()) == 0
    assert run_job(referrals.settle_due, after_window(app)) == 1
    assert run_job(referrals.settle_due, after_window(app)) == 0  # twice is once
    assert [(e.payee_type, e.amount) for e in entries(order.id)] == [
        ("promoter", 75), ("shop", -75), ("promoter", 37), ("shop", -37)]
    assert [c.status for c in commissions(order.id)] == ["payable", "payable"]
    [ben_balance] = balances("promoter", ben_id, now=after_window(app, 2))  # booked "then"
    owner_page = login(shop_a.owner).get(f"/dashboard/alpha/orders/{order.id}").get_data(as_text=True)
    assert "Referral commissions" in owner_page and "Ben Okafor" in owner_page and "Recruited them" in owner_page
    assert ben_balance.available == 75
    ben_page = storefront(shop_a.shop).get(page_link("ben@example.com").split("flagship.test", 1)[1])
    assert "$0.75" in ben_page.get_data(as_text=True) and "Earned" in ben_page.get_data(as_text=True)


def test_the_binding_follows_the_shopper_to_another_device_until_it_expires(shop_a, storefront):
    open_programme(shop_a.shop, days=30)
    ben_id, ben_code, _ = promoter(shop_a.shop, "Ben", "ben@example.com")
    phone = storefront(shop_a.shop)
    phone.get(f"/?ref={ben_code}")
    first = buy(phone, shop_a.listings[1])
    laptop = storefront(shop_a.shop)  # no cookie: the e-mail is bound
    second = buy(laptop, shop_a.listings[1])
    assert [c.promoter_id for c in commissions(first.id)] == [ben_id]
    assert [c.promoter_id for c in commissions(second.id)] == [ben_id]
    # A month later the binding has run out: a new order earns nothing, and another
    # promoter's link may bind the shopper anew.
    with unscoped():
        binding = db.session.scalar(select(ReferralBinding))
        binding.expires_at = binding.bound_at = utcnow() - timedelta(days=1)
        db.session.flush()
    later = buy(laptop, shop_a.listings[1])
    assert commissions(later.id) == []
    cleo_id, cleo_code, _ = promoter(shop_a.shop, "Cleo", "cleo@example.com")
    laptop.get(f"/?ref={cleo_code}")
    anew = buy(laptop, shop_a.listings[1])
    assert [c.promoter_id for c in commissions(anew.id)] == [cleo_id]


def test_a_browser_stays_with_the_first_promoter_for_the_period(shop_a, storefront):
    open_programme(shop_a.shop)
    ben_id, ben_code, _ = promoter(shop_a.shop, "Ben", "ben@example.com")
    _, cleo_code, _ = promoter(shop_a.shop, "Cleo", "cleo@example.com")
    shopper = storefront(shop_a.shop)
    shopper.get(f"/?ref={ben_code}")
    shopper.get(f"/?ref={cleo_code}")
    order = buy(shopper, shop_a.listings[1], email="zoe@example.com")
    assert [c.promoter_id for c in commissions(order.id)] == [ben_id]


def test_nobody_earns_on_their_own_order_and_a_paused_promoter_earns_nothing_new(shop_a, storefront, login):
    open_programme(shop_a.shop)
    ben_id, ben_code, _ = promoter(shop_a.shop, "Ben", "ben@example.com")
    own = storefront(shop_a.shop)
    own.get(f"/?ref={ben_code}")
    assert commissions(buy(own, shop_a.listings[1], email="BEN@example.com").id) == []
    owner = login(shop_a.owner)
    assert "Ben" in owner.get("/dashboard/alpha/referrals").get_data(as_text=True)
    owner.post(f"/dashboard/alpha/referrals/promoters/{ben_id}", data={"action": "pause"})
    assert get_promoter(ben_id).status == "paused"
    shopper = storefront(shop_a.shop)
    shopper.get(f"/?ref={ben_code}")
    assert get_promoter(ben_id).clicks == 1  # the paused link counted nothing
    assert "recommended" not in shopper.get("/").get_data(as_text=True)
    assert commissions(buy(shopper, shop_a.listings[1]).id) == []


def test_a_refund_lowers_the_commission_and_a_cancel_ends_it(shop_a, storefront, app):
    open_programme(shop_a.shop, level2_bp=0)
    snack = item(shop_a.listings[1])
    ben_id, ben_code, _ = promoter(shop_a.shop, "Ben", "ben@example.com")
    shopper = storefront(shop_a.shop)
    shopper.get(f"/?ref={ben_code}")
    cancelled = buy(shopper, snack, quantity=2)
    with use_shop(shop_a.shop.id):
        cancel_and_refund(db.session.get(Order, cancelled.id), reason="Changed my mind")
    [c] = commissions(cancelled.id)
    assert (c.status, c.amount) == ("cancelled", 0)

    kept = buy(shopper, snack, quantity=2)  # $7.50, commission $0.75
    deliver_and_pay(shop_a.shop, kept.id)
    with use_shop(shop_a.shop.id):
        order = db.session.get(Order, kept.id)
        line = order.lines[0]
        refund_cash(order, {line.id: 1}, reason="One bag was torn", source="dashboard")
    db.session.flush()
    [c] = commissions(kept.id)
    assert (c.status, c.amount) == ("pending", 37)  # half the goods kept
    run_job(referrals.settle_due, after_window(app))
    [c] = commissions(kept.id)
    assert (c.status, c.booked) == ("payable", 37)
    # A refund after it was booked takes the rest back through the ledger.
    with use_shop(shop_a.shop.id):
        order = db.session.get(Order, kept.id)
        refund_cash(order, {order.lines[0].id: 1}, reason="The other one too", source="dashboard")
    db.session.flush()
    [c] = commissions(kept.id)
    assert (c.status, c.booked) == ("cancelled", 0)
    assert sum(e.amount for e in entries(kept.id) if e.payee_type == "promoter") == 0
    assert sum(e.amount for e in entries(kept.id) if e.payee_type == "shop") == 0


def test_the_commission_never_exceeds_the_shops_margin_on_the_order(shop_a, storefront, app):
    open_programme(shop_a.shop, level1_bp=2000, level2_bp=0)
    _, ben_code, _ = promoter(shop_a.shop, "Ben", "ben@example.com")
    shopper = storefront(shop_a.shop)
    shopper.get(f"/?ref={ben_code}")
    order = buy(shopper, shop_a.listings[1], quantity=1)  # $3.75: the shop keeps $1.06
    with unscoped():
        db.session.execute(text("UPDATE commissions SET rate_bp = 5000, amount = 187"))  # a rate raised by hand
        db.session.flush()
    deliver_and_pay(shop_a.shop, order.id)
    run_job(referrals.settle_due, after_window(app))
    [c] = commissions(order.id)
    assert c.booked == 106


def test_a_third_level_cannot_be_written(shop_a, storefront):
    open_programme(shop_a.shop)
    ana_id, ana_code, _ = promoter(shop_a.shop, "Ana", "ana@example.com")
    ben_id, ben_code, _ = promoter(shop_a.shop, "Ben", "ben@example.com", recruited_by=ana_code)
    cleo_id, cleo_code, _ = promoter(shop_a.shop, "Cleo", "cleo@example.com", recruited_by=ben_code)
    shopper = storefront(shop_a.shop)
    shopper.get(f"/?ref={cleo_code}")
    order = buy(shopper, shop_a.listings[1])
    assert [(c.level, c.promoter_id) for c in commissions(order.id)] == [(1, cleo_id), (2, ben_id)]  # not Ana
    with use_shop(shop_a.shop.id), pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Commission(order_id=order.id, promoter_id=ana_id, level=3, rate_bp=100, base=375,
                                  amount=3, currency="USD"))
        db.session.flush()
    with use_shop(shop_a.shop.id), pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Commission(order_id=order.id, promoter_id=ana_id, level=2, rate_bp=100, base=375,
                                  amount=3, currency="USD"))  # a second "level 2" for the order
        db.session.flush()


def test_a_link_preview_or_a_crawler_gets_the_page_but_is_no_click(shop_a, storefront):
    """A promoter's link pasted in a chat is fetched first by the app's previewer: that fetch
    is neither the promoter's click nor a visitor bound to them. The friend who taps it is."""
    open_programme(shop_a.shop)
    ben_id, ben_code, _token = promoter(shop_a.shop, "Ben", "ben@example.com")
    for agent in ("facebookexternalhit/1.1", "WhatsApp/2.23 preview", "Googlebot/2.1", ""):
        fetch = storefront(shop_a.shop).get(f"/?ref={ben_code}", headers={"User-Agent": agent})
        assert fetch.status_code == 302 and fetch.location.endswith("/")  # the page, without ?ref
        assert "fs_ref=" not in fetch.headers.get("Set-Cookie", ""), agent
    assert get_promoter(ben_id).clicks == 0
    friend = storefront(shop_a.shop).get(f"/?ref={ben_code}", headers={
        "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"})
    assert friend.status_code == 302 and "fs_ref=" in friend.headers["Set-Cookie"]
    assert get_promoter(ben_id).clicks == 1


def test_a_promoters_link_finds_the_promoter_and_counts_the_click_in_one_statement(shop_a, storefront):
    """Every new visitor a promoter's post brings costs one write: an UPDATE that finds the
    active promoter of the code and counts the click (no read of the promoter before it)."""
    from tests.test_statement_counts import recording

    open_programme(shop_a.shop)
    ben_id, ben_code, _token = promoter(shop_a.shop, "Ben", "ben@example.com")
    storefront(shop_a.shop).get(f"/?ref={ben_code}")  # warms what a process keeps
    friend = storefront(shop_a.shop)
    with recording() as found:
        landed = friend.get(f"/?ref={ben_code}")
    assert landed.status_code == 302 and "fs_ref=" in landed.headers["Set-Cookie"]
    touching = [statement for statement in found.statements if "promoters" in statement]
    assert len(touching) == 1 and touching[0].lstrip().upper().startswith("UPDATE"), touching
    assert get_promoter(ben_id).clicks == 2


def test_shops_are_walled_off(shop_a, shop_b, storefront, login):
    open_programme(shop_a.shop)
    open_programme(shop_b.shop)
    ben_id, ben_code, token = promoter(shop_a.shop, "Ben", "ben@example.com")
    other = storefront(shop_b.shop)
    other.get(f"/?ref={ben_code}")  # shop A's code on shop B
    assert get_promoter(ben_id).clicks == 0
    assert commissions(buy(other, shop_b.listings[1]).id) == []
    assert other.get(f"/promote/{ben_id}/{token}").status_code == 404
    assert storefront(shop_a.shop).get(f"/promote/{ben_id}/wrong-token").status_code == 404
    stranger = login(shop_b.owner)
    assert stranger.post(f"/dashboard/bravo/referrals/promoters/{ben_id}", data={"action": "pause"}).status_code == 404
    assert get_promoter(ben_id).status == "active"
    assert "ben@example.com" not in stranger.get("/dashboard/bravo/referrals").get_data(as_text=True)


def test_a_closed_or_invitation_only_programme(shop_a, storefront):
    client = storefront(shop_a.shop)
    assert client.get("/promote").status_code == 404
    assert "Become a promoter" not in client.get("/").get_data(as_text=True)
    open_programme(shop_a.shop, invite_only=True)
    asked = client.post("/promote", data={"name": "Zed", "email": "zed@example.com"})
    assert asked.status_code == 200  # the same answer, and no promoter made
    with unscoped():
        assert db.session.scalar(select(referrals.Promoter.id)) is None
    bad = client.post("/promote", data={"name": "", "email": "nope"})
    assert bad.status_code == 422 and "Enter a name" in bad.get_data(as_text=True)


def test_while_the_programme_runs_a_price_or_deal_that_cannot_pay_it_is_refused(shop_a, login):
    open_programme(shop_a.shop, level1_bp=2000, level2_bp=500)
    crisps = shop_a.listings[1]
    variant_id = crisps.supply_product.variants[0].id
    owner = login(shop_a.owner)
    # $3.50 leaves $0.82 after the $2.50 cost and the fee; 25% of it is $0.87.
    refused = owner.post(f"/dashboard/alpha/products/{crisps.id}", data={
        "title": "Crisps", "price_rule": "markup", "markup_percent": "40", "action": "save"})
    assert refused.status_code == 422 and "your referral programme pays on it" in refused.get_data(as_text=True)
    group = owner.post(f"/dashboard/alpha/products/{crisps.id}/group-buy", data={
        f"price_{variant_id}": "3.50", "group_size": "3", "time_limit_hours": "24", "max_open_groups": "4"})
    assert group.status_code == 422 and "your referral programme pays on it" in group.get_data(as_text=True)
    fine = owner.post(f"/dashboard/alpha/products/{crisps.id}/group-buy", data={
        f"price_{variant_id}": "3.60", "group_size": "3", "time_limit_hours": "24", "max_open_groups": "4"})
    assert fine.status_code == 302


def test_a_promoter_connects_a_payout_account_and_is_paid_once(shop_a, storefront, fake_stripe, app, monkeypatch):
    from app.ledger import connect
    from app.ledger.jobs import run_payouts
    from app.ledger.models import Payout

    monkeypatch.setitem(app.config, "PAYOUT_MINIMUM", 50)
    open_programme(shop_a.shop, level2_bp=0)
    ben_id, ben_code, token = promoter(shop_a.shop, "Ben", "ben@example.com")
    page_client = storefront(shop_a.shop)
    started = page_client.post(f"/promote/{ben_id}/{token}/payouts")
    assert started.status_code == 303 and started.location.startswith(fake_stripe.url)
    with unscoped():
        account = connect.account_of("promoter", ben_id)
        fake_stripe.complete_onboarding(account.stripe_account_id)
    done = page_client.get(f"/promote/{ben_id}/{token}/payouts/done", follow_redirects=True)
    assert "Your Stripe account is connected" in done.get_data(as_text=True)

    shopper = storefront(shop_a.shop)
    shopper.get(f"/?ref={ben_code}")
    order = buy(shopper, shop_a.listings[1], quantity=2)
    deliver_and_pay(shop_a.shop, order.id)
    with unscoped():
        db.session.execute(text("UPDATE orders SET shipped_at = :when WHERE id = :id"),
                           {"when": utcnow() - timedelta(days=30), "id": order.id})
    db.session.commit()
    assert run_job(referrals.settle_due) == 1
    run_job(run_payouts)
    run_job(run_payouts)
    with unscoped():
        payouts = db.session.scalars(select(Payout).where(Payout.payee_type == "promoter")).all()
    assert [(p.payee_id, p.amount, p.status) for p in payouts] == [(ben_id, 75, "paid")]
    page = storefront(shop_a.shop).get(f"/promote/{ben_id}/{token}").get_data(as_text=True)
    assert "Paid to you" in page and "$0.75" in page and "Your Stripe account is connected" in page


def test_a_pickup_points_fee_and_the_commissions_together_stay_within_the_margin(shop_a, storefront, app):
    from app.shops import pickup
    from tests.storefront.test_pickup_points import PICKUP_CHECKOUT, POINT, _ship

    open_programme(shop_a.shop, level1_bp=2000, level2_bp=0)
    snack = item(shop_a.listings[1])
    with use_shop(shop_a.shop.id):
        point, token = pickup.save_pickup_point(None, **dict(POINT, fee_per_order="1.00"))
        point_id = point.id
    _, ben_code, _ = promoter(shop_a.shop, "Ben", "ben@example.com")
    shopper = storefront(shop_a.shop)
    shopper.get(f"/?ref={ben_code}")
    shopper.post("/cart/add", data={"listing_id": snack.id, "variant_id": snack.variant_id, "quantity": 1})
    assert shopper.post("/checkout", data=dict(PICKUP_CHECKOUT, delivery=f"pickup-{point_id}")).status_code == 302
    with unscoped():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()))
        order_id, code = order.id, order.pickup_code
    _ship(order_id)
    assert storefront(shop_a.shop).post(f"/pickup/{point_id}/{token}", data={"code": code}).status_code == 302
    # $3.75 leaves the shop $1.06; the point took $1.00 of it, so Ben's 20% ($0.75) is cut to $0.06.
    assert [(e.payee_type, e.amount) for e in entries(order_id, kind="pickup_fee")] == [("pickup_point", 100),
                                                                                         ("shop", -100)]
    db.session.expire_all()  # the desk's request collected it in a session of its own
    assert run_job(referrals.settle_due, after_window(app)) == 1
    [c] = commissions(order_id)
    assert (c.status, c.booked) == ("payable", 6)
