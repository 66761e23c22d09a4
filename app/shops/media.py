"""Shop images (logo, favicon, banner, photos): checked, re-encoded and stored by Pillow.

An upload is never kept as sent. Pillow must recognise it as PNG, JPEG, WebP or GIF by
its content (not its name or declared type); its size and dimensions are checked; it is
decoded, resized, stripped of metadata and written anew as PNG or JPEG under MEDIA_ROOT,
with a content hash in its name. It is served with the type we wrote and `nosniff`, so
nothing uploaded can be executed or interpreted as anything else.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.tenancy import require_shop_id

from .theme_models import MEDIA_KINDS, ShopMedia

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


@dataclass(frozen=True)
class ImageRule:
    min_width: int
    min_height: int
    box: tuple[int, int]  # resized to fit inside
    square: bool = False


RULES = {
    "logo": ImageRule(64, 32, (800, 400)),
    "favicon": ImageRule(32, 32, (256, 256), square=True),
    "banner": ImageRule(800, 300, (2400, 1400)),
    "photo": ImageRule(300, 300, (1600, 1600)),
}


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def media_path(media: ShopMedia) -> Path:
    return media_root() / "shops" / str(media.shop_id) / media.filename


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise DomainError("Upload a PNG, JPEG, WebP or GIF image.")
        if image.width * image.height > MAX_PIXELS:
            raise DomainError("That image has too many pixels. Use one under 40 megapixels.")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError("That file is not an image we can read. Upload a PNG, JPEG, WebP or GIF.") from None
    return image


def process_image(kind: str, data: bytes) -> tuple[bytes, str, int, int]:
    """(encoded bytes, content type, width, height) for an upload, or DomainError."""
    if kind not in MEDIA_KINDS:
        raise DomainError("Unknown kind of image.")
    limit = current_app.config["MEDIA_MAX_UPLOAD_BYTES"]
    if not data:
        raise DomainError("Choose an image file to upload.")
    if len(data) > limit:
        raise DomainError(f"That image is larger than {limit // (1024 * 1024)} MB. Use a smaller one.")
    rule = RULES[kind]
    image = _open(data)
    image = ImageOps.exif_transpose(image)
    if image.width < rule.min_width or image.height < rule.min_height:
        raise DomainError(f"That image is {image.width}×{image.height} pixels; a {kind} needs at "
                          f"least {rule.min_width}×{rule.min_height}.")
    if rule.square:
        side = min(image.size)
        image = ImageOps.fit(image, (side, side))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail(rule.box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha or kind in ("logo", "favicon"):
        image.save(out, "PNG", optimize=True)
        content_type = "image/png"
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return out.getvalue(), content_type, image.width, image.height


def store_image(kind: str, data: bytes, original_name: str = "") -> ShopMedia:
    """Check, re-encode and keep an uploaded image for the current shop."""
    shop_id = require_shop_id()
    encoded, content_type, width, height = process_image(kind, data)
    digest = hashlib.sha256(encoded).hexdigest()[:20]
    filename = f"{kind}-{digest}.{'png' if content_type == 'image/png' else 'jpg'}"
    existing = db.session.scalar(select(ShopMedia).where(ShopMedia.filename == filename))
    if existing is not None:
        return existing
    media = ShopMedia(kind=kind, filename=filename, content_type=content_type, width=width,
                      height=height, byte_size=len(encoded), original_name=(original_name or "")[:255])
    media.shop_id = shop_id
    path = media_path(media)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(encoded)
    temporary.replace(path)
    db.session.add(media)
    db.session.flush()
    return media


def media_by_filename(filename: str) -> ShopMedia | None:
    return db.session.scalar(select(ShopMedia).where(ShopMedia.filename == filename))


def media_by_ids(ids) -> dict[int, ShopMedia]:
    wanted = {int(i) for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    return {m.id: m for m in db.session.scalars(select(ShopMedia).where(ShopMedia.id.in_(wanted)))}
