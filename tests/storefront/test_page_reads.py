"""Issue 15: a stored page is dropped only by a write to a table it reads
(app/storefront/page_cache.py: SHOWN, COUNTED_LATE). Every kind of stored page of the demo's
shops (four themes' worth of home, collection, product, search and shop pages, with group
buys, pre-sales, a weekly deal and a referral programme) is rendered for each kind of
visitor whose page is stored, and every table its statements read must be one whose
writes move a generation."""

from __future__ import annotations

import re
import traceback

from sqlalchemy import event, select

from app.deals.models import Deal, DealRound
from app.demo import load_demo
from app.extensions import db
from app.referrals.models import Promoter
from app.shops.models import Collection, Listing, Shop
from app.storefront.page_cache import COUNTED_LATE, PAGES, SHOWN
from app.storefront.sharing import base36
from app.tenancy import unscoped
from app.tenancy.context import TenantMixin

# Platform tables a page may read, and what moves the generations when they change.
PLATFORM = {
    "shops": "the shop's own",
    "shop_memberships": "the shop's own (its owner)",
    "suppliers": "every shop's (a catalog change)",
    "supply_products": "every shop's (a catalog change)",
    "supply_variants": "every shop's (a catalog change; stock alone is QUIET)",
    "users": "every shop's (an owner's confirmed address opens the shop)",
    "exchange_rates": "every shop's (app/catalog/exchange.py notes it)",
}
NAMED = re.compile(r'(?:\bFROM|\bJOIN|,)\s+"?(\w+)"?', re.IGNORECASE)


def _tables_read(statement: str, known: set[str]) -> set[str]:
    return set(NAMED.findall(statement)) & known


def _visitors(storefront, shop, codes, listing) -> dict:
    first = storefront(shop)
    brought = storefront(shop)
    assert brought.get(f"/?ref={codes[0]}").status_code == 302
    with_cart = storefront(shop)
    added = with_cart.post("/cart/add", data={"listing_id": listing.id, "quantity": 1,
                                              "variant_id": listing.supply_product.variants[0].id})
    assert added.status_code == 302
    with_cart.get(added.location)  # the cart page clears "Added ... to your cart."
    in_chinese = storefront(shop)
    in_chinese.get("/language?to=zh")
    return {"first visit": first, "a promoter's visitor": brought, "a cart": with_cart, "Chinese": in_chinese}


def test_stored_pages_read_only_tables_whose_writes_drop_them(app, storefront):
    assert load_demo() is True
    tables = {table.name for table in db.metadata.sorted_tables}
    tenant = {mapper.local_table.name for mapper in db.Model.registry.mappers
              if issubclass(mapper.class_, TenantMixin)}
    with unscoped():
        shops = []
        for shop in db.session.scalars(select(Shop).order_by(Shop.id)):
            listings = db.session.scalars(select(Listing).where(Listing.shop_id == shop.id)).all()
            paths = ["/", "/search?q=tea", "/search?q=a", "/s/h", *(f"/s/p{base36(listing.id)}" for listing in listings if listing.is_visible),
                     *(f"/products/{listing.handle}" for listing in listings),
                     *(f"/collections/{handle}" for handle in db.session.scalars(
                         select(Collection.handle).where(Collection.shop_id == shop.id))),
                     *(f"/groups/{token}{progress}" for progress in ("", "/progress") for token in db.session.scalars(
                         select(DealRound.token).join(Deal, (Deal.shop_id == DealRound.shop_id)
                                                      & (Deal.id == DealRound.deal_id))
                         .where(DealRound.shop_id == shop.id, Deal.kind == "group")))]
            codes = db.session.scalars(select(Promoter.code).where(Promoter.shop_id == shop.id)).all()
            visible = next(listing for listing in listings if listing.is_visible)
            shops.append((shop, paths, codes, visible))
    assert len(shops) == 4 and all(codes for _, _, codes, _ in shops[:1])

    read: dict[str, str] = {}
    counted = COUNTED_LATE
    counted_elsewhere: list[str] = []  # orders read other than for a weekly deal's "n sold" or a group's members
    endpoints: set[str] = set()

    def listen(conn, cursor, statement, *args):
        for table in _tables_read(statement, tables):
            read.setdefault(table, statement)
            if table in counted and not any(frame.name in ("sold_this_round", "members")
                                            for frame in traceback.extract_stack()):
                counted_elsewhere.append(statement)

    engine = db.engines[None]
    for shop, paths, codes, visible in shops:
        for who, client in _visitors(storefront, shop, codes or ["none"], visible).items():
            home = client.get("/").get_data(as_text=True)
            pages = sorted(set(re.findall(r'href="(/pages/[^"?#]+)"', home)))
            event.listen(engine, "before_cursor_execute", listen)
            try:
                for path in [*paths, *pages]:
                    page = client.get(path)
                    assert page.status_code == (302 if path.startswith("/s/") else 200), (shop.subdomain, who, path)
                    endpoints.add(page.request.path.split("/")[1])
            finally:
                event.remove(engine, "before_cursor_execute", listen)
    assert {"", "search", "products", "collections", "pages", "groups", "s"} <= endpoints  # every kind in PAGES was met
    assert len(PAGES) == 8

    assert {"listings", "deals", "deal_rounds", "weekly_deals", "promoters", "orders"} <= set(read)
    assert not counted_elsewhere, "a stored page reads orders other than a weekly count or a group's members: see COUNTED_LATE"
    unexpected = {table: read[table][:300] for table in set(read) & tenant if table not in SHOWN | counted}
    assert not unexpected, "stored pages read tables whose writes keep them: add them to SHOWN"
    platform = {table: read[table][:300] for table in set(read) - tenant if table not in PLATFORM}
    assert not platform, "stored pages read platform tables no write notes"
