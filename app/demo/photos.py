"""An owner's own photos in the demo: Mia's pictures of her favourite tee, one per colour and
a close-up. They are drawn from the catalog's own SVG (recoloured for Sage), so the demo
needs no photo files, and go through the same upload pipeline as an owner's."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from app.config import STATIC_DIR
from app.shops import listing_media

PHOTO_SHOP, PHOTO_LISTING = "mia", "organic-tee"
TEE = Path(STATIC_DIR) / "demo" / "organic-tee.svg"
# The tee's fill and seam colours in the SVG, and what each colour of the catalog uses.
OAT = ("#c9b79c", "#a59680")
COLOURS = {"Oat": OAT, "Sage": ("#9fae8f", "#7b8b6c")}


def _render(svg: str, width: int) -> Image.Image:
    import resvg_py  # a compiled wheel, as for share pictures: imported only here

    return Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, width=width,
                                                                skip_system_fonts=True)))).convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def tee_photos() -> list[tuple[str, str, bytes]]:
    """(colour or "", description, JPEG) of each photo, in gallery order."""
    svg = TEE.read_text()
    photos = []
    for colour, (fill, seam) in COLOURS.items():
        drawn = _render(svg.replace(OAT[0], fill).replace(OAT[1], seam), 1000)
        photos.append((colour, f"The tee in {colour}, laid flat", _jpeg(drawn)))
    close = _render(svg, 2000).crop((560, 320, 1440, 1200))  # the ribbed crew neck
    photos.append(("", "The ribbed crew neck, up close", _jpeg(close)))
    return photos


def add_demo_photos(listing) -> None:
    """The tee's photos: each colour's on a variant of that colour (so it shows whatever size
    the shopper picks), then the close-up for every option. In the shop's scope."""
    for colour, description, data in tee_photos():
        variant = next((v for v in listing.supply_product.variants if colour and v.options.get("colour") == colour),
                       None)
        listing_media.add_photos(listing, [(data, f"tee-{colour.lower() or 'detail'}.jpg")],
                                 variant_id=variant.id if variant else None, alt_text=description)
