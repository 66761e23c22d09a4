"""The page check every test's app runs (tests/markup_checks.py): what it catches, what it lets be."""

from __future__ import annotations

import pytest

from tests.markup_checks import install, problems


@pytest.mark.parametrize(("html", "found"), [
    ('<label for="price">Price</label><input id="prise">', '<label for="price">: no element has that id'),
    ('<input id="q" aria-describedby="q-help">', '<input aria-describedby="q-help">: no element has that id'),
    ('<select id="qa-1"></select><select id="qa-1"></select>', 'id="qa-1" is on 2 elements'),
    # refused, but its error is only beside it, not tied to it
    ('<input id="rate" name="rate" aria-invalid="true" aria-describedby="rate-help"><small id="rate-help">0 for free</small>'
     '<p class="error" role="alert">Enter a rate.</p>', '<input name="rate" aria-invalid="true">: its error is not'),
    ('<input name="q" placeholder="Search">', '<input name="q">: no label names it'),  # a placeholder is no name
    ('<img src="/media/logo.png">', '<img src="/media/logo.png">: no alt'),
    ('<a href="/cart"><svg aria-hidden="true"></svg></a>', '<a href "/cart">: no text or label names it'),
    ('<!doctype html><html><h1>Shop</h1><h1>Tee</h1></html>', '2 <h1> on the page'),
    ('<!doctype html><html><h1>Orders</h1><h3>Filters</h3></html>', '<h3> follows <h1>'),
    ('<button class="menu"><img src="/menu.svg" alt=""></button>', '<button of "menu">: no text or label'),
])
def test_it_finds_what_a_screen_reader_would_miss(html, found):
    assert any(problem.startswith(found) for problem in problems(html)), problems(html)


@pytest.mark.parametrize("html", [
    '<label for="rate">Rate</label><input id="rate" name="rate" aria-invalid="true" aria-describedby="rate-help rate-error">'
    '<small id="rate-help">0 for free</small><p class="error" id="rate-error" role="alert">Enter a rate.</p>',
    # the storefront's error class
    '<label for="email">E-mail</label><input id="email" aria-invalid="true" aria-describedby="email-error">'
    '<p class="field-error" id="email-error">Enter it.</p>',
    # a script's template is stamped out later, ids and all
    '<div id="row"></div><template><div id="row"></div><label for="later">x</label></template>',
    # named by a wrapping label, aria-label or title; hidden and button inputs need none
    '<label>Size <select name="size"></select></label><input name="q" aria-label="Search">'
    '<input name="n" title="Quantity"><input type="hidden" name="csrf_token"><input type="submit" value="Go">'
    '<input name="username" autocomplete="username" hidden><img src="/x.png" alt="">',
    # a link or button named by its text, its picture's alt or its label; a copy hidden from readers
    '<a href="/p">Tee</a><a href="/"><img src="/logo.png" alt="Mia’s"></a><button aria-label="Close"><svg></svg></button>'
    '<a href="/p" tabindex="-1" aria-hidden="true"><img src="/tee.png" alt=""></a>',
    # one h1, then down a level at a time and back up any number
    '<!doctype html><html><h1>Orders</h1><h2>Filters</h2><h3>Status</h3><h2>List</h2></html>',
    '<h3>A fragment a script fetches</h3>',
])
def test_a_well_tied_page_passes(html):
    assert problems(html) == []


def test_a_test_that_draws_a_badly_tied_page_fails():
    """`install` checks every HTML answer: a view that draws such a page fails the test that
    asked; on a live server the page is noted for the browser test instead."""
    from flask import Flask

    app = Flask(__name__)
    app.testing = True
    app.add_url_rule("/", "untied", lambda: '<input name="q" aria-invalid="true"><p class="error">Bad.</p>')
    app.add_url_rule("/json", "json", lambda: {"html": '<label for="nowhere">'})
    install(app)
    with pytest.raises(AssertionError, match="its error is not among what describes it"):
        app.test_client().get("/")
    assert app.test_client().get("/json").status_code == 200  # only HTML is read

    live, seen = Flask(__name__), []
    live.add_url_rule("/", "untied", lambda: '<label for="nowhere">Name</label>')
    install(live, seen)
    assert live.test_client().get("/").status_code == 200
    assert len(seen) == 1 and 'for="nowhere"' in seen[0]


def test_an_error_handed_to_a_page_must_be_on_it():
    """A service refusing a field the form draws no error for: the page answers with nothing
    said. Every message of an `errors` dict (or a WTForms form's) a template was handed must
    be on the page."""
    from flask import Flask, render_template_string

    app = Flask(__name__)
    app.testing = True
    page = '<p>{% if errors.get("rate") %}<span class="error">{{ errors["rate"] }}</span>{% endif %}</p>'
    app.add_url_rule("/drawn", "drawn", lambda: render_template_string(page, errors={"rate": "Enter a rate."}))
    app.add_url_rule("/lost", "lost", lambda: render_template_string(page, errors={"ratee": "Enter a rate."}))
    app.add_url_rule("/escaped", "escaped", lambda: render_template_string(
        page, errors={"rate": "Under the supplier’s “floor” & the shop's."}))
    install(app)
    client = app.test_client()
    assert client.get("/drawn").status_code == 200
    assert client.get("/escaped").status_code == 200  # found as drawn, escaped
    with pytest.raises(AssertionError, match="'Enter a rate.' was handed to the page but is not on it"):
        client.get("/lost")
