"""Errors a service raises when a rule says no; views turn them into form messages."""


class DomainError(ValueError):
    """A request the rules refuse. `field` names the form field at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(LookupError):
    """No such row (or not in this shop)."""
