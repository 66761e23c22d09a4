"""What ties a page's fields to their words, checked on every page the tests fetch.

A screen reader finds a field's label, help and error through ids: `<label for>`,
`aria-describedby`, `aria-labelledby`, `aria-controls`. A reference to an id the page does not
hold, a field marked `aria-invalid` whose error is not among what describes it, a field no
label names, a picture without alt, or headings that do not outline the page (one h1, no level
skipped) read as nothing or noise; an error message handed to a template that never draws it
leaves the visitor with a refused form and nothing said. Nothing else shows any of these: the
page looks right. The tests' apps run this after every HTML response (`install`), so any test
that draws a refused form checks its wiring too.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage")
# Inputs a screen reader names by their own value (buttons) or never reads (hidden).
_UNNAMED_INPUTS = ("hidden", "submit", "button", "reset", "image")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.errors: set[str] = set()  # ids of elements that carry an error message
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)
        self.invalid: list[tuple[str, str, list[str]]] = []  # (tag, name, what describes it)
        self.in_template = 0
        self.labels_open = 0
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, str, str | None]] = []  # not named by their own markup: (tag, name, id)
        self.images: list[str] = []  # <img> without alt
        self.reading: list[list] = []  # open buttons and links: [tag, what, named yet]
        self.nameless: list[str] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag == "template":  # a script's copy: its ids are stamped out later
            self.in_template += 1
        if self.in_template:
            return
        attributes = dict(attrs)
        labelled = bool(attributes.get("aria-label") or attributes.get("aria-labelledby") or attributes.get("title")
                        or attributes.get("aria-hidden") == "true")  # hidden from readers: needs no name
        if attributes.get("id"):
            self.ids[attributes["id"]] += 1
            classes = set((attributes.get("class") or "").split())
            if classes & {"error", "field-error", "form-errors"} or attributes.get("role") == "alert":
                self.errors.add(attributes["id"])
        for name in REFERENCES:
            for ref in (attributes.get(name) or "").split():
                self.references.append((tag, name, ref))
        if tag == "label":
            self.labels_open += 1
            if attributes.get("for"):
                self.references.append((tag, "for", attributes["for"]))
                self.label_for.add(attributes["for"])
        if attributes.get("aria-invalid") == "true":
            self.invalid.append((tag, attributes.get("name") or attributes.get("id") or "?",
                                 (attributes.get("aria-describedby") or "").split()))
        if (tag in ("input", "select", "textarea") and attributes.get("type") not in _UNNAMED_INPUTS
                and "hidden" not in attributes and not self.labels_open and not labelled):
            self.controls.append((tag, attributes.get("name") or "?", attributes.get("id")))
        if tag == "img":
            if "alt" not in attributes:
                self.images.append(attributes.get("src") or "?")
            elif attributes["alt"].strip():
                self._named()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        if tag == "button" or (tag == "a" and "href" in attributes):
            what = attributes.get("href") or attributes.get("name") or attributes.get("class") or "?"
            self.reading.append([tag, what, labelled])

    def _named(self):
        for element in self.reading:
            element[2] = True

    def handle_data(self, data):
        if data.strip() and not self.in_template:
            self._named()

    def handle_endtag(self, tag):
        if tag == "template" and self.in_template:
            self.in_template -= 1
        if self.in_template:
            return
        if tag == "label" and self.labels_open:
            self.labels_open -= 1
        if tag in ("button", "a") and self.reading and self.reading[-1][0] == tag:
            tag, what, named = self.reading.pop()
            if not named:
                self.nameless.append(f'<{tag} {"href" if tag == "a" else "of"} "{what}">: no text or label names it')


def problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    found = [f'<{tag} {name}="{ref}">: no element has that id'
             for tag, name, ref in page.references if ref not in page.ids]
    found += [f'id="{id_}" is on {count} elements' for id_, count in page.ids.items() if count > 1]
    found += [f'<{tag} name="{name}" aria-invalid="true">: its error is not among what describes it'
              for tag, name, described in page.invalid if not set(described) & page.errors]
    found += [f'<{tag} name="{name}">: no label names it'
              for tag, name, id_ in page.controls if id_ not in page.label_for]
    found += page.nameless
    if "<html" in html[:300].lower():  # a whole page, not a fragment a script fetches
        if page.headings.count(1) != 1:
            found.append(f"{page.headings.count(1)} <h1> on the page: a page has one, its title")
        found += [f"<h{low}> follows <h{high}>: a heading level is skipped"
                  for high, low in zip(page.headings, page.headings[1:], strict=False) if low > high + 1][:1]
    found += [f'<img src="{src}">: no alt (alt="" if it only decorates)' for src in page.images]
    return found


def _refusals(context: dict) -> list[str]:
    """The error messages a template was handed: an `errors` dict (a plain form's, or an
    invite's), and a WTForms form's field errors."""
    found = [context.get("errors")]
    for value in context.values():
        if isinstance(value, dict):
            found.append(value.get("errors"))
        elif hasattr(value, "validate_on_submit"):
            found.append(value.errors)
    messages = []
    for errors in found:
        for message in errors.values() if isinstance(errors, dict) else ():
            messages += [m for m in (message if isinstance(message, (list, tuple)) else [message])
                         if isinstance(m, str) and m]
    return messages


def install(app, seen: list[str] | None = None) -> None:
    """Check every HTML page the app answers with. A wrong one fails the test that asked; on a
    live server (another thread answers the browser) it is added to `seen` instead, for the
    test to find when it ends.

    Besides the page's ids: every error message a template was handed is on the page. A
    service that refuses a field the form does not draw an error for would otherwise answer
    422 with nothing said."""
    from flask import g, request, template_rendered
    from markupsafe import escape

    def _handed(sender, template, context, **extra):
        g.setdefault("refusals_handed", []).extend(_refusals(context))

    template_rendered.connect(_handed, app, weak=False)

    @app.after_request
    def _check_markup(response):
        if response.mimetype == "text/html" and not response.is_streamed:
            html = response.get_data(as_text=True)
            found = problems(html)
            found += [f"the error {message!r} was handed to the page but is not on it"
                      for message in dict.fromkeys(g.get("refusals_handed", []))
                      if str(escape(message)) not in html and message not in html]
            if found:
                message = f"{request.url}: the page is wired wrong:\n  " + "\n  ".join(found)
                if seen is None:
                    raise AssertionError(message)
                seen.append(message)
        return response
