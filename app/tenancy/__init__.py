"""Tenancy: which shop a piece of code acts for, and the wall that keeps shops apart.

Every tenant-owned model inherits `TenantMixin` (a `shop_id` column). While a shop scope is
active (`use_shop`), every ORM SELECT, UPDATE and DELETE touching a tenant model is
filtered to that shop automatically, and new tenant rows get its `shop_id`. A query for
tenant data with no scope at all raises `TenancyError` (fail closed); platform-wide code
(admin pages, jobs, CLI) opts out explicitly with `unscoped()`. The supplier portal acts
`use_supplier`: only its purchase orders and order lines, in every shop. Blueprints choose
their requests' scope one way, `scope_requests(bp, resolve)` (requests.py).
"""

from .context import (
    TenancyError,
    TenantMixin,
    current_shop_id,
    current_supplier_id,
    for_shop,
    for_supplier,
    get_for_shop,
    install_tenancy_guards,
    is_unscoped,
    platform_wide,
    require_shop_id,
    row_key,
    unscoped,
    use_shop,
    use_supplier,
)
from .requests import scope_requests

__all__ = [
    "TenancyError",
    "TenantMixin",
    "current_shop_id",
    "current_supplier_id",
    "for_shop",
    "for_supplier",
    "get_for_shop",
    "install_tenancy_guards",
    "is_unscoped",
    "platform_wide",
    "require_shop_id",
    "row_key",
    "scope_requests",
    "unscoped",
    "use_shop",
    "use_supplier",
]
