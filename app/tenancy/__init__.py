"""Tenancy: which shop a piece of code acts for, and the wall that keeps shops apart.

Every tenant-owned model inherits `TenantMixin` (a `shop_id` column). While a shop scope is
active (`use_shop`), every ORM SELECT, UPDATE and DELETE touching a tenant model is
filtered to that shop automatically, and new tenant rows get its `shop_id`. A query for
tenant data with no scope at all raises `TenancyError` (fail closed); platform-wide code
(admin pages, jobs, CLI) opts out explicitly with `unscoped()`.
"""

from .context import (
    TenancyError,
    TenantMixin,
    current_shop_id,
    get_for_shop,
    install_tenancy_guards,
    is_unscoped,
    require_shop_id,
    unscoped,
    use_shop,
)

__all__ = [
    "TenancyError",
    "TenantMixin",
    "current_shop_id",
    "get_for_shop",
    "install_tenancy_guards",
    "is_unscoped",
    "require_shop_id",
    "unscoped",
    "use_shop",
]
