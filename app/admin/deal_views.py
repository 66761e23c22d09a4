"""Admin: group buys and pre-sales across shops: what is running, what happened, and any
round whose deadline passed unhandled (the worker would be down)."""

from __future__ import annotations

from flask import render_template, request

from app.deals import services as deals
from app.deals.models import DEAL_KINDS
from app.web import row_id

from .views import bp


@bp.get("/deals")
def deals_activity():
    shop_id = request.args.get("shop", type=row_id)
    kind = request.args.get("kind") if request.args.get("kind") in DEAL_KINDS else None
    return render_template("admin/deals.html", rows=deals.platform_activity(shop_id=shop_id, kind=kind),
                           running=deals.running_rounds(), overdue=deals.overdue_rounds(),
                           shop_id=shop_id, kind=kind)
