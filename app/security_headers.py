"""Security headers on every response, set in one place.

Content-Security-Policy: scripts and <style> elements run only from our own origin or
with this request's nonce (templates write `nonce="{{ csp_nonce() }}"`), so an injected
<script> or event-handler attribute does nothing. No page may be framed (the theme
preview opens in its own tab, not an iframe). An image (uploaded media, a share picture)
gets `IMAGE_POLICY`: nothing loads and nothing runs, but the browser's own viewer, which
styles the page it shows an image in inline, may do so. A response that brings its own
policy keeps it.

`form-action` is left out on purpose: checkout and payout onboarding post to us and we
answer with a redirect to Stripe, and browsers check form-action against that redirect.
"""

from __future__ import annotations

import secrets

from flask import current_app, g, request

# Shopper data (addresses, order numbers) and the back offices: never kept by a browser
# cache or a proxy, so the Back button or a shared computer does not show them again.
NO_STORE_BLUEPRINTS = {"dashboard", "admin", "supplier", "accounts"}
NO_STORE_ENDPOINTS = {"storefront.cart", "storefront.checkout", "storefront.order_status",
                      "storefront.cancel_payment", "storefront.confirm_cancel_payment"}
HSTS = "max-age=31536000"
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def csp_nonce() -> str:
    """This request's nonce for inline <script> and <style> elements."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def allow_style_attributes(view):
    """Mark a view whose page needs inline style="" attributes (an e-mail preview: an
    iframe's srcdoc inherits the page's policy, and e-mails are styled inline)."""
    view.allows_style_attributes = True
    return view


def content_security_policy() -> str:
    nonce = csp_nonce()
    images = "'self' data: https:" + ("" if _production() else " http:")  # supplier catalogs link images
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        f"img-src {images}",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "allows_style_attributes", False):
        directives.append("style-src-attr 'unsafe-inline'")
    return "; ".join(directives)


def _production() -> bool:
    return current_app.config.get("FLAGSHIP_ENV") == "production"


def _carries_token() -> bool:
    """An order link (/orders/<number>/<token>) or a preview link (?token=...)."""
    return "token" in (request.view_args or {}) or "token" in request.args


def set_security_headers(response):
    headers = response.headers
    is_image = (response.mimetype or "").startswith("image/")
    headers.setdefault("Content-Security-Policy", IMAGE_POLICY if is_image else content_security_policy())
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for older browsers
    headers["X-Content-Type-Options"] = "nosniff"
    # A URL with a token in it must not reach another site. `same-origin` rather than
    # `no-referrer`: the pages' own POST buttons still need a Referer for the CSRF check
    # over HTTPS (Flask-WTF refuses a POST without one).
    headers["Referrer-Policy"] = "same-origin" if _carries_token() else "strict-origin-when-cross-origin"
    if _production():
        headers["Strict-Transport-Security"] = HSTS
    if request.blueprint in NO_STORE_BLUEPRINTS or request.endpoint in NO_STORE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def install(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(set_security_headers)
