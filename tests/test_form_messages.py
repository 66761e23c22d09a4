"""Every form field that must be filled says what goes in it when it is left empty.

WTForms' own "This field is required." appears under a field that may be scrolled out of
sight and says nothing of what to type; a malformed address should show the form an
address takes. This walks every form class the app defines, so a new one cannot slip back.
"""

from __future__ import annotations

import pytest
from flask_wtf.file import FileRequired
from wtforms import Form, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Email, InputRequired

NEEDS_A_MESSAGE = (DataRequired, InputRequired, FileRequired, Email)


def _app_forms() -> list[type[Form]]:
    seen, stack = [], [Form]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("app."):
                seen.append(sub)
    return seen


def _bare_validators(form: type[Form]) -> list[str]:
    bare = []
    for name in dir(form):
        field = getattr(form, name, None)
        if not isinstance(field, UnboundField):
            continue
        for validator in field.kwargs.get("validators") or ():
            if isinstance(validator, NEEDS_A_MESSAGE) and validator.message is None:
                bare.append(f"{form.__module__}.{form.__qualname__}.{name}: {type(validator).__name__}")
    return bare


@pytest.mark.usefixtures("app")  # importing the app imports every view and its forms
def test_every_required_field_says_what_to_type():
    forms = _app_forms()
    assert len(forms) > 20, "the walk should reach the app's forms"
    bare = [line for form in forms for line in _bare_validators(form)]
    assert bare == []


def test_the_walk_finds_a_bare_validator():
    class Careless(Form):
        name = StringField("Name", validators=[DataRequired()])
        email = StringField("Email", validators=[DataRequired("Enter your address."), Email()])
        note = StringField("Note", validators=[InputRequired("Write a note.")])

    found = [line.rsplit(".", 1)[1] for line in _bare_validators(Careless)]
    assert found == ["email: Email", "name: DataRequired"]
