"""Issue 15: a page's database statements do not grow with what it shows. Each page is
counted for a shop with a few items, then again once it has four times as many; the counts
must be equal (an N+1 lazy load shows up as a difference). Absolute ceilings keep the fixed
per-request work from creeping up unnoticed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.shops.pricing import PriceRule
from app.shops.services import add_listing, create_collection, update_collection
from app.tenancy import use_shop
from tests import factories


class Counter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
            self.statements.append(statement)


@contextmanager
def recording() -> Iterator[Counter]:
    """The statements sent inside the block (its `.statements`; transaction control left out)."""
    counter = Counter()
    engine = db.engines[None]
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def statements(client, path: str) -> list[str]:
    """The statements of one GET of `path` (after a first GET warms what is cached per
    process: theme files, the RLS scope of a pooled connection)."""
    assert client.get(path).status_code == 200, path
    with recording() as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.statements


def _add_items(fixture, count: int, collection) -> None:
    """`count` more listings, each of its own product of two variants from its own supplier,
    all in `collection`, and each in the shopper's cart later."""
    with use_shop(fixture.shop.id):
        for _ in range(count):
            supplier = factories.make_supplier()
            product = factories.make_product(supplier, title="Linen Apron", variants=[
                {"options": {"size": "S"}, "wholesale": 1000, "min_retail": 1500, "stock": 100},
                {"options": {"size": "L"}, "wholesale": 1100, "min_retail": 1600, "stock": 100},
            ])
            fixture.listings.append(add_listing(fixture.shop, product.id, rule=PriceRule("markup", 5000)))
        update_collection(collection, title=collection.title, description="",
                          listing_ids=[listing.id for listing in fixture.listings])
    db.session.flush()


STOREFRONT = ("/", "/collections/favourites", "/search?q=apron", "/cart", "/checkout", "/sitemap.xml")
CEILING = 16  # statements of the heaviest storefront page (PostgreSQL adds its scope calls)


@pytest.fixture
def growing(catalog):
    fixture = factories.make_shop_with_listings("growing", catalog)
    with use_shop(fixture.shop.id):
        favourites = create_collection("Favourites")
    _add_items(fixture, 2, favourites)
    return fixture, favourites


def _fill_cart(client, fixture) -> None:
    for listing in fixture.listings:
        variant = listing.supply_product.variants[0]
        client.post("/cart/add", data={"listing_id": listing.id, "variant_id": variant.id, "quantity": 1})


def test_storefront_pages_cost_the_same_statements_with_four_times_the_products(growing, storefront):
    fixture, favourites = growing
    client = storefront(fixture.shop)
    _fill_cart(client, fixture)
    product = f"/products/{fixture.listings[-1].handle}"
    few = {path: statements(client, path) for path in (*STOREFRONT, product)}

    _add_items(fixture, 3 * len(fixture.listings), favourites)
    client = storefront(fixture.shop)
    _fill_cart(client, fixture)
    many = {path: statements(client, path) for path in (*STOREFRONT, product)}

    assert len(fixture.listings) == 16
    for path in few:
        assert len(many[path]) == len(few[path]), (path, len(few[path]), len(many[path]), many[path])
        assert len(many[path]) <= CEILING, (path, len(many[path]), many[path])


DASHBOARD = ("/", "/orders", "/orders?status=pending", "/products", "/catalog", "/earnings", "/collections",
             "/analytics")


def test_dashboard_pages_cost_the_same_statements_with_four_times_the_orders(growing, client, login):
    fixture, favourites = growing
    login(fixture.owner)
    for _ in range(3):
        factories.make_order(fixture, {listing: (listing.supply_product.variants[0], 1)
                                       for listing in fixture.listings[1:]})  # not the scarce tee
    base = f"/dashboard/{fixture.shop.subdomain}"
    few = {path: statements(client, base + path) for path in DASHBOARD}

    _add_items(fixture, 3 * len(fixture.listings), favourites)
    for _ in range(9):
        factories.make_order(fixture, {listing: (listing.supply_product.variants[0], 1)
                                       for listing in fixture.listings[1:]})  # not the scarce tee
    many = {path: statements(client, base + path) for path in DASHBOARD}

    for path in few:
        assert len(many[path]) == len(few[path]), (path, len(few[path]), len(many[path]), many[path])


def test_the_supplier_portal_costs_the_same_statements_with_four_times_the_purchase_orders(growing, client,
                                                                                           login, catalog):
    from app.orders.fulfilment import route_order
    from tests.supplier.helpers import member_of

    fixture, _favourites = growing
    snack = fixture.listings[1]
    login(member_of(catalog.supplier))

    def orders(count):
        for _ in range(count):
            order = factories.make_order(fixture, {snack: (snack.supply_product.variants[0], 1)})
            with use_shop(fixture.shop.id):
                route_order(order)
        db.session.flush()

    orders(3)
    few = statements(client, "/supplier/")
    orders(9)
    many = statements(client, "/supplier/")
    assert len(many) == len(few), (len(few), len(many), many)


ADMIN = ("/admin/", "/admin/suppliers", "/admin/products", "/admin/shops", "/admin/deals", "/admin/feeds",
         "/admin/money", "/admin/outbox", "/admin/jobs", "/admin/analytics")


def test_admin_pages_cost_the_same_statements_with_four_times_the_rows(growing, client, login):
    fixture, favourites = growing
    login(factories.make_user(is_admin=True))
    few = {path: statements(client, path) for path in ADMIN}
    _add_items(fixture, 3 * len(fixture.listings), favourites)
    for _ in range(4):
        factories.make_order(fixture, {listing: (listing.supply_product.variants[0], 1)
                                       for listing in fixture.listings[1:]})
        factories.make_shop_with_listings(f"more{factories.next_number()}", factories.make_catalog())
    many = {path: statements(client, path) for path in ADMIN}
    for path in few:
        assert len(many[path]) == len(few[path]), (path, len(few[path]), len(many[path]), many[path])


def test_counting_a_visit_adds_no_statement_to_a_storefront_page(growing, storefront, app):
    """Visits are counted in Redis or in this process, after the answer went out: a counted
    page costs the statements of an uncounted one (a bot's), and none touches analytics."""
    from app.analytics.counting import visit_counter

    fixture, _favourites = growing
    client = storefront(fixture.shop)
    counter = visit_counter(app)
    before = sum(sum(c.values()) for c in getattr(counter.store, "counts", {}).values())
    costs = {}
    for agent in ("Mozilla/5.0 (iPhone) Safari/604.1", "Googlebot/2.1"):
        for path in ("/", f"/products/{fixture.listings[-1].handle}"):
            client.get(path, headers={"User-Agent": agent}).close()  # warm
            with recording() as found:
                client.get(path, headers={"User-Agent": agent}).close()  # closed: counted now
            costs[(agent[:7], path)] = found.statements
            assert not any("analytics" in statement for statement in found.statements)
    for path in ("/", f"/products/{fixture.listings[-1].handle}"):
        assert len(costs[("Mozilla", path)]) == len(costs[("Googleb", path)]), path
    after = sum(sum(c.values()) for c in getattr(counter.store, "counts", {}).values())
    assert after - before >= 4  # the browser's four page views were counted (views, visits)


def test_adding_products_from_the_catalog_costs_a_few_statements_each(shop_a, catalog, client, login):
    """The bulk add reads its hundred products at once (available, their variants, already
    listed, where the first goes), then writes each: its handle's check and its insert. It
    read each product, its variants and the shop's last position again per product (5 each)."""
    owner = login(shop_a.owner)
    costs = []
    for count in (2, 6):
        products = [factories.make_product(catalog.supplier, title=f"Enamel Mug {count}-{n}", category="home",
                                           variants=[{"wholesale": 800, "min_retail": 1400}]) for n in range(count)]
        db.session.commit()
        with recording() as counter:
            response = owner.post("/dashboard/alpha/catalog/add", data={"product": [p.id for p in products]})
        assert response.status_code == 302
        costs.append(len(counter.statements))
    assert (costs[1] - costs[0]) / 4 <= 3, costs
