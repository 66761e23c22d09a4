"""Small helpers the back-office blueprints (dashboard, admin) share."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import Response, abort, flash, request
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.widgets import Select, html_params

from app.errors import DomainError, NotFound
from app.i18n import _
from app.unit_of_work import refuse


def found(lookup, *args, **kwargs):
    """Call a service lookup (get_listing, get_order, ...); a NotFound becomes a 404."""
    try:
        return lookup(*args, **kwargs)
    except NotFound:
        abort(404)


def same_site_form(view):
    """For a storefront form any visitor may send without a session (add to cart, the
    newsletter): no session CSRF token (the page that shows it then sets no cookie, so it
    can be cached), but a browser's cross-site post is refused, as its Origin or
    Sec-Fetch-Site header gives it away. Such a post could do no harm beyond what anyone can
    do directly, so this is the only check. Exempt the view from CSRFProtect too."""
    @wraps(view)
    def checked(*args, **kwargs):
        origin = request.headers.get("Origin")
        if request.headers.get("Sec-Fetch-Site") == "cross-site" or (
                origin and origin != "null" and urlsplit(origin).netloc != request.host):
            abort(403)
        return view(*args, **kwargs)

    return checked


MAX_LOCAL_PATH = 2000
MAX_ROW_ID = 2**31 - 1  # ids live in 32-bit integer columns


def csv_download(body: str | bytes, name: str) -> Response:
    """A CSV file the browser saves as `name` (its body spreadsheet-safe: app/csv_export.py)."""
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


def row_id(text: str) -> int:
    """An id or page number from a query string or form: `request.args.get("page", 1,
    type=row_id)`. A number no column can hold raises ValueError, so the default applies,
    instead of an overflow inside the database driver (a 500)."""
    value = int(text)
    if not 0 <= value <= MAX_ROW_ID:
        raise ValueError(f"{text!r} is out of range")
    return value



def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (the caller falls back to its own
    page). One leading "/", then no backslash, whitespace or control character anywhere:
    browsers read "//evil", "/\\evil" and "/<TAB>/evil" as another site, and a newline
    cannot go in a Location header."""
    if not target or len(target) > MAX_LOCAL_PATH or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch).startswith("C") for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def wants_json() -> bool:
    """The request is a page script's (bulk.js's saves ask for JSON), not a plain form post."""
    return request.accept_mimetypes.best == "application/json"


def add_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form; the request's
    writes roll back (app/unit_of_work.py)."""
    refuse(error)
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


def flash_refusal(error: DomainError) -> None:
    """Tell a service's refusal in a flash message; the request's writes roll back."""
    refuse(error)
    flash(error.message, "error")


@dataclass(frozen=True)
class RefundRequest:
    quantities: dict[int, int] | None  # None: everything left
    reason: str


def read_refund_form(form, lines) -> RefundRequest:
    """The back offices' refund form: `whole`, or a `qty-<line id>` field per order line
    (empty is 0), and a `reason`. A quantity that is not a whole number is a DomainError."""
    reason = (form.get("reason") or "").strip()
    if form.get("whole"):
        return RefundRequest(None, reason)
    quantities = {}
    for line in lines:
        raw = (form.get(f"qty-{line.id}") or "0").strip()
        try:
            quantities[line.id] = int(raw)
        except ValueError:
            raise DomainError(_('%(title)s: enter a whole number of items to refund.', title=line.title)) from None
    return RefundRequest(quantities, reason)


# Long selects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionList:
    """The options of a long <select> (a platform's thousand suppliers, 490 time zones),
    written out once: keep it (`remembered`, or per language) and every request only marks
    its chosen option. Writing a thousand options took 10-12 ms of a catalog search."""

    values: frozenset[str]
    html: str

    @classmethod
    def of(cls, pairs) -> OptionList:
        """From (value, label) pairs, in their order."""
        pairs = [(str(value), str(label)) for value, label in pairs]
        return cls(frozenset(value for value, _label in pairs),
                   "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in pairs))

    def render(self, chosen: str | None) -> Markup:
        html = self.html
        if chosen is not None and str(chosen) in self.values:
            # Values are unique and the tag ends at their closing quote: "1" never marks "10".
            tag = f'<option value="{escape(str(chosen))}">'
            html = html.replace(tag, f'{tag[:-1]} selected>', 1)
        return Markup(html)


class _LongSelectWidget(Select):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if field.flags.required and "required" not in kwargs:
            kwargs["required"] = True
        render = type(self)._dispatch_render_option()
        leading = "".join(render(choice) for choice in field._iter_choices_normalized())
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{leading}"
                      f"{field.options.render(field.data)}</select>")


class LongSelectField(SelectField):
    """A select of many options: `choices` are the few leading ones ("All suppliers"),
    `options` the OptionList after them (or a callable giving it). The service, not the
    field, says whether a value is one of them (`is_listed`)."""

    widget = _LongSelectWidget()

    def __init__(self, label=None, validators=None, options=None, **kwargs):
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, validate_choice=False, **kwargs)
        self._options = options

    @property
    def options(self) -> OptionList:
        return self._options() if callable(self._options) else self._options

    @options.setter
    def options(self, options: OptionList) -> None:
        self._options = options

    def is_listed(self) -> bool:
        return self.data in self.options.values
