"""Mark the messages Python hands to people for translation (a one-off codemod, reviewed by hand).

    python scripts/mark_python.py app/dashboard/*.py ...

A literal or f-string passed to flash, DomainError, Problem, ... or as a WTForms field's label
or a message=/label=/description= keyword becomes `_("...")` (inside a function) or
`_l("...")` (at import time: module constants, form classes); an f-string's values become
named placeholders. The imports are added; ruff sorts them.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_translations import unmarked_messages  # noqa: E402


def _name_for(node: ast.AST, taken: dict) -> str:
    names = [n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
             if isinstance(n, (ast.Name, ast.Attribute))]
    skip = {"self", "len", "str", "int", "format_money", "money", "join", "g"}
    name = next((n for n in names if n not in skip), "value")
    name = re.sub(r"\W", "", name).lower() or "value"
    expr = ast.unparse(node)
    base, n = name, 2
    while name in taken and taken[name] != expr:
        name, n = f"{base}{n}", n + 1
    taken[name] = expr
    return name


def _message(node: ast.AST, lazy: bool) -> str:
    fn = "_l" if lazy else "_"
    if isinstance(node, ast.Constant):  # gettext formats only when given values
        return f"{fn}({node.value!r})"
    taken: dict[str, str] = {}
    text, args = "", []
    for value in node.values:
        if isinstance(value, ast.Constant):
            text += str(value.value).replace("%", "%%")
        else:
            inner = value.value
            expr = ast.unparse(inner)
            if value.format_spec is not None or value.conversion not in (-1, None):
                spec = ast.unparse(value.format_spec)[2:-1] if value.format_spec is not None else ""
                conv = {115: "!s", 114: "!r", 97: "!a"}.get(value.conversion, "")
                expr = f'f"{{{expr}{conv}{":" + spec if spec else ""}}}"'
            name = _name_for(inner, taken)
            if (name, expr) not in args:
                args.append((name, expr))
            text += f"%({name})s"
    rendered = "".join(f", {name}={expr}" for name, expr in args)
    return f"{fn}({text!r}{rendered})"


def _targets(source: str):
    """(node, lazy) for every message literal to mark: lazy outside functions (import time)."""
    tree = ast.parse(source)
    in_functions = {id(node) for function in ast.walk(tree)
                    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                    for node in ast.walk(function)}
    by_place = {(node.lineno, node.col_offset): node for _, node in unmarked_messages(source, tree)}
    return [(node, id(node) not in in_functions) for node in by_place.values()]


def mark(path: Path) -> bool:
    source = path.read_text(encoding="utf-8")
    targets = _targets(source)
    if not targets:
        return False
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = source.encode("utf-8")
    edits = []
    for node, lazy in targets:
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset
        edits.append((start, end, _message(node, lazy).encode("utf-8")))
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    result = data.decode("utf-8")
    needs = {"_"} if any(not lazy for _, lazy in targets) else set()
    if any(lazy for _, lazy in targets):
        needs.add("_l")
    imports = []
    if "_" in needs and not re.search(r"^from app\.i18n import .*\b_\b", result, re.M):
        imports.append("_")
    if "_l" in needs and "lazy_gettext as _l" not in result:
        imports.append("lazy_gettext as _l")
    if imports:
        line = "from app.i18n import " + ", ".join(imports) + "\n"
        match = re.search(r"^(from __future__ import annotations\n)", result, re.M)
        at = match.end() if match else 0
        result = result[:at] + "\n" + line + result[at:]
    path.write_text(result, encoding="utf-8")
    return True


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        if mark(Path(arg)):
            print("marked", arg)
