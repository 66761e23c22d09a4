"""Shops and their listings and collections. Every function acts for the current shop."""

from __future__ import annotations

import re
import unicodedata

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import ShopMembership, User
from app.catalog.browse import available_product, catalog_currencies
from app.catalog.exchange import reachable_currencies
from app.catalog.models import SupplyProduct
from app.db_types import like_literal, utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import LANGUAGES, _, current_language
from app.i18n import lazy_gettext as _l
from app.money import CURRENCIES
from app.pagination import Window, window
from app.shops.hosts import RESERVED_SUBDOMAINS, storefront_host
from app.tenancy import get_for_shop, require_shop_id, unscoped

from .browsing import as_cards
from .models import SHOP_STATUSES, Collection, CollectionListing, Listing, Shop
from .owner_emails import email_owners
from .pricing import PriceRule, check_price_rule, listing_prices
from .timezones import valid_zone

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
MAX_BIO = 600


def slugify(text: str, max_length: int = 80, max_encoded: int = 150) -> str:
    """A product's or collection's address from its title: lower case, words joined by "-".
    Accents come off Latin letters ("Café crème" -> "cafe-creme"); every other script keeps
    its letters ("手工蜂蜜 500g" -> "手工蜂蜜-500g"), so a Chinese shop's addresses say what they
    show (browsers display them as written; links carry them percent-encoded). At most
    `max_length` characters, and `max_encoded` once percent-encoded: a Chinese character is
    nine there, and an 80-character title would make a 720-character link in a chat."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    # NFC puts back what NFKD took apart but did not drop (a Korean syllable's letters).
    slug = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", bare).lower()).strip("-")[:max_length]
    size = 0
    for end, ch in enumerate(slug):
        size += 1 if ch.isascii() else 3 * len(ch.encode())
        if size > max_encoded:  # cut after the last whole word, if there is one (not in Chinese)
            slug = slug[:end].rpartition("-")[0] or slug[:end]
            break
    return slug.strip("-") or "item"


def validate_subdomain(subdomain: str, *, suggest: bool = True) -> str:
    """The subdomain, cleaned, if a new shop may take it; a taken one's refusal names a free
    one like it (unless `suggest` is off: the caller offers it its own way)."""
    subdomain = (subdomain or "").strip().lower()
    if not 3 <= len(subdomain) <= 40:
        raise DomainError(_('Use 3 to 40 characters.'), field="subdomain")
    if not SUBDOMAIN_RE.match(subdomain) or "--" in subdomain:
        raise DomainError(
            _('Use lowercase letters, digits and single hyphens, starting and ending with a letter or digit.'),
            field="subdomain",
        )
    if subdomain in RESERVED_SUBDOMAINS:
        raise DomainError(_('“%(subdomain)s” is reserved. Pick another.', subdomain=subdomain), field="subdomain")
    if db.session.scalar(select(Shop.id).where(Shop.subdomain == subdomain)) is not None:
        free = suggest_subdomain(subdomain) if suggest else None
        raise DomainError(_('“%(subdomain)s” is taken. Pick another, like “%(free)s”.', subdomain=subdomain, free=free)
                          if free else _('“%(subdomain)s” is taken. Pick another.', subdomain=subdomain),
                          field="subdomain")
    return subdomain


def suggest_subdomain(name: str) -> str | None:
    """A free web address for a shop called `name`, or None when its name gives none (one
    in another script: the owner types it). "Ola's Kitchen Café" -> "olas-kitchen-cafe",
    else "olas-kitchen-cafe-shop", "olas-kitchen-cafe-2"... (one statement for them all)."""
    # Accents and other scripts' letters drop out (so does a curly apostrophe); "Ola's" -> "olas".
    bare = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", bare.replace("'", "")).strip("-")
    if len(base) < 3:
        return None
    candidates = [f"{base[:40 - len(ending)].strip('-')}{ending}" for ending in ("", "-shop", *(f"-{n}" for n in range(2, 10)))]
    candidates = [c for c in candidates if SUBDOMAIN_RE.match(c) and "--" not in c and c not in RESERVED_SUBDOMAINS]
    taken = set(db.session.scalars(select(Shop.subdomain).where(Shop.subdomain.in_(candidates))))
    return next((c for c in candidates if c not in taken), None)


def _validate_profile(name: str, currency: str, bio: str) -> tuple[str, str, str]:
    name = (name or "").strip()
    if not 2 <= len(name) <= 80:
        raise DomainError(_('Give your shop a name of 2 to 80 characters.'), field="name")
    if currency not in CURRENCIES:
        raise DomainError(_('Choose one of the listed currencies.'), field="currency")
    bio = (bio or "").strip()
    if len(bio) > MAX_BIO:
        raise DomainError(_('Keep the bio under %(max_bio)s characters.', max_bio=MAX_BIO), field="bio")
    return name, currency, bio


def _new_shop_currency(currency: str) -> str:
    """A new shop sells in a currency the supply catalog prices in: any other would leave it
    with nothing to list, for good (the currency never changes)."""
    served = sorted(reachable_currencies(set(catalog_currencies())))  # priced in, or a rate leads to
    if currency not in served:
        raise DomainError(_('The supply catalog has products in %(served)s only: choose %(served2)s.', served=', '.join(served), served2='it' if len(served) == 1 else 'one of them'), field="currency")
    return currency


def _valid_language(language: str | None) -> str:
    """One of the languages a storefront speaks (app/i18n.py); None: the owner's own now."""
    if language is None:
        return current_language()
    if language not in LANGUAGES:
        raise DomainError(_("Choose one of the listed languages."), field="language")
    return language


def create_shop(owner, *, name: str, subdomain: str, currency: str, bio: str = "",
                language: str | None = None) -> Shop:
    """A new shop owned by `owner`, whose storefront speaks `language` (else the owner's)."""
    name, currency, bio = _validate_profile(name, currency, bio)
    currency = _new_shop_currency(currency)
    shop = Shop(name=name, subdomain=validate_subdomain(subdomain), currency=currency, bio=bio,
                language=_valid_language(language))
    db.session.add(shop)
    db.session.flush()
    db.session.add(ShopMembership(shop_id=shop.id, user_id=owner.id, role="owner"))
    db.session.flush()
    return shop


def update_shop_profile(shop: Shop, *, name: str, bio: str, timezone: str | None = None,
                        language: str | None = None) -> Shop:
    name, _currency, bio = _validate_profile(name, shop.currency, bio)
    shop.name, shop.bio = name, bio
    if timezone is not None:
        shop.timezone = valid_zone(timezone)
    if language is not None:
        shop.language = _valid_language(language)
    db.session.flush()
    return shop


def set_shop_theme(shop: Shop, theme: str) -> Shop:
    """Switch the storefront to one of the installed themes."""
    from app.themes.registry import available_themes

    if theme not in available_themes():
        raise DomainError(_('Choose one of the listed themes.'), field="theme")
    shop.theme = theme
    db.session.flush()
    return shop


def set_shop_status(shop: Shop, status: str, reason: str = "") -> Shop:
    """Admin: suspend (storefront shows a closed page) or reopen a shop. When the status
    changes, every owner is e-mailed in this transaction: the reason and what it means, or
    that the shop is open again."""
    if status not in SHOP_STATUSES:
        raise DomainError(_('Unknown shop status.'), field="status")
    db.session.flush()
    # Two admins at once: the second reads the first's change, so one change, one e-mail.
    db.session.refresh(shop, with_for_update=True)
    was = shop.status
    shop.status = status
    shop.suspended_reason = reason.strip()[:300] if status == "suspended" else ""
    db.session.flush()
    if was != status:
        _tell_owners_of_status(shop)
    return shop


def _tell_owners_of_status(shop: Shop) -> None:
    event = f"{shop.id}:{utcnow():%Y%m%dT%H%M%S%f}"  # each suspension or reopening is its own event
    dashboard_url = url_for("dashboard.shop_home", shop=shop.subdomain, _external=True)
    if shop.status == "suspended":
        email_owners(shop, "shop_suspended", _l("{shop} is suspended"), f"shop-suspended:{event}",
                     reason=shop.suspended_reason, dashboard_url=dashboard_url)
    else:
        email_owners(shop, "shop_reopened", _l("{shop} is open again"), f"shop-reopened:{event}",
                     dashboard_url=dashboard_url,
                     storefront=url_for("storefront.home", shop_host=storefront_host(shop), _external=True))


# Listings -----------------------------------------------------------------


def _unique_handle(model, base: str, exclude_id: int | None = None) -> str:
    """`base`, else the first of `base-2`, `base-3`... that no other row of the shop has: read
    in one query (one a try made adding a shop's 100th "mug" 100 queries)."""
    query = select(model.handle).where(or_(model.handle == base,
                                           model.handle.like(like_literal(base) + "-%", escape="\\")))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    taken = set(db.session.scalars(query))
    handle, n = base, 2
    while handle in taken:
        handle, n = f"{base}-{n}", n + 1
    return handle


def _validate_listing_text(title: str, recommendation: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not 2 <= len(title) <= 200:
        raise DomainError(_('The title needs 2 to 200 characters.'), field="title")
    recommendation = (recommendation or "").strip()
    if len(recommendation) > 5000:
        raise DomainError(_('Keep the recommendation under 5000 characters.'), field="recommendation")
    return title, recommendation


def add_listing(shop: Shop, product_id: int, *, rule: PriceRule, title: str | None = None,
                recommendation: str = "") -> Listing:
    """List a supply product in the current shop. The rule must price every variant legally."""
    product = available_product(product_id, shop.currency)
    if db.session.scalar(select(Listing.id).where(Listing.supply_product_id == product.id)):
        raise DomainError(_('This product is already in your shop.'))
    return list_product(shop, product, rule=rule, title=title, recommendation=recommendation)


def list_product(shop: Shop, product: SupplyProduct, *, rule: PriceRule, title: str | None = None,
                 recommendation: str = "", position: int | None = None) -> Listing:
    """add_listing once its caller has found `product` listable and not in the shop yet (the
    bulk add checks a hundred at once, and numbers them from next_position())."""
    title, recommendation = _validate_listing_text(title or product.title, recommendation)
    check_price_rule(rule, product, shop.currency)
    listing = Listing(
        shop_id=require_shop_id(),
        supply_product_id=product.id,
        handle=_unique_handle(Listing, slugify(title)),
        title=title,
        recommendation=recommendation,
        price_rule=rule.kind,
        markup_basis_points=rule.markup_basis_points if rule.kind == "markup" else None,
        fixed_price=rule.fixed_price if rule.kind == "fixed" else None,
        position=next_position() if position is None else position,
    )
    listing.supply_product = product
    listing.approved_prices = listing_prices(listing)  # what the owner accepts by saving
    db.session.add(listing)
    db.session.flush()
    return listing


def next_position() -> int:
    """Where a listing added now goes in the shop's order: after the last."""
    return (db.session.scalar(select(func.max(Listing.position))) or 0) + 1


def update_listing(listing: Listing, *, title: str, recommendation: str, rule: PriceRule,
                   is_visible: bool | None = None) -> Listing:
    title, recommendation = _validate_listing_text(title, recommendation)
    check_price_rule(rule, listing.supply_product, listing.currency)
    if title != listing.title:
        listing.handle = _unique_handle(Listing, slugify(title), exclude_id=listing.id)
    listing.title, listing.recommendation = title, recommendation
    if is_visible is not None:
        listing.is_visible = is_visible
    return set_listing_price_rule(listing, rule)


def set_listing_price_rule(listing: Listing, rule: PriceRule) -> Listing:
    """Price the listing by `rule`, which must price every variant legally (DomainError
    naming each variant priced too low, and nothing changes)."""
    check_price_rule(rule, listing.supply_product, listing.currency)
    listing.price_rule = rule.kind
    listing.markup_basis_points = rule.markup_basis_points if rule.kind == "markup" else None
    listing.fixed_price = rule.fixed_price if rule.kind == "fixed" else None
    # Saving a legal rule is the owner's answer to a price notice: approve and resume selling.
    from .guardrails import approve_listing_prices

    approve_listing_prices(listing)
    return listing


def get_listing(listing_id) -> Listing:
    listing = get_for_shop(db.session, Listing, listing_id)
    if listing is None:
        raise NotFound(_('No such listing in this shop.'))
    return listing


def shop_listings(*, visible_only: bool = False, with_variants: bool = False) -> list[Listing]:
    """The current shop's listings in its order; `with_variants`: their products' variants
    and suppliers loaded too (pages that price every listing), in a fixed number of queries."""
    query = select(Listing).order_by(Listing.position, Listing.id)
    if visible_only:
        query = query.where(Listing.is_visible.is_(True))
    if with_variants:
        query = query.options(*as_cards())
    return list(db.session.scalars(query).unique())


# The Products page shows this many rows: a shop with thousands of listings still gets a
# light page (drawing 100 rows took 38 ms), and its drag-to-reorder saves one page's rows.
PRODUCTS_PER_PAGE = 50


def listings_page(page: int, per_page: int | None = None) -> Window:
    """Page `page` (from 1; past the end: the last) of the current shop's listings in its
    order, priced like `shop_listings(with_variants=True)`; counted, so the page says "of N"."""
    per_page = per_page or PRODUCTS_PER_PAGE
    total, _visible = listing_counts(require_shop_id())
    pages = max(1, -(-total // per_page))
    shown = window(select(Listing).order_by(Listing.position, Listing.id).options(*as_cards()),
                   min(max(page, 1), pages), per_page, unique=True)
    shown.total, shown.pages = total, pages
    return shown


def page_of(place: int) -> int:
    """The Products page that shows the listing at `place` (from 1) of the shop's order."""
    return (max(place, 1) - 1) // PRODUCTS_PER_PAGE + 1


def listing_counts(shop_id: int) -> tuple[int, int]:
    """(listings, visible ones) of a shop, counted by the database (a shop's home and the
    admin's page of it): the dashboard loads no listing to count them."""
    listings, visible = db.session.execute(
        select(func.count(Listing.id), func.count(Listing.id).filter(Listing.is_visible.is_(True)))
        .where(Listing.shop_id == shop_id)).one()
    return listings, visible


def listings_by_product(product_ids) -> dict[int, int]:
    """{supply product id: listing id} for those of `product_ids` the current shop lists."""
    ids = [int(product_id) for product_id in product_ids]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Listing.supply_product_id, Listing.id).where(Listing.supply_product_id.in_(ids))
    )
    return {product_id: listing_id for product_id, listing_id in rows}


def set_listing_visibility(listing: Listing, visible: bool) -> None:
    listing.is_visible = visible
    db.session.flush()


def move_listing(listing: Listing, direction: str) -> int:
    """Swap a listing with its neighbour ("up" or "down") in the shop's order; where it
    is now (from 1), so the page can follow it onto the next or previous page."""
    listings = shop_listings()
    renumber(listings)
    index = listings.index(listing)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(listings):
        listings[index].position, listings[other].position = (
            listings[other].position, listings[index].position,
        )
        index = other
    db.session.flush()
    return index + 1


def renumber(rows) -> None:
    """Number rows 1, 2, 3... in the order given (a removed listing leaves a gap)."""
    for position, row in enumerate(rows, start=1):
        row.position = position


def remove_listing(listing: Listing) -> bool:
    """Delete a listing that never sold (True); a sold one is hidden instead (False: orders
    point at it). The order lines' foreign key is the judge, so shops need not know about
    orders."""
    try:
        with db.session.begin_nested():
            db.session.delete(listing)
    except IntegrityError:
        listing.is_visible = False
        db.session.flush()
        return False
    return True


# Collections ----------------------------------------------------------------


def _validate_collection(title: str, description: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not 2 <= len(title) <= 120:
        raise DomainError(_('The collection title needs 2 to 120 characters.'), field="title")
    description = (description or "").strip()
    if len(description) > 2000:
        raise DomainError(_('Keep the description under 2000 characters.'), field="description")
    return title, description


def create_collection(title: str, description: str = "") -> Collection:
    title, description = _validate_collection(title, description)
    last = db.session.scalar(select(func.max(Collection.position))) or 0
    collection = Collection(
        shop_id=require_shop_id(), title=title, description=description,
        handle=_unique_handle(Collection, slugify(title)), position=last + 1,
    )
    db.session.add(collection)
    db.session.flush()
    return collection


def update_collection(collection: Collection, *, title: str, description: str,
                      listing_ids: list[int]) -> Collection:
    """Rename a collection and set which listings it holds, in the given order."""
    title, description = _validate_collection(title, description)
    if title != collection.title:
        collection.handle = _unique_handle(Collection, slugify(title), exclude_id=collection.id)
    collection.title, collection.description = title, description
    wanted = []
    for listing_id in listing_ids:
        listing = get_listing(listing_id)  # NotFound for another shop's listing
        if listing.id not in wanted:
            wanted.append(listing.id)
    existing = {entry.listing_id: entry for entry in collection.entries}
    for listing_id, entry in existing.items():
        if listing_id not in wanted:
            collection.entries.remove(entry)
    for position, listing_id in enumerate(wanted, start=1):
        entry = existing.get(listing_id)
        if entry is None:
            entry = CollectionListing(shop_id=collection.shop_id, listing_id=listing_id)
            collection.entries.append(entry)
        entry.position = position
    db.session.flush()
    return collection


def get_collection(collection_id) -> Collection:
    collection = get_for_shop(db.session, Collection, collection_id)
    if collection is None:
        raise NotFound(_('No such collection in this shop.'))
    return collection


def shop_collections() -> list[Collection]:
    return list(db.session.scalars(select(Collection).order_by(Collection.position, Collection.id)))


def delete_collection(collection: Collection) -> None:
    db.session.delete(collection)
    db.session.flush()


def shops_of(user: User) -> list[Shop]:
    """The shops `user` is a member of, by name."""
    return list(db.session.scalars(
        select(Shop).join(ShopMembership, ShopMembership.shop_id == Shop.id)
        .where(ShopMembership.user_id == user.id).order_by(Shop.name)))


def all_shops() -> list[Shop]:
    return list(db.session.scalars(select(Shop).order_by(Shop.created_at.desc())))


def shop_by_subdomain(subdomain: str) -> Shop | None:
    return db.session.scalar(select(Shop).where(Shop.subdomain == subdomain))


def open_shops_for_directory(limit: int = 12) -> list[Shop]:
    """Open shops (an owner has confirmed their address) with at least one visible listing,
    for the platform home page: the oldest first, each checked by EXISTS as it comes, so
    the page reads a dozen shops' rows, not every listing of every shop."""
    with unscoped():
        has_listing = select(Listing.id).where(Listing.shop_id == Shop.id, Listing.is_visible.is_(True)).exists()
        has_confirmed_owner = select(ShopMembership.id).join(User, User.id == ShopMembership.user_id).where(
            ShopMembership.shop_id == Shop.id, ShopMembership.role == "owner",
            User.email_verified_at.is_not(None)).exists()
        return list(db.session.scalars(
            select(Shop).where(Shop.status == "active", has_listing, has_confirmed_owner)
            .order_by(Shop.created_at, Shop.id).limit(limit)))


def set_platform_fee(shop: Shop, percent_text: str) -> Shop:
    """The admin's fee override for one shop ("2.5" percent); blank: the platform's default."""
    from decimal import Decimal, InvalidOperation

    text = (percent_text or "").strip().rstrip("%").strip()
    if not text:
        shop.platform_fee_bp = None
        db.session.flush()
        return shop
    try:
        percent = Decimal(text)
    except InvalidOperation:
        percent = None
    if percent is None or not percent.is_finite():
        raise DomainError(_('Enter the fee as a percentage, like 5 or 2.5.'), field="fee_percent")
    # Range first: scaling 1e999999 would overflow Decimal.
    basis_points = percent * 100 if 0 <= percent <= 50 else Decimal(-1)
    if not 0 <= basis_points <= 5_000 or basis_points != basis_points.to_integral_value():
        raise DomainError(_('The fee must be between 0 and 50 %, with at most two decimals.'),
                          field="fee_percent")
    shop.platform_fee_bp = int(basis_points)
    db.session.flush()
    return shop
