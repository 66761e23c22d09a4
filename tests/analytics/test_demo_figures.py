"""The demo's shops open their analytics page on real numbers: eight weeks of made-up
visits (the same every time) beside the sales of the demo's own orders."""

from __future__ import annotations

from sqlalchemy import func, select

from app.analytics.models import AnalyticsDay
from app.demo import OWNER_PASSWORD, load_demo
from app.extensions import db
from app.orders.models import Order
from app.shops.models import Shop
from app.tenancy import unscoped


def test_the_demo_shops_show_their_orders_and_a_visit_history(client):
    assert load_demo() is True
    db.session.flush()
    with unscoped():
        mia = db.session.scalar(select(Shop).where(Shop.subdomain == "mia"))
        paid = db.session.scalar(select(func.count()).select_from(Order).where(
            Order.shop_id == mia.id, Order.paid_at.is_not(None)))
        counted = db.session.execute(select(func.sum(AnalyticsDay.orders), func.sum(AnalyticsDay.visitors),
                                            func.count()).where(AnalyticsDay.shop_id == mia.id)).one()
    assert paid > 0 and counted[0] == paid
    assert counted[1] > 1000 and counted[2] >= 56

    assert client.post("/login", data={"email": "mia@flagship.example", "password": OWNER_PASSWORD}).status_code == 302
    page = client.get("/dashboard/mia/analytics?period=90d&by=week")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "No visits or orders" not in html
    assert "Nadia Karim" in html and "instagram.com" in html
