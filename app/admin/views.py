"""The platform admin's back office: /admin/ (platform-wide, so queries run unscoped)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.extensions import login_manager
from app.tenancy.context import enter_unscoped, leave

bp = Blueprint("admin", __name__, url_prefix="/admin")
TOKEN_KEY = "flagship.admin_tenancy_token"


@bp.before_request
def _require_admin():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(404)
    request.environ[TOKEN_KEY] = enter_unscoped()
    return None


@bp.teardown_request
def _leave(exc):
    token = request.environ.pop(TOKEN_KEY, None)
    if token is not None:
        leave(token)


@bp.get("/")
def index():
    return render_template("admin/index.html")
