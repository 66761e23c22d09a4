"""The current shop scope and the SQLAlchemy hooks that enforce it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import ForeignKey, event, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql import util as sql_util


class TenancyError(RuntimeError):
    """Tenant data was touched outside a shop scope, or across shops."""


@dataclass(frozen=True)
class _Scope:
    shop_id: int | None = None
    unscoped: bool = False


_scope: ContextVar[_Scope] = ContextVar(
    "flagship_tenancy_scope", default=_Scope()  # noqa: B039 - _Scope is frozen (immutable)
)


class TenantMixin:
    """Marks a model as owned by one shop. Every row carries `shop_id`."""

    @declared_attr
    def shop_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True, nullable=False)


def current_shop_id() -> int | None:
    return _scope.get().shop_id


def is_unscoped() -> bool:
    return _scope.get().unscoped


def require_shop_id() -> int:
    shop_id = current_shop_id()
    if shop_id is None:
        raise TenancyError("no shop scope is active")
    return shop_id


@contextmanager
def use_shop(shop_id: int) -> Iterator[int]:
    """Act for one shop: tenant queries inside see only its rows."""
    if not isinstance(shop_id, int):
        raise TypeError("use_shop takes a shop id")
    token = _scope.set(_Scope(shop_id=shop_id))
    try:
        yield shop_id
    finally:
        _scope.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Platform-wide access (admin, jobs, CLI, demo data): no shop filter."""
    token = _scope.set(_Scope(unscoped=True))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def outside_any_shop() -> Iterator[None]:
    """Neither a shop nor platform-wide: as a worker starts a job (tenant queries raise
    until the job chooses its scope). Inline jobs run in this, not the request's scope."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def enter_shop(shop_id: int):
    """Request-level form of `use_shop`; pair with `leave(token)` at teardown."""
    return _scope.set(_Scope(shop_id=shop_id))


def enter_unscoped():
    return _scope.set(_Scope(unscoped=True))


def leave(token) -> None:
    _scope.reset(token)


def get_for_shop(session: Session, model, object_id):
    """Fetch a tenant row by id *and* the current shop (never from the identity map alone)."""
    shop_id = require_shop_id()
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(select(model).where(model.id == object_id, model.shop_id == shop_id))


def _filter_tenant_statements(state) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria of the parent query propagate to these loads
    scope = _scope.get()
    if scope.unscoped:
        return
    if scope.shop_id is None:
        if _touches_tenant_table(state):
            raise TenancyError("tenant data queried with no shop scope; use use_shop() or unscoped()")
        return
    shop_id = scope.shop_id
    # Added to every statement, not only those whose top-level entity is a tenant model:
    # the criteria also reach tenant tables inside subqueries (pagination counts, IN lists).
    state.statement = state.statement.options(
        with_loader_criteria(TenantMixin, lambda cls: cls.shop_id == shop_id, include_aliases=True)
    )


def _touches_tenant_table(state) -> bool:
    if any(issubclass(m.class_, TenantMixin) for m in state.all_mappers):
        return True
    tenant_tables = _tenant_tables()
    found = sql_util.find_tables(
        state.statement, include_aliases=True, include_joins=True, include_selects=True,
        include_crud=True,
    )
    return any(table.name in tenant_tables for table in found if hasattr(table, "name"))


def _tenant_tables() -> set[str]:
    from app.extensions import db

    return {
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantMixin)
    }


def _stamp_new_rows(session: Session, flush_context, instances) -> None:
    scope = _scope.get()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantMixin):
            continue
        if scope.unscoped:
            if obj.shop_id is None:
                raise TenancyError(f"{type(obj).__name__} has no shop_id")
            continue
        if scope.shop_id is None:
            raise TenancyError(f"{type(obj).__name__} written with no shop scope")
        if obj.shop_id is None:
            obj.shop_id = scope.shop_id
        elif obj.shop_id != scope.shop_id:
            raise TenancyError(
                f"{type(obj).__name__} of shop {obj.shop_id} written while acting for shop {scope.shop_id}"
            )


_installed = False


def install_tenancy_guards() -> None:
    """Attach the hooks to every ORM session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _filter_tenant_statements)
    event.listen(Session, "before_flush", _stamp_new_rows)
    _installed = True
