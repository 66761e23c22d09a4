"""The platform's own pages on SERVER_NAME: landing page and static files."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from app import i18n
from app.config import STATIC_DIR
from app.shops.services import open_shops_for_directory
from app.web import local_path

bp = Blueprint("platform", __name__)


def register_static(app) -> None:
    """Platform static files, served only on the platform host."""

    def static(filename: str):
        return send_from_directory(STATIC_DIR, filename, max_age=3600)

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static)
    app.add_url_rule("/favicon.ico", endpoint="favicon", view_func=lambda: send_from_directory(
        STATIC_DIR, "favicon.svg", mimetype="image/svg+xml", max_age=86400))


@bp.get("/")
def home():
    return render_template("platform/home.html", shops=open_shops_for_directory())


@bp.get("/healthz")
def health():
    return {"status": "ok"}


@bp.get("/language")
def switch_language():
    """The back offices' language switcher: kept on the signed-in user (their e-mails speak
    it too) and in the `lang` cookie, then back to the page they were on."""
    language = i18n.language_or_default(request.args.get("to"))
    if current_user.is_authenticated:
        current_user.language = language  # committed by the unit of work
    response = redirect(local_path(request.args.get("next")) or url_for(".home"), code=303)
    i18n.set_language_cookie(response, language)
    return response
