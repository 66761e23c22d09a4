"""One app, two sites, chosen by the Host header.

Platform routes (landing, sign-up, /dashboard/, /admin/, webhooks) answer only on
SERVER_NAME; storefront routes (endpoints under `storefront.`) answer on every other host
and are resolved to a shop in `app.storefront`. Werkzeug's host matching prefers the exact
platform host over the storefront pattern, so custom domains need no special routing.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from app.tenancy.hosts import STOREFRONT_HOST_PATTERN, is_platform_request

STOREFRONT_PREFIX = "storefront."


class FlagshipFlask(Flask):
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
        self.salt = "flagship-storefront" if self._storefront() else "flagship-platform"
        return super().get_signing_serializer(app)

    def get_cookie_name(self, app):
        return app.config["STOREFRONT_COOKIE_NAME"] if self._storefront() else super().get_cookie_name(app)

    def get_cookie_domain(self, app):
        return None  # host-only, always


def is_storefront_request() -> bool:
    return request.endpoint is not None and request.endpoint.startswith(STOREFRONT_PREFIX)
