"""Render storefront pages through the shop's theme.

Each theme gets its own Jinja environment (an overlay of the app's, sharing filters and
globals) whose loader resolves shop theme -> parent theme -> base theme, so a theme only
overrides the templates it changes; `sections/NAME.html` resolves the same way. The page
gets the owner's settings (as CSS custom properties and as values), the homepage sections
and the SEO tags. Its words are translated like the rest of the app, with gettext (`_()` in
the templates; a theme's own wording for a shared label is its `_words.html`). Themes are
platform code; shops only pick one and fill in values.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from flask import current_app, g, request, url_for
from flask_babel import get_locale
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from jinja2.runtime import Context
from markupsafe import Markup

from app.integrations import stripe_gateway
from app.remembered import GRIDS, remembered
from app.security_headers import csp_nonce
from app.themes.labels import default_texts, spoken, spoken_sections
from app.themes.packages import BASE_THEME, ThemePackage
from app.themes.registry import registry, static_file_path
from app.themes.setting_types import css_properties


def _environment(app, name: str):
    cache = app.extensions.setdefault("theme_environments", {})
    if name not in cache:
        theme: ThemePackage = app.extensions["themes"].get(name)
        loaders = [FileSystemLoader(str(d)) for d in theme.template_dirs]
        sections = ChoiceLoader([FileSystemLoader(str(d)) for d in theme.section_dirs])
        # "@default/layout.html" names one theme's own file, so a child can extend its parent's.
        own = {f"@{n}": FileSystemLoader(str(d)) for n, d in zip(theme.chain, theme.template_dirs, strict=True)}
        cache[name] = env = app.jinja_env.overlay(
            loader=ChoiceLoader([*loaders, PrefixLoader({"sections": sections, **own})]))
        env.globals["kept_grid"] = kept_grid  # (macros imported without the page's context see globals)
        env.context_class = _PageContext
    return cache[name]


# The contexts made while a page renders (its own, its sections', the macro modules it
# imports with its context), to be emptied once it is rendered: see `_render`.
_CONTEXTS: ContextVar[list | None] = ContextVar("storefront_page_contexts", default=None)
_PAGE = "__page_marker__"  # the key of the render's marker in its context (a name no template uses)


class _PageContext(Context):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        made = _CONTEXTS.get()
        if made is not None:
            made.append(self)


@lru_cache(maxsize=1024)
def _content_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_version(path: Path) -> str:
    """The content hash an asset's URL carries (cached per file and modification time)."""
    return _content_hash(str(path), path.stat().st_mtime)


def asset_url(filename: str, theme: str | None = None) -> str:
    """A theme asset URL with a content hash, so it can be cached for a year."""
    theme = theme or getattr(g, "theme", BASE_THEME)
    path = static_file_path(theme, filename)
    version = asset_version(path) if path else "missing"
    return url_for("storefront.asset", theme=theme, filename=filename, v=version)


def stylesheets(theme: ThemePackage) -> list[str]:
    """Each theme's own theme.css along the chain, base first, so a child adds to its parent."""
    urls = []
    for name in reversed(theme.chain):
        if (registry().get(name).path / "static" / "theme.css").is_file():
            urls.append(asset_url("theme.css", theme=name))
    return urls


def css_variables(theme: ThemePackage, settings: dict) -> Markup:
    """The owner's settings as CSS custom properties: the palette from the colour roles and
    every `css_var` the theme's settings declare (app/themes/setting_types.py; every value
    is validated: hex colours, curated fonts, the theme's own option CSS, numbers)."""
    values = css_properties(theme.settings_schema, settings)
    body = "".join(f"{name}:{value};" for name, value in values.items())
    return Markup(f'<style nonce="{csp_nonce()}">:root{{{body}}}</style>')  # noqa: S704 - every value validated


def kept_grid(offers, currency: str, heading: str, caller) -> Markup:
    """A product grid's HTML (`caller()`: the `{% call %}` block in `_macros.html`), kept in
    this process while neither the shop nor the catalog changed (app/remembered.py) and the
    cards are the same: each card's key holds what a card shows that is not a row of those
    (its price as priced now, its stock, its picture), so a kept grid is what a fresh render
    would make. Kept per theme, language, host, page and currency (the Market theme's quick
    add returns to its page); a theme draft's grids are not kept. A grid never holds a script
    nonce (cards have no script or style)."""
    shop, state = getattr(g, "shop", None), getattr(g, "theme_state", None)
    if shop is None or (state is not None and state.is_draft):
        return caller()
    cards = tuple(_card_key(offer) for offer in offers)
    parts = (state.theme.name if state else getattr(g, "theme", BASE_THEME), str(get_locale()), request.host,
             request.full_path, currency, heading, cards)
    return remembered("grid", caller, shop_id=shop.id, parts=parts, store=GRIDS)


def _card_key(offer: dict) -> tuple:
    return (offer["listing"].id, offer["price"], offer["varies"], offer["in_stock"], offer["paused"],
            offer["image"], tuple((variant.id, variant.stock > 0) for variant in offer["product"].variants))


def json_ld(data) -> Markup:
    """A JSON-LD script block; `<` is escaped so owner text cannot close the script."""
    if not data:
        return Markup("")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return Markup(f'<script type="application/ld+json" nonce="{csp_nonce()}">{text}</script>')  # noqa: S704


def render_storefront(template: str, status: int = 200, **context):
    from . import seo, theming

    app = current_app._get_current_object()
    state = theming.current_state()
    theme = state.theme if state else registry().get(getattr(g, "theme", BASE_THEME))
    env = _environment(app, theme.name)
    context.setdefault("shop", getattr(g, "shop", None))
    # Here, not in the storefront blueprint's context: error pages and the owner's theme
    # preview render a storefront too, and their footer says how shoppers can pay.
    context.setdefault("card_payments", stripe_gateway.enabled())
    context.update(
        asset_url=asset_url, theme=theme, stylesheets=stylesheets(theme),
        settings=spoken(state.settings if state else theme.defaults(), default_texts(theme)),
        sections=spoken_sections(theme, state.sections) if state else [],
        theme_css=css_variables(theme, state.settings if state else theme.defaults()),
        is_preview=bool(state and state.is_draft), media_url=theming.media_url,
        media_row=theming.media_row, json_ld=json_ld,  # not "media": _macros.html has a macro of that name
    )
    shop = context["shop"]
    if shop is not None and getattr(g, "shop", None) is None:
        g.shop = shop  # an error page outside the storefront hooks
        g.storefront = True
    context["meta"] = seo.complete(context.get("meta") or {}, shop, context.get("share"))
    app.update_template_context(context)
    return _render(env.get_template(template), context), status


def _render(template, context: dict) -> str:
    """`template.render(context)`, then every context the page made let go of its data.

    A Jinja context and the macros defined in it refer to each other: a cycle only the
    garbage collector frees. Each section's copy of the page's context is one (it imports
    the theme's macros "with context"), and each refers to the page's data: every card and
    the rows behind it, which then waited for the collector too (3,800 objects on the
    100-listing home, all of its rows). Emptied, the contexts hold nothing of the page, and
    its rows are freed as soon as the request lets go of them. Only contexts holding this
    render's marker are emptied: a macro module Jinja keeps between pages (imported without
    context) never does."""
    marker = object()
    made: list = []
    token = _CONTEXTS.set(made)
    try:
        ctx = template.new_context({**context, _PAGE: marker})
        return template.environment.concat(template.root_render_func(ctx))
    except Exception:
        template.environment.handle_exception()
    finally:
        _CONTEXTS.reset(token)
        for ctx in made:
            if ctx.parent.get(_PAGE) is marker:
                ctx.vars.clear()
                ctx.parent.clear()


def render_storefront_error(status: int, title: str, message: str):
    """An error page in the shop's theme and language (`title` and `message` may be lazy:
    they are read once the shop, hence its language, is known)."""
    from flask_babel import refresh as refresh_locale

    from . import theming

    shop = getattr(g, "shop", None)
    if shop is None and not getattr(g, "unknown_shop", False):
        # A path no route matched: the storefront hooks did not run, but the host may
        # still be a real shop, whose own 404 page (not "no such shop") is the right one.
        from sqlalchemy.exc import SQLAlchemyError

        from app.shops.hosts import resolve_shop

        try:
            shop = resolve_shop(request.host)
        except SQLAlchemyError:  # an error page must not fail on a broken database
            shop = None
        if shop is not None:
            theming.load_state_safely(shop)
            g.shop, g.storefront = shop, True
            refresh_locale()  # the shop's language, now that the shop is known
    g.theme = shop.theme if shop is not None else BASE_THEME
    return render_storefront("error.html", status=status, title=str(title), message=str(message),
                             status_code=status, shop=shop)
