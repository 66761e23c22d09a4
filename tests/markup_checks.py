"""What ties a page's fields to their words, checked on every page the tests fetch.

A screen reader finds a field's label, help and error through ids: `<label for>`,
`aria-describedby`, `aria-labelledby`, `aria-controls`. A reference to an id the page does not
hold, or a field marked `aria-invalid` whose error is not among what describes it, reads
nothing, and nothing else shows it: the page looks right. The tests' apps run this after every
HTML response (`install`), so any test that draws a refused form checks its wiring too.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage")


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.errors: set[str] = set()  # ids of elements that carry an error message
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)
        self.invalid: list[tuple[str, str, list[str]]] = []  # (tag, name, what describes it)
        self.in_template = 0

    def handle_starttag(self, tag, attrs):
        if tag == "template":  # a script's copy: its ids are stamped out later
            self.in_template += 1
        if self.in_template:
            return
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[attributes["id"]] += 1
            classes = (attributes.get("class") or "").split()
            if {"error", "field-error", "form-errors"} & set(classes) or attributes.get("role") == "alert":
                self.errors.add(attributes["id"])
        for name in REFERENCES:
            for ref in (attributes.get(name) or "").split():
                self.references.append((tag, name, ref))
        if tag == "label" and attributes.get("for"):
            self.references.append((tag, "for", attributes["for"]))
        if attributes.get("aria-invalid") == "true":
            self.invalid.append((tag, attributes.get("name") or attributes.get("id") or "?",
                                 (attributes.get("aria-describedby") or "").split()))

    def handle_endtag(self, tag):
        if tag == "template" and self.in_template:
            self.in_template -= 1


def problems(html: str) -> list[str]:
    page = _Ids()
    page.feed(html)
    found = [f'<{tag} {name}="{ref}">: no element has that id'
             for tag, name, ref in page.references if ref not in page.ids]
    found += [f'id="{id_}" is on {count} elements' for id_, count in page.ids.items() if count > 1]
    found += [f'<{tag} name="{name}" aria-invalid="true">: its error is not among what describes it'
              for tag, name, described in page.invalid if not set(described) & page.errors]
    return found


def install(app, seen: list[str] | None = None) -> None:
    """Check every HTML page the app answers with. A wrong one fails the test that asked; on a
    live server (another thread answers the browser) it is added to `seen` instead, for the
    test to find when it ends."""
    from flask import request

    @app.after_request
    def _check_markup(response):
        if response.mimetype == "text/html" and not response.is_streamed:
            found = problems(response.get_data(as_text=True))
            if found:
                message = f"{request.url}: the page's ids do not add up:\n  " + "\n  ".join(found)
                if seen is None:
                    raise AssertionError(message)
                seen.append(message)
        return response
