"""Dashboard URLs name the shop (/dashboard/<shop>/...). Before any view runs, the shop is
resolved from the URL and the logged-in user's membership, and the tenancy scope is set for
the whole request, so views and services see only this shop's rows. A shop the user is not
a member of is a 404 (not a 403: we don't confirm it exists)."""

from __future__ import annotations

from flask import abort, g, request
from flask_login import current_user

from app.accounts.services import membership
from app.shops.services import shop_by_subdomain
from app.tenancy.context import enter_shop, leave

TOKEN_KEY = "flagship.dashboard_tenancy_token"


def install(bp) -> None:
    @bp.url_value_preprocessor
    def _pull_shop(endpoint, values):
        g.shop_subdomain = (values or {}).pop("shop", None)

    @bp.url_defaults
    def _push_shop(endpoint, values):
        if "shop" not in values and getattr(g, "shop", None) is not None:
            from flask import current_app

            if current_app.url_map.is_endpoint_expecting(endpoint, "shop"):
                values["shop"] = g.shop.subdomain

    @bp.before_request
    def _enter_shop():
        if not current_user.is_authenticated:
            from app.extensions import login_manager

            return login_manager.unauthorized()
        subdomain = getattr(g, "shop_subdomain", None)
        if subdomain is None:
            return None
        shop = shop_by_subdomain(subdomain)
        if shop is None or membership(current_user.id, shop.id) is None:
            abort(404)
        g.shop = shop
        request.environ[TOKEN_KEY] = enter_shop(shop.id)
        return None

    @bp.teardown_request
    def _leave_shop(exc):
        token = request.environ.pop(TOKEN_KEY, None)
        if token is not None:
            leave(token)
