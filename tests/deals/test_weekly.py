"""The weekly deal: rounds by deadline (an order after it goes to the next week), the "sold n"
counter read from the orders, the leader's order sheet per point, product and shopper (page
and CSV), and the walls between shops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.deals import weekly
from app.extensions import db
from app.orders.models import Order
from app.shops import pickup
from app.tenancy import unscoped, use_shop
from tests.payments.helpers import CHECKOUT, add_to_cart, latest_order

THURSDAY_8PM = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def _deal(shop, listings, **changes):
    with use_shop(shop.id):
        values = dict(title="Neighbourhood box", listing_ids=[listing.id for listing in listings],
                      deadline_weekday=3, deadline_time="20:00", handout_weekday=5)
        values.update(changes)
        return weekly.save_weekly_deal(**values).id


def _order(client, listing, quantity, placed_at, **details):
    add_to_cart(client, listing, quantity=quantity)
    assert client.post("/checkout", data=dict(CHECKOUT, **details)).status_code == 302
    order = latest_order()
    with unscoped():
        db.session.execute(update(Order).where(Order.id == order.id).values(placed_at=placed_at))
        db.session.flush()
    return order


def test_rounds_end_at_each_deadline():
    deal = weekly.WeeklyDeal(deadline_weekday=3, deadline_minutes=20 * 60, handout_weekday=5)
    assert weekly.deadline_after(deal, THURSDAY_8PM - timedelta(minutes=1)) == THURSDAY_8PM
    assert weekly.deadline_after(deal, THURSDAY_8PM) == THURSDAY_8PM
    assert weekly.deadline_after(deal, THURSDAY_8PM + timedelta(seconds=1)) == THURSDAY_8PM + timedelta(days=7)
    assert weekly.deadline_after(deal, datetime(2026, 11, 30, 9, tzinfo=UTC)) == THURSDAY_8PM  # a Monday
    assert weekly.handout_after(deal, THURSDAY_8PM) == datetime(2026, 12, 5, tzinfo=UTC)


def test_the_sheet_and_the_counter_follow_the_orders(shop_a, storefront, login):
    tee, crisps = shop_a.listings
    _deal(shop_a.shop, [crisps])
    with use_shop(shop_a.shop.id):
        point, _token = pickup.save_pickup_point(None, name="Lobby", line1="1 Elm St", city="Town", postcode="1000",
                                                 country="US", hours="evenings", contact_name="Rosa",
                                                 contact_phone="")
        point_id = point.id
    _order(storefront(shop_a.shop), crisps, 2, THURSDAY_8PM - timedelta(hours=1), name="Ada Lee")
    _order(storefront(shop_a.shop), crisps, 3, THURSDAY_8PM - timedelta(days=2), name="Bo Chen",
           delivery=f"pickup-{point_id}", line1="", city="", postcode="")
    _order(storefront(shop_a.shop), crisps, 1, THURSDAY_8PM + timedelta(minutes=5), name="Cy Late")  # next week
    _order(storefront(shop_a.shop), tee, 1, THURSDAY_8PM - timedelta(hours=2), name="Di Tee")  # not in the deal
    with use_shop(shop_a.shop.id):
        deal = weekly.weekly_deal()
        rows = weekly.order_sheet(deal, THURSDAY_8PM)
        assert [(r.point, r.shopper, r.quantity) for r in rows] == [("Lobby", "Bo Chen", 3), ("Delivery", "Ada Lee", 2)]
        assert weekly.sheet_totals(rows) == {("Lobby", "alpha Sea Salt Crisps"): 3, ("Delivery", "alpha Sea Salt Crisps"): 2}
        assert weekly.sold_this_round(deal, now=THURSDAY_8PM - timedelta(minutes=1)) == {crisps.id: 5}
        assert weekly.sold_this_round(deal, now=THURSDAY_8PM + timedelta(hours=1)) == {crisps.id: 1}
        crisps_id = crisps.id

    owner = login(shop_a.owner)
    sheet = owner.get("/dashboard/alpha/weekly-deal/202612032000/sheet")
    assert sheet.status_code == 200 and "Bo Chen" in sheet.get_data(as_text=True)
    csv_file = owner.get("/dashboard/alpha/weekly-deal/202612032000/sheet.csv").get_data(as_text=True)
    assert csv_file.splitlines()[0] == "Pickup point,Product,Shopper,Quantity,Order,Phone"
    assert "Lobby,alpha Sea Salt Crisps,Bo Chen,3," in csv_file and "Cy Late" not in csv_file
    assert owner.get("/dashboard/alpha/weekly-deal/202612021900/sheet").status_code == 404  # not a deadline
    page = owner.get("/dashboard/alpha/weekly-deal").get_data(as_text=True)
    assert "Order sheets" in page and crisps_id


def test_the_storefront_shows_the_deadline_and_what_sold(shop_a, storefront):
    tee, crisps = shop_a.listings
    _deal(shop_a.shop, [crisps])
    client = storefront(shop_a.shop)
    add_to_cart(client, crisps, quantity=4)
    client.post("/checkout", data=CHECKOUT)
    product = client.get(f"/products/{crisps.handle}").get_data(as_text=True)
    assert "Neighbourhood box:" in product and "4 sold this week" in product
    assert "Neighbourhood box:" not in client.get(f"/products/{tee.handle}").get_data(as_text=True)
    assert "Neighbourhood box:" in client.get("/").get_data(as_text=True)


def test_bad_values_and_another_shop_are_refused(shop_a, shop_b, login):
    owner = login(shop_a.owner)
    tee_b = shop_b.listings[0]
    base = {"title": "Box", "deadline_weekday": "3", "deadline_time": "20:00", "handout_weekday": "5"}
    for change, message in [({"listing_ids": [str(tee_b.id)]}, "Choose at least one of your products"),
                            ({"listing_ids": [str(shop_a.listings[0].id)], "deadline_time": "25:00"},
                             "like 20:00"),
                            ({"listing_ids": [str(shop_a.listings[0].id)], "title": ""}, "Give the weekly deal")]:
        refused = owner.post("/dashboard/alpha/weekly-deal", data=dict(base, **change))
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    assert owner.get("/dashboard/bravo/weekly-deal").status_code in (403, 404)


def test_deadlines_and_handout_days_are_on_the_shops_clock_across_a_dst_change(shop_a):
    """Thursday 20:00 in Paris is 19:00 UTC in winter and 18:00 UTC in summer; the handout
    Saturday starts at Paris midnight."""
    from app.shops.services import update_shop_profile

    with use_shop(shop_a.shop.id):
        update_shop_profile(shop_a.shop, name=shop_a.shop.name, bio="", timezone="Europe/Paris")
        deal = weekly.weekly_deal() or weekly.WeeklyDeal(shop_id=shop_a.shop.id, deadline_weekday=3,
                                                         deadline_minutes=20 * 60, handout_weekday=5)
        winter = weekly.deadline_after(deal, datetime(2026, 3, 23, 12, tzinfo=UTC))  # a Monday, CET
        assert winter == datetime(2026, 3, 26, 19, tzinfo=UTC)
        summer = weekly.deadline_after(deal, winter + timedelta(seconds=1))  # Paris moved to CEST on the 29th
        assert summer == datetime(2026, 4, 2, 18, tzinfo=UTC)
        assert weekly.weeks_before(deal, summer) == winter
        assert weekly.handout_after(deal, summer) == datetime(2026, 4, 3, 22, tzinfo=UTC)  # Sat 00:00 CEST

