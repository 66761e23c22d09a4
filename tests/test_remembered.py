"""Issue 15: what every rendered page read again (the shop's theme settings, canonical domain,
menu, whether its owner is confirmed; the catalog filters' supplier lists) is kept per web
process under the page cache's generations (app/remembered.py), and a change shows at once."""

from __future__ import annotations

import pytest
from flask import Flask

from app.accounts.verification import verification_token
from app.extensions import db
from app.remembered import Remembered
from app.shops.services import create_collection, update_collection
from app.shops.theme_services import publish_theme, save_draft_settings
from app.tenancy import use_shop
from tests import factories
from tests.test_statement_counts import statements

# The per-request reads the keeper saves: the theme's settings, the primary domain, "is an
# owner confirmed" and the menu's collections.
KEPT = ("theme_configs", "shop_domains", "shop_memberships", "FROM collections")


@pytest.fixture
def remembering(app, monkeypatch):
    keeper = app.extensions["remembered"]
    monkeypatch.setattr(keeper, "seconds", 60)
    monkeypatch.setattr(keeper, "answers", type(keeper.answers)())
    return keeper


def _reads(found: list[str], table: str) -> bool:
    return any(table in statement for statement in found)


def test_a_rendered_page_reads_the_shops_look_once(remembering, app, storefront, shop_a):
    client = storefront(shop_a.shop)
    second = statements(client, "/search?q=zzz")  # (statements() makes a first GET itself)
    assert not [table for table in KEPT if _reads(second, table)]
    # Without the keeper, every request reads each of them again.
    remembering.seconds = 0
    assert [table for table in KEPT if _reads(statements(client, "/search?q=zzz"), table)] == list(KEPT)


def test_a_published_theme_change_shows_at_once(remembering, app, storefront, shop_a):
    client = storefront(shop_a.shop)
    assert "Night-market finds" not in client.get("/").get_data(as_text=True)
    with app.app_context(), use_shop(shop_a.shop.id):
        shop = db.session.merge(shop_a.shop)
        save_draft_settings("default", {"announcement": "Night-market finds"})
        publish_theme(shop, "default")
        db.session.commit()
    assert "Night-market finds" in client.get("/").get_data(as_text=True)


def test_a_new_collection_joins_the_menu_at_once(remembering, app, storefront, shop_a):
    client = storefront(shop_a.shop)
    assert "Rainy days" not in client.get("/cart").get_data(as_text=True)
    with app.app_context(), use_shop(shop_a.shop.id):
        collection = create_collection("Rainy days")
        update_collection(collection, title="Rainy days", description="",
                          listing_ids=[shop_a.listings[0].id])
        db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert 'href="/collections/rainy-days"' in page and "Rainy days" in page


def test_the_shop_opens_when_its_owner_confirms_their_address(remembering, app, client, catalog, storefront):
    fixture = factories.make_shop_with_listings("gamma", catalog)
    fixture.owner.email_verified_at = None
    shopper = storefront(fixture.shop)
    assert shopper.get("/").status_code == 403
    assert shopper.get("/").status_code == 403  # kept: "not confirmed yet"
    client.get(f"/verify-email/{verification_token(fixture.owner)}")  # a request: it commits
    assert shopper.get("/").status_code == 200


def test_one_shops_change_keeps_another_shops_answers(remembering, app, storefront, shop_a, shop_b):
    client = storefront(shop_a.shop)
    statements(client, "/cart")
    with app.app_context(), use_shop(shop_b.shop.id):
        create_collection("Only in bravo")
        db.session.commit()
    assert not [table for table in KEPT if _reads(statements(client, "/cart"), table)]


def test_the_catalog_filters_list_a_new_supplier_at_once(remembering, app, shop_a):
    import re

    from tests.conftest import PLATFORM, HostClient

    def signed_in(user) -> HostClient:
        browser = HostClient(app, PLATFORM)
        assert browser.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
        return browser

    def options(browser, path: str) -> list[str]:  # the supplier filter's choices
        page = browser.get(path).get_data(as_text=True)
        select = re.search(r'<select[^>]*name="supplier"[^>]*>(.*?)</select>', page, re.S).group(1)
        return re.findall(r"<option[^>]*>([^<]*)</option>", select)

    owner, admin = signed_in(shop_a.owner), signed_in(factories.make_user(is_admin=True))
    assert "Fresh Fields Farm" not in options(owner, "/dashboard/alpha/catalog")
    assert "Fresh Fields Farm" not in options(admin, "/admin/products")
    with app.app_context():
        supplier = factories.make_supplier(name="Fresh Fields Farm")
        factories.make_product(supplier, title="Field Honey", variants=[
            {"options": {}, "wholesale": 500, "min_retail": 900, "stock": 10}])
        db.session.commit()
    assert "Fresh Fields Farm" in options(owner, "/dashboard/alpha/catalog")
    assert "Fresh Fields Farm" in options(admin, "/admin/products")


def test_the_new_shop_form_offers_a_new_catalog_currency_at_once(remembering, app, shop_a):
    """The currencies a new shop can choose (a walk of the whole catalog) are kept too, until
    the catalog changes."""
    import re

    from tests.conftest import PLATFORM, HostClient

    browser = HostClient(app, PLATFORM)
    assert browser.post("/login", data={"email": shop_a.owner.email, "password": factories.PASSWORD}).status_code == 302

    def currencies() -> list[str]:
        page = browser.get("/dashboard/new").get_data(as_text=True)
        select = re.search(r'<select[^>]*name="currency"[^>]*>(.*?)</select>', page, re.S).group(1)
        return re.findall(r"<option[^>]*>([^<]*)</option>", select)

    assert currencies() == ["USD"]
    kept = statements(browser, "/dashboard/new")
    assert not _reads(kept, "DISTINCT supply_products.currency")  # kept: the catalog is not walked again
    with app.app_context():
        factories.make_product(factories.make_supplier(name="Alpen Käserei", currency="EUR"), title="Bergkäse")
        db.session.commit()
    assert currencies() == ["EUR", "USD"]


class Counting:
    """Generations that count their reads; None (Redis unreachable) when told."""

    def __init__(self):
        self.values: dict[str, int] = {}
        self.down = False

    def read_keys(self, keys):
        return None if self.down else tuple(self.values.get(key, 0) for key in keys)


def test_the_keeper_makes_the_answer_again_after_a_change_a_timeout_or_without_redis(monkeypatch):
    generations, made = Counting(), []
    keeper = Remembered(generations, seconds=60, most=2)

    def make():
        made.append(1)
        return len(made)

    with Flask(__name__).app_context():
        get = lambda shop_id=1, parts=(): keeper.get("answer", make, shop_id, parts)  # noqa: E731
        assert (get(), get()) == (1, 1)
        generations.values["1"] = 1  # the shop changed
        assert get() == 2
        generations.values["all"] = 1  # the platform changed
        assert get() == 3
        assert get(parts=("fr",)) == 4 and get() == 3  # another language: another answer
        assert get(shop_id=2) == 5 and get(parts=("fr",)) == 6  # only two kept: the oldest went
        generations.down = True
        assert (get(), get()) == (7, 8)  # nothing is known to be current
        generations.down = False
        clock = [1000.0]
        monkeypatch.setattr("app.remembered.time.monotonic", lambda: clock[0])
        assert get() == 9 and get() == 9
        clock[0] += 61  # past PAGE_CACHE_SECONDS
        assert get() == 10
