"""Which theme state a storefront request renders: the live one, or the owner's draft.

The owner previews a draft through a signed, short-lived token from the dashboard; the
storefront keeps it in its own session cookie (so only the owner's browser has it) until
it expires or the owner leaves the preview. Everyone else sees what is published.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, session, url_for
from flask_babel import get_locale

from app.remembered import remembered
from app.shops.domains import primary_domain
from app.shops.media import media_by_ids
from app.shops.theme_services import ThemeState, read_preview_token, theme_state
from app.tenancy import use_shop

PREVIEW_KEY = "theme_preview"


def current_state() -> ThemeState | None:
    return getattr(g, "theme_state", None)


def _image_ids(state: ThemeState) -> set[int]:
    ids = {v for s in state.theme.settings_schema if s["type"] == "image"
           for v in [state.settings.get(s["id"])] if isinstance(v, int)}
    for section in state.sections:
        kind = state.theme.sections[section["type"]]
        ids |= {v for s in kind.settings_schema if s["type"] == "image"
                for v in [section["settings"].get(s["id"])] if isinstance(v, int)}
    return ids


def preview_theme_for(shop) -> str | None:
    token = (session.get(PREVIEW_KEY) or {}).get(str(shop.id))
    if not token:
        return None
    theme = read_preview_token(token, shop.id)
    if theme is None:
        stop_preview(shop)
    return theme


def start_preview(shop, token: str) -> bool:
    if read_preview_token(token, shop.id) is None:
        return False
    session[PREVIEW_KEY] = {**(session.get(PREVIEW_KEY) or {}), str(shop.id): token}
    return True


def stop_preview(shop) -> None:
    previews = dict(session.get(PREVIEW_KEY) or {})
    if previews.pop(str(shop.id), None) is not None:
        session[PREVIEW_KEY] = previews


@dataclass(frozen=True)
class MediaFile:
    """What a page shows of an uploaded picture (kept across requests: not a session's row)."""

    filename: str
    width: int
    height: int


@dataclass(frozen=True)
class ShopLook:
    """Everything a page takes from the shop's theme: the same for every page until the
    owner changes something, so it is kept between requests (app/remembered.py)."""

    state: ThemeState
    media: dict[int, MediaFile]
    canonical_origin: str


def _look(shop, preview: str | None) -> ShopLook:
    state = theme_state(shop, preview, draft=preview is not None)
    media = {m.id: MediaFile(m.filename, m.width, m.height) for m in media_by_ids(_image_ids(state)).values()}
    return ShopLook(state, media, canonical_origin(shop))


def load_state(shop) -> ThemeState:
    """Set the request's theme state (inside the shop's tenancy scope)."""
    preview = preview_theme_for(shop)
    if preview is None:
        # Section names are translated as the state is made: kept per language.
        look = remembered("shop_look", lambda: _look(shop, None), shop_id=shop.id, parts=(str(get_locale()),))
    else:
        look = _look(shop, preview)  # the owner's draft: theirs alone, never kept
    g.theme_state, g.theme = look.state, look.state.theme.name
    g.theme_media = look.media
    g.canonical_origin = look.canonical_origin
    return look.state


def canonical_origin(shop) -> str:
    """The shop's canonical scheme://host: its main verified custom domain, else its subdomain."""
    from app.shops.hosts import storefront_host

    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    domain = primary_domain()
    return f"{scheme}://{domain.hostname if domain else storefront_host(shop)}"


def load_state_safely(shop) -> None:
    """For error pages outside the storefront hooks: best effort, never raises."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with use_shop(shop.id):
            load_state(shop)
    except SQLAlchemyError:
        g.theme_state = None


def media_row(media_id):
    return (getattr(g, "theme_media", None) or {}).get(media_id) if isinstance(media_id, int) else None


def media_url(media_id, external: bool = False) -> str | None:
    media = media_row(media_id)
    if media is None:
        return None
    return url_for("storefront.media", filename=media.filename, _external=external)
