"""Sign-up, log-in and log-out on the platform host (rate limited)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.errors import DomainError
from app.extensions import db, limiter
from app.web import local_path

from . import services
from .forms import LoginForm, SignupForm

bp = Blueprint("accounts", __name__)


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def _landing_for(user) -> str:
    return url_for("admin.index") if user.is_admin else url_for("dashboard.index")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash("Welcome to Flagship! Let’s open your shop.", "success")
            return redirect(url_for("dashboard.new_shop"))
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
            form.password.errors.append("That email and password don’t match an account.")
        else:
            db.session.commit()  # a rehashed password, if any
            login_user(user, remember=form.remember.data)
            return redirect(local_path(request.args.get("next")) or _landing_for(user))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("platform.home"))
