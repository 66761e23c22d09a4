"""Issue 15: whole pages for every visitor whose page is the same as someone else's (no
cookie, or a session holding only a cart), kept until the shop (or the shared catalog)
changes (app/storefront/page_cache.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from app.catalog.models import SupplyVariant
from app.extensions import db
from tests.catalog.feed_helpers import feeds_dir  # noqa: F401 - a fixture

NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def cached(app, monkeypatch):
    cache = app.extensions["page_cache"]
    monkeypatch.setattr(cache, "seconds", 60)
    monkeypatch.setattr(cache, "pages", type(cache.pages)())
    monkeypatch.setattr(cache, "shop_of_host", {})
    return cache


def test_a_second_visit_gets_the_stored_answer_with_its_headers(cached, storefront, shop_a):
    client = storefront(shop_a.shop)
    first, second = client.get("/"), client.get("/")
    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
    assert second.data == first.data
    nonce = NONCE.search(second.get_data(as_text=True)).group(1)
    assert f"'nonce-{nonce}'" in second.headers["Content-Security-Policy"]  # the page's own
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Content-Type", "Vary"):
        assert second.headers[header] == first.headers[header]


def test_each_compression_is_stored_apart(cached, storefront, shop_a):
    import brotli

    client = storefront(shop_a.shop)
    client.get("/")
    packed = client.get("/", headers={"Accept-Encoding": "br"})
    assert packed.headers["X-Page-Cache"] == "miss" and packed.headers["Content-Encoding"] == "br"
    again = client.get("/", headers={"Accept-Encoding": "br"})
    assert again.headers["X-Page-Cache"] == "hit" and brotli.decompress(again.data).startswith(b"<!doctype")
    assert client.get("/").headers.get("Content-Encoding") is None


def test_an_owners_change_shows_at_once(cached, storefront, shop_a, login):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    assert listing.title in client.get("/").get_data(as_text=True)
    assert client.get("/").headers["X-Page-Cache"] == "hit"

    owner = login(shop_a.owner)
    assert owner.post(f"/dashboard/alpha/products/{listing.id}/hide").status_code == 302
    page = client.get("/")
    assert page.headers["X-Page-Cache"] == "miss" and listing.title not in page.get_data(as_text=True)


def test_another_shops_change_keeps_this_shops_pages(cached, storefront, shop_a, shop_b, login):
    client = storefront(shop_a.shop)
    client.get("/")
    login(shop_b.owner).post(f"/dashboard/bravo/products/{shop_b.listings[0].id}/hide")
    assert client.get("/").headers["X-Page-Cache"] == "hit"


def test_a_price_change_in_the_shared_catalog_shows_at_once(cached, app, storefront, shop_a):
    client = storefront(shop_a.shop)
    snack = shop_a.listings[1]
    path = f"/products/{snack.handle}"
    client.get(path)
    assert client.get(path).headers["X-Page-Cache"] == "hit"
    # The supplier's price moves (a bulk UPDATE, as the catalog sync makes them).
    with app.app_context():
        db.session.execute(update(SupplyVariant).where(SupplyVariant.product_id == snack.supply_product_id)
                           .values(min_retail_price=SupplyVariant.min_retail_price + 100))
        db.session.commit()
    assert client.get(path).headers["X-Page-Cache"] == "miss"


def test_a_write_in_plain_sql_to_a_page_table_moves_the_generation(cached, app, storefront, shop_a):
    from sqlalchemy import text

    client = storefront(shop_a.shop)
    client.get("/")
    with app.app_context():
        db.session.execute(text("UPDATE suppliers SET name = name WHERE id = :id"),
                           {"id": shop_a.listings[0].supply_product.supplier_id})
        db.session.commit()
    assert client.get("/").headers["X-Page-Cache"] == "miss"


def test_stock_alone_does_not_drop_every_shops_pages(cached, app, storefront, shop_a, shop_b):
    # Every order moves some stock: the stored pages stay (at most PAGE_CACHE_SECONDS), and
    # adding a sold-out item to the cart is refused with the real stock.
    client = storefront(shop_a.shop)
    snack = shop_a.listings[1]
    path = f"/products/{snack.handle}"
    client.get(path)
    with app.app_context():
        db.session.execute(update(SupplyVariant).where(SupplyVariant.product_id == snack.supply_product_id)
                           .values(stock=0))
        db.session.commit()
    assert client.get(path).headers["X-Page-Cache"] == "hit"
    refused = client.post("/cart/add", data={"listing_id": snack.id,
                                             "variant_id": snack.supply_product.variants[0].id, "quantity": 1})
    assert refused.status_code == 302
    assert "sold out" in client.get(refused.location).get_data(as_text=True).lower()


def _checkout(shopper, listing, quantity):
    from tests.payments.helpers import CHECKOUT

    added = shopper.post("/cart/add", data={"quantity": quantity, **listing})
    assert added.status_code == 302
    assert shopper.post("/checkout", data=CHECKOUT).status_code == 302


def test_an_order_keeps_the_shops_stored_pages(cached, app, storefront, shop_a):
    # Orders, their payments and e-mails show on no stored page (without a weekly deal): a
    # busy shop's pages stay stored between its orders, and when its orders change.
    from app.orders.models import Order
    from app.tenancy import use_shop

    client, shopper = storefront(shop_a.shop), storefront(shop_a.shop)
    tee = shop_a.listings[0]
    paths = ("/", f"/products/{tee.handle}")
    for path in paths:
        client.get(path)
    _checkout(shopper, {"listing_id": tee.id, "variant_id": tee.supply_product.variants[0].id}, 2)
    with app.app_context(), use_shop(shop_a.shop.id):
        db.session.execute(update(Order).values(status="cancelled"))
        db.session.commit()
    assert [client.get(path).headers["X-Page-Cache"] for path in paths] == ["hit", "hit"]


def test_with_a_weekly_deal_what_sold_shows_within_the_page_time_limit(cached, app, storefront, shop_a,
                                                                       monkeypatch):
    """A weekly deal's "n sold this week" on a stored page may be up to PAGE_CACHE_SECONDS
    late: its orders keep the shop's stored pages (a community shop's rush before the
    deadline no longer makes every order a render of every page). A page rendered meanwhile
    counts them, and so does the stored one once it expires."""
    import time

    from app.deals import weekly
    from app.orders.models import Order
    from app.tenancy import use_shop

    tee, crisps = shop_a.listings
    path = f"/products/{crisps.handle}"
    item = {"listing_id": crisps.id, "variant_id": crisps.supply_product.variants[0].id}
    with use_shop(shop_a.shop.id):
        weekly.save_weekly_deal(title="Neighbourhood box", listing_ids=[crisps.id], deadline_weekday=3,
                                deadline_time="20:00", handout_weekday=5)
    db.session.commit()
    client, shopper = storefront(shop_a.shop), storefront(shop_a.shop)
    assert "sold this week" not in _text(client.get(path))
    assert client.get(path).headers["X-Page-Cache"] == "hit"

    _checkout(shopper, item, 4)
    page = client.get(path)
    assert page.headers["X-Page-Cache"] == "hit" and "sold this week" not in _text(page)
    own = storefront(shop_a.shop)  # a page of its own (an unreadable referral cookie): rendered now
    own.flask_client.set_cookie("fs_ref", "anything", domain=own.host)
    page = own.get(path)
    assert "X-Page-Cache" not in page.headers and "4 sold this week" in _text(page)

    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    page = client.get(path)
    assert page.headers["X-Page-Cache"] == "miss" and "4 sold this week" in _text(page)
    with app.app_context(), use_shop(shop_a.shop.id):  # a bulk change of the orders' status
        db.session.execute(update(Order).values(status="cancelled"))
        db.session.commit()
    assert client.get(path).headers["X-Page-Cache"] == "hit"  # (the same: a minute late at most)


def test_a_groups_page_is_stored_for_its_links_visitors_until_someone_joins(cached, storefront, shop_a):
    """A group's share link lands every friend who opens it on the group's page: stored, and
    made again once a member joins (the round's progress moves the shop's generation). A
    member's own view (`order`: is their payment on its way?) is theirs, never stored."""
    from urllib.parse import urlsplit

    from app.deals import services
    from app.tenancy import use_shop
    from tests.deals.test_group_buys import _join

    crisps = shop_a.listings[1]
    variant = crisps.supply_product.variants[0]
    with use_shop(shop_a.shop.id):
        deal = services.save_group_buy(crisps, prices={variant.id: "3.60"}, group_size=3, time_limit_hours=24,
                                       max_open_groups=2)
        deal_id, variant_id = deal.id, variant.id  # (before the commit expires them: row-level security)
    db.session.commit()
    started = _join(storefront(shop_a.shop), deal_id, variant_id)
    own = urlsplit(started.location)
    assert own.path.startswith("/groups/") and "order=" in own.query
    token = own.path.split("/groups/")[1]

    friend = storefront(shop_a.shop)
    assert friend.get(f"/groups/{token}").headers["X-Page-Cache"] == "miss"
    page = friend.get(f"/groups/{token}")
    assert page.headers["X-Page-Cache"] == "hit" and "1 of 3 joined" in _text(page)
    progress = f"/groups/{token}/progress"  # what the open page asks every 10 s
    assert friend.get(progress).headers["X-Page-Cache"] == "miss"
    assert friend.get(progress).headers["X-Page-Cache"] == "hit"
    member = storefront(shop_a.shop)
    for _ in range(2):
        assert "X-Page-Cache" not in member.get(f"{own.path}?{own.query}").headers
        assert "X-Page-Cache" not in member.get(f"{progress}?{own.query}").headers

    assert _join(storefront(shop_a.shop), deal_id, variant_id, token, email="bo@example.com",
                 name="Bo Chen").status_code == 302
    page = friend.get(f"/groups/{token}")
    assert page.headers["X-Page-Cache"] == "miss"
    assert "2 of 3 joined" in _text(page) and '<li class="member">BC</li>' in _text(page)
    answer = friend.get(progress)
    assert answer.headers["X-Page-Cache"] == "miss" and answer.get_json()["progress"] == 2


def test_a_share_links_redirect_is_stored_and_every_click_still_counts(cached, storefront, shop_a):
    """A short link (`/s/<slug>`, with or without a promoter's code) is every shared
    visitor's first request: its redirect is stored like a page, and each click still counts
    as an arrival through that link."""
    from app.analytics.jobs import aggregate_analytics
    from app.storefront.sharing import base36
    from tests.analytics.helpers import visit
    from tests.analytics.test_aggregation import counts_of

    tee = shop_a.listings[0]
    slug = f"p{base36(tee.id)}"
    friend = storefront(shop_a.shop)
    for path, location in ((f"/s/{slug}", f"/products/{tee.handle}"),
                           (f"/s/{slug}/CODE1234", f"/products/{tee.handle}?ref=CODE1234")):
        answers = [visit(friend, path) for _ in range(3)]
        assert [a.status_code for a in answers] == [302] * 3
        assert [a.headers["X-Page-Cache"] for a in answers] == ["miss", "hit", "hit"]
        assert {a.location.split("alpha.flagship.test", 1)[-1] for a in answers} == {location}
    for _ in range(2):  # a slug that names nothing: a 404, never stored
        missing = storefront(shop_a.shop).get("/s/pzzzz")
        assert missing.status_code == 404 and "X-Page-Cache" not in missing.headers
    aggregate_analytics()
    assert counts_of(shop_a.shop.id, "share") == {slug: (6, 0, 0)}


def _add_to_cart(client, listing, quantity=1):
    added = client.post("/cart/add", data={"listing_id": listing.id, "quantity": quantity,
                                           "variant_id": listing.supply_product.variants[0].id})
    assert added.status_code == 302
    return client.get(added.location)  # the cart page shows (and so clears) "Added ... to your cart."


def _cart_count(page) -> str | None:
    found = re.search(r'class="cart-count"[^>]*>(\d+)<', page.get_data(as_text=True))
    return found.group(1) if found else None


def test_a_returning_shopper_gets_stored_pages_that_show_their_own_cart(cached, storefront, shop_a):
    first_visit = storefront(shop_a.shop)
    first_visit.get("/")
    assert first_visit.get("/").headers["X-Page-Cache"] == "hit"

    shopper = storefront(shop_a.shop)
    _add_to_cart(shopper, shop_a.listings[1])
    page, again = shopper.get("/"), shopper.get("/")
    assert (page.headers["X-Page-Cache"], again.headers["X-Page-Cache"]) == ("miss", "hit")
    assert _cart_count(page) == _cart_count(again) == "1"
    assert _cart_count(first_visit.get("/")) is None  # the cookie-less page is still its own

    same_cart = storefront(shop_a.shop)  # another shopper with the same cart shares the page
    _add_to_cart(same_cart, shop_a.listings[1])
    assert same_cart.get("/").headers["X-Page-Cache"] == "hit"

    _add_to_cart(shopper, shop_a.listings[1])  # the cart changes: so does the page
    more = shopper.get("/")
    assert more.headers["X-Page-Cache"] == "miss" and _cart_count(more) == "2"


def test_a_waiting_message_or_an_unreadable_referral_cookie_makes_the_page_the_visitors_own(cached, storefront, shop_a):
    client = storefront(shop_a.shop)
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    added = client.post("/cart/add", data={"listing_id": shop_a.listings[1].id, "quantity": 1,
                                           "variant_id": shop_a.listings[1].supply_product.variants[0].id})
    with_message = client.get("/")  # "Added ... to your cart." waits in the session
    assert "X-Page-Cache" not in with_message.headers and "to your cart" in with_message.get_data(as_text=True)
    assert added.status_code == 302 and client.get("/").headers["X-Page-Cache"] == "miss"  # read: shared again

    promoted = storefront(shop_a.shop)
    promoted.flask_client.set_cookie("fs_ref", "anything", domain=promoted.host)
    assert "X-Page-Cache" not in promoted.get("/").headers


def _promoters(shop):
    from tests.referrals.helpers import open_programme, promoter

    open_programme(shop)
    return (promoter(shop, "Ana Lima", "ana@example.com"), promoter(shop, "Ben Okafor", "ben@example.com"))


def _brought_by(storefront, shop, code):
    browser = storefront(shop)
    assert browser.get(f"/?ref={code}").status_code == 302  # the link sets the visit cookie
    return browser


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_visitors_one_promoter_brought_share_pages_that_name_that_promoter(cached, storefront, shop_a):
    (_, ana, _), (_, ben, _) = _promoters(shop_a.shop)
    first_visit = storefront(shop_a.shop)
    first_visit.get("/")  # (a process learns a shop's binding period from a page it stores)
    by_ana, also_by_ana, by_ben = (_brought_by(storefront, shop_a.shop, code) for code in (ana, ana, ben))
    page = by_ana.get("/")
    assert page.headers["X-Page-Cache"] == "miss" and "Ana Lima recommended Alpha Shop" in _text(page)
    shared = also_by_ana.get("/")
    assert shared.headers["X-Page-Cache"] == "hit" and "Ana Lima recommended Alpha Shop" in _text(shared)
    bens = by_ben.get("/")
    assert bens.headers["X-Page-Cache"] == "miss"
    assert "Ben Okafor recommended" in _text(bens) and "Ana Lima" not in _text(bens)
    assert "recommended" not in _text(first_visit.get("/"))


def test_a_click_through_a_promoters_link_keeps_the_stored_pages(cached, storefront, shop_a):
    (_, ana, _), _ = _promoters(shop_a.shop)
    client = storefront(shop_a.shop)
    client.get("/")
    _brought_by(storefront, shop_a.shop, ana)  # counts a click: no page shows it
    assert client.get("/").headers["X-Page-Cache"] == "hit"


def test_a_visitor_whose_binding_ended_gets_the_page_that_names_nobody(cached, app, storefront, shop_a):
    import time

    from app.storefront.referral_views import referral_signer

    (ana_id, _, _), (ben_id, _, _) = _promoters(shop_a.shop)
    storefront(shop_a.shop).get("/")
    visit = referral_signer(app.config["SECRET_KEY"], "visit")
    long_ago = int(time.time()) - 31 * 86400  # the programme binds for 30 days
    pages = []
    for promoter_id in (ana_id, ben_id):
        browser = storefront(shop_a.shop)
        browser.flask_client.set_cookie("fs_ref", visit.dumps([shop_a.shop.id, promoter_id, long_ago]),
                                        domain=browser.host)
        pages.append(browser.get("/"))
    assert [page.headers["X-Page-Cache"] for page in pages] == ["miss", "hit"]
    assert all("recommended" not in _text(page) for page in pages)


def test_a_promoters_own_browser_shares_with_their_code_and_no_one_elses(cached, app, storefront, shop_a):
    from app.storefront.referral_views import referral_signer

    (ana_id, ana, _), (ben_id, ben, _) = _promoters(shop_a.shop)
    storefront(shop_a.shop).get("/")
    sharer = referral_signer(app.config["SECRET_KEY"], "sharer")

    def promoters_browser(promoter_id, code):
        browser = storefront(shop_a.shop)
        browser.flask_client.set_cookie("fs_promoter", sharer.dumps([shop_a.shop.id, promoter_id, code]),
                                        domain=browser.host)
        return browser

    anas = promoters_browser(ana_id, ana).get("/")
    assert anas.headers["X-Page-Cache"] == "miss" and f"/{ana}" in _text(anas)
    assert promoters_browser(ana_id, ana).get("/").headers["X-Page-Cache"] == "hit"  # her phone, her laptop
    bens = promoters_browser(ben_id, ben).get("/")
    assert bens.headers["X-Page-Cache"] == "miss" and f"/{ben}" in _text(bens) and f"/{ana}" not in _text(bens)
    assert f"/{ana}" not in _text(storefront(shop_a.shop).get("/"))


def test_a_paused_promoter_is_not_named_and_that_page_is_not_kept(cached, app, storefront, shop_a):
    from sqlalchemy import update as update_rows

    from app.referrals.models import Promoter
    from app.tenancy import use_shop

    (ana_id, ana, _), _ = _promoters(shop_a.shop)
    storefront(shop_a.shop).get("/")
    by_ana = _brought_by(storefront, shop_a.shop, ana)
    assert "Ana Lima recommended" in _text(by_ana.get("/"))
    with app.app_context(), use_shop(shop_a.shop.id):
        db.session.execute(update_rows(Promoter).where(Promoter.id == ana_id).values(status="paused"))
        db.session.commit()
    for _ in range(2):  # the key says "Ana", the page names nobody: rendered each time
        page = by_ana.get("/")
        assert "X-Page-Cache" not in page.headers and "recommended" not in _text(page)


def test_other_cookies_and_a_broken_session_change_nothing(cached, storefront, shop_a):
    client = storefront(shop_a.shop)
    client.get("/")
    other = storefront(shop_a.shop)
    for header in ("_ga=GA1.2.3; theme=dark", "flagship=not-a-signed-session"):
        assert other.get("/", headers={"Cookie": header}).headers["X-Page-Cache"] == "hit", header


def test_other_shops_never_get_a_stored_page(cached, storefront, shop_a, shop_b):
    storefront(shop_a.shop).get("/")
    other = storefront(shop_b.shop).get("/")
    assert other.headers["X-Page-Cache"] == "miss"
    assert shop_b.shop.name in other.get_data(as_text=True) and shop_a.shop.name not in other.get_data(as_text=True)


def test_a_stored_page_expires(cached, storefront, shop_a, monkeypatch):
    import time

    client = storefront(shop_a.shop)
    client.get("/")
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert client.get("/").headers["X-Page-Cache"] == "miss"


def test_a_host_that_now_names_another_shop_never_gets_the_old_shops_page(cached, storefront, shop_a, shop_b):
    client = storefront(shop_a.shop)
    client.get("/")
    # The host map is out of date (alpha's address now belongs to bravo's id): the page is
    # rendered for the shop the host really names, never served from the other's key.
    cached.shop_of_host["alpha.flagship.test"] = shop_b.shop.id
    page = client.get("/")
    assert page.headers["X-Page-Cache"] == "miss" and shop_a.shop.name in page.get_data(as_text=True)
    assert cached.shop_of_host["alpha.flagship.test"] == shop_a.shop.id


def test_a_change_committed_while_a_new_hosts_first_page_renders_is_not_hidden(cached, storefront, shop_a,
                                                                              monkeypatch):
    # The host is new to this process, so its generations could not be read before Flask
    # ran. A change committed while the first page renders (its bump comes after the page's
    # rows were read) must not be stored with that page: the next visit renders afresh.
    from app.storefront import views

    render, bumped = views.render_storefront, []

    def change_meanwhile(*args, **kwargs):
        answer = render(*args, **kwargs)
        if not bumped:
            bumped.append(args[0])
            cached.generations.bump([str(shop_a.shop.id)])
        return answer

    monkeypatch.setattr(views, "render_storefront", change_meanwhile)
    client = storefront(shop_a.shop)
    assert client.get("/").headers["X-Page-Cache"] == "miss" and bumped == ["home.html"]
    assert client.get("/").headers["X-Page-Cache"] == "miss"  # the stored page was older than the change
    assert client.get("/").headers["X-Page-Cache"] == "hit"


def test_pages_that_set_a_cookie_or_carry_a_referral_are_not_stored(cached, storefront, shop_a):
    client = storefront(shop_a.shop)
    assert "X-Page-Cache" not in client.get("/cart").headers
    assert "X-Page-Cache" not in client.get("/?ref=nobody").headers


def test_a_click_from_an_ad_or_a_social_app_gets_the_plain_addresses_page(cached, storefront, shop_a):
    # Facebook and Instagram add a click id that is new on every click; newsletters add
    # campaign tags. The page is the plain address's, stored once, and never shows them.
    client = storefront(shop_a.shop)
    plain = client.get("/")
    for query in ("fbclid=IwAR0clickone", "fbclid=IwAR0clicktwo&utm_source=ig&utm_medium=social", "igshid=MzRl"):
        page = client.get(f"/?{query}")
        assert page.headers["X-Page-Cache"] == "hit" and page.data == plain.data, query
    listing = shop_a.listings[0]
    word = listing.title.split()[0]
    first = client.get(f"/search?q={word}&fbclid=IwAR0clickthree")
    assert first.headers["X-Page-Cache"] == "miss" and listing.title in first.get_data(as_text=True)
    assert "IwAR0" not in first.get_data(as_text=True)
    again = client.get(f"/search?utm_campaign=spring&q={word}")
    assert again.headers["X-Page-Cache"] == "hit" and again.data == first.data
    # Only whole names count: a search for the word, or a parameter that merely ends in one, stays.
    assert client.get("/search?q=fbclid").headers["X-Page-Cache"] == "miss"
    assert client.get(f"/search?q={word}&xfbclid=1").headers["X-Page-Cache"] == "miss"


def test_a_tracked_click_still_counts_as_a_visit(app, cached, storefront, shop_a, monkeypatch):
    from app.analytics.counting import MemoryVisitStore

    counter = app.extensions["visit_counter"]
    monkeypatch.setattr(counter, "store", MemoryVisitStore())
    browser = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"}
    client = storefront(shop_a.shop)
    client.get("/", headers=browser).close()  # closed: counted now
    page = client.get("/?fbclid=IwAR0counted", headers={**browser, "Referer": "https://l.instagram.com/"})
    page.close()
    assert page.headers["X-Page-Cache"] == "hit"
    counts = [tally.counts for tally in counter.store.pending() if tally.shop_id == shop_a.shop.id]
    assert sum(c.get("views", 0) for c in counts) == 2 and sum(c.get("w:l.instagram.com", 0) for c in counts) == 1


@pytest.mark.redis
def test_generations_are_shared_through_redis_between_processes():
    import uuid

    from redis import Redis

    from app.storefront.page_cache import Generations
    from tests.conftest import REDIS_URL

    shop_id = f"test-{uuid.uuid4().hex}"  # never a real shop's key
    one, two = Generations(Redis.from_url(REDIS_URL)), Generations(Redis.from_url(REDIS_URL))
    before = two.read(shop_id)
    one.bump({shop_id})
    after = two.read(shop_id)
    assert after[0] != before[0] and after[1] == before[1]
    one.redis.delete(f"flagship:pagegen:{shop_id}")


@pytest.mark.redis
def test_a_process_keeps_the_generations_it_read_until_a_bump_names_them():
    # A cached hit must not cost a round trip to Redis, and must never outlive a bump made
    # by another process: the bump's message is taken before the next read.
    import uuid

    from redis import Redis

    from app.storefront.page_cache import Generations
    from tests.conftest import REDIS_URL

    shop_id, other = f"test-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}"
    writer, reader = Generations(Redis.from_url(REDIS_URL)), Generations(Redis.from_url(REDIS_URL))
    # A channel of the test's own: a change of the whole platform made meanwhile elsewhere
    # (the worker's jobs) would rightly cost a round trip.
    writer.channel_name = reader.channel_name = f"{Generations.CHANNEL}:{shop_id}"
    asked = []
    mget = reader.redis.mget
    reader.redis.mget = lambda keys: asked.append(keys) or mget(keys)
    try:
        for _ in range(3):  # subscribe, take the confirmation, remember
            first = reader.read(shop_id)
        asked.clear()
        assert reader.read(shop_id) == first and asked == []  # no round trip
        for n in range(1, 51):
            writer.bump({shop_id})
            assert reader.read(shop_id)[0] == first[0] + n
        writer.bump({other})  # another shop's change costs this shop's reader nothing
        asked.clear()
        assert reader.read(shop_id)[0] == first[0] + 50 and asked == []

        # The subscription is lost (Redis restarted, say): a bump made meanwhile is never
        # heard, so nothing known may be trusted until the subscription is confirmed again.
        reader.channel.connection.disconnect()
        writer.bump({shop_id})
        assert reader.read(shop_id)[0] == first[0] + 51
        for _ in range(3):
            assert reader.read(shop_id)[0] == first[0] + 51
        writer.bump({shop_id})
        assert reader.read(shop_id)[0] == first[0] + 52
    finally:
        writer.redis.delete(f"flagship:pagegen:{shop_id}", f"flagship:pagegen:{other}")


def test_without_redis_nothing_is_cached_and_pages_still_render():
    from redis import Redis

    from app.storefront.page_cache import Generations

    gone = Generations(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    assert gone.read(1) is None
    gone.bump({"1"})  # logged, not raised


@pytest.mark.usefixtures("feeds_dir")
def test_a_catalog_sync_that_changes_a_product_drops_the_stored_pages(cached, storefront):
    # The sync writes past the ORM on PostgreSQL (COPY, UPDATE ... FROM): it says so through
    # app.change_notes, so its batch's commit drops the stored pages.
    from sqlalchemy import select

    from app.catalog.models import SupplyProduct
    from app.shops.pricing import PriceRule
    from app.shops.services import add_listing
    from app.tenancy import use_shop
    from tests.catalog.feed_helpers import feed_csv, sync_now, upload_feed
    from tests.factories import make_catalog, make_shop_with_listings, make_supplier

    supplier = make_supplier()
    upload_feed(supplier, feed_csv("APR,Linen Apron,,home,APR-1,,10.00,15.00,5,"))
    sync_now(supplier)
    fixture = make_shop_with_listings("apron", make_catalog())
    apron = db.session.scalar(select(SupplyProduct).where(SupplyProduct.supplier_id == supplier.id))
    with use_shop(fixture.shop.id):
        listing = add_listing(fixture.shop, apron.id, rule=PriceRule("markup", 5000))
    client = storefront(fixture.shop)
    path = f"/products/{listing.handle}"
    client.get(path)
    assert client.get(path).headers["X-Page-Cache"] == "hit"

    upload_feed(supplier, feed_csv("APR,Linen Apron,,home,APR-1,,11.00,16.00,5,"))  # a new price
    sync_now(supplier)
    assert client.get(path).headers["X-Page-Cache"] == "miss"
