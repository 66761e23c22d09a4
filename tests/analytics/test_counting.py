"""Which storefront answers count, on whose clock, and what they add to (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.analytics.counting import MARK, MemoryVisitStore, VisitCounter, page_fields

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
HTML = [("Content-Type", "text/html; charset=utf-8")]


class Shop:
    def __init__(self, shop_id=7, timezone="UTC"):
        self.id, self.timezone = shop_id, timezone


def environ(path="/", *, agent=BROWSER, query="", referrer="", host="alpha.flagship.test", **extra):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": host,
           "HTTP_USER_AGENT": agent, "REMOTE_ADDR": "203.0.113.9"}
    if referrer:
        env["HTTP_REFERER"] = referrer
    env.update(extra)
    return env


def counter():
    return VisitCounter(MemoryVisitStore(), "flagship.test")


def marked(counter_, env, shop=None, counts=True):
    counter_.mark(env, shop or Shop(), counts)
    return env


def test_a_page_view_from_outside_is_a_visit_of_one_visitor():
    c = counter()
    hit = c.hit_of(marked(c, environ("/", referrer="https://www.instagram.com/p/x")), {"status": "200 OK", "headers": HTML})
    assert hit.shop_id == 7 and hit.visitor and len(hit.visitor) == 16
    assert hit.fields == ("views", "visits", "w:instagram.com")


def test_a_page_from_inside_the_shop_is_a_page_view_not_a_new_visit():
    fields = page_fields(environ("/products/linen-apron", query="x=1", referrer="https://alpha.flagship.test/"))
    assert fields == ["views", "p:linen-apron"]


def test_a_promoters_link_counts_its_arrival_on_the_redirect():
    c = counter()
    hit = c.hit_of(marked(c, environ("/products/linen-apron", query="ref=Nadia123&x=1")),
                   {"status": "302 FOUND", "headers": []})
    assert hit.fields == ("r:nadia123",) and hit.visitor is None


def test_bots_link_previews_headless_browsers_and_prefetches_are_not_counted():
    c = counter()
    answer = {"status": "200 OK", "headers": HTML}
    for agent in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "facebookexternalhit/1.1",
                  "Mozilla/5.0 HeadlessChrome/120", "curl/8.0", "", "WhatsApp/2.23 preview fetcher"):
        assert c.hit_of(marked(c, environ(agent=agent)), answer) is None, agent
    assert c.hit_of(marked(c, environ(HTTP_SEC_PURPOSE="prefetch;prerender")), answer) is None
    assert c.hit_of(marked(c, environ(HTTP_PURPOSE="prefetch")), answer) is None


def test_the_owners_preview_errors_and_other_files_are_not_counted():
    c = counter()
    assert c.hit_of(marked(c, environ(), counts=False), {"status": "200 OK", "headers": HTML}) is None
    assert c.hit_of(marked(c, environ()), {"status": "404 NOT FOUND", "headers": HTML}) is None
    assert c.hit_of(marked(c, environ("/sitemap.xml")), {"status": "200 OK",
                                                          "headers": [("Content-Type", "application/xml")]}) is None
    # Not marked by Flask and not from the page cache: nothing to say whose it is.
    assert c.hit_of(environ(), {"status": "200 OK", "headers": HTML}) is None


def test_a_page_from_the_page_cache_counts_for_the_host_flask_saw_before():
    c = counter()
    marked(c, environ(), Shop(9))
    cached = {"status": "200 OK", "headers": [*HTML, ("X-Page-Cache", "hit")]}
    assert c.hit_of(environ(), cached).shop_id == 9
    assert c.hit_of(environ(host="unknown.flagship.test"), cached) is None


def test_a_share_link_counts_its_open_without_a_visitor():
    c = counter()
    hit = c.hit_of(marked(c, environ("/s/p1z/nadia123")), {"status": "302 FOUND", "headers": []})
    assert hit.fields == ("s:p1z",) and hit.visitor is None
    assert c.hit_of(marked(c, environ("/cart")), {"status": "302 FOUND", "headers": []}) is None


def test_the_day_is_the_shops_own():
    c = counter()
    late = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 04:30 on 2 March in Shanghai
    shanghai = c.hit_of(marked(c, environ(), Shop(1, "Asia/Shanghai")), {"status": "200 OK", "headers": HTML}, now=late)
    new_york = c.hit_of(marked(c, environ(), Shop(2, "America/New_York")), {"status": "200 OK", "headers": HTML}, now=late)
    assert shanghai.day == date(2026, 3, 2) and new_york.day == date(2026, 3, 1)


def test_the_same_browser_is_one_visitor_a_day_and_another_one_in_another_shop():
    c = counter()
    answer = {"status": "200 OK", "headers": HTML}
    first = c.hit_of(marked(c, environ("/")), answer)
    again = c.hit_of(marked(c, environ("/cart")), answer)
    elsewhere = c.hit_of(marked(c, environ("/"), Shop(8)), answer)
    other_phone = c.hit_of(marked(c, environ("/", REMOTE_ADDR="198.51.100.4")), answer)
    assert first.visitor == again.visitor
    assert len({first.visitor, elsewhere.visitor, other_phone.visitor}) == 3


def test_the_wsgi_wrapper_counts_after_the_answer_and_never_head_requests():
    c = counter()

    def app(env, start_response):
        c.mark(env, Shop(), True)
        start_response("200 OK", list(HTML))
        return [b"<html>"]

    wrapped = c.middleware(app)
    body = wrapped(environ(), lambda status, headers, exc_info=None: None)
    assert list(body) == [b"<html>"]
    assert not c.store.counts  # nothing yet: counted once the server closes the answer
    body.close()
    head = wrapped(environ(REQUEST_METHOD="HEAD"), lambda status, headers, exc_info=None: None)
    list(head)
    getattr(head, "close", lambda: None)()
    assert [dict(counts) for counts in c.store.counts.values()] == [{"views": 1, "visits": 1}]


def test_a_broken_store_never_breaks_the_page():
    c = counter()

    class Broken(MemoryVisitStore):
        def record(self, hit):
            raise ConnectionError("redis away")

    c.store = Broken()
    c.after(marked(c, environ()), {"status": "200 OK", "headers": HTML})  # logs, does not raise


def test_mark_names_the_shop_in_the_environ():
    c = counter()
    env = marked(c, environ(), Shop(3, "Europe/Paris"))
    assert env[MARK] == (3, "Europe/Paris")
