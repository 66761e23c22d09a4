"""Dashboard URLs name the shop (/dashboard/<shop>/...). Before any view runs, the shop is
resolved from the URL and the logged-in user's membership, and the tenancy scope is set for
the whole request, so views and services see only this shop's rows. A shop the user is not
a member of is a 404 (not a 403: we don't confirm it exists)."""

from __future__ import annotations

from flask import abort, g
from flask_login import current_user

from app.accounts.services import membership
from app.shops.services import shop_by_subdomain
from app.tenancy import for_shop, scope_requests


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

    scope_requests(bp, _shop_of_url)


def _shop_of_url():
    if not current_user.is_authenticated:
        from app.extensions import login_manager

        return login_manager.unauthorized()
    subdomain = getattr(g, "shop_subdomain", None)
    if subdomain is None:
        return None  # the shop list and "open a shop": no shop's data
    shop = shop_by_subdomain(subdomain)
    if shop is None or membership(current_user.id, shop.id) is None:
        abort(404)
    g.shop = shop
    return for_shop(shop.id)
