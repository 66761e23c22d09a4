"""Forms generated from a theme's settings schema (the owner never writes template code).

The form only renders the inputs and carries the CSRF token; the values are checked by
`app.shops.theme_services`, which knows the rules and names each field it refuses.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.themes.labels import label
from app.themes.setting_types import type_of


def schema_form(schema: list[dict], values: dict, collections=(), formdata=None, prefix: str = ""):
    """A FlaskForm with one field per setting, filled with `values` (GET) or the post."""

    class SchemaForm(FlaskForm):
        pass

    for setting in schema:
        kind = type_of(setting)
        setattr(SchemaForm, setting["id"], kind.form_field(setting, collections))
        if kind.is_upload:
            setattr(SchemaForm, f"{setting['id']}__remove", BooleanField(_('Remove this image')))
    data = {s["id"]: type_of(s).form_data(values.get(s["id"])) for s in schema if not type_of(s).is_upload}
    kwargs = {"data": data} if formdata is None else {"formdata": formdata}
    form = SchemaForm(prefix=prefix, **kwargs)
    form.schema = schema
    form.initial_images = {s["id"]: values.get(s["id"]) for s in schema if type_of(s).is_upload}
    return form


def grouped(schema: list[dict]) -> list[tuple[str, list[dict]]]:
    """Settings by their `group` (in schema order), for fieldsets in the editor, each named
    in the reader's language."""
    groups: dict[str, list[dict]] = {}
    for setting in schema:
        groups.setdefault(setting.get("group", "Settings"), []).append(setting)
    return [(label(group), settings) for group, settings in groups.items()]


def raw_values(form, formdata) -> dict:
    """What the owner sent, as the service expects it. A field the post leaves out keeps its
    current value, except a checkbox, which a browser leaves out when it is unticked."""
    raw = {}
    for setting in form.schema:
        field, kind = form[setting["id"]], type_of(setting)
        if kind.is_upload:
            raw[f"{setting['id']}__remove"] = bool(form[f"{setting['id']}__remove"].data)
        elif kind.unticked_is_false or field.name in formdata:
            raw[setting["id"]] = field.data
    return raw


def uploads(form, files) -> dict:
    """{setting id: (bytes, file name)} for the image fields that got a file."""
    found = {}
    for setting in form.schema:
        if not type_of(setting).is_upload:
            continue
        upload = files.get(form[setting["id"]].name)
        if upload is not None and upload.filename:
            found[setting["id"]] = (upload.read(), upload.filename)
    return found


class SectionAddForm(FlaskForm):
    section_type = SelectField(_l('Add a section'), validate_choice=False)


class PlainForm(FlaskForm):
    """Buttons that only need the CSRF token (publish, move, remove, ...)."""
