"""CSV export cells can never be read as formulas (CSV injection), and come back intact."""

from __future__ import annotations

import csv
import io

import pytest

from app.csv_export import csv_text, safe_cell, unescape_cell


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x.example\",\"click\")", "'=HYPERLINK(\"http://x.example\",\"click\")"),
    ("+1 555 0100", "'+1 555 0100"), ("-2+3", "'-2+3"), ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\tcmd", "'\tcmd"), ("\r=1", "'\r=1"),
    ("Ada Shopper", "Ada Shopper"), ("1 Main Street", "1 Main Street"), ("", ""), ("a=b", "a=b"),
    ("'quoted", "'quoted"), (3, 3), (-2, -2), (None, None),
])
def test_cells_that_would_be_formulas_get_a_single_quote(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.parametrize("value", ["=1+1", "+44", "-SKU-1", "@x", "\tx", "\rx", "plain", "'plain", "'", ""])
def test_unescape_gives_back_the_value(value):
    assert unescape_cell(str(safe_cell(value))) == value


def test_csv_text_makes_every_cell_safe_and_keeps_quoting():
    text = csv_text(["name", "qty"], [["=cmd|' /C calc'!A0", 2], ['Say "hi", then go', -1]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "qty"], ["'=cmd|' /C calc'!A0", "2"], ['Say "hi", then go', "-1"]]
