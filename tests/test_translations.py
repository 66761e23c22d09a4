"""Every string a user reads is marked for translation and translated (issue 16, item 1).

Three nets: templates (text and readable attributes outside `_()` / `{% trans %}`), Python
(messages handed to flash, errors, form fields and problems as bare literals), and the
catalogs (every marked string has a Chinese translation with the same placeholders, and the
committed messages.mo is what the parts compile to)."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app import i18n_catalog

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted([*ROOT.glob("app/templates/**/*.html"), *ROOT.glob("app/templates/**/*.txt"),
                    *ROOT.glob("themes/*/templates/**/*.html"), *ROOT.glob("themes/*/templates/**/*.txt"),
                    *ROOT.glob("themes/*/sections/**/*.html")])
PYTHON = sorted(p for p in ROOT.glob("app/**/*.py") if "/demo/" not in str(p))

# Words that read the same in every language: names and codes, never sentences.
NOT_WORDS = {"Flagship", "Stripe", "SKU", "CSV", "QR", "URL", "ID", "OK", "PDF", "JSON", "XML", "TSV",
             "Shopify", "WooCommerce", "Google", "WeChat", "Weibo", "Facebook", "Instagram", "X",
             "WhatsApp", "Telegram", "Pinterest", "LINE", "English", "中文", "UTC", "API", "HTTPS", "DNS",
             "CNAME", "TXT", "Lighthouse", "Chart", "RSS", "Email", "E-mail"}
READABLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "aria-description", "label",
                       "data-confirm", "data-message"}
_JINJA_BLOCKS = re.compile(
    r"{%-?\s*block body_class\s*%}.*?{%-?\s*endblock\s*-?%}"  # CSS classes, not words
    r"|{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}|{#.*?#}|{%.*?%}|{{.*?}}", re.S)
_WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def _readable(text: str) -> str | None:
    text = " ".join(text.split())
    if not text or not _WORD.search(text):
        return None
    words = set(re.findall(r"[A-Za-z][A-Za-z-]*|[\u4e00-\u9fff]+", text))
    if words and words <= NOT_WORDS:
        return None
    return text


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):  # code: identifiers and samples, not words
            self.skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            readable = name in READABLE_ATTRIBUTES or (  # a named button's value is for the server
                name == "value" and attributes.get("type") in ("submit", "button", "reset")
                and "name" not in attributes)
            if readable and value and _readable(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and _readable(data):
            self.found.append((self.getpos()[0], _readable(data)))


def _blank(match: re.Match) -> str:
    # Keep line numbers: a removed block leaves its newlines and a space.
    return " " + "\n" * match.group(0).count("\n")


_UI_LITERAL = re.compile(r"""^(?:[A-Z][a-z’']+(?:-[a-z’']+)*|[A-Z][^{}<>]*\s[^{}<>]*[A-Za-z][^{}<>]*)$""")
_NOT_UI = re.compile(r"^[A-Z][A-Z0-9_]+$|^[A-Z][a-z]+[A-Z]")  # CONSTANTS, CamelCase names
# A phrase in lower case or after a number ("the last", "2 to 50.") is UI text too when it
# holds a small English word; keys, field names and CSS classes never do. Status words are
# keys of their own translation table (the status_label filter).
_SMALL_WORDS = {"the", "a", "an", "to", "of", "and", "or", "in", "on", "for", "this", "that", "is",
                "by", "with", "from", "at", "your", "my", "no", "not"}


def _reads_as_phrase(text: str) -> bool:
    from app.status_words import STATUS_WORDS

    words = {word.lower() for word in re.findall(r"[A-Za-z]+", text)}
    # ...or when it ends a sentence ("e.g. “Mon–Fri 17:00–20:00”."): keys never do.
    sentence = bool(re.search(r"[A-Za-z].*[.!?…][”’\"']?$", text)) and len(words) > 1
    return (bool(re.search(r"\s", text.strip())) and bool(words & _SMALL_WORDS or sentence)
            and text.lower() not in STATUS_WORDS and "<code>" not in text)


def _literals_in_expressions(source: str) -> list[tuple[int, str]]:
    """String literals in `{{ }}`/`{% %}` that read like UI text ("Save changes"), unless
    they are the argument of `_()`, `gettext()` or `ngettext()`."""
    from jinja2 import Environment

    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    found = []
    previous: list[str] = []
    in_trans = False
    # One entry per open parenthesis: does it open a gettext call? A word handed to one as a
    # placeholder's value (_('Payouts go to %(who)s account', who="your")) stays English.
    calls: list[bool] = []
    in_macro_header = False  # a default (`who="your"`) may reach a _() as a placeholder's value
    for lineno, kind, value in env.lex(source):
        if kind == "name" and value == "macro" and previous[-1:] == ["{%"]:
            in_macro_header = True
        elif kind == "block_end":
            in_macro_header = False
        if (in_macro_header and kind == "string" and previous[-1:] == ["="]
                and (value[1:-1].lower() in _SMALL_WORDS or _reads_as_phrase(value[1:-1]))):
            found.append((lineno, f"an English default of a macro: {value}"))
        if kind == "name" and value == "trans" and previous[-1:] == ["{%"]:
            in_trans = True
        elif kind == "name" and value == "endtrans":
            in_trans = False
        if kind == "operator" and value == "(":
            calls.append(previous[-1:] in (["_"], ["gettext"], ["ngettext"], ["pgettext"]))
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        if kind == "string" and not in_trans:
            text = value[1:-1]
            marked = previous[-2:] in (["_", "("], ["gettext", "("], ["ngettext", "("], ["pgettext", "("]) or (
                len(previous) >= 4 and previous[-4:-2] in (["ngettext", "("], ["pgettext", "("]))
            ui_text = (_UI_LITERAL.match(text) and not _NOT_UI.match(text)) or _reads_as_phrase(text)
            placeholder_word = (calls and calls[-1] and previous[-1:] == ["="] and _readable(text)
                                and re.search(r"[A-Za-z]{2,}", text)
                                and not re.fullmatch(r"\{\w+\}|<code>.*", text))  # a script's {n}; a code sample
            if (not marked and ui_text and _readable(text)) or placeholder_word:
                found.append((lineno, text))
            elif "{{" in text or "{%" in text:  # placeholder="{{ _('...') }}": shown as written
                found.append((lineno, f"template code inside a string: {text[:60]}"))
        if kind not in ("whitespace",):
            previous.append(value if kind != "block_begin" else "{%")
            previous = previous[-6:]
    return found


# A sentence built from pieces ('_("Delete the zone ") ~ zone.name ~ "?"') cannot be
# translated: a language may put the name elsewhere. Words next to a `~` give it away.
_PIECE = re.compile(r"""~\s*("[^"\n]*"|'[^'\n]*')|("[^"\n]*"|'[^'\n]*')\s*~|_\((?:"[^"]*"|'[^']*')\)\s*~""")
_WORDS = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]|\b[A-Z][a-z]+\b")


# A sentence cut around markup ('{{ _("We sent a link to") }} <strong>{{ email }}</strong>
# {{ _(". Open it within an hour.") }}') cannot be translated either: the whole sentence,
# markup and all, belongs in one {% trans %} block. A piece starting with punctuation gives
# it away, or one in lower case that goes on from text: after a closing tag, an expression,
# an {% endif %}, or an {% if %} that itself follows text.
_CALL = re.compile(r"""\{\{-?\s*_\(\s*(?:"([^"]*)"|'([^']*)')""")
_GOES_ON = re.compile(r"(</(?:a|strong|code|em|b|span|time)>|\}\}|\{%-?\s*end(?:if|for)\s*-?%\})\s*$")
_BRANCH = re.compile(r"\{%-?\s*(?:if|elif|else)\b[^%]*%\}\s*$")
_IF = re.compile(r"\{%-?\s*if\b")


def _goes_on(before: str) -> bool:
    if _GOES_ON.search(before[-40:]):
        return True
    if _BRANCH.search(before):  # a branch: does the text before its {% if %} go on?
        start = [m.start() for m in _IF.finditer(before)]
        return bool(start) and bool(_GOES_ON.search(before[:start[-1]][-40:]))
    return False


def _split_sentences(source: str) -> list[tuple[int, str]]:
    found = []
    for match in _CALL.finditer(source):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        before = source[:match.start()]
        if re.match(r"[,;.:)]", text) or (re.match(r"[a-z]", text) and _goes_on(before)):
            found.append((before.count("\n") + 1, f"a sentence split around markup: {text[:60]}"))
    return found


def _sentence_pieces(source: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        for match in _PIECE.finditer(line):
            piece = match.group(1) or match.group(2) or match.group(0)
            if match.group(0).startswith("_(") or _WORDS.search(piece):
                found.append((number, f"a sentence in pieces: {piece[:60]}"))
    return found


def _branch_literals(source: str) -> list[tuple[int, str]]:
    """A branch of an inline if ("URL" if feed.source == "url" else "uploaded file"): words
    in lower case with no small word, or with a space after them, pass the other checks."""
    from jinja2 import Environment

    from app.status_words import STATUS_WORDS

    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    tokens = [(line, kind, value) for line, kind, value in env.lex(source) if kind != "whitespace"]
    found = []
    for index, (line, kind, value) in enumerate(tokens):
        before = tokens[index - 1][2] if index else ""
        after = tokens[index + 1][2] if index + 1 < len(tokens) else ""
        text = value[1:-1].strip()
        if kind != "string" or not (before == "else" or after == "if") or not _readable(text):
            continue
        words = (_UI_LITERAL.match(text) and not _NOT_UI.match(text)) or (
            re.fullmatch(r"[a-z’']+(?: [a-z’']+)+", text) and text not in STATUS_WORDS)
        if words:
            found.append((line, f"a branch of an inline if: {value}"))
    return found


def test_branch_literals_are_caught():
    assert _branch_literals("""{{ "URL" if x else "uploaded file" }}""") == [
        (1, 'a branch of an inline if: "uploaded file"')]
    assert _branch_literals("""{{ ("Resume " if x else "Pause ") ~ code }}""") == [
        (1, 'a branch of an inline if: "Resume "'), (1, 'a branch of an inline if: "Pause "')]
    assert _branch_literals("""{{ "active" if x else "hidden" }} {{ "waiting for group" if y }}""") == []
    assert _branch_literals("""{{ _("Resume") if x else _("Pause") }}""") == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_is_marked_for_translation(path):
    source = path.read_text(encoding="utf-8")
    unmarked = (_literals_in_expressions(source) + _sentence_pieces(source) + _split_sentences(source)
                + _branch_literals(source))
    stripped = _JINJA_BLOCKS.sub(_blank, source)
    if path.suffix == ".txt":
        unmarked += [(n + 1, line.strip()) for n, line in enumerate(stripped.splitlines()) if _readable(line)]
    else:
        finder = _TextFinder()
        finder.feed(stripped)
        unmarked += finder.found
    assert not unmarked, f"{path.relative_to(ROOT)}: text not marked for translation:\n" + "\n".join(
        f"  line {line}: {text[:90]}" for line, text in unmarked)


_IMPORTED = re.compile(r"""\{%-?\s*(?:from|import)\s+["']([^"']+)["']""")
_MACRO_BLOCK = re.compile(r"\{%-?\s*(macro|call)\b.*?\{%-?\s*end\1\s*-?%\}", re.S)
_TRANSLATION = re.compile(r"\b(?:_|gettext|ngettext|pgettext)\(|\{%-?\s*trans\b")


def test_macro_files_translate_inside_their_macros_only():
    """A template imported without context is built once per process and kept: a word it
    translates outside a macro is in the language of whichever request built it first (a
    Chinese owner read "Platform fee" after an English page had been drawn)."""
    imported = {name for path in TEMPLATES for name in _IMPORTED.findall(path.read_text(encoding="utf-8"))}
    frozen = []
    for path in TEMPLATES:
        if not any(str(path).endswith("/" + name) for name in imported):
            continue
        outside = _MACRO_BLOCK.sub("", path.read_text(encoding="utf-8"))
        if _TRANSLATION.search(outside):
            frozen.append(str(path.relative_to(ROOT)))
    assert imported and frozen == []


# Calls whose string arguments are shown to people: the message must be `_()`/lazy_gettext.
_MESSAGE_CALLS = {"flash", "flash_refusal", "DomainError", "email_shopper", "_email_shopper", "_email_member",
                  "_email", "email_owners", "record_owner_emails", "_change_status", "Problem", "ValidationError", "RowError",
                  "ProductInvalid", "OutOfStock", "ShipmentUploadError", "SettingsInvalid",
                  "MarkupRefused", "CheckoutUnavailable", "PaymentUnavailable", "NotFound", "refuse", "FeedError",
                  "finish_failed", "requeue", "_event", "on_read_reject", "_notice", "SyncError", "add", "reject", "_new_password",
                  "_repeat", "EqualTo",
                  "release"}
_MESSAGE_KEYWORDS = {"message", "label", "description", "placeholder", "title", "reason", "subject"}
# Names whose values are shown to people wherever they are set: as a keyword, in an assignment
# (`row.problem = f"..."`) or as a dict key (`{"error": "..."}`).
_MESSAGE_NAMES = _MESSAGE_KEYWORDS | {"problem", "detail", "error", "pause_reason", "note", "hint", "memo"}


def _target_name(node) -> str:
    if isinstance(node, ast.Subscript):  # errors["field"] = "..."
        return "error" if _target_name(node.value) in ("errors", "problems") else ""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _is_text(node) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_readable(node.value)) and " " in node.value.strip() or bool(
            isinstance(node.value, str) and _UI_LITERAL.match(node.value) and _readable(node.value)
            and not _NOT_UI.match(node.value))
    if isinstance(node, ast.JoinedStr):  # words with spaces, not a key like f"new-order:{id}"
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        return bool(_readable(text)) and " " in text.strip()
    return False


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


# A line may say why its text stays as it is (a reply to Stripe, a supplier's column name).
_NOT_FOR_PEOPLE = "# not translated:"


def _sentence(node) -> bool:
    """A returned text that reads as a sentence for people: it starts with a capital ("This
    code expired on ...") or with a value followed by words ("{amount} goes back to ...").
    A job's outcome for the log ("order 12: captured") or a repr ("<User ...>") does not."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value[:1].isupper()
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant):
            return str(first.value)[:1].isupper()
        words = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant)).split()
        return len(words) >= 3
    return False


def _alternatives(candidates):
    """The texts a value may be: both sides of `a or "b"`, the start of "a " + b or "…" % x."""
    for candidate in candidates:
        while isinstance(candidate, ast.BinOp):
            candidate = candidate.left
        if isinstance(candidate, ast.BoolOp):
            yield from _alternatives(candidate.values)
        elif isinstance(candidate, ast.IfExp):
            yield from _alternatives([candidate.body, candidate.orelse])
        else:
            yield candidate


def unmarked_messages(source: str, tree: ast.AST | None = None):
    """(where, node) for each text in `source` (parsed: `tree`) shown to people but not marked
    (scripts/mark_python.py marks them)."""
    tree, lines = tree or ast.parse(source), source.splitlines()
    for node in ast.walk(tree):
        candidates = []
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = next((_target_name(t) for t in targets if _target_name(t) in _MESSAGE_NAMES), "")
            if name:
                candidates.append(node.value)
            if any(_target_name(t) == "errors" for t in targets) and isinstance(node.value, ast.List):
                name = "errors"  # field.errors = [*field.errors, "what is wrong"]
                candidates += [e for e in node.value.elts if not isinstance(e, ast.Starred)]
            labels = next((_target_name(t) for t in targets if _target_name(t).endswith(("LABELS", "WORDS"))), "")
            if labels and isinstance(node.value, ast.Dict):  # KIND_LABELS = {"sale": "Sale", ...}
                name = labels
                candidates += node.value.values
        elif isinstance(node, ast.Return) and node.value is not None:
            name = "return"  # a sentence handed back to be shown (a refusal, a status line)
            candidates += [value for value in _alternatives([node.value]) if _sentence(value)]
        elif isinstance(node, ast.Dict):
            name = "dict"
            candidates += [value for key, value in zip(node.keys, node.values, strict=True)
                           if isinstance(key, ast.Constant) and key.value in _MESSAGE_NAMES]
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name in _MESSAGE_CALLS:
                candidates += node.args
            if name.endswith("Field") and node.args:
                candidates.append(node.args[0])  # a WTForms field's label
            if name == "append" and node.args and isinstance(node.args[0], ast.Tuple):
                candidates += node.args[0].elts[1:]  # problems.append((kind, "what is wrong"))
            candidates += [k.value for k in node.keywords if k.arg in _MESSAGE_NAMES]
        for candidate in _alternatives(candidates):
            if _is_text(candidate) and _NOT_FOR_PEOPLE not in lines[candidate.lineno - 1]:
                yield name, candidate


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_messages_are_marked_for_translation(path):
    unmarked = []
    for name, node in unmarked_messages(path.read_text(encoding="utf-8")):
        text = node.value if isinstance(node, ast.Constant) else ast.unparse(node)
        unmarked.append((node.lineno, f"{name}: {text[:80]}"))
    assert not unmarked, f"{path.relative_to(ROOT)}: messages not marked for translation:\n" + "\n".join(
        f"  line {line}: {text}" for line, text in sorted(unmarked))


@pytest.mark.parametrize("language", i18n_catalog.TARGET_LANGUAGES)
def test_every_marked_string_is_translated(language):
    problems = i18n_catalog.problems(language)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])


@pytest.mark.parametrize("language", i18n_catalog.TARGET_LANGUAGES)
def test_no_part_keeps_words_no_code_asks_for(language):
    """A reworded sentence leaves its old entry behind, which misleads the translator who
    reads the part: `flask i18n unused --prune` removes them."""
    stale = i18n_catalog.unused(language)
    assert not stale, "run `flask i18n unused --prune` then `flask i18n compile`:\n" + "\n".join(
        f"  {area}.po: {message_id!r} {context or ''}" for area, keys in stale.items()
        for message_id, context in keys[:20])


def test_pruning_removes_only_the_unused_entries(tmp_path, monkeypatch):
    part = tmp_path / "zh" / "parts" / "backoffice.po"
    part.parent.mkdir(parents=True)
    text = ('# header\nmsgid ""\nmsgstr ""\n"Language: zh\\n"\n\n'
            '#, python-format\nmsgid "Orders · %(name)s"\nmsgstr "订单 · %(name)s"\n\n'
            'msgid "A sentence nobody writes any more"\nmsgstr "没人再写的句子"\n\n'
            'msgid "Save changes"\nmsgstr "保存更改"\n\n'
            # the same words under a context no code uses: only that entry goes
            'msgctxt "a button nobody draws"\nmsgid "Save changes"\nmsgstr "保存"\n')
    part.write_text(text, encoding="utf-8")
    stored = tmp_path / "zh" / "parts" / "stored.po"
    stored.write_text('msgid "Said by an older release"\nmsgstr "旧版本写下的"\n', encoding="utf-8")
    monkeypatch.setattr(i18n_catalog, "TRANSLATIONS", tmp_path)
    stale = i18n_catalog.unused("zh")
    assert stale == {"backoffice": [("A sentence nobody writes any more", None),
                                    ("Save changes", "a button nobody draws")]}
    assert i18n_catalog.prune("zh", stale) == 2
    assert part.read_text(encoding="utf-8") == text.replace(
        'msgid "A sentence nobody writes any more"\nmsgstr "没人再写的句子"\n\n', "").replace(
        '\n\nmsgctxt "a button nobody draws"\nmsgid "Save changes"\nmsgstr "保存"\n', "\n")
    assert "older release" in stored.read_text(encoding="utf-8")  # read back from rows: kept


def test_apostrophes_are_typographic():
    """One apostrophe on a page: "the supplier’s cost" beside "The promoter’s commission", never
    a typewriter ' in one of them. Words that rows store and read back keep theirs (changing
    them would leave those rows untranslated): they are the stored part's."""
    stored = {message.id for message in i18n_catalog.parts("zh")["stored"]}
    straight = sorted({str(message.id if isinstance(message.id, str) else message.id[0])
                       for message in i18n_catalog.extract() if message.id
                       and re.search(r"[A-Za-z]'[A-Za-z]", str(message.id)) and message.id not in stored})
    assert not straight, "use ’ in:\n" + "\n".join(f"  {text[:90]}" for text in straight)


@pytest.mark.parametrize("language", i18n_catalog.TARGET_LANGUAGES)
def test_compiled_catalog_is_current(language):
    assert i18n_catalog.mo_path(language).read_bytes() == i18n_catalog.compiled_bytes(language), (
        "run `flask i18n compile` and commit app/translations")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_parses_with_gettext(path):
    """A template that does not parse is silently skipped by the extraction, so its strings
    would never reach the catalogs: fail on it here."""
    from jinja2 import Environment

    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    env.parse(path.read_text(encoding="utf-8"))
