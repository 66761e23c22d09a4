"""The platform admin's back office: /admin/ (platform-wide, so queries run unscoped).

This module holds the blueprint, the admin guard and the overview; the other pages live
in the view modules imported at the bottom (suppliers, products and CSV import, shops,
outbox), which register their routes on `bp`.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.extensions import login_manager
from app.tenancy import platform_wide, scope_requests
from app.web import row_id

from . import queries

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Which side-navigation entry each page belongs to (marked aria-current).
NAV_SECTIONS = {
    "index": "overview",
    "suppliers": "suppliers", "new_supplier": "suppliers", "supplier_detail": "suppliers",
    "edit_supplier": "suppliers", "new_product": "suppliers", "edit_product": "suppliers",
    "import_products": "suppliers", "supplier_staff": "suppliers", "invite_supplier_staff": "suppliers",
    "products": "products",
    "shops": "shops", "shop_detail": "shops", "suspend_shop": "shops", "reopen_shop": "shops",
    "outbox": "outbox", "outbox_email": "outbox",
    "deals_activity": "deals",
}


def _platform_admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(404)
    return platform_wide()


scope_requests(bp, _platform_admins_only)


@bp.context_processor
def _admin_globals():
    return {"nav_section": NAV_SECTIONS.get((request.endpoint or "").rpartition(".")[2])}


def page_number() -> int:
    return max(request.args.get("page", 1, type=row_id) or 1, 1)


@bp.get("/")
def index():
    return render_template("admin/index.html", overview=queries.overview(),
                           recent_shops=queries.recent_shops())


# The other admin pages register their routes on `bp` when imported.
from . import (  # noqa: E402, F401
    analytics_views,
    catalog_views,
    deal_views,
    feed_views,
    import_views,
    jobs_views,
    money_views,
    rates_views,
    shop_views,
    staff_views,
)
