"""Analytics across shops: every shop's visits and orders, the money of the shops selling in
the platform's currency, the shops with the most, and the CSV. Each shop's days are its own
calendar days; "today" is UTC's."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from app.analytics import reports
from app.analytics.jobs import refresh_when_inline
from app.errors import DomainError
from app.shops.timezones import shop_today
from app.web import csv_download

from .views import NAV_SECTIONS, bp

NAV_SECTIONS.update({"analytics": "analytics", "analytics_csv": "analytics"})


@bp.get("/analytics")
def analytics():
    refresh_when_inline()
    today = shop_today("UTC")
    try:
        period, error = reports.read_period(request.args, today), None
    except DomainError as refused:
        period, error = reports.default_period(today), refused
    report = reports.platform_report(period, current_app.config["DEFAULT_CURRENCY"])
    return render_template("admin/analytics.html", report=report, charts=reports.report_charts(report),
                           error=error, values=request.args, periods=reports.PERIODS, grains=reports.GRAINS,
                           today=today), 400 if error else 200


@bp.get("/analytics.csv")
def analytics_csv():
    refresh_when_inline()
    try:
        period = reports.read_period(request.args, shop_today("UTC"))
    except DomainError as refused:
        abort(400, description=str(refused))
    report = reports.platform_report(period, current_app.config["DEFAULT_CURRENCY"])
    name, text = reports.csv_file(report, "analytics-all-shops")
    return csv_download(text, name)
