"""Helpers for the tests of listings' own photos: pictures of one colour, and a tee that
comes in sizes and colours (one combination sold out, one not made)."""

from __future__ import annotations

import io

from PIL import Image

from app.extensions import db
from app.shops.pricing import PriceRule
from app.shops.services import add_listing
from app.tenancy import use_shop
from tests.factories import make_product

RED, BLUE, GREEN = (200, 20, 40), (20, 60, 200), (30, 160, 60)


def jpeg(colour=RED, size=(400, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=95)
    return out.getvalue()


def colour_tee(fixture, supplier):
    """A listing in the fixture's shop of a tee in S and M, Red and Blue: M/Blue is sold out
    and there is no L but in Red."""
    product = make_product(supplier, title="Colour Tee", variants=[
        {"options": {"size": "S", "colour": "Red"}, "stock": 4},
        {"options": {"size": "M", "colour": "Red"}, "stock": 9},
        {"options": {"size": "S", "colour": "Blue"}, "stock": 7},
        {"options": {"size": "M", "colour": "Blue"}, "stock": 0},
        {"options": {"size": "L", "colour": "Red"}, "stock": 2},
    ])
    with use_shop(fixture.shop.id):
        listing = add_listing(fixture.shop, product.id, rule=PriceRule("markup", 5000), title="Colour Tee")
    db.session.flush()
    return listing


def variant(listing, size: str, colour: str):
    return next(v for v in listing.supply_product.variants if v.options == {"size": size, "colour": colour})
