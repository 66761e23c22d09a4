"""Share pictures (app/shops/share_cards.py, share_drawing.py): the right size for long and
non-Latin names (real CJK glyphs, not boxes), drawn once per content and then served from the
cache, a new URL when the price changes, and never an error: a missing or broken picture gets
the designed placeholder."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageChops, ImageDraw

from app.extensions import db
from app.shops import share_cards, share_drawing
from app.shops.share_cards import ShareCard
from app.shops.share_drawing import Colours, font_face, has_cjk_font, load_font, wrap
from app.storefront.sharing import base36
from app.tenancy import use_shop

COLOURS = Colours(accent="#1f2a44", on_accent="#ffffff", background="#ffffff", text="#1b1b1f", muted="#5e5e66")
CHINESE = "手工陶瓷咖啡杯，景德镇匠人手作"
LONG = ("The extraordinarily comfortable heavyweight organic cotton boxy tee, garment dyed in small "
        "batches, limited edition, made in Portugal by a family workshop")


@pytest.fixture(autouse=True)
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


@pytest.fixture
def renders(monkeypatch):
    """How many share pictures were drawn (not served from the cache)."""
    drawn = []
    real = share_cards.render

    def counting(*args, **kwargs):
        drawn.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(share_cards, "render", counting)
    return drawn


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def _ink(image: Image.Image, box, background="#ffffff") -> int:
    """Pixels in `box` that are not the background."""
    region = image.convert("RGB").crop(box)
    diff = ImageChops.difference(region, Image.new("RGB", region.size, background)).convert("L")
    return diff.point(lambda value: 255 if value > 60 else 0).histogram()[255]


def _glyph(font, char: str) -> bytes:
    canvas = Image.new("L", (120, 120), 0)
    ImageDraw.Draw(canvas).text((10, 10), char, font=font, fill=255)
    return canvas.tobytes()


# Text -----------------------------------------------------------------------------------------


def test_the_cjk_font_ships_with_the_requirements():
    assert has_cjk_font(), "noto-cjk-sans-otc (requirements.txt) is not installed"


def test_chinese_japanese_and_korean_draw_real_glyphs_not_boxes():
    """In a font without CJK, every ideograph is the same missing-glyph box (or nothing).
    With ours, different characters are different shapes, with ink."""
    for text in ("手工陶瓷", "日本語の", "한국어상"):
        font = load_font(60, font_face(text))
        glyphs = [_glyph(font, char) for char in text]
        assert all(any(glyph) for glyph in glyphs), text
        assert len(set(glyphs)) == len(text), f"{text}: some characters drew the same shape"
    # The control: Pillow's own font cannot tell them apart, which is what the test guards against.
    fallback = [_glyph(share_drawing.ImageFont.load_default(60), char) for char in "手工陶瓷"]
    assert len(set(fallback)) == 1


def test_the_face_follows_the_script():
    assert font_face("手工陶瓷") == share_drawing.FACE_SC
    assert font_face("抹茶のクッキー") == share_drawing.FACE_JP
    assert font_face("한국 김") == share_drawing.FACE_KR


def test_long_names_wrap_and_end_with_an_ellipsis():
    font = load_font(60)
    lines, complete = wrap(LONG, font, 480, 3)
    assert not complete and len(lines) == 3 and lines[-1].endswith("…")
    assert all(font.getlength(line) <= 480 for line in lines)
    lines, complete = wrap(CHINESE * 3, font, 480, 3)  # no spaces: breaks between characters
    assert not complete and len(lines) == 3 and lines[-1].endswith("…")
    assert all(font.getlength(line) <= 480 for line in lines)
    assert not any(line.startswith(("，", "。")) for line in lines)  # never at a line's start
    assert wrap("Short name", font, 480, 3) == (["Short name"], True)


# Pictures -------------------------------------------------------------------------------------


def _card(**changes) -> ShareCard:
    values = dict(title="Organic Cotton Tee", shop_name="Alpha Shop", host="alpha.flagship.test",
                  colours=COLOURS, price="$18.00")
    values.update(changes)
    return ShareCard(**values)


@pytest.mark.parametrize("shape, size", [("landscape", (1200, 630)), ("square", (1080, 1080))])
def test_a_long_name_gives_a_picture_of_the_right_size(shape, size):
    png, complete = share_cards.render(1, shape, _card(title=LONG, note="A note " * 30))
    assert complete and _png(png).size == size


def test_a_chinese_name_is_drawn_with_real_glyphs():
    """The title area of a Chinese card has the ink of its characters, and differs from the
    same card drawn without the CJK font (where every character is the same box)."""
    card = _card(title=CHINESE, shop_name="小林的杂货铺", price="¥128.00")
    png, complete = share_cards.render(1, "landscape", card)
    image = _png(png)
    assert complete and image.size == (1200, 630)
    title_area = (660, 60, 1140, 330)
    assert _ink(image, title_area) > 6000
    tofu = Image.new("RGB", (480, 270), "#ffffff")
    fallback = share_drawing.ImageFont.load_default(60)
    ImageDraw.Draw(tofu).text((0, 0), CHINESE[:7], font=fallback, fill="#000000")
    assert ImageChops.difference(image.convert("RGB").crop(title_area), tofu).getbbox() is not None


def test_no_picture_gets_the_placeholder_and_a_broken_one_never_fails():
    for pictures in ((), ("/static/demo/no-such-picture.png",), ("/static/../config.py",),
                     ("http://127.0.0.1:9/private.png",), ("/media/../../secret.png",), ("javascript:x",)):
        png, complete = share_cards.render(1, "landscape", _card(pictures=pictures))
        assert _png(png).size == (1200, 630)
        assert complete == (pictures == ())  # a picture that would not load is tried again later
    png, complete = share_cards.render(1, "landscape", _card(pictures=("/static/demo/boxy-tee.svg",)))
    assert complete and _png(png).getpixel((300, 60)) != _png(share_cards.render(1, "landscape", _card())[0]).getpixel((300, 60))


def test_drawing_that_fails_still_answers_a_picture(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the drawing")

    monkeypatch.setattr(share_cards, "draw_card", broken)
    png, complete = share_cards.render(1, "landscape", _card())
    assert not complete and _png(png).size == (1200, 630)


# Served and cached ----------------------------------------------------------------------------


def _og_image(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    url = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    return url.removeprefix("http://alpha.flagship.test")


def test_a_picture_is_drawn_once_then_served_from_the_cache(shop_a, storefront, renders, media_root):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    url = _og_image(client, f"/products/{listing.handle}")
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert "max-age=31536000" in first.headers["Cache-Control"] and "immutable" in first.headers["Cache-Control"]
    assert _png(first.data).size == (1200, 630)
    [cached] = (media_root / "share" / str(shop_a.shop.id)).glob("*.png")
    written = cached.stat().st_mtime_ns
    second = client.get(url)
    assert second.data == first.data and len(renders) == 1 and cached.stat().st_mtime_ns == written
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    square = client.get(url.replace(".png", "-square.png"))
    assert _png(square.data).size == (1080, 1080) and len(renders) == 2


def test_a_new_price_gives_a_new_picture_url(shop_a, storefront, renders, media_root):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    before = _og_image(client, f"/products/{listing.handle}")
    client.get(before)
    with use_shop(shop_a.shop.id):
        listing.price_rule, listing.fixed_price = "fixed", 2400
        db.session.flush()
    after = _og_image(client, f"/products/{listing.handle}")
    assert after != before and after.startswith(f"/share/p{base36(listing.id)}/")
    assert client.get(after).status_code == 200 and len(renders) == 2
    # The old URL (a chat's cached preview) now leads to today's picture; the old file is gone.
    moved = client.get(before)
    assert moved.status_code == 302 and moved.location.endswith(after) and "no-cache" in moved.headers["Cache-Control"]
    assert len(list((media_root / "share" / str(shop_a.shop.id)).glob("*.png"))) == 1
    with use_shop(shop_a.shop.id):
        listing.title = "A new name"
        db.session.flush()
    assert _og_image(client, f"/products/{listing.handle}") != after


def test_a_card_missing_a_picture_is_kept_an_hour_only(shop_a, catalog, storefront, renders):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    catalog.tee.image_url = "/static/demo/no-such-picture.png"
    db.session.flush()
    url = _og_image(client, f"/products/{listing.handle}")
    first = client.get(url)
    assert first.status_code == 200 and "max-age=3600" in first.headers["Cache-Control"]
    assert "immutable" not in first.headers["Cache-Control"]
    client.get(url)
    assert len(renders) == 1  # kept for the hour, not drawn on every request


def test_share_pictures_are_the_shops_own(shop_a, shop_b, storefront):
    """Shop A's picture name on shop B's host, a made-up digest or shape: a 404 or today's
    picture of shop B's own page, never shop A's."""
    url = _og_image(storefront(shop_a.shop), f"/products/{shop_a.listings[0].handle}")
    other = storefront(shop_b.shop)
    assert other.get(url).status_code == 404
    slug = f"p{base36(shop_a.listings[0].id)}"
    client = storefront(shop_a.shop)
    for name in ("x.png", "0" * 20 + "-round.png", "0" * 19 + ".png", "../../etc/passwd"):
        assert client.get(f"/share/{slug}/{name}").status_code == 404, name
    assert client.get(f"/share/{slug}/{'0' * 20}.png").status_code == 302
