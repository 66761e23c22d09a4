"""Uploaded images: the pixel caps are checked on the header, before anything is decoded,
and a large JPEG is decoded at a reduced scale."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image, ImageFile

from app.errors import DomainError
from app.shops import media


def _jpeg(width: int, height: int, mode: str = "L") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 128).save(out, "JPEG")
    return out.getvalue()


def _declaring(data: bytes, width: int, height: int) -> bytes:
    """A small JPEG whose header (SOF0) claims another size: a file of a few hundred bytes
    that would decode to `width`×`height` pixels."""
    at = data.index(b"\xff\xc0") + 5  # marker, length (2), precision (1), then height, width
    return data[:at] + struct.pack(">HH", height, width) + data[at + 4:]


@pytest.fixture
def decodes(monkeypatch):
    """Record every decode Pillow does (ImageFile.load), keeping its behaviour."""
    calls = []
    original = ImageFile.ImageFile.load

    def load(self):
        if self.tile:  # not decoded yet (later calls return what is loaded)
            calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def test_a_jpeg_declaring_too_many_pixels_is_refused_without_decoding(app, decodes):
    bomb = _declaring(_jpeg(64, 64), 8000, 7000)  # 56 megapixels, from a tiny file
    assert len(bomb) < 2000
    with app.app_context(), pytest.raises(DomainError) as refused:
        media.process_image("banner", bomb)
    assert "8000×7000 pixels (56 megapixels)" in refused.value.message
    assert "at most 16 megapixels (50 for a JPEG photo)" in refused.value.message
    assert decodes == []


def test_a_png_over_its_cap_is_refused_without_decoding(app, decodes):
    out = io.BytesIO()
    Image.new("1", (5000, 4000)).save(out, "PNG")  # 20 megapixels: a few KB compressed
    with app.app_context(), pytest.raises(DomainError) as refused:
        media.process_image("banner", out.getvalue())
    assert "5000×4000 pixels (20 megapixels)" in refused.value.message
    assert decodes == []


def test_a_declared_size_past_pillows_own_limit_is_refused_clearly(app, decodes):
    bomb = _declaring(_jpeg(64, 64), 30000, 30000)  # 900 MP: Pillow refuses in Image.open
    with app.app_context(), pytest.raises(DomainError) as refused:
        media.process_image("photo", bomb)
    assert "too many pixels" in refused.value.message and decodes == []


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(app, decodes):
    with app.app_context():
        encoded, content_type, width, height = media.process_image("favicon", _jpeg(3200, 1600))
    assert (content_type, width, height) == ("image/png", 256, 256)
    # A 256-pixel square needs 512 pixels a side (twice, for quality): half scale is enough.
    assert decodes == [(1600, 800)]
    assert Image.open(io.BytesIO(encoded)).size == (256, 256)


def test_too_small_is_refused_before_decoding(app, decodes):
    with app.app_context(), pytest.raises(DomainError, match="needs at least 800×300"):
        media.process_image("banner", _jpeg(400, 200))
    assert decodes == []
