"""Forms generated from a theme's settings schema (the owner never writes template code).

The form only renders the inputs and carries the CSRF token; the values are checked by
`app.shops.theme_services`, which knows the rules and names each field it refuses.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.themes.schema import FONTS, max_length

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif"


def _field(setting: dict, collections):
    kind, label = setting["type"], setting["label"]
    description = setting.get("info", "")
    if kind == "color":
        return StringField(label, description=description, render_kw={"type": "color"})
    if kind == "font":
        return SelectField(label, description=description, validate_choice=False,
                           choices=[SelectChoice(key, name) for key, (name, _) in FONTS.items()])
    if kind == "select":
        return SelectField(label, description=description, validate_choice=False,
                           choices=[SelectChoice(o["value"], o["label"]) for o in setting["options"]])
    if kind == "collection":
        return SelectField(label, description=description, validate_choice=False, choices=[
            SelectChoice("", "— All products —" if setting["id"].startswith("button") else "— Your first collection —"),
            *[SelectChoice(c.handle, c.title) for c in collections]])
    if kind == "range":
        step = setting.get("step", 1)
        return StringField(label, description=description or f"{setting['min']} to {setting['max']}.",
                           render_kw={"type": "number", "min": setting["min"], "max": setting["max"],
                                      "step": step, "inputmode": "numeric"})
    if kind == "checkbox":
        return BooleanField(label, description=description)
    if kind == "text":
        return StringField(label, description=description, render_kw={"maxlength": max_length(setting)})
    if kind in ("textarea", "richtext"):
        rows = 6 if kind == "richtext" else 3
        help_text = description or ("Paragraphs (<p>), bold, italics, links and lists are kept; anything else is removed."
                                    if kind == "richtext" else "")
        return TextAreaField(label, description=help_text, render_kw={"rows": rows})
    if kind == "image":
        return FileField(label, description=description, render_kw={"accept": IMAGE_ACCEPT})
    raise ValueError(f"no form field for setting type {kind}")


def schema_form(schema: list[dict], values: dict, collections=(), formdata=None, prefix: str = ""):
    """A FlaskForm with one field per setting, filled with `values` (GET) or the post."""

    class SchemaForm(FlaskForm):
        pass

    for setting in schema:
        setattr(SchemaForm, setting["id"], _field(setting, collections))
        if setting["type"] == "image":
            setattr(SchemaForm, f"{setting['id']}__remove", BooleanField("Remove this image"))
    data = {}
    for setting in schema:
        value = values.get(setting["id"])
        if setting["type"] in ("image",):
            continue
        data[setting["id"]] = "" if value is None else (value if setting["type"] == "checkbox" else str(value))
    kwargs = {"data": data} if formdata is None else {"formdata": formdata}
    form = SchemaForm(prefix=prefix, **kwargs)
    form.schema = schema
    form.initial_images = {s["id"]: values.get(s["id"]) for s in schema if s["type"] == "image"}
    return form


def grouped(schema: list[dict]) -> list[tuple[str, list[dict]]]:
    """Settings by their `group` (in schema order), for fieldsets in the editor."""
    groups: dict[str, list[dict]] = {}
    for setting in schema:
        groups.setdefault(setting.get("group", "Settings"), []).append(setting)
    return list(groups.items())


def raw_values(form, formdata) -> dict:
    """What the owner sent, as the service expects it. A field the post leaves out keeps its
    current value, except a checkbox, which a browser leaves out when it is unticked."""
    raw = {}
    for setting in form.schema:
        field = form[setting["id"]]
        if setting["type"] == "image":
            raw[f"{setting['id']}__remove"] = bool(form[f"{setting['id']}__remove"].data)
        elif setting["type"] == "checkbox" or field.name in formdata:
            raw[setting["id"]] = field.data
    return raw


def uploads(form, files) -> dict:
    """{setting id: (bytes, file name)} for the image fields that got a file."""
    found = {}
    for setting in form.schema:
        if setting["type"] != "image":
            continue
        upload = files.get(form[setting["id"]].name)
        if upload is not None and upload.filename:
            found[setting["id"]] = (upload.read(), upload.filename)
    return found


class SectionAddForm(FlaskForm):
    section_type = SelectField("Add a section", validate_choice=False)


class PlainForm(FlaskForm):
    """Buttons that only need the CSRF token (publish, move, remove, ...)."""
