"""Counting storefront visits without cookies, third parties or a database write.

What counts: a GET answered 200 with an HTML page on a shop's host (a page view), a share
link (`/s/<slug>`) answered with its redirect (an open), and a promoter's link (`?ref=`)
answered with its redirect to the clean page (an arrival). Not counted: bots (a user
agent naming itself bot, crawler, spider, a link-preview fetcher or a headless browser, or
none at all), HEAD and other methods, browser prefetches, the owner's draft preview, the
platform host (dashboard, admin). A page view is a *visit* when it arrives from outside the
shop (no referrer, or another site's); its *visitor* is a hash of the day's random salt,
the shop, the IP address and the user agent, so the same browser is one visitor per day and
nothing that names a person is kept (the salt is forgotten after two days).

Where the counts go while the day runs (`VisitStore`):
- Redis, when REDIS_URL is set (HINCRBY on the day's hash, PFADD on its HyperLogLog),
  shared by every web process; each process holds its hits for a second (or FLUSH_HITS
  hits) and sends them in one pipelined round trip, so a process that dies loses at most
  that second's counts;
- this process, with no Redis (the embedded default runs one process): dictionaries under
  a lock, folded into the database by the aggregation job.

The counter wraps the WSGI app *outside* the page cache (app/storefront/page_cache.py), so a
page served from the cache counts too; and it records in the answer's `close()`, after the
body went out, so no shopper waits for it. Flask marks each storefront answer with its shop
and whether it counts (`mark`); a page served from the cache was rendered by this process
before, so its host is known (`hosts`).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import re
import secrets
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import unquote, urlsplit

from werkzeug.wsgi import ClosingIterator

from app.shops.timezones import shop_today

log = logging.getLogger(__name__)

MARK = "flagship.analytics.shop"  # environ: (shop id, time zone), or False: do not count
BOTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|headless|lighthouse"
    r"|pingdom|uptime|monitor|curl|wget|python|httpx|go-http|okhttp|java/|scrapy|feed|fetch",
    re.IGNORECASE)
PRODUCT_PATH = re.compile(r"/products/([^/]{1,120})")
SHARE_PATH = re.compile(r"/s/([A-Za-z0-9_-]{1,25})(?:/[A-Za-z0-9]{4,16})?")
REFERRAL = re.compile(r"(?:^|&)ref=([A-Za-z0-9]{4,16})(?:&|$)")
KEEP_DAYS = 9  # how long a day's counters live in Redis: the job folds them long before
SETTLED_AFTER = timedelta(days=2)  # a day this far behind UTC's today takes no more hits anywhere
HOSTS_KEPT = 10_000
FLUSH_SECONDS = 1.0  # how long a web process holds its hits before sending them to Redis
FLUSH_HITS = 500  # ...or this many
FILES = ("/assets/", "/static/", "/media/", "/share/", "/favicon.ico")  # never pages: not wrapped


@dataclass(frozen=True)
class Hit:
    """One counted answer: the shop's day, the visitor's hash (None for a share-link open)
    and the counters it adds to: "views", "visits", "p:<handle>", "r:<code>", "s:<slug>",
    "w:<site>"."""

    shop_id: int
    day: date
    visitor: str | None
    fields: tuple[str, ...]


@dataclass
class DayTally:
    """What a store holds for one shop's day. `replace`: the counts are the day's whole
    figures (Redis keeps them all day); else they were added since the last fold (this
    process), and `visitors` is how many new visitors."""

    shop_id: int
    day: date
    counts: dict[str, int]
    visitors: int
    replace: bool
    taken: dict = field(default_factory=dict, repr=False)  # for MemoryVisitStore.done


# Deciding what counts ---------------------------------------------------------------------


def is_bot(environ) -> bool:
    agent = environ.get("HTTP_USER_AGENT", "")
    return not agent or bool(BOTS.search(agent))


def is_prefetch(environ) -> bool:
    purpose = " ".join(environ.get(name, "") for name in
                       ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")).lower()
    return "prefetch" in purpose or "preview" in purpose or "prerender" in purpose


def host_name(host: str) -> str:
    """'WWW.Example.com:443' -> 'example.com' (a site, as people name it)."""
    name = (host or "").lower().split(":", 1)[0].strip(".")
    return name.removeprefix("www.")[:100]


def visitor_hash(salt: str, shop_id: int, environ) -> str:
    """The same browser on the same day in the same shop: the same 16 hex digits; nothing
    to tell who it is once the salt is gone. Per shop, so visitors cannot be followed
    from one shop to another."""
    raw = f"{salt}|{shop_id}|{environ.get('REMOTE_ADDR', '')}|{environ.get('HTTP_USER_AGENT', '')}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def page_fields(environ) -> list[str]:
    """The counters a page view adds to, besides the visitor."""
    fields = ["views"]
    own = host_name(environ.get("HTTP_HOST", ""))
    came_from = host_name(urlsplit(environ.get("HTTP_REFERER", "")).hostname or "")
    if came_from != own:
        fields.append("visits")
        if came_from:
            fields.append(f"w:{came_from}")
    found = PRODUCT_PATH.fullmatch(environ.get("PATH_INFO", ""))
    if found:
        fields.append(f"p:{unquote(found[1])[:100]}")
    return fields


# Where counts wait for the job -----------------------------------------------------------


class MemoryVisitStore:
    """This process's counters (no Redis). The job takes what was added since it last
    folded and marks it done only after its commit, so a failed fold is retried and a
    second run finds nothing new. A restart loses what was not folded yet, and may count a
    visitor of the day again."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[tuple[int, date], Counter] = {}
        self.visitors: dict[tuple[int, date], set[str]] = {}
        self.reported: dict[tuple[int, date], int] = {}
        self.salts: dict[date, str] = {}

    def salt(self, day: date) -> str:
        with self.lock:
            if day not in self.salts:
                self.salts[day] = secrets.token_hex(16)
                for old in [d for d in self.salts if d < day - SETTLED_AFTER]:
                    del self.salts[old]  # forgotten: yesterday's hashes can no longer be made
            return self.salts[day]

    def record(self, hit: Hit) -> None:
        key = (hit.shop_id, hit.day)
        with self.lock:
            self.counts.setdefault(key, Counter()).update(hit.fields)
            if hit.visitor:
                self.visitors.setdefault(key, set()).add(hit.visitor)

    def pending(self) -> list[DayTally]:
        with self.lock:
            tallies = []
            for key in set(self.counts) | set(self.visitors):
                counts = {name: n for name, n in self.counts.get(key, {}).items() if n}
                new_visitors = len(self.visitors.get(key, ())) - self.reported.get(key, 0)
                if counts or new_visitors:
                    tallies.append(DayTally(key[0], key[1], counts, new_visitors, replace=False,
                                            taken={"counts": dict(counts)}))
            return tallies

    def done(self, tallies: list[DayTally], today: date) -> None:
        with self.lock:
            for tally in tallies:
                key = (tally.shop_id, tally.day)
                self.counts.get(key, Counter()).subtract(tally.taken.get("counts", {}))
                self.reported[key] = self.reported.get(key, 0) + tally.visitors
            for key in [k for k in set(self.counts) | set(self.visitors) if k[1] < today - SETTLED_AFTER]:
                if not +self.counts.get(key, Counter()):  # all folded: forget the day
                    self.counts.pop(key, None)
                    self.visitors.pop(key, None)
                    self.reported.pop(key, None)


class RedisVisitStore:
    """Counters in Redis: `flagship:visits:<shop>:<day>` (a hash of counters) and
    `flagship:visitors:<shop>:<day>` (a HyperLogLog: about 0.8 % off, 12 KB at most),
    kept KEEP_DAYS; the set `flagship:visits:days` names the days to fold."""

    DAYS = "flagship:visits:days"

    def __init__(self, redis, flush_seconds: float = FLUSH_SECONDS):
        self.redis = redis
        self.salts: dict[date, str] = {}
        # Hits wait here, this process's, until the next flush: one round trip a second (or
        # every FLUSH_HITS hits) instead of one per page view, which cost a cached page more
        # than serving it. A process that dies loses at most that second's counts.
        self.flush_seconds = flush_seconds
        self.lock = threading.Lock()
        self.counts: Counter = Counter()  # (shop id, day, counter) -> hits
        self.visitors: dict[tuple[int, date], set[str]] = {}
        self.held = 0
        self.timer: threading.Timer | None = None
        atexit.register(self.flush)

    def salt(self, day: date) -> str:
        found = self.salts.get(day)
        if found is None:
            key = f"flagship:visits:salt:{day.isoformat()}"
            # Every web process must hash with the same salt: the first one sets it.
            self.redis.set(key, secrets.token_hex(16), nx=True, ex=int(SETTLED_AFTER.total_seconds()) + 86400)
            found = self.redis.get(key).decode()
            self.salts = {d: s for d, s in self.salts.items() if d >= day - SETTLED_AFTER}
            self.salts[day] = found
        return found

    @staticmethod
    def _keys(shop_id: int, day: date) -> tuple[str, str]:
        stem = f"{shop_id}:{day.isoformat()}"
        return f"flagship:visits:{stem}", f"flagship:visitors:{stem}"

    def record(self, hit: Hit) -> None:
        with self.lock:
            for name in hit.fields:
                self.counts[(hit.shop_id, hit.day, name)] += 1
            if hit.visitor:
                self.visitors.setdefault((hit.shop_id, hit.day), set()).add(hit.visitor)
            self.held += 1
            now = self.held >= FLUSH_HITS
            if not now and self.timer is None:
                self.timer = threading.Timer(self.flush_seconds, self.flush)
                self.timer.daemon = True
                self.timer.start()
        if now:
            self.flush()

    def flush(self) -> None:
        """Send the hits held to Redis, in one round trip; never raises (a lost count is
        better than a broken page)."""
        with self.lock:
            counts, visitors, held = self.counts, self.visitors, self.held
            self.counts, self.visitors, self.held = Counter(), {}, 0
            timer, self.timer = self.timer, None
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        if not held:
            return
        ttl = KEEP_DAYS * 86400
        days = {(shop_id, day) for shop_id, day, _ in counts} | set(visitors)
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for (shop_id, day, name), n in counts.items():
                    pipe.hincrby(self._keys(shop_id, day)[0], name, n)
                for (shop_id, day), hashes in visitors.items():
                    pipe.pfadd(self._keys(shop_id, day)[1], *hashes)
                for shop_id, day in days:
                    for key in self._keys(shop_id, day):
                        pipe.expire(key, ttl)
                pipe.sadd(self.DAYS, *(f"{shop_id}:{day.isoformat()}" for shop_id, day in days))
                pipe.execute()
        except Exception:  # noqa: BLE001
            log.warning("%d visits could not be counted", held, exc_info=True)

    def pending(self) -> list[DayTally]:
        self.flush()  # this process's own hits first
        days = []
        for member in self.redis.smembers(self.DAYS):
            shop, _, day = member.decode().partition(":")
            days.append((int(shop), date.fromisoformat(day)))
        tallies = []
        with self.redis.pipeline(transaction=False) as pipe:
            for shop_id, day in days:
                counts, visitors = self._keys(shop_id, day)
                pipe.hgetall(counts)
                pipe.pfcount(visitors)
            answers = pipe.execute()
        for (shop_id, day), counts, visitors in zip(days, answers[::2], answers[1::2], strict=True):
            tallies.append(DayTally(shop_id, day, {k.decode(): int(v) for k, v in counts.items()},
                                    int(visitors), replace=True))
        return tallies

    def done(self, tallies: list[DayTally], today: date) -> None:
        settled = [f"{t.shop_id}:{t.day.isoformat()}" for t in tallies if t.day < today - SETTLED_AFTER]
        if settled:
            self.redis.srem(self.DAYS, *settled)  # their figures are final in the database


# The counter: Flask marks, the WSGI wrapper records ---------------------------------------


class VisitCounter:
    def __init__(self, store, platform_host: str):
        self.store = store
        self.platform_host = (platform_host or "").lower()
        self.hosts: OrderedDict[str, tuple[int, str]] = OrderedDict()  # host -> (shop id, zone)
        self.lock = threading.Lock()

    def mark(self, environ, shop, counts: bool) -> None:
        """Flask's side: this answer belongs to `shop`; `counts` False for the owner's preview."""
        place = (shop.id, shop.timezone or "UTC")
        environ[MARK] = place if counts else False
        host = environ.get("HTTP_HOST", "").lower()
        with self.lock:
            if self.hosts.get(host) != place:
                self.hosts[host] = place
                while len(self.hosts) > HOSTS_KEPT:
                    self.hosts.popitem(last=False)

    def middleware(self, wsgi_app):
        def count(environ, start_response):
            if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO", "").startswith(FILES)
                    or environ.get("HTTP_HOST", "").lower() == self.platform_host):
                return wsgi_app(environ, start_response)
            answer: dict = {}

            def remember(status, headers, exc_info=None):
                answer["status"], answer["headers"] = status, headers
                return start_response(status, headers, exc_info)

            return ClosingIterator(wsgi_app(environ, remember), lambda: self.after(environ, answer))

        return count

    def after(self, environ, answer) -> None:
        """Once the answer went out: count it, never failing the request."""
        try:
            hit = self.hit_of(environ, answer)
            if hit is not None:
                self.store.record(hit)
        except Exception:  # noqa: BLE001 - a lost count is better than a broken page
            log.warning("a visit could not be counted", exc_info=True)

    def hit_of(self, environ, answer, now: datetime | None = None) -> Hit | None:
        status = answer.get("status", "")
        headers = {name.lower(): value for name, value in answer.get("headers", [])}
        place = environ.get(MARK)
        if place is None and headers.get("x-page-cache") == "hit":
            place = self.hosts.get(environ.get("HTTP_HOST", "").lower())
        if not place or is_bot(environ) or is_prefetch(environ):
            return None
        shop_id, timezone = place
        day = shop_today(timezone, now)
        if status.startswith("302"):
            # A share link redirects to its page, and so does a promoter's link (`?ref=`, to
            # the page without it): the arrival is counted here, the page view there.
            share = SHARE_PATH.fullmatch(environ.get("PATH_INFO", ""))
            code = REFERRAL.search(environ.get("QUERY_STRING", ""))
            if share:
                return Hit(shop_id, day, None, (f"s:{share[1]}",))
            return Hit(shop_id, day, None, (f"r:{code[1].lower()}",)) if code else None
        if not status.startswith("200") or not headers.get("content-type", "").startswith("text/html"):
            return None
        visitor = visitor_hash(self.store.salt(day), shop_id, environ)
        return Hit(shop_id, day, visitor, tuple(page_fields(environ)))


def install(app) -> VisitCounter:
    """Count the storefront's answers: the WSGI wrapper goes outside whatever wraps the app
    now (install after the page cache), Flask marks each storefront answer."""
    from flask import g, request

    if app.config.get("REDIS_URL"):
        from redis import Redis

        store = RedisVisitStore(Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=app.config["REDIS_CONNECT_TIMEOUT"],
            socket_timeout=app.config["REDIS_SOCKET_TIMEOUT"]))
    else:
        store = MemoryVisitStore()
    counter = VisitCounter(store, app.config.get("SERVER_NAME") or "")
    app.extensions["visit_counter"] = counter
    app.wsgi_app = counter.middleware(app.wsgi_app)

    @app.after_request
    def mark_storefront_answer(response):
        """Registered after the unit of work's hook, so it runs before the request commits:
        the shop's row is still loaded (after the commit it would be fetched again)."""
        shop = g.get("shop")
        if shop is not None and (request.endpoint or "").startswith("storefront."):
            state = g.get("theme_state")
            counter.mark(request.environ, shop, counts=not (state is not None and state.is_draft))
        return response

    return counter


def visit_counter(app=None) -> VisitCounter | None:
    from flask import current_app

    return (app or current_app).extensions.get("visit_counter")
