"""The platform's own pages on SERVER_NAME: landing page and static files."""

from __future__ import annotations

from flask import Blueprint, render_template, send_from_directory

from app.config import STATIC_DIR
from app.shops.services import open_shops_for_directory

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
