"""Under test, a template that asks a real object for an attribute it lacks fails loudly;
optional names and a dict's missing keys still render as nothing."""

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup


def test_a_missing_attribute_of_an_object_fails(app):
    render = app.jinja_env.from_string
    # The logo's bug: a macro's output (Markup) asked for the picture's width.
    with pytest.raises(UndefinedError):
        render('<img width="{{ thing.width }}">').render(thing=Markup("<b>x</b>"))
    with pytest.raises(UndefinedError):
        render("{% if thing.width %}wide{% endif %}").render(thing=Markup(""))
    assert render("{{ thing.width is defined }}").render(thing=Markup("")) == "False"
    assert render("[{{ errors.email }}][{{ nothing }}][{{ none_here.x }}]").render(errors={}, none_here=None) == "[][][]"
