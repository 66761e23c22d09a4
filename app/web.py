"""Small helpers the back-office blueprints (dashboard, admin) share."""

from __future__ import annotations

from flask import abort
from flask_wtf import FlaskForm

from app.errors import DomainError, NotFound


def found(lookup, *args, **kwargs):
    """Call a service lookup (get_listing, get_order, ...); a NotFound becomes a 404."""
    try:
        return lookup(*args, **kwargs)
    except NotFound:
        abort(404)


def add_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]
