"""Refuse malformed input before any view runs, with a 400 that says what is wrong.

A NUL byte cannot be stored in a PostgreSQL text value (psycopg raises DataError deep
inside whatever query first sees it), so none gets past the door: not in the path, the
query string, a form field's name or value, nor an uploaded file's name. A POST whose
Referer is not a parseable URL would make Flask-WTF's HTTPS referrer check raise; it is
refused here, before that check runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request

from app.i18n import _

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _form_has_nul() -> bool:
    # Only form bodies: a webhook's raw JSON body is read by its own view, untouched here.
    if request.mimetype not in FORM_TYPES:
        return False
    for name, value in request.form.items(multi=True):
        if _has_nul(name) or _has_nul(value):
            return True
    return any(_has_nul(name) or _has_nul(upload.filename or "")
               for name, upload in request.files.items(multi=True))


def refuse_malformed_input():
    if _has_nul(request.path) or any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True)):
        abort(400, description=_('The address contains a character we can’t accept (a NUL byte).'))
    if request.method not in SAFE_METHODS:
        if _form_has_nul():
            abort(400, description=_('The form contains a character we can’t accept (a NUL byte).'))
        if request.referrer and not _parseable_url(request.referrer):
            abort(400, description=_('The request’s Referer header is not a valid address.'))
    return None


def _parseable_url(url: str) -> bool:
    try:
        urlsplit(url).port  # noqa: B018 - raises on a port out of range or not a number
    except ValueError:
        return False
    return True


def install(app) -> None:
    """Register first, so this runs before the CSRF check and every blueprint's hooks."""
    app.before_request(refuse_malformed_input)
