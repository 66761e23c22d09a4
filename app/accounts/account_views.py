"""The logged-in user's own account page: address, password, and logging out everywhere."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import DomainError
from app.extensions import limiter
from app.i18n import _
from app.unit_of_work import refuse
from app.web import add_error

from . import email_change, services, sessions
from .forms import ChangeEmailForm, ChangePasswordForm
from .views import _auth_limit, _per_user, _resend_limit, bp


def _account_page(*, password_form: ChangePasswordForm | None = None,
                  email_form: ChangeEmailForm | None = None, status: int = 200):
    """The page with the form just posted (and its errors) and the others blank."""
    return render_template(
        "accounts/account.html", form=password_form or ChangePasswordForm(formdata=None),
        email_form=email_form or ChangeEmailForm(formdata=None),
    ), status, {"Cache-Control": "no-store"}


def _link_was_sent(response) -> bool:
    return response.status_code < 400


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
@limiter.limit(_auth_limit)
def change_password():
    """A new password after the current one; other devices are logged out, this one stays."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(password_form=form, status=422)
    user = current_user._get_current_object()
    try:
        services.change_password(user, form.current_password.data, form.password.data)
    except DomainError as error:
        add_error(form, error)
        return _account_page(password_form=form, status=422)
    remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    sessions.start_session(user, remember=remembered)
    flash(_('Your password is changed. Every other device has been logged out.'), "success")
    return redirect(url_for(".account"))


@bp.post("/account/email")
@login_required
@limiter.limit(_auth_limit)  # password guesses
@limiter.limit(_resend_limit, key_func=_per_user, deduct_when=_link_was_sent)  # e-mails sent
def change_email():
    """Ask to log in with another address: a link goes to it; nothing changes until it is opened."""
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return _account_page(email_form=form, status=422)
    user = current_user._get_current_object()
    try:
        message = email_change.request_email_change(user, form.new_email.data, form.current_password.data)
    except DomainError as error:
        add_error(form, error)
        return _account_page(email_form=form, status=422)
    flash(_('We’ve sent a link to %(to_address)s. Open it to make that your login address; until then you log in with %(email)s.', to_address=message.to_address, email=user.email), "success")
    return redirect(url_for(".account"))


@bp.get("/account/email/<token>")
def confirm_email_change(token: str):
    """The link from the e-mail to the new address (works whether or not this browser is
    logged in: the link itself proves the address is the user's)."""
    try:
        user, _old_address = email_change.confirm_email_change(token)
    except DomainError as error:
        refuse()
        return render_template("accounts/verify_invalid.html", message=error.message), 400
    flash(_('Your login address is now %(email)s.', email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for(".account"))
    return redirect(url_for(".login"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of this account: other browsers, stolen cookies, and this one."""
    sessions.revoke_sessions(current_user)
    sessions.end_session()
    flash(_('You are logged out everywhere. Log in again on the devices you use.'), "info")
    return redirect(url_for(".login"))
