"""Which theme state a storefront request renders: the live one, or the owner's draft.

The owner previews a draft through a signed, short-lived token from the dashboard; the
storefront keeps it in its own session cookie (so only the owner's browser has it) until
it expires or the owner leaves the preview. Everyone else sees what is published.
"""

from __future__ import annotations

from flask import current_app, g, session, url_for

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


def load_state(shop) -> ThemeState:
    """Set the request's theme state (inside the shop's tenancy scope)."""
    preview = preview_theme_for(shop)
    state = theme_state(shop, preview, draft=preview is not None)
    g.theme_state, g.theme = state, state.theme.name
    g.theme_media = media_by_ids(_image_ids(state))
    g.canonical_origin = canonical_origin(shop)
    return state


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
