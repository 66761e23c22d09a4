"""One way to scope a blueprint's requests: `scope_requests(bp, resolve)`.

Before any view of the blueprint runs, `resolve()` says whose data the request acts for:
`for_shop(id)` (storefront, dashboard), `for_supplier(id)` (supplier portal),
`platform_wide()` (admin), or None for no scope at all (pages that touch no tenant data:
tenant queries then raise). It may instead return a response (a login redirect) or abort.
The scope holds until the request's teardown, whatever happens in between.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from .context import enter, leave

_TOKENS = "flagship.tenancy_tokens"  # request.environ: one token per scoped blueprint


def scope_requests(bp, resolve: Callable[[], object]) -> None:
    @bp.before_request
    def _enter_scope():
        outcome = resolve()
        if outcome is None or not _is_scope(outcome):
            return outcome  # None: no scope; else a response to answer with instead
        request.environ.setdefault(_TOKENS, []).append(enter(outcome))
        return None

    @bp.teardown_request
    def _leave_scope(exc):
        tokens = request.environ.get(_TOKENS) or []
        while tokens:
            leave(tokens.pop())


def _is_scope(value) -> bool:
    from .context import _Scope

    return isinstance(value, _Scope)
