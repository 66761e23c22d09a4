"""Templates that ask an object for an attribute it lacks: an error under test.

Jinja renders a missing value as nothing. For an optional name or a dict's missing key that
is the point (`{% if errors.email %}`); for an attribute of a real object it hides a bug: a
logo drawn with width="" because a macro shadowed the function it meant to call. Under test
(TESTING), using such a value raises; `is defined` still just asks.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Undefined
from jinja2.utils import missing


class AttributeCheckedUndefined(Undefined):
    __slots__ = ()

    def _check(self) -> None:
        owner = self._undefined_obj
        if owner is missing or owner is None or isinstance(owner, (Mapping, Undefined)):
            return
        self._fail_with_undefined_error()

    def __str__(self) -> str:
        self._check()
        return super().__str__()

    def __iter__(self):
        self._check()
        return super().__iter__()

    def __bool__(self) -> bool:
        self._check()
        return super().__bool__()

    def __len__(self) -> int:
        self._check()
        return super().__len__()
