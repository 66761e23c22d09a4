"""Stripe's error shapes, and the fake's own failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class FakeStripeError(Exception):
    """A control method was misused (paying a session that is not open, an unknown id...)."""


class StripeAPIError(Exception):
    """An error answer of the API, in Stripe's shape.

    `stored=False` marks errors found before the endpoint "began executing" (bad or
    missing parameters): like Stripe, the fake does not save those under the request's
    idempotency key, so a corrected retry with the same key runs for real.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        stored: bool = True,
        extra: Mapping[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code
        self.stored = stored
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.param:
            error["param"] = self.param
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        error.update(self.extra)
        return {"error": error}


def _invalid(message: str, param: str | None = None, code: str | None = None) -> StripeAPIError:
    return StripeAPIError(message, param=param, code=code, stored=False)


def _missing(param: str) -> StripeAPIError:
    return _invalid(f"Missing required param: {param}.", param, "parameter_missing")


def _no_such(kind: str, object_id: str, param: str = "id", status: int = 404) -> StripeAPIError:
    return StripeAPIError(
        f"No such {kind}: '{object_id}'", status=status, param=param, code="resource_missing"
    )


def _cannot_expand(path: str) -> StripeAPIError:
    return _invalid(f"This property cannot be expanded ({path}).", "expand")


def _unrecognized(method: str, path: str) -> StripeAPIError:
    return StripeAPIError(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
        status=404,
        stored=False,
    )
