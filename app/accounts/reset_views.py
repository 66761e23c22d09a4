"""'Forgot your password?': ask for a link by e-mail, then choose a new password (rate limited)."""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask_login import current_user

from app.errors import DomainError
from app.extensions import limiter
from app.i18n import _
from app.unit_of_work import refuse
from app.web import add_error

from . import password_reset, sessions
from .forms import ForgotPasswordForm, ResetPasswordForm
from .views import _auth_limit, _landing_for, bp


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def forgot_password():
    """The same answer whether or not the address has an account (no account enumeration)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.send_password_reset(form.email.data)
        except DomainError as error:
            add_error(form, error)
        else:
            return render_template("accounts/reset_sent.html", email=form.email.data.strip())
    elif not form.is_submitted() and current_user.is_authenticated:
        form.email.data = current_user.email
    return render_template("accounts/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password through the e-mailed link; then logged in here, and only here."""
    try:
        user = password_reset.user_for_reset_token(token)
    except DomainError as error:
        refuse()
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_reset.reset_password(token, form.password.data)
        except DomainError as error:
            add_error(form, error)
        else:
            sessions.start_session(user)
            flash(_('Your new password is set, and you are logged in. Every other device has been logged out.'), "success")
            return redirect(_landing_for(user))
    return render_template("accounts/reset_password.html", form=form, email=user.email), \
        422 if form.errors else 200
