"""Group buys end to end with pay on delivery: the owner's offer, starting and joining a
group, the group filling (every order goes ahead at once) or failing at its deadline (every
order cancelled, stock back, members told), and the walls between shops."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.catalog.models import SupplyVariant
from app.db_types import utcnow
from app.deals import jobs, services
from app.deals.models import Deal, DealEvent, DealRound
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order
from app.tenancy import unscoped, use_shop
from tests.storefront.test_shopping import CHECKOUT


@pytest.fixture
def crisps(shop_a):
    """Shop A's crisps: wholesale 2.50, minimum retail 3.50, sold at 3.75."""
    return shop_a.listings[1]


@pytest.fixture
def deal(shop_a, crisps):
    with use_shop(shop_a.shop.id):
        variant = crisps.supply_product.variants[0]
        return services.save_group_buy(crisps, prices={variant.id: "3.60"}, group_size=2,
                                       time_limit_hours=24, max_open_groups=2)


def _fresh(model, **where):
    with unscoped():
        query = select(model).execution_options(populate_existing=True).order_by(model.id)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(db.session.scalars(query))


def _count(model, **where):
    with unscoped():
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def _stock(variant_id):
    with unscoped():
        return db.session.scalar(select(SupplyVariant.stock).where(SupplyVariant.id == variant_id)
                                 .execution_options(populate_existing=True))


def _join(client, deal, variant, token=None, email="ada@example.com", name="Ada Shopper"):
    """Check out for a group. `deal` and `variant` may be rows or ids (a job's commit
    expires rows, and reloading one needs a shop scope)."""
    deal_id, variant_id = getattr(deal, "id", deal), getattr(variant, "id", variant)
    query = f"/group-checkout?deal={deal_id}&variant={variant_id}" + (f"&group={token}" if token else "")
    return client.post(query, data=dict(CHECKOUT, email=email, name=name))


# The owner's offer ---------------------------------------------------------------------------


def test_the_owner_sets_up_a_group_buy_and_bad_values_are_refused(shop_a, crisps, login):
    owner = login(shop_a.owner)
    variant = crisps.supply_product.variants[0]
    url = f"/dashboard/alpha/products/{crisps.id}/group-buy"
    page = owner.get(url)
    assert page.status_code == 200 and "Group price of each option" in page.get_data(as_text=True)
    good = {f"price_{variant.id}": "3.60", "group_size": "3", "time_limit_hours": "24", "max_open_groups": "4"}
    for change, message in [({f"price_{variant.id}": "3.00"}, "at least $3.50"),
                            ({f"price_{variant.id}": "3.75"}, "below the regular $3.75"),
                            ({f"price_{variant.id}": "cheap"}, "enter a price like 12.50"),
                            ({"group_size": "1"}, "Choose the group size from 2 to 50."),
                            ({"time_limit_hours": "200"}, "from 1 to 168"),
                            ({"max_open_groups": "x"}, "as a whole number")]:
        refused = owner.post(url, data={**good, **change})
        assert refused.status_code == 422, change
        assert message in refused.get_data(as_text=True), change
        assert _count(Deal) == 0
    assert owner.post(url, data=good).status_code == 302
    [saved] = _fresh(Deal)
    assert saved.prices == {str(variant.id): 360} and saved.group_size == 3
    assert saved.time_limit_minutes == 24 * 60 and saved.max_open_groups == 4
    assert [e.kind for e in _fresh(DealEvent)] == ["created"]
    assert owner.post(f"{url}/pause").status_code == 302
    assert _fresh(Deal)[0].status == "paused"


def test_another_shops_owner_cannot_see_or_change_the_offer(shop_a, shop_b, deal, crisps, login):
    intruder = login(shop_b.owner)
    for method, path in [("GET", f"/dashboard/bravo/products/{crisps.id}/group-buy"),
                         ("POST", f"/dashboard/bravo/products/{crisps.id}/group-buy/pause"),
                         ("GET", f"/dashboard/alpha/products/{crisps.id}/group-buy"),
                         ("POST", f"/dashboard/alpha/products/{crisps.id}/group-buy/pause")]:
        assert intruder.open(path, method=method).status_code == 404, (method, path)
    assert _fresh(Deal)[0].status == "active"


# A group fills -------------------------------------------------------------------------------


def test_a_group_starts_fills_and_every_order_goes_ahead_at_once(shop_a, deal, crisps, storefront):
    variant = crisps.supply_product.variants[0]
    before = _stock(variant.id)
    first = storefront(shop_a.shop)
    product = first.get(f"/products/{crisps.handle}").get_data(as_text=True)
    assert "Group buy: $3.60" in product and "Start a group" in product
    form = first.get(f"/group-checkout?deal={deal.id}&variant={variant.id}").get_data(as_text=True)
    assert "You start a group of 2" in form and "$3.60" in form and 'value="card"' not in form

    started = _join(first, deal, variant)
    assert started.status_code == 302 and "/groups/" in started.location
    token = started.location.split("/groups/")[1].split("?")[0]
    [round_] = _fresh(DealRound)
    assert (round_.status, round_.progress, round_.target, round_.token) == ("open", 1, 2, token)
    [order] = _fresh(Order)
    assert (order.hold, order.deal_round_id, order.total) == ("deal", round_.id, 360)
    assert _stock(variant.id) == before - 1
    assert _count(PurchaseOrder) == 0 and _count(OutboundEmail, dedupe_key=f"order-confirmation:{order.id}") == 0
    [joined_mail] = _fresh(OutboundEmail, dedupe_key=f"deal-joined:{order.id}")
    assert f"/groups/{token}" in joined_mail.body_text

    page = first.get(f"/groups/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 place left" in text and "1 of 2 joined" in text and "Join this group" in text
    assert '<li class="member">AS</li>' in text and "<svg" in text and 'class="segno"' in text
    assert "Join my group: alpha Sea Salt Crisps for $3.60" in text  # the preview when shared
    assert 'content="noindex"' in text

    second = storefront(shop_a.shop)
    done = _join(second, deal, variant, token, email="bo@example.com", name="Bo Chen")
    assert done.status_code == 302
    round_ = _fresh(DealRound)[0]
    assert round_.status == "filled" and round_.progress == 2 and round_.closed_at is not None
    orders = _fresh(Order)
    assert [o.hold for o in orders] == ["", ""] and all(o.confirmed_at for o in orders)
    assert _count(PurchaseOrder) == 2
    assert all(_count(OutboundEmail, dedupe_key=f"order-confirmation:{o.id}") == 1 for o in orders)
    assert [e.kind for e in _fresh(DealEvent)] == ["created", "opened", "joined", "joined", "filled"]
    assert "This group filled" in second.get(f"/groups/{token}").get_data(as_text=True)

    late = _join(storefront(shop_a.shop), deal, variant, token, email="cy@example.com")
    assert "has just closed" in late.get_data(as_text=True) or late.status_code == 302
    assert len(_fresh(Order)) == 2 and _fresh(DealRound)[0].progress == 2


def test_only_so_many_groups_run_at_once(shop_a, deal, crisps, storefront):
    variant = crisps.supply_product.variants[0]
    for n in range(2):
        assert _join(storefront(shop_a.shop), deal, variant, email=f"s{n}@example.com").status_code == 302
    refused = _join(storefront(shop_a.shop), deal, variant, email="s9@example.com")
    assert "join one of them" in refused.get_data(as_text=True)
    assert _count(DealRound) == 2 and _count(Order) == 2
    page = storefront(shop_a.shop).get(f"/products/{crisps.handle}").get_data(as_text=True)
    assert page.count('class="group-row"') == 2 and "Groups about to fill" in page


# A group fails -------------------------------------------------------------------------------


def test_a_group_that_does_not_fill_in_time_fails_cancels_and_tells(shop_a, deal, crisps, storefront):
    variant = crisps.supply_product.variants[0]
    deal, variant = deal.id, variant.id
    before = _stock(variant)
    client = storefront(shop_a.shop)
    started = _join(client, deal, variant)
    token = started.location.split("/groups/")[1].split("?")[0]
    [round_] = _fresh(DealRound)
    round_id = round_.id  # (a job's commit expires the object; reloading it needs a scope)
    assert jobs.close_round_if_due(round_id) == "not due"
    with unscoped():
        round_.deadline = utcnow() - timedelta(seconds=1)
        db.session.flush()
    assert jobs.sweep_due_rounds() == 1  # the deadline's own job was missed: the sweep catches it
    assert jobs.close_round_if_due(round_id) == "already failed"
    assert jobs.sweep_due_rounds() == 0
    [round_] = _fresh(DealRound)
    [order] = _fresh(Order)
    assert round_.status == "failed" and order.status == "cancelled" and order.hold == ""
    assert _stock(variant) == before and _count(PurchaseOrder) == 0
    assert _count(OutboundEmail, dedupe_key=f"deal-failed:{order.id}") == 1
    assert [e.kind for e in _fresh(DealEvent)][-1] == "failed"
    assert "did not fill in time" in client.get(f"/groups/{token}").get_data(as_text=True)
    late = _join(storefront(shop_a.shop), deal, variant, token, email="late@example.com")
    assert "has just closed" in late.get_data(as_text=True)
    assert _count(Order) == 1


def test_the_deadline_job_is_deferred_for_the_moment_it_is_due(shop_a, deal, crisps, storefront):
    from app.jobs.models import OutboxJob

    variant = crisps.supply_product.variants[0]
    _join(storefront(shop_a.shop), deal, variant)
    [round_] = _fresh(DealRound)
    [job] = [j for j in _fresh(OutboxJob) if j.func == services.DEADLINE_JOB]
    assert job.args == [round_.id] and job.job_id == f"deal-round-deadline-{round_.id}"
    assert abs((job.run_at - round_.deadline).total_seconds()) < 1


# Walls -------------------------------------------------------------------------------------


def test_another_shops_host_cannot_open_or_join_a_group(shop_a, shop_b, deal, crisps, storefront):
    variant = crisps.supply_product.variants[0]
    started = _join(storefront(shop_a.shop), deal, variant)
    token = started.location.split("/groups/")[1].split("?")[0]
    other = storefront(shop_b.shop)
    assert other.get(f"/groups/{token}").status_code == 404
    assert other.get(f"/group-checkout?deal={deal.id}&variant={variant.id}").status_code == 404
    assert _join(other, deal, variant, token, email="x@example.com").status_code == 404
    assert _count(Order) == 1


def test_a_paused_group_buy_takes_no_one(shop_a, deal, crisps, storefront):
    with use_shop(shop_a.shop.id):
        services.set_deal_status(deal, "paused")
    variant = crisps.supply_product.variants[0]
    refused = _join(storefront(shop_a.shop), deal, variant)
    assert "not taking new members" in refused.get_data(as_text=True)
    assert "Start a group" not in storefront(shop_a.shop).get(f"/products/{crisps.handle}").get_data(as_text=True)
    assert _count(Order) == 0 and re.search("paused", " ".join(e.kind for e in _fresh(DealEvent)))
