"""The logged-in user's own account page: password, and logging out everywhere."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import DomainError
from app.extensions import limiter
from app.web import add_error

from . import services, sessions
from .forms import ChangePasswordForm
from .views import _auth_limit, bp


def _account_page(form: ChangePasswordForm, status: int = 200):
    return render_template("accounts/account.html", form=form), status, {"Cache-Control": "no-store"}


@bp.get("/account")
@login_required
def account():
    return _account_page(ChangePasswordForm())


@bp.post("/account/password")
@login_required
@limiter.limit(_auth_limit)
def change_password():
    """A new password after the current one; other devices are logged out, this one stays."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(form, 422)
    user = current_user._get_current_object()
    try:
        services.change_password(user, form.current_password.data, form.password.data)
    except DomainError as error:
        add_error(form, error)
        return _account_page(form, 422)
    remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    sessions.start_session(user, remember=remembered)
    flash("Your password is changed. Every other device has been logged out.", "success")
    return redirect(url_for(".account"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of this account: other browsers, stolen cookies, and this one."""
    sessions.revoke_sessions(current_user)
    sessions.end_session()
    flash("You are logged out everywhere. Log in again on the devices you use.", "info")
    return redirect(url_for(".login"))
