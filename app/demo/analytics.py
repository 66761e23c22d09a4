"""Demo data, clearly so: eight weeks of made-up visit figures for each demo shop (the same
numbers on every machine, for the same days back from today), so its analytics page has a
history beside the real orders the demo places. Orders, revenue and margin are not made up:
they are counted from the demo's own orders and ledger, as the job counts them."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.analytics.aggregation import recount_all_sales, write_visits
from app.analytics.counting import DayTally
from app.extensions import db
from app.referrals.models import Promoter
from app.shops.models import Collection, Shop
from app.shops.services import shop_listings
from app.shops.timezones import shop_today
from app.storefront.sharing import base36

WEEKS = 8
BASE_VISITORS = {"mia": 36, "nora": 22, "maple": 15}  # a fashion creator, a writer, a food group
SITES = ("instagram.com", "google.com", "xiaohongshu.com", "weibo.com", "facebook.com", "pinterest.com")
WEEKDAY_SHAPE = (0.85, 0.9, 0.95, 1.0, 1.15, 1.35, 1.25)  # Monday .. Sunday: weekends busier


def seed_visit_history(shop: Shop) -> None:
    """Visit figures for the shop's last WEEKS weeks up to yesterday (today is counted for
    real), then the sales of every day from its orders. Flushes only."""
    listings = [item for item in shop_listings(visible_only=True)]
    codes = list(db.session.scalars(select(Promoter.code).where(Promoter.shop_id == shop.id)))
    collections = list(db.session.scalars(select(Collection.id).where(Collection.shop_id == shop.id)))
    today = shop_today(shop.timezone)
    base = BASE_VISITORS.get(shop.subdomain, 50)
    tallies = []
    for back in range(WEEKS * 7, 0, -1):
        day = today - timedelta(days=back)
        draw = random.Random(f"{shop.subdomain}:{back}")  # the same figures for the same day back
        growth = 1 + 0.6 * (WEEKS * 7 - back) / (WEEKS * 7)  # a shop that is catching on
        visitors = max(1, round(base * growth * WEEKDAY_SHAPE[day.weekday()] * draw.uniform(0.75, 1.25)))
        counts = {"views": round(visitors * draw.uniform(2.2, 3.4)), "visits": round(visitors * draw.uniform(1.05, 1.3))}
        for rank, listing in enumerate(listings[:12]):
            counts[f"p:{listing.handle}"] = round(visitors * draw.uniform(0.2, 0.6) / (rank + 1) ** 0.7)
        for rank, site in enumerate(SITES):
            counts[f"w:{site}"] = round(visitors * draw.uniform(0.05, 0.35) / (rank + 1))
        for rank, code in enumerate(codes):
            counts[f"r:{code}"] = draw.randint(0, 6 // (rank + 1))
        counts["s:h"] = draw.randint(0, 5)
        for listing in listings[:3]:
            counts[f"s:p{base36(listing.id)}"] = draw.randint(0, 4)
        for collection_id in collections[:1]:
            counts[f"s:c{base36(collection_id)}"] = draw.randint(0, 3)
        tallies.append(DayTally(shop.id, day, {k: v for k, v in counts.items() if v}, visitors, replace=True))
    write_visits(shop, tallies)
    recount_all_sales(shop)
    db.session.flush()
