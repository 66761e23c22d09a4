"""Marketing: the newsletter's sign-ups (listed, and as CSV for a mailing tool). The referral
programme, the other half of Marketing, is app/dashboard/referral_views.py."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for

from app.csv_export import csv_text
from app.db_types import utcnow
from app.shops.newsletter import subscribers
from app.web import csv_download

from .blueprint import bp


@bp.get("/<shop>/marketing/newsletter")
def newsletter_subscribers():
    return render_template("dashboard/subscribers.html", subscribers=subscribers())


@bp.get("/<shop>/marketing/newsletter.csv")
def newsletter_csv():
    rows = [(s.email, s.created_at.strftime("%Y-%m-%d %H:%M UTC")) for s in subscribers()]
    return csv_download(csv_text(("Email", "Signed up"), rows), f"newsletter-{g.shop.subdomain}-{utcnow():%Y-%m-%d}.csv")


@bp.get("/<shop>/subscribers")
def old_subscribers_page():
    """Where the list used to be (under Theme): old bookmarks still arrive."""
    return redirect(url_for(".newsletter_subscribers"), code=301)
