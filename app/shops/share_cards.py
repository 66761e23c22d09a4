"""Share pictures: what a shared page shows in a chat or a social feed, drawn once per
content and kept on disk.

A card's content (title, price, note, pictures, shop name and address, theme colours) is
hashed, and the hash is in the picture's URL: chat apps and social sites cache a preview by
URL, so a new price or name must give a new URL, and an unchanged one is drawn once and then
served from the file (under MEDIA_ROOT/share/<shop id>/, never in git). A shop keeps one
file per page and shape: drawing a new version removes the older one.

Pictures come from the platform's own static files (a demo SVG is rendered with resvg), the
shop's uploads, or a supplier's http(s) address (public addresses only, app/netguard.py). A
picture that cannot be had gives a designed placeholder, and drawing never fails: a card
drawn without one of its pictures is kept for an hour only, then tried again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image
from werkzeug.security import safe_join

from app import netguard
from app.config import STATIC_DIR
from app.errors import DomainError
from app.i18n import _

from .media import decode_picture, media_root
from .share_drawing import LAYOUTS, CardText, Colours, draw_card, encode_png

log = logging.getLogger(__name__)

DRAWING_VERSION = "1"  # change it when the drawing changes: every card gets a new URL
SHAPES = tuple(LAYOUTS)  # "landscape" (1200×630, Open Graph), "square" (1080×1080)
# Pictures are decoded (an SVG rendered) no larger than the shape's picture panel needs.
PICTURE_BOXES = {"landscape": (660, 660), "square": (1080, 1080)}
REMOTE_TIMEOUT = 4  # seconds, per picture
REMOTE_MAX_BYTES = 8 * 1024 * 1024
RETRY_AFTER = 3600  # seconds a card missing a picture is served before it is drawn again
SLUG = re.compile(r"[A-Za-z0-9_-]{1,40}")
MEDIA_FILE = re.compile(r"[a-z]+-[0-9a-f]{20}\.(?:png|jpg)")


@dataclass(frozen=True)
class ShareCard:
    """Everything a share picture shows, and nothing else (its hash is its version)."""
    title: str
    shop_name: str
    host: str
    colours: Colours
    price: str = ""
    note: str = ""
    eyebrow: str = ""
    pictures: tuple[str, ...] = field(default_factory=tuple)  # URLs as the storefront shows them

    @property
    def digest(self) -> str:
        content = json.dumps([DRAWING_VERSION, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class SharePicture:
    png: bytes
    final: bool  # every picture was drawn: cache it for good


def share_picture(shop_id: int, slug: str, shape: str, card: ShareCard) -> SharePicture:
    """The card's PNG: from the file when it was drawn before, else drawn now and kept."""
    if shape not in LAYOUTS or not SLUG.fullmatch(slug):
        raise ValueError("unknown share picture")
    folder = media_root() / "share" / str(shop_id)
    final = folder / f"{slug}-{shape}-{card.digest}.png"
    partial = final.with_suffix(".partial.png")
    kept = _read(final)
    if kept is not None:
        return SharePicture(kept, True)
    if partial.is_file() and time.time() - partial.stat().st_mtime < RETRY_AFTER:
        kept = _read(partial)
        if kept is not None:
            return SharePicture(kept, False)
    png, complete = render(shop_id, shape, card)
    _write(final if complete else partial, png)
    _remove_older(folder, f"{slug}-{shape}-", keep=final if complete else partial)
    return SharePicture(png, complete)


def render(shop_id: int, shape: str, card: ShareCard) -> tuple[bytes, bool]:
    """(PNG, complete): the card drawn now; complete is False when a picture was missing."""
    text = CardText(title=card.title, shop_name=card.shop_name, host=card.host, price=card.price,
                    note=card.note, eyebrow=card.eyebrow)
    pictures, complete = load_pictures(shop_id, card.pictures[:3], PICTURE_BOXES[shape])
    try:
        return encode_png(draw_card(LAYOUTS[shape], text, card.colours, pictures)), complete
    except Exception:  # a share picture must never break a page: draw the plain card
        log.exception("drawing the share picture %r failed", card.title)
    try:
        return encode_png(draw_card(LAYOUTS[shape], text, card.colours, [])), False
    except Exception:
        log.exception("drawing the plain share picture %r failed", card.title)
        layout = LAYOUTS[shape]
        return encode_png(Image.new("RGB", (layout.width, layout.height), "#ffffff")), False


def load_pictures(shop_id: int, urls, box: tuple[int, int]) -> tuple[list[Image.Image], bool]:
    pictures, complete = [], True
    for url in urls:
        try:
            pictures.append(load_picture(shop_id, url, box))
        except Exception as error:  # any picture problem gives the placeholder
            log.info("share picture: %s not drawn (%s)", url[:200], error)
            complete = False
    return pictures, complete


def load_picture(shop_id: int, url: str, box: tuple[int, int]) -> Image.Image:
    """A picture the storefront shows, by its URL: a platform static file, one of this
    shop's uploads, or a public http(s) address."""
    if url.startswith("/static/"):
        path = safe_join(str(STATIC_DIR), url.removeprefix("/static/").split("?")[0])
        if path is None or not Path(path).is_file():
            raise DomainError(_('no such static file'))
        if path.endswith(".svg"):
            return _rasterise_svg(Path(path), box)
        return decode_picture(Path(path).read_bytes(), box)
    if url.startswith("/media/"):
        name = url.removeprefix("/media/")
        if not MEDIA_FILE.fullmatch(name):
            raise DomainError(_('not a media file'))
        return decode_picture((media_root() / "shops" / str(shop_id) / name).read_bytes(), box)
    if url.startswith(("http://", "https://")):
        return decode_picture(_download(url), box)
    raise DomainError(_('not a picture address'))


def _rasterise_svg(path: Path, box: tuple[int, int]) -> Image.Image:
    """The platform's own SVG pictures (the demo catalog's): Pillow cannot read SVG. Only
    trusted files come here; a supplier's SVG is never rendered."""
    import resvg_py  # a compiled wheel: imported only where a demo picture needs it

    png = resvg_py.svg_to_bytes(svg_path=str(path), width=box[0], skip_system_fonts=True)
    return decode_picture(bytes(png), box)


def _download(url: str) -> bytes:
    with netguard.open_url("GET", url, headers={"Accept": "image/png,image/jpeg,image/webp,image/gif"},
                           timeout=REMOTE_TIMEOUT) as response:
        if response.status != 200:
            raise DomainError(_('answered %(status)s', status=response.status))
        if "svg" in (response.getheader("Content-Type") or "").lower():
            raise DomainError(_('an SVG from elsewhere is not rendered'))
        data = response.read(REMOTE_MAX_BYTES + 1)
    if len(data) > REMOTE_MAX_BYTES:
        raise DomainError(_('too large'))
    return data


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write(path: Path, png: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{time.monotonic_ns()}")
        temporary.write_bytes(png)
        temporary.replace(path)
    except OSError:  # a full or read-only disk: serve what was drawn, keep nothing
        log.warning("could not keep the share picture %s", path, exc_info=True)


def _remove_older(folder: Path, prefix: str, keep: Path) -> None:
    """One file per page and shape: older versions (an old price, an old name) go."""
    try:
        for path in folder.glob(f"{prefix}*"):
            if path != keep and path.name.startswith(prefix):
                path.unlink(missing_ok=True)
    except OSError:
        pass
