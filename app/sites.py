"""One app, two sites, chosen by the Host header.

Platform routes (landing, sign-up, /dashboard/, /admin/, webhooks) answer only on
SERVER_NAME; storefront routes (endpoints under `storefront.`) answer on every other host
and are resolved to a shop in `app.storefront`. Werkzeug's host matching prefers the exact
platform host over the storefront pattern, so custom domains need no special routing.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.routing import IntegerConverter

from app.shops.hosts import STOREFRONT_HOST_PATTERN, is_platform_request
from app.web import MAX_ROW_ID

STOREFRONT_PREFIX = "storefront."
STOREFRONT_SALT, PLATFORM_SALT = "flagship-storefront", "flagship-platform"


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: ids fit a 32-bit integer column, so a longer number is a
    404 from routing instead of an overflow in the database driver (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


class FlagshipFlask(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.url_map.converters["int"] = RowIdConverter  # before any route is added

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None,
                     **options):
        if "host" not in options:
            name = endpoint or (view_func.__name__ if view_func else "")
            options["host"] = (
                STOREFRONT_HOST_PATTERN if name.startswith(STOREFRONT_PREFIX)
                else self.config["SERVER_NAME"]
            )
        return super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)


class SiteSessionInterface(SecureCookieSessionInterface):
    """Separate signed cookies for the platform and for storefronts.

    Both are host-only. A different cookie name and signing salt mean a platform session
    presented to a storefront host (or the reverse) is simply not a session there.
    """

    def _storefront(self) -> bool:
        return not is_platform_request()

    def get_signing_serializer(self, app):
        self.salt = STOREFRONT_SALT if self._storefront() else PLATFORM_SALT
        return super().get_signing_serializer(app)

    def get_cookie_name(self, app):
        return app.config["STOREFRONT_COOKIE_NAME"] if self._storefront() else super().get_cookie_name(app)

    def get_cookie_domain(self, app):
        return None  # host-only, always


def storefront_session_reader(app):
    """What reads a storefront's session cookie outside a request (the page cache, in front
    of Flask): the serializer Flask's own session uses there."""
    reader = SecureCookieSessionInterface()
    reader.salt = STOREFRONT_SALT
    return reader.get_signing_serializer(app)


def is_storefront_request() -> bool:
    return request.endpoint is not None and request.endpoint.startswith(STOREFRONT_PREFIX)
