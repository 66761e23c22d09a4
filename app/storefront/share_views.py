"""Short links and share pictures (sharing.py says what a slug names).

`/s/<slug>` and `/s/<slug>/<code>` redirect to the page (with `?ref=<code>` for a
promoter's code of the right shape; a malformed one is left out). `/share/<slug>/<digest>.png`
(and `-square.png`) is the page's share picture: drawn once per content, then served from
its file with a year's cache; a digest that is no longer the page's content redirects to the
current picture. Anything not on sale in this shop answers the storefront's 404.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Response, abort, g, redirect, request

from app.deals import services as deals
from app.shops import browsing, share_cards

from . import seo, sharing
from .views import Shelf, _collection_offers, _offer, bp

PICTURE_NAME = re.compile(r"([0-9a-f]{20})(-square)?\.png")


def share_target(slug: str) -> sharing.ShareTarget | None:
    """The page a slug names in this shop, if shoppers can see it now."""
    parsed = sharing.parse_slug(slug)
    if parsed is None:
        return None
    kind, key = parsed
    if kind == "home":
        return sharing.home_target(g.shop, Shelf())  # the home's own cards, the first few made
    if kind == "product":
        listing = browsing.visible_listing_by_id(key)
        return sharing.product_target(g.shop, listing, _offer(listing)) if listing else None
    if kind == "collection":
        collection = browsing.collection_by_id(key)
        return sharing.collection_target(g.shop, collection, _collection_offers(collection)) if collection else None
    round_ = deals.round_by_token(key)
    if round_ is None or round_.deal.kind != "group":
        return None
    listing = deals.deal_listing(round_.deal)
    prices = [round_.deal.price_of(v.id) for v in listing.supply_product.variants if round_.deal.price_of(v.id)]
    if not listing.is_visible or not prices:
        return None
    return sharing.group_target(g.shop, listing, round_, min(prices))


@bp.get("/s/<slug>")
@bp.get("/s/<slug>/<code>")
def short_link(slug: str, code: str | None = None):
    target = share_target(slug)
    if target is None:
        abort(404)
    url = seo.origin() + target.path
    code = sharing.promoter_code(code)
    if code:
        url += ("&" if "?" in url else "?") + urlencode({"ref": code})
    return redirect(url, code=302)


@bp.get("/share/<slug>/<name>")
def share_picture(slug: str, name: str):
    found = PICTURE_NAME.fullmatch(name)
    target = share_target(slug) if found else None
    if target is None:
        abort(404)
    shape = "square" if found[2] else "landscape"
    if found[1] != target.card.digest:  # an old price or name: the picture of today
        response = redirect(sharing.picture_path(target, shape), code=302)
        response.headers["Cache-Control"] = "no-cache"
        return response
    picture = share_cards.share_picture(g.shop.id, target.slug, shape, target.card)
    response = Response(picture.png, mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 31536000 if picture.final else share_cards.RETRY_AFTER
    response.cache_control.immutable = picture.final
    response.set_etag(f"{found[1]}{found[2] or ''}{'' if picture.final else '-partial'}")
    response.headers["Content-Disposition"] = f'inline; filename="{target.slug}{found[2] or ""}.png"'
    return response.make_conditional(request)
