"""Sharing a storefront page: its short link (carrying the sharer's promoter code), its QR
code and its share picture, for the product, collection, group-buy and home pages.

A short link is `/s/<slug>` on the shop's own host. The slug names the page, compactly and
for good, with no table behind it:

    h             the shop's home page
    p<base 36>    a product: its listing's id        (/s/p1z)
    c<base 36>    a collection: its id               (/s/c3)
    g<token>      a group buy: the group's own token, as in /groups/<token>

`/s/<slug>/<code>` carries a promoter's code: it redirects to the page with `?ref=<code>`.
Slugs are looked up in the shop of the host only, so another shop's id is a 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import segno
from flask import g, url_for
from markupsafe import Markup

from app.i18n import _, ngettext
from app.money import format_money
from app.shops.share_cards import ShareCard
from app.shops.share_drawing import Colours
from app.themes.setting_types import css_properties, palette
from app.web import MAX_ROW_ID

from . import pictures, seo

PROMOTER_CODE = re.compile(r"[A-Za-z0-9]{4,16}")
SLUG = re.compile(r"h|[pc][1-9a-z][0-9a-z]{0,6}|g[A-Za-z0-9_-]{8,24}")
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
PICTURE_SHAPES = {"landscape": "", "square": "-square"}  # the file name's suffix


def base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = DIGITS[digit] + text
        if number == 0:
            return text


def parse_slug(slug: str) -> tuple[str, int | str | None] | None:
    """("home", None), ("product", id), ("collection", id), ("group", token), or None."""
    if not SLUG.fullmatch(slug or ""):
        return None
    kind, rest = slug[0], slug[1:]
    if kind == "h":
        return "home", None
    if kind == "g":
        return "group", rest
    number = int(rest, 36)
    if number > MAX_ROW_ID:  # ids live in 32-bit columns: a larger one names nothing
        return None
    return ("product" if kind == "p" else "collection"), number


def promoter_code(code: str | None) -> str | None:
    """The code when it has a promoter code's shape (4 to 16 letters and digits), else None."""
    return code if code and PROMOTER_CODE.fullmatch(code) else None


def sharer_code() -> str | None:
    """The promoter code of the visitor who shares, when they are one of this shop's
    promoters (set per request by the referral programme: `g.sharer_code`)."""
    return promoter_code(getattr(g, "sharer_code", None))


@dataclass(frozen=True)
class ShareTarget:
    """A page that can be shared: its slug, its path on the shop's host and its card."""
    slug: str
    kind: str  # product, collection, group, home
    path: str
    card: ShareCard
    heading: str  # the panel's heading: "Share this product"
    text: str  # what the phone's share sheet sends with the link


def _colours() -> Colours:
    """The published (or previewed) theme's palette, with the storefront's own derived colours."""
    state = getattr(g, "theme_state", None)
    values = css_properties(state.theme.settings_schema, state.settings) if state else palette({})
    return Colours(accent=values["--accent"], on_accent=values["--on-accent"], background=values["--bg"],
                   text=values["--text"], muted=values["--muted"])


def _card(shop, title: str, **content) -> ShareCard:
    host = seo.origin().split("://", 1)[-1]
    return ShareCard(title=title, shop_name=shop.name, host=host, colours=_colours(), **content)


def _pictures(offers, limit: int = 3, looked_at: int = 12) -> tuple[str, ...]:
    """Pictures of the first few products that have one (a slice: the home's shelf makes
    only the cards it is asked for)."""
    return tuple(o["image"] for o in offers[:looked_at] if o["image"])[:limit]


def _price(offer, currency: str) -> str:
    price = format_money(offer["price"], currency)
    return _("From %(price)s", price=price) if offer["varies"] else price


def product_target(shop, listing, offer) -> ShareTarget | None:
    """A product page; None while its price waits for the owner (nothing to share)."""
    if offer["paused"]:
        return None
    card = _card(shop, listing.title, price=_price(offer, shop.currency),
                 note="" if offer["in_stock"] else _("Sold out for now"),
                 pictures=_pictures([offer], 1))
    return ShareTarget(f"p{base36(listing.id)}", "product", url_for("storefront.product", handle=listing.handle),
                       card, _("Share this product"),
                       _("%(title)s at %(shop)s: %(price)s", title=listing.title, shop=shop.name, price=card.price))


def collection_target(shop, collection, offers) -> ShareTarget:
    count = ngettext("%(num)d product", "%(num)d products", len(offers))
    description = " ".join((collection.description or "").split())
    card = _card(shop, collection.title, eyebrow=_("Collection"),
                 note=f"{count} · {description}" if description else count, pictures=_pictures(offers))
    return ShareTarget(f"c{base36(collection.id)}", "collection",
                       url_for("storefront.collection", handle=collection.handle), card,
                       _("Share this collection"), _("%(title)s at %(shop)s", title=collection.title, shop=shop.name))


def group_target(shop, listing, round_, low_price: int) -> ShareTarget:
    """A group buy's page: the group price and how many have joined."""
    price = format_money(low_price, shop.currency)
    if round_.status == "open":
        note = _("%(joined)s of %(target)s joined", joined=round_.progress, target=round_.target) + " · " + ngettext(
            "%(num)d place left", "%(num)d places left", round_.places_left)
        text = _("Join my group: %(title)s for %(price)s at %(shop)s", title=listing.title, price=price, shop=shop.name)
    else:
        note = _("This group filled") if round_.status == "filled" else _("This group closed")
        text = _("%(title)s: a group buy at %(shop)s", title=listing.title, shop=shop.name)
    image = pictures.listing_picture(listing)
    card = _card(shop, listing.title, eyebrow=_("Group buy"), price=_("%(price)s each", price=price), note=note,
                 pictures=(image,) if image else ())
    return ShareTarget(f"g{round_.token}", "group", url_for("storefront.group", token=round_.token), card,
                       _("Share this group"), text)


def home_target(shop, offers) -> ShareTarget:
    """The shop itself: its name and bio, with its banner or a few of its products."""
    banner = _section_banner()
    card = _card(shop, shop.name, note=" ".join((shop.bio or "").split()),
                 pictures=(f"/media/{banner.filename}",) if banner else _pictures(offers))
    return ShareTarget("h", "home", url_for("storefront.home"), card, _("Share this shop"),
                       f"{shop.name}: {shop.bio}" if shop.bio else shop.name)


def _section_banner():
    """The first homepage section's uploaded picture (a hero banner), if any."""
    from .theming import media_row

    state = getattr(g, "theme_state", None)
    for section in (state.sections if state else []):
        media = media_row(section["settings"].get("image"))
        if media is not None:
            return media
    return None


def picture_path(target: ShareTarget, shape: str = "landscape") -> str:
    """The share picture's URL: it names the card's content hash, so it changes with it."""
    name = f"{target.card.digest}{PICTURE_SHAPES[shape]}.png"
    return url_for("storefront.share_picture", slug=target.slug, name=name)


@dataclass
class Share:
    """What a page's share panel shows."""
    target: ShareTarget
    link: str  # the short link, with the sharer's code when they are a promoter
    code: str | None

    @property
    def heading(self) -> str:
        return self.target.heading

    @property
    def text(self) -> str:
        return self.target.text

    @property
    def picture(self) -> str:
        return picture_path(self.target)

    @property
    def square_picture(self) -> str:
        return picture_path(self.target, "square")

    @property
    def image_url(self) -> str:
        """The picture's absolute URL, for og:image."""
        return seo.absolute(self.picture)

    @property
    def file_name(self) -> str:
        return f"{re.sub(r'[^A-Za-z0-9]+', '-', self.target.card.shop_name).strip('-').lower() or 'shop'}" \
               f"-{self.target.slug}"

    @property
    def qr(self) -> Markup:
        return qr_svg(self.link)


@lru_cache(maxsize=4096)
def qr_svg(link: str) -> Markup:
    """A link's QR code as inline SVG. Encoding costs milliseconds (a fifth of a home page's
    time) and a link's code never changes, so each process keeps the latest few thousand."""
    return Markup(segno.make(link, error="m").svg_inline(  # noqa: S704 - segno's own SVG
        scale=4, border=2, dark="#111111", omitsize=True))


def share_of(target: ShareTarget | None) -> Share | None:
    """The share panel of a page (None: the page is not shareable right now)."""
    if target is None:
        return None
    code = sharer_code()
    link = seo.origin() + url_for("storefront.short_link", slug=target.slug, code=code)
    return Share(target, link, code)
