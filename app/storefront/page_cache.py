"""Whole storefront pages for visitors without cookies, kept per shop until the shop changes.

A first visit (a share link opened in a chat, a search engine, a feed reader) carries no
cookie: no cart, no flash message, no referral, no preview. Its home, collection, product,
search and shop pages are then the same for everyone, so each web process keeps the pages it
rendered (an LRU of `PAGE_CACHE_ENTRIES`), for at most `PAGE_CACHE_SECONDS` (never in debug
mode, where templates change under the developer's hands), under the shop's
*generation*:

- every committed change to a shop's rows (any tenant table, the shop itself, its domains
  and members) moves that shop's generation on; a change to the shared catalog (products,
  variants and their stock, suppliers) or to who may open a shop moves the platform-wide one;
- the generations live in Redis when there is one (so every process of every server sees a
  change at once), else in this process (the embedded default runs one process);
- a page is stored under the generations read before it was rendered, so a change committed
  while it rendered is never hidden behind it.

The time limit bounds what changes with the clock alone (a group's "ends in 3 h", a weekly
deadline). A page's script nonce is swapped for a fresh one on every answer, so the
Content-Security-Policy stays one nonce per response. Visitors with any cookie, other
methods, other pages and answers that set a cookie are never cached.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from flask import Response, current_app, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.catalog.models import Supplier, SupplyProduct, SupplyVariant
from app.security_headers import csp_nonce
from app.shops.models import Shop
from app.tenancy import current_shop_id
from app.tenancy.context import TenantMixin

log = logging.getLogger(__name__)

PAGES = {"storefront.home", "storefront.collection", "storefront.product", "storefront.search",
         "storefront.policy_page"}
PLATFORM = "all"  # the generation every page also depends on
NONCE = "\x00nonce\x00"  # stands for the script nonce in a stored page
_PENDING = "flagship_page_generations"


class Generations:
    """Where the shops' generations are kept: Redis (shared) or this process."""

    def __init__(self, redis=None):
        self.redis = redis
        self.local: dict[str, int] = {}
        self.lock = threading.Lock()

    def read(self, shop_id: int) -> tuple | None:
        keys = (str(shop_id), PLATFORM)
        if self.redis is None:
            return tuple(self.local.get(key, 0) for key in keys)
        try:
            return tuple(self.redis.mget([f"flagship:pagegen:{key}" for key in keys]))
        except Exception:  # noqa: BLE001 - no Redis: no cache, the page is rendered as usual
            log.warning("page cache: Redis unreachable, pages are not cached", exc_info=True)
            return None

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
        self.pages: OrderedDict[tuple, tuple[float, int, str, bytes]] = OrderedDict()
        self.shop_of_host: dict[str, int] = {}
        self.lock = threading.Lock()

    # Serving ------------------------------------------------------------------------------------

    def key(self) -> tuple | None:
        """This request's key, or None when it may not be cached."""
        if (self.seconds <= 0 or current_app.debug or request.method != "GET" or request.endpoint not in PAGES
                or request.cookies or "ref" in request.args):
            return None
        shop_id = self.shop_of_host.get(request.host)
        if shop_id is None:
            return None
        generations = self.generations.read(shop_id)
        if generations is None:
            return None
        return (shop_id, request.host, request.full_path, *generations)

    def lookup(self):
        """A before_request hook: the stored page, or None to render it (noting its key)."""
        key = self.key()
        if key is None:
            return None
        with self.lock:
            found = self.pages.get(key)
            if found is not None:
                self.pages.move_to_end(key)
        if found is None or found[0] < time.monotonic():
            g.page_cache_key = key
            return None
        _, status, mimetype, body = found
        response = Response(body.replace(NONCE.encode(), csp_nonce().encode()), status=status,
                            mimetype=mimetype)
        response.headers["X-Page-Cache"] = "hit"
        return response

    def store(self, response):
        """An after_request hook: keep a page rendered for a cacheable request."""
        shop = g.get("shop")
        if shop is not None and not request.cookies:
            self.shop_of_host[request.host] = shop.id  # a later visit can find its generations
        key = g.pop("page_cache_key", None)
        if (shop is not None and (key is None or key[0] != shop.id) and self.seconds > 0
                and not current_app.debug and request.method == "GET" and request.endpoint in PAGES
                and not request.cookies and "ref" not in request.args):
            # The host was not known yet (or now names another shop): store under the
            # generations read now, after the page rendered (a change committed meanwhile
            # moves them on, so at worst this page is never found).
            generations = self.generations.read(shop.id)
            key = (shop.id, request.host, request.full_path, *generations) if generations else None
        if (key is None or response.status_code != 200 or response.direct_passthrough
                or "Set-Cookie" in response.headers or _is_draft()):
            return response
        body = response.get_data()
        nonce = g.get("csp_nonce")
        if nonce:
            body = body.replace(nonce.encode(), NONCE.encode())
        with self.lock:
            self.pages[key] = (time.monotonic() + self.seconds, response.status_code, response.mimetype, body)
            while len(self.pages) > self.entries:
                self.pages.popitem(last=False)
        response.headers["X-Page-Cache"] = "miss"
        return response


def _is_draft() -> bool:
    state = g.get("theme_state")
    return state is not None and state.is_draft


# Invalidation ---------------------------------------------------------------------------------

_CATALOG = (Supplier, SupplyProduct, SupplyVariant)


def _changed(session: Session) -> set[str]:
    return session.info.setdefault(_PENDING, set())


def _note(session: Session, obj) -> None:
    if isinstance(obj, TenantMixin):
        _changed(session).add(str(obj.shop_id))
    elif isinstance(obj, Shop):
        _changed(session).add(str(obj.id))
    elif isinstance(obj, _CATALOG):
        _changed(session).add(PLATFORM)
    elif isinstance(obj, User) and "email_verified_at" in _modified(obj):
        _changed(session).add(PLATFORM)  # a shop opens once its owner's address is confirmed


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
            _note(session, obj)

    @event.listens_for(Session, "do_orm_execute")
    def _bulk(state):
        if not (state.is_update or state.is_delete) or state.bind_mapper is None:
            return
        model = state.bind_mapper.class_
        if issubclass(model, TenantMixin):
            shop_id = current_shop_id()
            _changed(state.session).add(str(shop_id) if shop_id is not None else PLATFORM)
        elif issubclass(model, (*_CATALOG, Shop)):
            _changed(state.session).add(PLATFORM)

    @event.listens_for(Session, "after_commit")
    def _after_commit(session):
        keys = session.info.pop(_PENDING, None)
        if keys:
            cache.generations.bump(keys)

    @event.listens_for(Session, "after_soft_rollback")
    def _after_rollback(session, previous_transaction):
        if not session.in_transaction():
            session.info.pop(_PENDING, None)


def install(app, blueprint: str = "storefront") -> PageCache:
    """Serve and store pages of the storefront blueprint (registered already): the lookup
    runs before the blueprint's other hooks, so a stored page costs no database query; the
    store runs before the app's hooks add security headers and compress."""
    cache = PageCache(app)
    app.extensions["page_cache"] = cache
    app.before_request_funcs.setdefault(blueprint, []).insert(0, cache.lookup)
    app.after_request_funcs.setdefault(blueprint, []).insert(0, cache.store)
    install_invalidation(cache)
    return cache


def page_cache() -> PageCache | None:
    return current_app.extensions.get("page_cache")
