"""Revocable logins on top of Flask's signed-cookie sessions.

A signed cookie cannot be taken back once issued, so what it carries must be checkable
against the database: the login token "user id : session version : login time". Bumping
the user's session version (log out, password change, "log out everywhere") turns every
session and remember cookie issued before into a stranger; the login time caps how long
any of them lasts (REMEMBER_COOKIE_DURATION) whatever the browser does with its cookies.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user

from app.extensions import db

from .models import User


def login_token(user: User) -> str:
    return f"{user.id}:{user.session_version}:{int(time.time())}"


def _max_age_seconds() -> float:
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


def user_for_token(token: str | None) -> User | None:
    """The user a session or remember cookie names, if it is still theirs: the version
    matches and the login is not older than the longest a login may last."""
    try:
        user_id, version, issued = (int(part) for part in (token or "").split(":"))
    except ValueError:
        return None  # a malformed token, or one from before login tokens existed
    if not 0 <= time.time() - issued <= _max_age_seconds():
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version:
        return None
    return user


def start_session(user: User, *, remember: bool = False) -> None:
    """Log in with a fresh session: nothing from the anonymous session (its CSRF token
    included) carries over, so a cookie planted or read before login is worth nothing."""
    session.clear()
    login_user(user, remember=remember)


def revoke_sessions(user: User) -> None:
    """Every session and remember cookie of this user stops working."""
    user.session_version = User.session_version + 1  # in SQL: two bumps at once both count
    db.session.flush()
    db.session.refresh(user, ["session_version"])


def end_session() -> None:
    """Forget this browser's login: the session's contents and the remember cookie."""
    session.clear()
    logout_user()
