"""Search and sharing: page meta, Open Graph / Twitter cards, schema.org data, sitemaps.

Every storefront page gets a title, a description, a canonical URL (on the shop's main
custom domain once one is verified), Open Graph and Twitter tags, and where it fits
schema.org JSON-LD. A shared product link shows its picture, name and price.
"""

from __future__ import annotations

from flask import current_app, g, request, url_for

from app.i18n import _, format_datetime, ngettext
from app.money import to_major
from app.shops.hosts import storefront_host

from .pictures import listing_picture
from .theming import media_url

NOINDEX_ENDPOINTS = {"storefront.cart", "storefront.checkout", "storefront.order_status",
                     "storefront.group", "storefront.group_checkout", "storefront.confirm_order",
                     "storefront.search", "storefront.pickup_desk", "storefront.find_orders"}


def origin() -> str:
    """Set per request by theming.load_state; the subdomain when no state was loaded."""
    if getattr(g, "canonical_origin", None) is None:
        scheme = current_app.config["PREFERRED_URL_SCHEME"]
        return f"{scheme}://{storefront_host(g.shop)}"
    return g.canonical_origin


def absolute(url: str | None) -> str | None:
    if not url:
        return None
    return url if url.startswith(("http://", "https://")) else origin() + url


def _summary(text: str, length: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def _shop_image():
    settings = g.theme_state.settings if getattr(g, "theme_state", None) else {}
    for section in (g.theme_state.sections if getattr(g, "theme_state", None) else []):
        image = media_url(section["settings"].get("image"))
        if image:
            return image
    return media_url(settings.get("logo"))


def complete(meta: dict, shop, share=None) -> dict:
    """Fill in what a page did not say: defaults from the shop. A page with a share panel
    previews with its share picture (1200×630: picture, name, price, shop; sharing.py)."""
    if shop is None:
        return meta
    meta = dict(meta)
    meta.setdefault("title", shop.name)
    meta["description"] = _summary(meta.get("description") or shop.bio or _("Shop %(shop)s.", shop=shop.name))
    meta.setdefault("canonical", origin() + request.path)
    if share is not None:
        meta.update(image=share.image_url, image_width=1200, image_height=630, image_type="image/png")
    meta["image"] = absolute(meta.get("image") or _shop_image())
    meta.setdefault("og_type", "website")
    meta.setdefault("twitter_card", "summary_large_image" if meta["image"] else "summary")
    if request.endpoint in NOINDEX_ENDPOINTS or getattr(g, "theme_state", None) and g.theme_state.is_draft:
        meta["robots"] = "noindex"
    return meta


def home_meta(shop) -> dict:
    data = {"@context": "https://schema.org", "@type": "WebSite", "name": shop.name,
            "url": origin() + "/",
            "potentialAction": {"@type": "SearchAction",
                                "target": origin() + "/search?q={query}", "query-input": "required name=query"}}
    return {"title": shop.name, "description": shop.bio, "json_ld": data}


def collection_meta(shop, collection, offers) -> dict:
    image = next((o["image"] for o in offers if o["image"]), None)
    return {"title": f"{collection.title} · {shop.name}",
            "description": collection.description or _('%(title)s from %(name)s.', title=collection.title, name=shop.name),
            "image": image}


def product_meta(shop, listing, offer, prices, images=()) -> dict:
    """Tags and schema.org Product data: pictures (`images`: the gallery's URLs, else the
    main picture), name, price, availability."""
    product = offer["product"]
    images = [absolute(url) for url in (images or [offer["image"]]) if url]
    currency = shop.currency
    amount = str(to_major(offer["price"], currency))
    url = origin() + url_for("storefront.product", handle=listing.handle)
    description = listing.recommendation or product.description or listing.title
    offers = [{
        "@type": "Offer", "sku": row.variant.sku, "price": str(to_major(row.price, currency)),
        "priceCurrency": currency, "url": url,
        "availability": "https://schema.org/InStock" if row.variant.stock > 0 and offer["in_stock"]
        else "https://schema.org/OutOfStock",
        **({"name": row.variant.label} if row.variant.options else {}),
    } for row in prices]
    data = {"@context": "https://schema.org", "@type": "Product", "name": listing.title,
            "description": _summary(description, 500), "url": url,
            "image": images,
            "brand": {"@type": "Brand", "name": shop.name},
            "offers": offers[0] if len(offers) == 1 else {
                "@type": "AggregateOffer", "priceCurrency": currency, "offerCount": len(offers),
                "lowPrice": str(to_major(min(r.price for r in prices), currency)),
                "highPrice": str(to_major(max(r.price for r in prices), currency)), "offers": offers}}
    from app.money import format_money

    if offer["paused"]:  # its new price waits for the owner's approval: none is shown
        data.pop("offers")
        return {"title": f"{listing.title} · {shop.name}", "description": description, "image": offer["image"],
                "image_alt": listing.title, "og_type": "product", "json_ld": data, "canonical": url}
    return {"title": f"{listing.title} · {shop.name}", "description": description,
            "image": offer["image"], "image_alt": listing.title, "og_type": "product",
            "price_amount": amount, "price_currency": currency,
            "price_label": format_money(offer["price"], currency), "json_ld": data,
            "canonical": url}


def sitemap_urls(shop, listings, collections) -> list[dict]:
    """Every public page of the shop, with the last change where we know it."""
    base = origin()
    urls = [{"loc": base + "/", "lastmod": None}]
    urls += [{"loc": base + url_for("storefront.collection", handle=c.handle), "lastmod": None}
             for c in collections]
    urls += [{"loc": base + url_for("storefront.product", handle=listing.handle),
              "lastmod": listing.updated_at.date().isoformat() if listing.updated_at else None}
             for listing in listings]
    return urls


def group_meta(shop, listing, round_, low_price: int, url: str) -> dict:
    """A group page shared in a chat: what, for how much, how many places are left."""
    from app.money import format_money

    price = format_money(low_price, shop.currency)
    if round_.status == "open":
        title = _("Join my group: %(title)s for %(price)s", title=listing.title, price=price)
        description = ngettext("%(num)d place left, until %(deadline)s UTC. A group buy at %(shop)s.",
                               "%(num)d places left, until %(deadline)s UTC. A group buy at %(shop)s.",
                               round_.places_left, deadline=format_datetime(round_.deadline, "short"), shop=shop.name)
    else:
        title = _("%(title)s · group buy at %(shop)s", title=listing.title, shop=shop.name)
        description = (_("This group filled. Start a new one at %(shop)s.", shop=shop.name) if round_.status == "filled"
                       else _("This group closed. Start a new one at %(shop)s.", shop=shop.name))
    return {"title": title, "description": description, "image": listing_picture(listing),
            "image_alt": listing.title, "og_type": "website", "canonical": url}
