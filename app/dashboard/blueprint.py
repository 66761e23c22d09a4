"""The dashboard blueprint and what its view modules share."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from app.shops import pricing
from app.shops.services import shops_of

from . import scoping

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
scoping.install(bp)

# Which side-navigation entry each page belongs to (marked aria-current).
NAV_SECTIONS = {
    "shop_home": "home",
    "catalog": "catalog",
    "add_listing": "catalog",
    "products": "products",
    "edit_listing": "products",
    "collections": "collections",
    "new_collection": "collections",
    "edit_collection": "collections",
    "orders": "orders",
    "order_detail": "orders",
    "orders_csv": "orders",
    "packing_slips": "orders",
    "confirm_cancel_order": "orders",
    "approve_order": "orders",
    "decline_order": "orders",
    "settings": "settings",
    "themes_library": "themes",
    "theme_editor": "themes",
    "theme_section": "themes",
    "newsletter_subscribers": "newsletter",
    "newsletter_csv": "newsletter",
    "domains": "domains",
}


@bp.context_processor
def _dashboard_globals():
    endpoint = (request.endpoint or "").rpartition(".")[2]
    return {
        "my_shops": shops_of(current_user) if current_user.is_authenticated else [],
        "nav_section": NAV_SECTIONS.get(endpoint),
        # A supply variant's wholesale cost and minimum retail price in the shop's currency.
        "cost_of": pricing.cost_of, "floor_of": pricing.floor_of,
    }


