"""Sign-up, log-in, log-out and e-mail confirmation on the platform host (rate limited)."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from app.errors import DomainError
from app.extensions import limiter
from app.i18n import _
from app.notifications.jobs import send_after_commit
from app.unit_of_work import refuse
from app.web import local_path

from . import services, sessions, verification
from .forms import LoginForm, SignupForm

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def _resend_limit() -> str:
    return current_app.config["VERIFY_RESEND_RATE_LIMIT"]


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


# The address a confirmation link just confirmed, for the login form that follows it (kept
# in the session, not the URL, so the address is in no log or Referer).
LOGIN_EMAIL_KEY = "login_email"


def _landing_for(user) -> str:
    return url_for("admin.index") if user.is_admin else url_for("dashboard.index")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def signup():
    """A new account, or (same page, same status) an e-mail to the address's owner."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user, created = services.sign_up(form.email.data, form.password.data)
            email = (verification.verification_email(user) if created
                     else verification.signup_attempt_email(user))
        except DomainError as error:
            refuse()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            send_after_commit(email)
            return render_template("accounts/check_email.html", email=user.email)
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_landing_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_('That email and password don’t match an account.'))
        else:
            target = local_path(request.args.get("next")) or _landing_for(user)
            sessions.start_session(user, remember=form.remember.data)
            return redirect(target)
    elif not form.is_submitted() and session.get(LOGIN_EMAIL_KEY):
        form.email.data = session[LOGIN_EMAIL_KEY]  # until they log in (start_session clears it)
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Log out; the session version moves on, so a copy of this browser's cookies (or any
    other) is no longer a login."""
    sessions.revoke_sessions(current_user)
    sessions.end_session()
    flash(_('You are logged out.'), "info")
    return redirect(url_for("platform.home"))


@bp.get("/verify-email/<token>")
def verify_email(token: str):
    try:
        user = verification.verify_email(token)
    except DomainError as error:
        refuse()
        return render_template("accounts/verify_invalid.html", message=error.message), 400
    flash(_('Thank you: your e-mail address is confirmed.'), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(_landing_for(user))
    if not current_user.is_authenticated:
        session[LOGIN_EMAIL_KEY] = user.email  # the link's holder reads that address anyway
    return redirect(url_for(".login"))


@bp.post("/verify-email/resend")
@login_required
@limiter.limit(_resend_limit, key_func=_per_user)
def resend_verification():
    if current_user.email_verified:
        flash(_('Your e-mail address is already confirmed.'), "info")
    else:
        send_after_commit(verification.verification_email(current_user))
        flash(_('We’ve sent a new link to %(email)s.', email=current_user.email), "success")
    return redirect(local_path(request.form.get("next")) or _landing_for(current_user))


from . import account_views, reset_views  # noqa: E402,F401 - register /account, /forgot-password on `bp`
