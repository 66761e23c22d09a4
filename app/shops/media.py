"""Shop images (logo, favicon, banner, photos): checked, re-encoded and stored by Pillow.

An upload is never kept as sent. Pillow must recognise it as PNG, JPEG, WebP or GIF by
its content (not its name or declared type); its size and dimensions are checked from the
header before anything is decoded (a small file can declare a huge image: a 6320×6320
JPEG of 600 KB decodes to 120 MB); a JPEG is decoded at a reduced scale near the size we
keep; then it is resized, stripped of metadata and written anew as PNG or JPEG under
MEDIA_ROOT, with a content hash in its name. It is served with the type we wrote and `nosniff`, so
nothing uploaded can be executed or interpreted as anything else.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.tenancy import require_shop_id

from .theme_models import MEDIA_KINDS, ShopMedia

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
# Pixel caps, checked on the header's dimensions before decoding. A JPEG is decoded at 1/2,
# 1/4 or 1/8 scale (draft), so a camera's 50 MP photo costs little; other formats decode
# whole (16 MP of RGBA is 64 MB), so they get the lower cap.
MAX_JPEG_PIXELS = 50_000_000
MAX_PIXELS = 16_000_000
# Pillow's own guard, for any other use of Pillow in the process: past twice this it refuses.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS


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


ORIENTATION = 0x0112  # the EXIF tag


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def media_path(media: ShopMedia) -> Path:
    return media_root() / "shops" / str(media.shop_id) / media.filename


def _too_many_pixels(width: int, height: int) -> DomainError:
    size = f"That image is {width}×{height} pixels ({width * height / 1_000_000:.0f} megapixels)" \
        if width else "That image has too many pixels"
    return DomainError(_('%(size)s. Use one of at most %(max_pixels)s megapixels (%(max_jpeg_pixels)s for a JPEG photo).', size=size, max_pixels=MAX_PIXELS // 1000000, max_jpeg_pixels=MAX_JPEG_PIXELS // 1000000))


def _open(data: bytes) -> tuple[Image.Image, tuple[int, int]]:
    """The image, opened but not decoded, and its size as shown (EXIF rotation applied)."""
    unreadable = DomainError(_('That file is not an image we can read. Upload a PNG, JPEG, WebP or GIF.'))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check below
            image = Image.open(io.BytesIO(data))  # lazy: reads the header only
    except Image.DecompressionBombError:
        raise _too_many_pixels(0, 0) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable from None
    if image.format not in ACCEPTED_FORMATS:
        raise DomainError(_('Upload a PNG, JPEG, WebP or GIF image.'))
    width, height = image.size
    if width * height > (MAX_JPEG_PIXELS if image.format == "JPEG" else MAX_PIXELS):
        raise _too_many_pixels(width, height)
    try:
        turned = image.getexif().get(ORIENTATION) in (5, 6, 7, 8)  # a quarter turn: sides swap
    except (OSError, SyntaxError, ValueError):
        raise unreadable from None
    return image, (height, width) if turned else (width, height)


def _decode(image: Image.Image, rule: ImageRule, shown: tuple[int, int]) -> Image.Image:
    """Decode; a JPEG at the smallest 1/2, 1/4 or 1/8 scale that still has twice the
    pixels we keep (Pillow's own reducing gap for thumbnails, so quality does not suffer)."""
    if image.format == "JPEG":
        width, height = shown
        if rule.square:
            width = height = min(width, height)
        scale = min(rule.box[0] / width, rule.box[1] / height, 1.0)
        target = (int(width * scale * 2), int(height * scale * 2))
        if shown != image.size:  # the stored image is the unrotated one
            target = (target[1], target[0])
        image.draft(image.mode, target)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise DomainError(_('That file is not an image we can read. Upload a PNG, JPEG, WebP or GIF.')) from None
    return image


def process_image(kind: str, data: bytes) -> tuple[bytes, str, int, int]:
    """(encoded bytes, content type, width, height) for an upload, or DomainError."""
    if kind not in MEDIA_KINDS:
        raise DomainError(_('Unknown kind of image.'))
    limit = current_app.config["MEDIA_MAX_UPLOAD_BYTES"]
    if not data:
        raise DomainError(_('Choose an image file to upload.'))
    if len(data) > limit:
        raise DomainError(_('That image is larger than %(limit)s MB. Use a smaller one.', limit=limit // (1024 * 1024)))
    rule = RULES[kind]
    image, (width, height) = _open(data)
    if width < rule.min_width or height < rule.min_height:
        raise DomainError(_('That image is %(width)s×%(height)s pixels; a %(kind)s needs at least %(min_width)s×%(min_height)s.', width=width, height=height, kind=kind, min_width=rule.min_width, min_height=rule.min_height))
    image = _decode(image, rule, (width, height))
    ImageOps.exif_transpose(image, in_place=True)
    if rule.square:
        side = min(image.size)
        image = ImageOps.fit(image, (side, side))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    image.thumbnail(rule.box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha or kind in ("logo", "favicon"):
        image.save(out, "PNG", optimize=True)
        content_type = "image/png"
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return out.getvalue(), content_type, image.width, image.height


def decode_picture(data: bytes, box: tuple[int, int]) -> Image.Image:
    """An image's pixels, to draw with (share pictures): the checks of an upload (format,
    pixel caps before decoding, a JPEG decoded at a reduced scale) without its minimum size,
    shrunk to fit `box`; nothing is stored. DomainError when it cannot be read."""
    if not data:
        raise DomainError(_('No image.'))
    image, shown = _open(data)
    image = _decode(image, ImageRule(1, 1, box), shown)
    ImageOps.exif_transpose(image, in_place=True)
    image = image.convert("RGBA")
    image.thumbnail(box, Image.Resampling.LANCZOS)
    return image


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
