"""Whole storefront pages, kept per shop until the shop changes, for every visitor whose
page is the same as someone else's.

A first visit (a share link opened in a chat, a search engine, a feed reader) carries no
cookie; a returning shopper's session holds at most their cart. Their home, collection,
product, search and shop pages, and a group buy's page, then depend only on the shop, the
language they chose and what is in their cart (the header's count, the Market theme's cart
bar), so each web process keeps the pages it rendered under those (an LRU of
`PAGE_CACHE_ENTRIES`): a shopper with the same cart, or none, gets the same page. A
promoter's link is how most visitors of a social shop arrive, and their pages name that
promoter (who earns on what they buy) for as long as the binding runs; a promoter's own
browser makes share links with their code. So the promoter named and the code shared join
the key (read from the signed cookies as the storefront reads them): every visitor one
promoter brought shares that promoter's pages. A page is theirs alone, and rendered, when
a message waits for them (a flash), they preview a theme draft, or a referral cookie
cannot be read (forged, another shop's). Pages are kept for at most `PAGE_CACHE_SECONDS`
(never in debug mode, where templates change under the developer's hands), under the
shop's *generation*:

- every committed change to a shop's rows that its pages read (`SHOWN`: the shop itself,
  its domains, members, theme, listings, collections, pages, deals, promoters...) moves that
  shop's generation on; its orders, payments and the like do not (`COUNTED_LATE`: a weekly
  deal's "n sold" may lag); a change to the shared catalog (products, variants, suppliers) or
  to who may open a shop moves the platform-wide one;
- the generations live in Redis when there is one (so every process of every server sees a
  change at once), else in this process (the embedded default runs one process); each
  process keeps those it read and hears of every change on a Redis channel, so a hit costs
  no round trip (`Generations`);
- a page is stored under the generations read before it was rendered, so a change committed
  while it rendered is never hidden behind it.

The time limit bounds what changes with the clock alone (a group's "ends in 3 h", a weekly
deadline) and what a page counts without being told (a weekly deal's "n sold this week").
A stored answer is sent exactly as it was made, security headers and script nonce
included: a nonce guards against markup injected into the page, and such markup would be
stored with (and before) the render that chose the nonce, its own write moving the
generation on. Stored answers are served in front of Flask (WSGI middleware), so a hit
touches neither Flask, nor the database, nor Redis (reading the session cookie, signed,
costs tens of microseconds). Other methods, other pages and answers that set a cookie are
never cached. The key is the shop, host, path, query (click ids and campaign tags taken
off first: `TRACKING_PARAMETERS`), Accept-Encoding, the chosen language, the cart and the
promoter named and shared: anything else a page comes to depend on (a language chosen from
Accept-Language, say) must join it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, g, request, request_finished
from itsdangerous import BadData
from sqlalchemy import TextClause, event
from sqlalchemy.orm import Session
from werkzeug.http import parse_cookie

from app import remembered
from app.accounts.models import ShopMembership, User
from app.catalog.models import Supplier, SupplyProduct, SupplyVariant
from app.change_notes import EVERY_SHOP, PENDING, note
from app.orders.cart import raw_cart
from app.orders.models import Order, OrderLine
from app.referrals.models import Promoter
from app.shops.models import Shop
from app.sites import storefront_session_reader
from app.tenancy import current_shop_id
from app.tenancy.context import TenantMixin

from .referral_views import (
    SHARER_COOKIE,
    VISIT_COOKIE,
    referral_cookie,
    referral_signer,
    sharer_code_of,
    visit_of,
)
from .theming import PREVIEW_KEY

log = logging.getLogger(__name__)

# A group's page is where its share link lands: every friend who opens it in a chat is a
# first visit, and while it is open the page asks for its progress every 10 s. Its members
# (initials) are read from orders, which move no generation: a member counts once their
# round's progress moves, and that write does. A member's own view (`order`: whether their
# payment is still on its way) is theirs, never stored.
# A share link's short address (`/s/<slug>`, app/storefront/share_views.py) is every shared
# visitor's first request: a redirect to its page, the same for everyone, kept like a page
# (it cost a page's work: the slug's target is looked up and checked as its page would be).
# The endpoints whose answers are stored, and the status an answer is stored with.
PAGES = {"storefront.home": 200, "storefront.collection": 200, "storefront.product": 200,
         "storefront.search": 200, "storefront.policy_page": 200, "storefront.group": 200,
         "storefront.group_progress": 200, "storefront.short_link": 302}
PERSONAL_ARGS = {"storefront.group": ("order",), "storefront.group_progress": ("order",)}
_KEY = "flagship.page_cache_key"
_GENERATIONS = "flagship.page_cache_generations"  # (shop id, its generations) read before rendering
_REFERRAL = re.compile(r"(?:^|&)ref=")
# Click ids and campaign tags that ads, social apps and newsletters add to a link: a post
# shared on Instagram or Facebook reaches the shop as `/?fbclid=<new for every click>`.
# Nothing the app makes depends on them (visits count the referring site, before this
# layer), so they are taken off the query before Flask sees it: that visitor gets the page
# stored for the plain address instead of a fresh render each time. (The browser keeps them
# in its address bar, for the ad networks' own scripts.)
TRACKING_PARAMETERS = frozenset((
    "fbclid", "igshid", "gclid", "gbraid", "wbraid", "dclid", "msclkid", "ttclid", "twclid", "li_fat_id",
    "yclid", "srsltid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "utm_source", "utm_medium", "utm_campaign",
    "utm_term", "utm_content", "utm_id"))
_TRACKING = re.compile(r"(?:^|&)(?:" + "|".join(sorted(TRACKING_PARAMETERS)) + r")(?:=|&|$)")
VISITORS_REMEMBERED = 4096  # cookie headers read (signature checked) and kept, per process


class PageKey(NamedTuple):
    """What a stored page is kept under (hashed as the plain tuple it is)."""

    shop_id: int
    host: str
    path: str
    query: str
    encoding: str  # Accept-Encoding: Flask-Compress answers each differently
    language: str  # the shopper's chosen language (cookie)
    cart: tuple  # (variant id, quantity) pairs
    referral: tuple | None  # ("ref", promoter named, code shared), or None
    generations: tuple  # (the shop's, the platform's), read before the page was made


class Generations:
    """Where the shops' generations are kept: Redis (shared) or this process.

    With Redis, reading them is a round trip on every cached hit, most of a hit's cost. So
    each process also keeps the ones it has read (`known`) and subscribes to `CHANNEL`, on
    which every bump names the keys it moved: a read first takes what the channel holds (a
    poll of the socket, no round trip), forgets the keys it names, and asks Redis only for
    keys it does not know. A bump's message is sent after its INCR, so a value read before
    it is forgotten at the next read, one read after it is already the new one. Until the
    subscription is confirmed, and from when it is lost until redis-py has made it again,
    nothing is known and every read goes to Redis. A
    connection lost without a word (no reset) delays a change by PAGE_CACHE_SECONDS at most,
    as a stored page outlives it no longer.
    """

    CHANNEL = "flagship:pagegen"
    RETRY_SECONDS = 5.0  # after a failed subscription, reads go to Redis this long
    KNOWN_MOST = 50_000  # shops' generations a process keeps (a few MB at most)

    def __init__(self, redis=None):
        self.redis = redis
        if redis is not None:  # channels are server-wide; the counters are the database's
            self.channel_name = f"{self.CHANNEL}:{redis.connection_pool.connection_kwargs.get('db', 0)}"
        self.local: dict[str, int] = {}
        self.lock = threading.Lock()
        self.known: dict[str, int] = {}
        self.channel = None  # this process's subscription (redis-py PubSub)
        self.listening = False  # subscription confirmed: `known` may be used
        self.owner_pid = 0  # the process that subscribed (a fork must not share the socket)
        self.retry_at = 0.0

    def read(self, shop_id: int) -> tuple | None:
        """(the shop's generation, the platform's), or None when they cannot be read."""
        return self.read_keys((str(shop_id), EVERY_SHOP))

    def read_keys(self, keys: tuple[str, ...]) -> tuple | None:
        if self.redis is None:
            return tuple(self.local.get(key, 0) for key in keys)
        with self.lock:  # the subscription's socket and `known` belong to one reader at a time
            try:
                self._take_messages()
                if self.listening and all(key in self.known for key in keys):
                    return tuple(self.known[key] for key in keys)
                found = tuple(int(value or 0) for value in
                              self.redis.mget([f"flagship:pagegen:{key}" for key in keys]))
            except Exception:  # noqa: BLE001 - no Redis: no cache, the page is rendered as usual
                log.warning("page cache: Redis unreachable, pages are not cached", exc_info=True)
                self._stop_listening()
                return None
            if self.listening:
                if len(self.known) >= self.KNOWN_MOST:
                    self.known.clear()
                self.known.update(zip(keys, found, strict=True))
            return found

    def _take_messages(self) -> None:
        """Apply what the channel holds; subscribe first when this process has not."""
        if self.channel is None or self.owner_pid != os.getpid():
            self.channel, self.listening, self.known = None, False, {}
            if time.monotonic() < self.retry_at:
                return
            self.retry_at = time.monotonic() + self.RETRY_SECONDS
            channel = self.redis.pubsub()
            channel.subscribe(self.channel_name)
            channel.connection.register_connect_callback(self._reconnected)
            self.channel, self.owner_pid = channel, os.getpid()
        while (message := self.channel.get_message(timeout=0.0)) is not None:
            if message["type"] == "subscribe":
                # (Re)subscribed: what was published while not subscribed is lost.
                self.known.clear()
                self.listening = True
            elif message["type"] == "message":
                for key in message["data"].decode().split(","):
                    self.known.pop(key, None)

    def _reconnected(self, connection) -> None:
        """redis-py made the subscription's connection again (and subscribes anew): what was
        published while it was away is lost, and its confirmation is yet to come."""
        self.listening, self.known = False, {}

    def _stop_listening(self) -> None:
        channel, self.channel, self.listening, self.known = self.channel, None, False, {}
        if channel is not None:
            with contextlib.suppress(Exception):  # it is being dropped for failing already
                channel.close()

    def bump(self, keys) -> None:
        if self.redis is None:
            with self.lock:
                for key in keys:
                    self.local[key] = self.local.get(key, 0) + 1
            return
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.incr(f"flagship:pagegen:{key}")
                pipe.publish(self.channel_name, ",".join(keys))  # after the INCRs: see `read`
                pipe.execute()
        except Exception:  # noqa: BLE001
            # Pages stored before this change may be served until PAGE_CACHE_SECONDS pass.
            log.error("page cache: could not record a change of %s", sorted(keys), exc_info=True)


class PageCache:
    def __init__(self, app):
        self.seconds = app.config["PAGE_CACHE_SECONDS"]
        self.entries = app.config["PAGE_CACHE_ENTRIES"]
        redis = None
        if app.config.get("REDIS_URL"):
            from redis import Redis

            redis = Redis.from_url(app.config["REDIS_URL"],
                                   socket_connect_timeout=app.config["REDIS_CONNECT_TIMEOUT"],
                                   socket_timeout=app.config["REDIS_SOCKET_TIMEOUT"])
        self.generations = Generations(redis)
        # The session cookie, read as Flask reads it (signed; unreadable is as good as none).
        self.session_cookie = app.config["STOREFRONT_COOKIE_NAME"]
        self.session_reader = storefront_session_reader(app)
        self.session_seconds = int(app.permanent_session_lifetime.total_seconds())
        self.visit_signer = referral_signer(app.config["SECRET_KEY"], "visit")
        self.sharer_signer = referral_signer(app.config["SECRET_KEY"], "sharer")
        self.binding_seconds: dict[int, int] = {}  # shop -> its referral binding, learnt as pages are stored
        # A returning shopper sends the same cookie page after page: read each one once.
        self.visitor = lru_cache(maxsize=VISITORS_REMEMBERED)(self._read_visitor)
        # key -> (expires, status line, headers, body): the answer exactly as it was sent
        self.pages: OrderedDict[PageKey, tuple[float, str, list, bytes]] = OrderedDict()
        self.shop_of_host: dict[str, int] = {}
        self.lock = threading.Lock()

    # Serving, before Flask: a stored page costs a dictionary lookup and the generations ------

    def middleware(self, wsgi_app):
        def serve(environ, start_response):
            query = environ.get("QUERY_STRING")
            if query and environ.get("REQUEST_METHOD") == "GET" and _TRACKING.search(query):
                environ["QUERY_STRING"] = without_tracking(query)
            key = self._key(environ)
            if key is not None:
                with self.lock:
                    found = self.pages.get(key)
                    if found is not None:
                        self.pages.move_to_end(key)
                if found is not None and found[0] >= time.monotonic():
                    _, status, headers, body = found
                    start_response(status, headers)
                    return [body]
                environ[_KEY] = key
            return wsgi_app(environ, start_response)

        return serve

    def _key(self, environ) -> PageKey | None:
        """The key of a request that may be served from the cache, or None."""
        if (self.seconds <= 0 or environ.get("REQUEST_METHOD") != "GET"
                or _REFERRAL.search(environ.get("QUERY_STRING", ""))):
            return None
        host = environ.get("HTTP_HOST", "")
        shop_id = self.shop_of_host.get(host)
        if shop_id is None:
            return None
        generations = self.generations.read(shop_id)
        if generations is None:
            return None
        # Kept for `store`, should this visitor's key be known only once the page is made.
        environ[_GENERATIONS] = (shop_id, generations)
        return self._key_for(shop_id, host, environ, generations)

    def _key_for(self, shop_id: int, host: str, environ, generations: tuple) -> PageKey | None:
        visitor = self.visitor(shop_id, environ.get("HTTP_COOKIE", ""))
        if visitor is None:
            return None
        language, cart, referral = visitor
        if referral is not None:
            referral = self._referral_key(shop_id, *referral)
            if referral is None:
                return None
        # The answer differs by the compression the browser accepts (Flask-Compress), the
        # language the shopper chose, what is in their cart and the promoter it names.
        return PageKey(shop_id, host, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                       environ.get("HTTP_ACCEPT_ENCODING", ""), language, cart, referral, generations)

    def _referral_key(self, shop_id: int, visit, sharer: str | None) -> tuple | None:
        """What the referral cookies change on a page: the promoter it names (the one who
        brought the visitor, while the binding runs: `referrals.visiting_promoter`) and the
        code the visitor's share links carry. None until this process knows the shop's
        binding period (its first stored page teaches it)."""
        named = None
        if visit is not None:
            seconds = self.binding_seconds.get(shop_id)
            if seconds is None:
                return None
            promoter_id, bound_at = visit
            named = promoter_id if bound_at + seconds > time.time() else None
        return ("ref", named, sharer)

    def _read_visitor(self, shop_id: int, cookie_header: str) -> tuple | None:
        """What this visitor's page depends on, (language cookie, cart, referral: None or
        (visit, sharer code) from the promoter cookies), or None when the page is theirs
        alone: a message waits for them, they preview a theme, a referral cookie cannot be
        read. Other cookies (a site's analytics, say) change nothing."""
        if not cookie_header:
            return ("", (), None)
        cookies = parse_cookie(cookie_header)
        referral = None
        if VISIT_COOKIE in cookies or SHARER_COOKIE in cookies:
            visit = visit_of(referral_cookie(self.visit_signer, cookies.get(VISIT_COOKIE), shop_id))
            sharer = sharer_code_of(referral_cookie(self.sharer_signer, cookies.get(SHARER_COOKIE), shop_id))
            if (VISIT_COOKIE in cookies and visit is None) or (SHARER_COOKIE in cookies and sharer is None):
                return None
            referral = (visit, sharer)
        language = cookies.get("lang", "")
        raw = cookies.get(self.session_cookie)
        if not raw:
            return (language, (), referral)
        try:
            session = self.session_reader.loads(raw, max_age=self.session_seconds)
        except BadData:  # a forged or broken cookie: Flask starts such a visitor afresh too
            return (language, (), referral)
        if not isinstance(session, dict) or session.get("_flashes") or str(shop_id) in (
                session.get(PREVIEW_KEY) or {}):
            return None
        cart = raw_cart(session, shop_id)
        if not all(isinstance(n, int) for n in cart.values()):
            return None  # not a cart this app wrote: render, as Flask would read it
        return (language, tuple(sorted(cart.items())), referral)

    def note_shop(self, shop_id: int) -> bool:
        """The storefront found this request's shop. When `_key` could not read its
        generations (the host is new to this process, or names another shop now), read them
        here, before any of the page's rows; True then: the caller reads the shop's own row
        again, so the page is stored under generations older than everything it shows."""
        known = request.environ.get(_GENERATIONS)
        if (known is not None and known[0] == shop_id) or not self._may_store():
            return False
        generations = self.generations.read(shop_id)
        if generations is None:
            return False
        request.environ[_GENERATIONS] = (shop_id, generations)
        return True

    # Storing, once Flask has made the whole answer (security headers, compression) ---------

    def _may_store(self) -> bool:
        """This request's page may be stored (once it is made, and it answers 200 with no cookie)."""
        return not (self.seconds <= 0 or current_app.debug or request.method != "GET"
                    or request.endpoint not in PAGES or "ref" in request.args
                    or any(name in request.args for name in PERSONAL_ARGS.get(request.endpoint, ())))

    def store(self, sender, response, **extra):
        """request_finished: keep the answer to a cacheable storefront page."""
        if g.get("shop") is None or not self._may_store():
            return
        shop_id = current_shop_id()  # (the scope's: a request that failed expired the shop's row)
        self.shop_of_host[request.host] = shop_id  # the next visit finds its generations
        if (response.status_code != PAGES[request.endpoint] or response.is_streamed or response.direct_passthrough
                or "Set-Cookie" in response.headers or _is_draft()):
            return
        # (A read page's rows are not expired by its commit: app/unit_of_work.py.)
        self.binding_seconds[shop_id] = g.shop.referral_binding_days * 86400
        key = request.environ.get(_KEY)
        if key is None or key.shop_id != shop_id:
            # The key was not known before the page was made: the host was new to this
            # process (or now names another shop), the shop's binding period was (a
            # promoter's visitor), or the page is the visitor's own (their session as it came
            # in: None again). It takes the generations read before the page was made (by
            # `_key`, or by `note_shop` once the shop was found), never ones read now: a
            # change committed while the page rendered would be stored with it.
            known = request.environ.get(_GENERATIONS)
            if known is None or known[0] != shop_id:
                return
            key = self._key_for(shop_id, request.host, request.environ, known[1])
            if key is None:
                return
        if key.referral is not None and key.referral != (
                "ref", g.get("named_promoter_id"), g.get("sharer_code")):
            # The page names another promoter (or none) than the key says: the binding ended
            # while it rendered, the promoter is paused, the programme closed. Not kept.
            return
        response.headers["X-Page-Cache"] = "miss"
        headers = [(name, value) for name, value in response.headers.items() if name != "X-Page-Cache"]
        headers.append(("X-Page-Cache", "hit"))
        with self.lock:
            self.pages[key] = (time.monotonic() + self.seconds, response.status, headers, response.get_data())
            while len(self.pages) > self.entries:
                self.pages.popitem(last=False)


def without_tracking(query: str) -> str:
    """The query string without `TRACKING_PARAMETERS`, the rest as sent and in its order."""
    return "&".join(part for part in query.split("&")
                    if part.partition("=")[0] not in TRACKING_PARAMETERS)


def _is_draft() -> bool:
    state = g.get("theme_state")
    return state is not None and state.is_draft


# Invalidation ---------------------------------------------------------------------------------

_CATALOG = (Supplier, SupplyProduct, SupplyVariant)
# A shop's tables that its stored pages (and the answers kept with them, app/remembered.py)
# read. A committed write to one moves the shop's generation; a write to its other tables
# (orders, payments, commissions, analytics, exports, subscribers...) keeps its pages, so a
# busy shop's pages stay stored between its orders. tests/storefront/test_page_reads.py
# renders every kind of stored page and fails if one reads a table not named here.
SHOWN = frozenset({
    "shops", "shop_domains", "shop_memberships", "theme_configs", "shop_media", "listings", "listing_media",
    "collections", "collection_listings", "shop_pages", "deals", "deal_rounds", "weekly_deals", "pickup_points",
    "promoters"})
# Orders show on two stored parts only: a running weekly deal's "n sold this week"
# (app/deals/weekly.py) and a group's members (see PAGES). An order does not move the shop's
# generation for them: the count on a stored page may be up to PAGE_CACHE_SECONDS behind,
# like stock (QUIET). A weekly deal's shop is a community leader's, whose neighbours order
# in a rush before the deadline: were each order a change, its pages would be rendered again
# at every order exactly then (at 2 orders a second, 9% of its pages came stored and p99 was
# 70 ms; bench/README.md). A count a minute late is social proof all the same; the cart and
# checkout read the truth.
COUNTED_LATE = frozenset({Order.__tablename__, OrderLine.__tablename__})
# Columns whose change alone leaves the stored pages as they are:
# - stock: every order anywhere moves some variant's stock; were that a change of the whole
#   catalog, no page would stay stored on a busy platform. A stored page may show "in stock"
#   or "sold out" for up to PAGE_CACHE_SECONDS; adding to the cart and checkout check the
#   real stock;
# - a promoter's clicks: every visit through a promoter's link counts one, and no stored page
#   shows them (the promoter's own page is never stored); were that a change of the shop, a
#   social shop's pages would be dropped at every click.
QUIET = {SupplyVariant: {"stock"}, Promoter: {"clicks"}}
# Writes in plain SQL (text()) to these tables move generations too (the scope's shop, else
# the whole platform).
_PAGE_TABLES = re.compile(
    r"^\s*(?:insert\s+into|update|delete\s+from)\s+\"?(" + "|".join(sorted(
        SHOWN | {model.__tablename__ for model in _CATALOG})) + r")\b", re.IGNORECASE)


def _shown(model) -> bool:
    return issubclass(model, TenantMixin) and model.__tablename__ in SHOWN


def _note_object(session: Session, obj) -> None:
    quiet = QUIET.get(type(obj))
    if quiet is not None and obj in session.dirty and _modified(obj) <= quiet:
        return  # see QUIET
    if _shown(type(obj)):
        note(session, obj.shop_id)
    elif isinstance(obj, Shop):
        note(session, obj.id)
    elif isinstance(obj, ShopMembership):
        note(session, obj.shop_id)  # who owns the shop: its owner's confirmed address opens it
    elif isinstance(obj, _CATALOG):
        note(session, EVERY_SHOP)
    elif isinstance(obj, User) and "email_verified_at" in _modified(obj):
        note(session, EVERY_SHOP)  # a shop opens once its owner's address is confirmed


def _modified(obj) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def install_invalidation(cache: PageCache) -> None:
    """Watch every session: flushed rows and bulk UPDATE / DELETE statements note which
    generations move; a commit moves them, a rollback forgets them."""

    @event.listens_for(Session, "before_flush")
    def _before_flush(session, flush_context, instances):
        for obj in (*session.new, *session.dirty, *session.deleted):
            _note_object(session, obj)

    @event.listens_for(Session, "do_orm_execute")
    def _bulk(state):
        if isinstance(state.statement, TextClause):
            if _PAGE_TABLES.match(state.statement.text):
                shop_id = current_shop_id()
                note(state.session, shop_id if shop_id is not None else EVERY_SHOP)
            return
        if not (state.is_update or state.is_delete) or state.bind_mapper is None:
            return
        model = state.bind_mapper.class_
        values = getattr(state.statement, "_values", None) if state.is_update else None
        columns = {getattr(c, "key", c) for c in values} if values else None  # None: every column
        if model in QUIET and columns and columns <= QUIET[model]:
            return
        if _shown(model):
            shop_id = current_shop_id()
            note(state.session, shop_id if shop_id is not None else EVERY_SHOP)
        elif issubclass(model, (*_CATALOG, Shop)):
            note(state.session, EVERY_SHOP)

    @event.listens_for(Session, "after_commit")
    def _after_commit(session):
        keys = session.info.pop(PENDING, None)
        if keys:
            cache.generations.bump(keys)

    @event.listens_for(Session, "after_soft_rollback")
    def _after_rollback(session, previous_transaction):
        if not session.in_transaction():
            session.info.pop(PENDING, None)


def install(app) -> PageCache:
    """Serve stored pages in front of the app (WSGI middleware: no Flask, no database) and
    store the storefront's finished answers (request_finished: after the security headers
    and compression)."""
    cache = PageCache(app)
    app.extensions["page_cache"] = cache
    # Answers kept under the same generations (app/remembered.py).
    app.extensions[remembered.EXTENSION] = remembered.Remembered(
        cache.generations, cache.seconds, app.config["REMEMBERED_ENTRIES"])
    app.extensions[remembered.GRIDS] = remembered.Remembered(cache.generations, cache.seconds, remembered.GRIDS_KEPT)
    app.wsgi_app = cache.middleware(app.wsgi_app)
    request_finished.connect(cache.store, app, weak=False)
    install_invalidation(cache)
    return cache


def page_cache() -> PageCache | None:
    return current_app.extensions.get("page_cache")
