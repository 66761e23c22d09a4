"""The leader's weekly deal: its listings, deadline and handout day, and each round's order
sheet (per pickup point, per product, per shopper) as a page to print and as CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for

from app.deals import weekly
from app.errors import DomainError
from app.i18n import _, weekday_names
from app.shops.services import shop_listings
from app.unit_of_work import refuse
from app.web import csv_download

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"weekly_deal": "weekly", "weekly_sheet": "weekly", "weekly_sheet_csv": "weekly"})
# A week's sheet is addressed by its deadline in UTC, to the minute: 202612102000.
SHEET_KEY = "%Y%m%d%H%M"


@bp.route("/<shop>/weekly-deal", methods=["GET", "POST"])
def weekly_deal():
    deal = weekly.weekly_deal()
    errors, status = {}, 200
    if deal is None:
        values = {"title": _('This week’s box'), "listing_ids": [], "deadline_weekday": 3, "deadline_time": "20:00",
                  "handout_weekday": 5, "active": True}
    else:
        values = {"title": deal.title, "listing_ids": deal.listing_ids, "deadline_weekday": deal.deadline_weekday,
                  "deadline_time": f"{deal.deadline_minutes // 60:02d}:{deal.deadline_minutes % 60:02d}",
                  "handout_weekday": deal.handout_weekday, "active": deal.active}
    if request.method == "POST":
        form = request.form
        values = {"title": form.get("title", ""), "listing_ids": [int(i) for i in form.getlist("listing_ids")
                                                                  if i.isdigit()],
                  "deadline_weekday": form.get("deadline_weekday"), "deadline_time": form.get("deadline_time", ""),
                  "handout_weekday": form.get("handout_weekday"), "active": form.get("active") == "1"}
        try:
            weekly.save_weekly_deal(**values)
        except DomainError as error:
            refuse(error)
            errors, status = {error.field or "form": error.message}, 422
        else:
            flash(_('Weekly deal saved: the storefront shows its deadline and what has sold this week.'), "success")
            return redirect(url_for(".weekly_deal"))
    rounds = []
    if deal is not None:
        rounds = [(deadline, deadline.strftime(SHEET_KEY), weekly.handout_after(deal, deadline),
                   len(weekly.order_sheet(deal, deadline))) for deadline in weekly.past_rounds(deal)]
    return render_template("dashboard/weekly_deal.html", deal=deal, values=values, errors=errors,
                           listings=shop_listings(), rounds=rounds, weekdays=weekday_names(),
                           sold=weekly.sold_this_round(deal) if deal else {}), status


def _round(deadline: str):
    deal = weekly.weekly_deal()
    try:
        moment = datetime.strptime(deadline, SHEET_KEY).replace(tzinfo=UTC)
    except ValueError:
        abort(404)
    if deal is None or weekly.deadline_after(deal, moment) != moment:
        abort(404)  # not one of this deal's deadlines
    return deal, moment


@bp.get("/<shop>/weekly-deal/<deadline>/sheet")
def weekly_sheet(deadline: str):
    deal, moment = _round(deadline)
    rows = weekly.order_sheet(deal, moment)
    return render_template("dashboard/weekly_sheet.html", deal=deal, deadline=moment, key=deadline, rows=rows,
                           totals=weekly.sheet_totals(rows), handout=weekly.handout_after(deal, moment))


@bp.get("/<shop>/weekly-deal/<deadline>/sheet.csv")
def weekly_sheet_csv(deadline: str):
    deal, moment = _round(deadline)
    return csv_download(weekly.sheet_csv(weekly.order_sheet(deal, moment)), f"order-sheet-{moment:%Y-%m-%d}.csv")
