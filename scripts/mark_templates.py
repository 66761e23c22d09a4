"""Mark a template's readable text for translation (a one-off codemod, reviewed by hand).

    python scripts/mark_templates.py app/templates/dashboard/orders.html ...

Text between tags becomes `{{ _('...') }}`; a run of text with `{{ value }}` inside becomes one
message with named placeholders (`_('%(count)s orders', count=...)`), so a translation can
reorder it; readable attributes and UI-looking string literals in expressions are wrapped
too. tests/test_translations.py says what is still unmarked.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

JINJA = re.compile(r"({%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}|{#.*?#}|{%.*?%}|{{.*?}})", re.S)
WORD = re.compile(r"[A-Za-z]{2,}")
ATTRS = ("placeholder", "title", "alt", "aria-label", "label", "data-confirm", "data-message")
UI_LITERAL = re.compile(r"""^(?:[A-Z][a-z’']+|[A-Z][^{}<>"]*\s[^{}<>"]*[A-Za-z][^{}<>"]*)$""")
NOT_UI = re.compile(r"^[A-Z][A-Z0-9_]+$|^[A-Z][a-z]+[A-Z]")
NOT_WORDS = {"Flagship", "Stripe", "SKU", "CSV", "QR", "URL", "ID", "OK", "PDF", "JSON", "XML", "TSV",
             "UTC", "API", "HTTPS", "DNS", "CNAME", "TXT"}


def quote(text: str) -> str:
    if "'" not in text:
        return "'" + text + "'"
    return '"' + text.replace('"', '\\"') + '"'


def placeholder_name(expr: str, taken: dict) -> str:
    core = expr.split("|")[0].strip()
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", core)
    skip = {"loop", "g", "self", "none", "true", "false", "and", "or", "not", "if", "else"}
    name = next((n for n in reversed(names) if n not in skip), "value")
    if name in ("_", "length", "count") and len(names) > 1:
        name = names[-2] if names[-2] not in skip else name
    name = name.lower()
    if name in taken and taken[name] != expr:
        n = 2
        while f"{name}{n}" in taken and taken[f"{name}{n}"] != expr:
            n += 1
        name = f"{name}{n}"
    taken[name] = expr
    return name


def message_call(pieces: list[tuple[str, str]]) -> str:
    """pieces: ("text", raw) and ("expr", inner expression) -> `{{ _('...', name=expr) }}`."""
    taken: dict[str, str] = {}
    msgid, args = "", []
    for kind, value in pieces:
        if kind == "text":
            msgid += " ".join(value.split(" ")) .replace("%", "%%")
        else:
            name = placeholder_name(value, taken)
            if (name, value) not in args:
                args.append((name, value))
            msgid += f"%({name})s"
    msgid = re.sub(r"\s+", " ", msgid).strip()
    rendered = "".join(f", {name}={value}" for name, value in args)
    return "{{ _(" + quote(msgid) + rendered + ") }}"


def readable(text: str) -> bool:
    words = set(re.findall(r"[A-Za-z][A-Za-z-]*", text))
    return bool(WORD.search(text)) and not words <= NOT_WORDS


def mark_runs(source: str) -> str:
    parts = JINJA.split(source)
    out: list[str] = []
    run: list[tuple[str, str]] = []  # the current run of text and {{ }} outside tags
    originals: dict[int, str] = {}  # index in run -> the {{ }} as written
    state = {"tag": False, "skip": None}

    def flush():
        if not run:
            return
        text = "".join(v for k, v in run if k == "text")
        raw = "".join(v if k == "text" else originals[id_] for id_, (k, v) in enumerate(run))
        if readable(text):
            lead = raw[: len(raw) - len(raw.lstrip())]
            trail = raw[len(raw.rstrip()):]
            pieces = list(run)
            # trim whitespace at both ends of the run
            if pieces and pieces[0][0] == "text":
                pieces[0] = ("text", pieces[0][1].lstrip())
            if pieces and pieces[-1][0] == "text":
                pieces[-1] = ("text", pieces[-1][1].rstrip())
            out.append(lead + message_call(pieces) + trail)
        else:
            out.append(raw)
        run.clear()
        originals.clear()

    for index, part in enumerate(parts):
        if index % 2 == 1:  # a Jinja construct
            if part.startswith("{{") and not state["tag"] and state["skip"] is None:
                inner = part[2:-2].strip().strip("-").strip()
                if inner.startswith("_(") or "gettext(" in inner:
                    flush()
                    out.append(part)
                else:
                    originals[len(run)] = part
                    run.append(("expr", inner))
            else:
                flush()
                out.append(part)
            continue
        # raw text: split into tags and text
        position = 0
        for match in re.finditer(r"<[^>]*>?|>", part):
            before = part[position:match.start()]
            token = match.group(0)
            if state["tag"]:
                # still inside a tag opened in an earlier raw part
                out.append(before + token) if token.endswith(">") else out.append(before + token)
                if token.endswith(">"):
                    state["tag"] = False
                position = match.end()
                continue
            if before:
                if state["skip"] is None:
                    run.append(("text", before))
                else:
                    out.append(before)
            flush()
            out.append(token)
            lower = token.lower()
            if lower.startswith("<script") or lower.startswith("<style"):
                state["skip"] = "script" if lower.startswith("<script") else "style"
            elif state["skip"] and lower.startswith(f"</{state['skip']}"):
                state["skip"] = None
            if token.startswith("<") and not token.endswith(">"):
                state["tag"] = True
            position = match.end()
        rest = part[position:]
        if rest:
            if state["tag"] or state["skip"] is not None:
                out.append(rest)
            else:
                run.append(("text", rest))
    flush()
    return "".join(out)


def mark_attributes(source: str) -> str:
    def attribute(match: re.Match) -> str:
        name, value = match.group(1), match.group(3)
        if "{%" in value or not readable(re.sub(r"{{.*?}}", "", value)) or value.strip().startswith("{{ _("):
            return match.group(0)
        if "{{" in value:
            pieces = []
            for i, piece in enumerate(re.split(r"({{.*?}})", value)):
                if i % 2:
                    pieces.append(("expr", piece[2:-2].strip()))
                elif piece:
                    pieces.append(("text", piece))
            return f'{name}="' + message_call(pieces) + '"'
        return f'{name}="{{{{ {"_(" + quote(value.replace("%", "%%")) + ")"} }}}}"'

    pattern = r'\b(' + "|".join(map(re.escape, ATTRS)) + r')=(")([^"]*)"'
    source = re.sub(pattern, attribute, source)

    def submit_value(match: re.Match) -> str:
        tag = match.group(0)
        return re.sub(r'value="([^"{]*[A-Za-z]{2,}[^"{]*)"',
                      lambda m: f'value="{{{{ _({quote(m.group(1))}) }}}}"', tag)

    return re.sub(r'<(?:input|button)\b[^>]*type="(?:submit|button|reset)"[^>]*>', submit_value, source)


def mark_literals(source: str) -> str:
    def block(match: re.Match) -> str:
        text = match.group(0)
        if text.startswith("{#") or re.match(r"{%-?\s*(trans|pluralize)", text):
            return text

        def literal(m: re.Match) -> str:
            value = m.group(2)
            before = text[: m.start()].rstrip()
            after = text[m.end():].lstrip()
            if (before.endswith(("_(", "gettext(", "==", "!=", " in", "[", "url_for(", "startswith(",
                                 "endswith(", "attribute=", "include", "extends", "import", "from"))
                    or after.startswith((":", "==", "!=", " in ", "in ")) or before.endswith("=")
                    and not re.search(r"\b(label|title|message|confirm|aria_label|placeholder|text|help)\s*=$", before)):
                return m.group(0)
            if UI_LITERAL.match(value) and not NOT_UI.match(value) and readable(value):
                return "_(" + m.group(1) + value.replace("%", "%%") + m.group(1) + ")"
            return m.group(0)

        return re.sub(r"""(["'])((?:(?!\1).)*)\1""", literal, text)

    return JINJA.sub(block, source)


def dates(source: str) -> str:
    """`(x|local).strftime("%d %b %Y, %H:%M")` -> `x|local|format_datetime` (the reader's way)."""
    def repl(m: re.Match) -> str:
        expr, fmt = m.group(1), m.group(2)
        kind = "format_datetime('short')" if "%H" in fmt or "%I" in fmt else "format_date"
        return f"{expr}|{kind}"
    source = re.sub(r"""\(([^()]*?\|local(?:\([^()]*\))?)\)\.strftime\((["'][^"']*["'])\)""", repl, source)
    return re.sub(r"""([A-Za-z_][\w.]*)\.strftime\((["'][^"']*["'])\)""", repl, source)


def main(paths: list[str]) -> None:
    for path in map(Path, paths):
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"{%(-?)\s*set _ = ", r"{%\1 set _discard = ", source)  # `_` is gettext
        if path.suffix == ".txt":  # plain-text e-mails: one message per line, lines kept
            marked = mark_literals("\n".join(mark_runs(line) for line in dates(source).split("\n")))
        else:
            marked = mark_literals(mark_attributes(mark_runs(dates(source))))
        if marked != source:
            path.write_text(marked, encoding="utf-8")
            print("marked", path)


if __name__ == "__main__":
    main(sys.argv[1:])
