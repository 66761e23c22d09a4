"""The shop's analytics: visits, orders, revenue, margin and conversion over a period, by
day, week or month, its top listings, promoters, share links and sites, and the CSV."""

from __future__ import annotations

from flask import abort, g, render_template, request

from app.analytics import reports
from app.analytics.jobs import refresh_when_inline
from app.errors import DomainError
from app.web import csv_download

from .blueprint import NAV_SECTIONS, bp

NAV_SECTIONS.update({"analytics": "analytics", "analytics_csv": "analytics"})


@bp.get("/<shop>/analytics")
def analytics():
    refresh_when_inline()
    today = reports.today_of(g.shop)
    try:
        period, error = reports.read_period(request.args, today), None
    except DomainError as refused:
        period, error = reports.default_period(today), refused
    report = reports.shop_report(g.shop, period)
    return render_template("dashboard/analytics.html", report=report, charts=reports.report_charts(report),
                           error=error, values=request.args, periods=reports.PERIODS, grains=reports.GRAINS,
                           today=today), 400 if error else 200


@bp.get("/<shop>/analytics.csv")
def analytics_csv():
    refresh_when_inline()
    try:
        period = reports.read_period(request.args, reports.today_of(g.shop))
    except DomainError as refused:
        abort(400, description=str(refused))
    report = reports.shop_report(g.shop, period)
    name, text = reports.csv_file(report, f"analytics-{g.shop.subdomain}")
    return csv_download(text, name)

