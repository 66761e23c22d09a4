"""Render storefront pages through the shop's theme.

Each theme gets its own Jinja environment (an overlay of the app's, sharing filters and
globals) whose loader resolves shop theme -> parent theme -> base theme, so a theme only
overrides the templates it changes. Themes are platform code; shops only pick one.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app, g, request, url_for
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.security import safe_join

from app.config import BASE_DIR

THEMES_DIR = BASE_DIR / "themes"
BASE_THEME = "default"


@lru_cache(maxsize=64)
def theme_manifest(name: str) -> dict:
    path = THEMES_DIR / name / "theme.json"
    if not path.is_file():
        raise LookupError(f"no theme {name!r} (missing {path})")
    return json.loads(path.read_text())


def available_themes() -> list[str]:
    return sorted(p.name for p in THEMES_DIR.iterdir() if (p / "theme.json").is_file())


def theme_chain(name: str) -> list[str]:
    """['boutique', 'default']: the theme, then its parents, ending at the base theme."""
    chain, current = [], name if (THEMES_DIR / name / "theme.json").is_file() else BASE_THEME
    while current and current not in chain:
        chain.append(current)
        current = theme_manifest(current).get("parent")
    if BASE_THEME not in chain:
        chain.append(BASE_THEME)
    return chain


def _environment(app, name: str):
    cache = app.extensions.setdefault("theme_environments", {})
    if name not in cache:
        loaders = [FileSystemLoader(str(THEMES_DIR / theme / "templates")) for theme in theme_chain(name)]
        cache[name] = app.jinja_env.overlay(loader=ChoiceLoader(loaders))
    return cache[name]


def static_file_path(theme: str, filename: str) -> Path | None:
    """The file a theme asset URL names, looked up along the theme chain (never outside it)."""
    for name in theme_chain(theme):
        candidate = safe_join(str(THEMES_DIR / name / "static"), filename)
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@lru_cache(maxsize=1024)
def _content_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """A theme asset URL with a content hash, so it can be cached for a year."""
    theme = getattr(g, "theme", BASE_THEME)
    path = static_file_path(theme, filename)
    version = _content_hash(str(path), path.stat().st_mtime) if path else "missing"
    return url_for("storefront.asset", theme=theme, filename=filename, v=version)


def render_storefront(template: str, status: int = 200, **context):
    app = current_app._get_current_object()
    theme = getattr(g, "theme", BASE_THEME)
    env = _environment(app, theme)
    context.setdefault("shop", getattr(g, "shop", None))
    context["asset_url"] = asset_url
    app.update_template_context(context)
    return env.get_template(template).render(context), status


def render_storefront_error(status: int, title: str, message: str):
    shop = getattr(g, "shop", None)
    if shop is None and not getattr(g, "unknown_shop", False):
        # A path no route matched: the storefront hooks did not run, but the host may
        # still be a real shop, whose own 404 page (not "no such shop") is the right one.
        from sqlalchemy.exc import SQLAlchemyError

        from app.tenancy.hosts import resolve_shop

        try:
            shop = resolve_shop(request.host)
        except SQLAlchemyError:  # an error page must not fail on a broken database
            shop = None
    g.theme = shop.theme if shop is not None else BASE_THEME
    return render_storefront("error.html", status=status, title=title, message=message,
                             status_code=status, shop=shop)
