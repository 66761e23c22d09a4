"""The storefront with an owner's own photos and option pickers: the product page's gallery
(main picture, thumbnails, a variant's photo), the cards and the cart showing the first
photo, share pictures and Open Graph data drawn from it, and one picker per option with
sold-out combinations disabled over the plain select the form sends."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from app.extensions import db
from app.shops import listing_media
from app.tenancy import use_shop
from tests.shops.photos import BLUE, GREEN, RED, colour_tee, jpeg, variant


@pytest.fixture
def tee(shop_a, catalog):
    listing = colour_tee(shop_a, catalog.supplier)
    listing.supply_product.image_url = "/static/demo/organic-tee.svg"
    db.session.flush()
    return listing


def _add(shop_a, listing, *colours, variant_id=None):
    with use_shop(shop_a.shop.id):  # its image read in the shop's scope (row-level security)
        added = listing_media.add_photos(listing, [(jpeg(c), f"{n}.jpg") for n, c in enumerate(colours)],
                                         variant_id=variant_id)
        for photo in added:
            assert photo.media.filename
        return added


def _url(photo) -> str:
    return f"/media/{photo.media.filename}"


def _slides(html: str) -> list[str]:
    return re.findall(r'<li class="gallery-slide" id="photo-\d+" data-gallery-slide>\s*<img class="media-img" src="([^"]+)"', html)


def _page(storefront, shop_a, listing, query="") -> str:
    response = storefront(shop_a.shop).get(f"/products/{listing.handle}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_without_photos_the_suppliers_picture_is_shown(shop_a, tee, storefront):
    html = _page(storefront, shop_a, tee)
    assert 'src="/static/demo/organic-tee.svg" alt="Colour Tee"' in html and "data-gallery" not in html


def _fetched_first(html: str) -> list[str]:
    """The picture addresses the page asks the browser to fetch before anything else."""
    return [src for tag in re.findall(r"<img [^>]*>", html) if 'fetchpriority="high"' in tag
            for src in re.findall(r'src="([^"]+)"', tag)]


def test_the_main_picture_is_fetched_first_and_cards_when_they_near_the_screen(shop_a, tee, storefront):
    """The page's largest paint (a product's picture, alone or a gallery's first; a group's)
    is fetched first and never lazily; every card's waits until it nears the screen."""
    from app.deals import services as deals
    from tests.factories import CUSTOMER

    html = _page(storefront, shop_a, tee)
    assert _fetched_first(html) == ["/static/demo/organic-tee.svg"]
    main = re.search(r'<img class="media-img" src="/static/demo/organic-tee.svg"[^>]*>', html)[0]
    assert 'loading="eager"' in main and "lazy" not in main
    red, blue = _add(shop_a, tee, RED, BLUE)
    assert _fetched_first(_page(storefront, shop_a, tee)) == [_url(red)]
    home = storefront(shop_a.shop).get("/").get_data(as_text=True)
    assert _fetched_first(home) == [] and 'loading="lazy"' in home
    crisps = shop_a.listings[1]  # (the tee leaves no room under its price for a group's)
    crisps.supply_product.image_url = "/static/demo/sea-salt-crisps.svg"
    with use_shop(shop_a.shop.id):
        variant_id = crisps.supply_product.variants[0].id
        deal = deals.save_group_buy(crisps, prices={variant_id: "3.60"}, group_size=2, time_limit_hours=24,
                                    max_open_groups=2)
        token = deals.join(shop_a.shop, deal, None, variant_id, 1, CUSTOMER)[1].token
    group = storefront(shop_a.shop).get(f"/groups/{token}").get_data(as_text=True)
    assert _fetched_first(group) == ["/static/demo/sea-salt-crisps.svg"]


def test_one_photo_replaces_the_suppliers_picture(shop_a, tee, storefront):
    [red] = _add(shop_a, tee, RED)
    html = _page(storefront, shop_a, tee)
    assert f'<img class="media-img" src="{_url(red)}" alt="Colour Tee"' in html
    assert "organic-tee.svg" not in html.split("</header>", 1)[1].split('class="product-info"')[0]


def test_several_photos_make_a_gallery_with_thumbnails(shop_a, tee, storefront):
    red, blue, green = _add(shop_a, tee, RED, BLUE, GREEN)
    with use_shop(shop_a.shop.id):
        listing_media.update_photo(tee, blue.id, variant_id=None, alt_text="The back, in blue")
    html = _page(storefront, shop_a, tee)
    assert _slides(html) == [_url(red), _url(blue), _url(green)]
    assert 'role="region" aria-label="Photos of Colour Tee"' in html and 'tabindex="0"' in html
    assert 'alt="Colour Tee, photo 1"' in html and 'alt="The back, in blue"' in html
    thumbs = re.findall(r'<a class="gallery-thumb" href="(#photo-\d)" data-gallery-thumb( aria-current="true")?>', html)
    assert thumbs == [("#photo-1", ' aria-current="true"'), ("#photo-2", ""), ("#photo-3", "")]
    assert "Photo 2 of 3" in html and "product.js" in html
    data = json.loads(re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["image"] == [f"http://alpha.flagship.test{_url(p)}" for p in (red, blue, green)]


def test_a_variants_photo_leads_when_the_page_opens_on_it(shop_a, tee, storefront):
    general, red, blue = _add(shop_a, tee, GREEN, RED, BLUE)
    with use_shop(shop_a.shop.id):
        listing_media.update_photo(tee, red.id, variant_id=variant(tee, "S", "Red").id, alt_text="")
        listing_media.update_photo(tee, blue.id, variant_id=variant(tee, "S", "Blue").id, alt_text="")
    assert _slides(_page(storefront, shop_a, tee)) == [_url(general), _url(red), _url(blue)]
    s_blue, m_red = variant(tee, "S", "Blue"), variant(tee, "M", "Red")
    # Back on S / Blue (asked for more than the stock, say): its photo first, without JavaScript.
    html = _page(storefront, shop_a, tee, f"?variant={s_blue.id}&qty=2")
    assert _slides(html) == [_url(blue), _url(general), _url(red)]
    # For the script: each variant names the photo to turn to (a red photo for M / Red too).
    pictures = dict(re.findall(r'<option value="(\d+)"[^>]*?(?: data-picture="(\d+)")?>', html))
    assert pictures[str(s_blue.id)] == "0" and pictures[str(m_red.id)] == "2"


def test_cards_and_the_cart_show_the_first_photo(shop_a, tee, storefront):
    red, blue = _add(shop_a, tee, RED, BLUE)
    client = storefront(shop_a.shop)
    home = client.get("/").get_data(as_text=True)
    assert _url(red) in home and "organic-tee.svg" not in home
    with use_shop(shop_a.shop.id):
        listing_media.move_photo(tee, blue.id, "first")
    assert _url(blue) in client.get("/search?q=colour").get_data(as_text=True)
    s_red = variant(tee, "S", "Red")
    client.post("/cart/add", data={"listing_id": tee.id, "variant_id": s_red.id, "quantity": 1})
    assert _url(blue) in client.get("/cart").get_data(as_text=True)


def _share_picture(client, listing) -> Image.Image:
    html = client.get(f"/products/{listing.handle}").get_data(as_text=True)
    og = re.search(r'<meta property="og:image" content="http://alpha\.flagship\.test([^"]+)"', html).group(1)
    response = client.get(og)
    assert response.status_code == 200 and response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data)).convert("RGB")


def _share_of(colour, picture: Image.Image) -> float:
    """How much of the picture's left panel (where the product's picture goes) is `colour`."""
    panel = picture.crop((0, 0, 600, 630))
    counts = panel.getcolors(maxcolors=600 * 630)
    near = sum(count for count, pixel in counts if all(abs(a - b) < 24 for a, b in zip(pixel, colour, strict=True)))
    return near / (600 * 630)


def test_the_share_picture_shows_the_owners_first_photo(shop_a, tee, storefront):
    client = storefront(shop_a.shop)
    assert _share_of(RED, _share_picture(client, tee)) < 0.01
    _add(shop_a, tee, RED, BLUE)
    assert _share_of(RED, _share_picture(client, tee)) > 0.5
    with use_shop(shop_a.shop.id):
        blue = listing_media.listing_photos(tee.id)[1]
        listing_media.move_photo(tee, blue.id, "first")
    picture = _share_picture(client, tee)  # a new main photo: a new picture (and URL)
    assert _share_of(BLUE, picture) > 0.5 and _share_of(RED, picture) < 0.01


def test_one_picker_per_option_over_the_plain_select(shop_a, tee, storefront):
    m_red, m_blue, l_red = variant(tee, "M", "Red"), variant(tee, "M", "Blue"), variant(tee, "L", "Red")
    html = _page(storefront, shop_a, tee, f"?variant={m_red.id}")
    # Without JavaScript: a select of every variant, the chosen one selected, sold-out disabled.
    assert '<label class="field-label" for="variant-select">Size / Colour</label>' in html
    assert re.search(rf'<option value="{m_red.id}" selected data-values=\'\["M", "Red"\]\'', html)
    assert re.search(rf'<option value="{m_blue.id}" disabled data-values=\'\["M", "Blue"\]\'[^>]*>M / Blue · \$15\.00 · Sold out<', html)
    assert re.search(rf'<option value="{l_red.id}" data-values[^>]*data-stock-label="Only 2 left"', html)
    # The pickers product.js shows: size and colour, M / Red chosen, blue sold out in M.
    assert '<div class="option-pickers" data-option-pickers hidden>' in html
    assert re.findall(r"<legend>(\w+)<span", html) == ["Size", "Colour"]
    assert re.search(r'name="option-0" id="option-0-1" value="M" checked>', html)
    assert re.search(r'name="option-1" id="option-1-0" value="Red" checked>', html)
    blue = re.search(r'name="option-1" id="option-1-1" value="Blue"( disabled)?>\s*<label[^>]*>'
                     r'<span class="variant-name">Blue</span><span class="variant-stock is-out" data-option-note>([^<]*)<', html)
    assert blue.groups() == (" disabled", "Sold out")
    # Opened on L / Red: there is no blue L at all.
    html = _page(storefront, shop_a, tee, f"?variant={l_red.id}")
    assert re.search(r'value="Blue" disabled>\s*<label[^>]*><span class="variant-name">Blue</span>'
                     r'<span class="variant-stock is-out" data-option-note>Unavailable<', html)


def test_a_product_options_cannot_tell_apart_keeps_the_select_only(shop_a, storefront):
    crisps = shop_a.listings[1]  # one variant, no options: no picker at all
    html = storefront(shop_a.shop).get(f"/products/{crisps.handle}").get_data(as_text=True)
    assert 'type="hidden" name="variant_id"' in html and "data-option-pickers" not in html


@pytest.mark.parametrize("theme", ["boutique", "journal", "market"])
def test_every_theme_shows_the_gallery_pickers_and_first_photo(shop_a, tee, storefront, theme):
    red, blue = _add(shop_a, tee, RED, BLUE)
    shop_a.shop.theme = theme
    db.session.flush()
    client = storefront(shop_a.shop)
    html = client.get(f"/products/{tee.handle}").get_data(as_text=True)
    assert _slides(html) == [_url(red), _url(blue)] and "data-option-pickers" in html
    assert _url(red) in client.get("/").get_data(as_text=True)
