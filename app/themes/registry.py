"""The installed themes, loaded once at start (`app.extensions["themes"]`)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from werkzeug.security import safe_join

from .labels import label


def registry():
    return current_app.extensions["themes"]


def theme_manifest(name: str) -> dict:
    """Display facts of an installed theme (name, description, ...)."""
    theme = registry().get(name)
    return {"name": theme.title, "description": label(theme.description), "version": theme.version,
            "parent": theme.parent, "audience": label(theme.audience), "preview": theme.preview}


def available_themes() -> list[str]:
    return registry().names()


def theme_chain(name: str) -> list[str]:
    """['boutique', 'default']: the theme, then its parents, ending at the base theme."""
    return registry().get(name).chain


def static_file_path(theme: str, filename: str) -> Path | None:
    """The file a theme asset URL names, looked up along the theme chain (never outside it)."""
    if theme not in registry():
        return None
    for folder in registry().get(theme).static_dirs:
        candidate = safe_join(str(folder), filename)
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None
