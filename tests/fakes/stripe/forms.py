"""Stripe's form encoding (a[b][0]=c) and the typed reading of parameters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .errors import _invalid, _missing


class FormError(ValueError):
    pass


_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def parse_form(body: str | bytes) -> dict[str, Any]:
    """Decode a Stripe v1 form body (or query string) into nested dicts and lists.

    `a[b][0][c]=1` -> `{"a": {"b": [{"c": "1"}]}}`; `expand[]=x&expand[]=y` and
    `expand[0]=x&expand[1]=y` -> `{"expand": ["x", "y"]}`. A dict whose keys are all
    digits becomes a list, except a `metadata` dict (its keys are the user's). Values stay
    strings: each endpoint converts them as it validates.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        _assign(root, _split_key(key), value, key)
    return _listify(root)


def _split_key(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    if not head:
        raise FormError(f"Invalid parameter name: {key!r}")
    if not bracket:
        return [head]
    rest = bracket + rest
    parts = _BRACKETS.findall(rest)
    if "".join(f"[{part}]" for part in parts) != rest:
        raise FormError(f"Invalid parameter name: {key!r}")
    return [head, *parts]


def _assign(root: dict[str, Any], parts: list[str], value: str, key: str) -> None:
    node = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "":  # `a[]`: the next element of a list
            part = _next_index(node, None if last else parts[i + 1])
        if last:
            if isinstance(node.get(part), dict):
                raise FormError(f"Invalid hash: {key} is both a value and a hash")
            node[part] = value
        else:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise FormError(f"Invalid hash: {key} is both a value and a hash")
            node = child


def _next_index(node: dict[str, Any], next_part: str | None) -> str:
    count = len(node)
    if count and next_part:
        previous = node.get(str(count - 1))
        if isinstance(previous, dict) and next_part not in previous:
            return str(count - 1)  # `a[][x]=1&a[][y]=2` fills one element
    return str(count)


def _listify(node: Any, keep_keys: bool = False) -> Any:
    if not isinstance(node, dict):
        return node
    out = {key: _listify(value, key == "metadata") for key, value in node.items()}
    if not keep_keys and out and all(key.isdigit() for key in out):
        return [out[key] for key in sorted(out, key=int)]
    return out


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class _Params:
    """Typed access to one level of decoded parameters, raising Stripe's 400s."""

    def __init__(self, data: Any, prefix: str = ""):
        if not isinstance(data, dict):
            raise _invalid("Invalid object", prefix or None)
        self.data = data
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}[{key}]" if self.prefix else key

    def only(self, *allowed: str) -> None:
        for key in self.data:
            if key not in allowed:
                name = self.name(key)
                raise _invalid(f"Received unknown parameter: {name}", name)

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "")

    def str(self, key: str, *, required: bool = False, max_length: int = 5000) -> str | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return None
        if not isinstance(value, str):
            raise _invalid(f"Invalid string: {_show(value)}", self.name(key))
        if len(value) > max_length:
            raise _invalid(
                f"Invalid string: {value[:40]}...; must be at most {max_length} characters",
                self.name(key),
            )
        return value

    def int(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
        default: int | None = None,
    ) -> int | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return default
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
            raise _invalid(f"Invalid integer: {_show(value)}", self.name(key))
        number = int(value)
        if minimum is not None and number < minimum:
            raise _invalid(f"This value must be greater than or equal to {minimum}.", self.name(key))
        if maximum is not None and number > maximum:
            raise _invalid(f"This value must be less than or equal to {maximum}.", self.name(key))
        return number

    def bool(self, key: str, *, required: bool = False) -> bool | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return None
        if value not in ("true", "false"):
            raise _invalid(f"Invalid boolean: {_show(value)}", self.name(key))
        return value == "true"

    def enum(
        self, key: str, choices: Iterable[str], *, required: bool = False, default: str | None = None
    ) -> str | None:
        choices = tuple(choices)
        value = self.str(key, required=required)
        if value is None:
            return default
        if value not in choices:
            raise _invalid(f"Invalid {key}: must be one of {', '.join(choices)}", self.name(key))
        return value

    def currency(self, key: str, *, required: bool = False) -> str | None:
        value = self.str(key, required=required)
        if value is None:
            return None
        if not re.fullmatch(r"[A-Za-z]{3}", value):
            raise _invalid(
                f"Invalid currency: {value}. Stripe currently supports these currencies: "
                "a three-letter ISO 4217 code in lower case, such as usd or eur.",
                self.name(key),
            )
        return value.lower()

    def url(self, key: str, *, required: bool = False) -> str | None:
        value = self.str(key, required=required)
        if value is not None and not _valid_url(value):
            raise _invalid("Not a valid URL", self.name(key), "url_invalid")
        return value

    def email(self, key: str) -> str | None:
        value = self.str(key, max_length=800)
        if value is not None and not _EMAIL.fullmatch(value):
            raise _invalid(f"Invalid email address: {value}", self.name(key), "email_invalid")
        return value

    def sub(self, key: str, *, required: bool = False) -> _Params | None:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise _missing(self.name(key))
            return None
        if not isinstance(value, dict):
            raise _invalid("Invalid object", self.name(key))
        return _Params(value, self.name(key))

    def list(self, key: str, *, required: bool = False) -> list[Any] | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise _missing(self.name(key))
            return None
        if value == "":
            return []
        if isinstance(value, dict) and all(k.isdigit() for k in value):
            value = [value[k] for k in sorted(value, key=int)]
        if not isinstance(value, list):
            raise _invalid("Invalid array", self.name(key))
        return value

    def metadata(self, key: str = "metadata") -> dict[str, str]:
        value = self.data.get(key)
        if value in (None, ""):
            return {}
        name = self.name(key)
        if not isinstance(value, dict):
            raise _invalid("Invalid object", name)
        if len(value) > 50:
            raise _invalid("Metadata can have up to 50 keys.", name)
        out = {}
        for meta_key, meta_value in value.items():
            if not isinstance(meta_value, str):
                raise _invalid(f"Invalid string: {_show(meta_value)}", f"{name}[{meta_key}]")
            if len(meta_key) > 40:
                raise _invalid(f"Metadata keys can have up to 40 characters ({meta_key!r}).", name)
            if len(meta_value) > 500:
                raise _invalid(
                    f"Metadata values can have up to 500 characters ({meta_key!r}).", name
                )
            if meta_value != "":  # an empty value unsets the key
                out[meta_key] = meta_value
        return out

    def expand(self) -> list[str]:
        paths = self.list("expand") or []
        for i, path in enumerate(paths):
            if not isinstance(path, str) or not path:
                raise _invalid(f"Invalid string: {_show(path)}", f"expand[{i}]")
            if path.count(".") >= 4:
                raise _invalid(
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    "expand",
                )
        return paths

    def created_filter(self, key: str = "created") -> Callable[[int], bool]:
        value = self.data.get(key)
        if value in (None, ""):
            return lambda created: True
        if isinstance(value, str):
            exact = self.int(key)
            return lambda created: created == exact
        bounds = self.sub(key)
        assert bounds is not None
        bounds.only("gt", "gte", "lt", "lte")
        gt, gte, lt, lte = (bounds.int(k) for k in ("gt", "gte", "lt", "lte"))
        return lambda created: (
            (gt is None or created > gt)
            and (gte is None or created >= gte)
            and (lt is None or created < lt)
            and (lte is None or created <= lte)
        )
