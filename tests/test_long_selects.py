"""Long selects (a platform's thousand suppliers, 490 time zones): their options are written
out once (app.web.OptionList) and each request only marks the chosen one."""

from __future__ import annotations

import re

from wtforms import Form
from wtforms.fields.choices import SelectChoice

from app.web import LongSelectField, OptionList


def chosen(html: str) -> list[str]:
    """The values of a page's selected options."""
    return re.findall(r'<option value="([^"]*)" selected>', html)


def test_only_the_chosen_option_is_marked():
    options = OptionList.of([(1, "Alpha"), (10, "Beta"), (11, "Gamma"), (101, "Delta")])
    assert chosen(options.render("1")) == ["1"]  # not "10", "11" or "101"
    assert chosen(options.render(10)) == ["10"]
    assert chosen(options.render(None)) == [] and chosen(options.render("7")) == []
    assert options.render("1").count("<option") == 4
    assert options.values == {"1", "10", "11", "101"}


def test_values_and_labels_are_escaped():
    options = OptionList.of([('a"b', "Fish & <Chips>")])
    html = options.render('a"b')
    assert html == '<option value="a&#34;b" selected>Fish &amp; &lt;Chips&gt;</option>'


class _Filter(Form):
    supplier = LongSelectField("Supplier", choices=[SelectChoice("", "All suppliers")])


def test_the_field_writes_its_leading_choices_then_the_list():
    form = _Filter(data={"supplier": "2"})
    form.supplier.options = OptionList.of([(1, "One"), (2, "Two")])
    assert form.supplier.is_listed()
    assert str(form.supplier()) == ('<select id="supplier" name="supplier"><option value="">All suppliers</option>'
                                    '<option value="1">One</option><option value="2" selected>Two</option></select>')
    form = _Filter(data={"supplier": "3"})
    form.supplier.options = OptionList.of([(1, "One")])
    assert not form.supplier.is_listed() and chosen(str(form.supplier())) == []
