"""The current shop scope and the SQLAlchemy hooks that enforce it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, PrimaryKeyConstraint, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql import util as sql_util


class TenancyError(RuntimeError):
    """Tenant data was touched outside a shop scope, or across shops."""


@dataclass(frozen=True)
class _Scope:
    shop_id: int | None = None
    unscoped: bool = False
    supplier_id: int | None = None  # the supplier portal: its purchase orders across shops


_scope: ContextVar[_Scope] = ContextVar(
    "flagship_tenancy_scope", default=_Scope()  # noqa: B039 - _Scope is frozen (immutable)
)


class TenantMixin:
    """Marks a model as owned by one shop. Every row carries `shop_id`."""

    @declared_attr
    def shop_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), nullable=False)


@event.listens_for(TenantMixin, "instrument_class", propagate=True)
def _index_shop_id(mapper, cls) -> None:
    """Every tenant query filters on shop_id (and row-level security with it), so a key
    must lead with it, but one only: a second B-tree is written on every insert for nothing.
    A table with a key or an index leading with shop_id (`row_key()`, (shop_id, handle)...)
    has it. The others get `ix_<table>_shop_id` on SQLite only: on PostgreSQL their
    primary key is (shop_id, id) (see `row_key`; migration a8c0e2f4b6d8 dropped the rest)."""
    table = mapper.local_table
    keys = [key for key in table.constraints if isinstance(key, (PrimaryKeyConstraint, UniqueConstraint))]
    if any([column.name for column in key.columns][:1] == ["shop_id"] for key in [*keys, *table.indexes]):
        return
    Index(f"ix_{table.name}_shop_id", table.c.shop_id).ddl_if(dialect="sqlite")


def row_key() -> UniqueConstraint:
    """(shop_id, id): what a shop's other rows' foreign keys point at, so a row can only name
    a row of its own shop.

    On PostgreSQL the primary key is (shop_id, id) already (see migration 7b3d5f9a2c48), so
    this constraint is SQLite's only, where `id` alone must be the primary key to
    autoincrement; on PostgreSQL it would be a second identical index to write on every
    insert (migration c2e4a6b8d0f1 dropped them). Alembic does not read `ddl_if`: a new
    table's migration adds the constraint on SQLite only (see migrations/README).
    """
    return UniqueConstraint("shop_id", "id").ddl_if(dialect="sqlite")


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


def current_supplier_id() -> int | None:
    return _scope.get().supplier_id


@contextmanager
def use_supplier(supplier_id: int) -> Iterator[int]:
    """Act for one supplier (its portal): tenant queries see only the purchase orders and
    order lines of this supplier, in every shop; any other tenant table raises (fail
    closed). Work on a shop's own rows (an order's status) is done `use_shop` for it."""
    if not isinstance(supplier_id, int):
        raise TypeError("use_supplier takes a supplier id")
    token = _scope.set(_Scope(supplier_id=supplier_id))
    try:
        yield supplier_id
    finally:
        _scope.reset(token)


# Request-level forms (app/tenancy/requests.py): a scope to enter, and the token to leave it.
def for_shop(shop_id: int) -> _Scope:
    return _Scope(shop_id=shop_id)


def for_supplier(supplier_id: int) -> _Scope:
    return _Scope(supplier_id=supplier_id)


def platform_wide() -> _Scope:
    return _Scope(unscoped=True)


def enter(scope: _Scope):
    if not isinstance(scope, _Scope):
        raise TypeError("enter takes a scope: for_shop(), for_supplier() or platform_wide()")
    return _scope.set(scope)


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
    scope = _scope.get()
    if state.is_column_load or (state.is_relationship_load and scope.supplier_id is None):
        return  # the criteria of the parent query propagate to these loads
    if scope.unscoped:
        return
    if scope.supplier_id is not None:
        _filter_for_supplier(state, scope.supplier_id)
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
    return bool(_tenant_tables_in(state))


def _tenant_tables_in(state) -> set[str]:
    names = {m.local_table.name for m in state.all_mappers if issubclass(m.class_, TenantMixin)}
    found = sql_util.find_tables(
        state.statement, include_aliases=True, include_joins=True, include_selects=True,
        include_crud=True,
    )
    names.update(table.name for table in found if hasattr(table, "name"))
    return names & set(_tenant_models())


def _tenant_models() -> dict[str, type]:
    from app.extensions import db

    return {
        mapper.local_table.name: mapper.class_
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantMixin)
    }


def _supplier_visible() -> dict[str, type]:
    """Tenant models a supplier may see: those that say which rows are a supplier's with a
    `supplier_criteria(supplier_id)` classmethod (purchase orders, their lines, order lines)."""
    return {name: model for name, model in _tenant_models().items()
            if hasattr(model, "supplier_criteria")}


def _filter_for_supplier(state, supplier_id: int) -> None:
    visible = _supplier_visible()
    refused = _tenant_tables_in(state) - set(visible)
    if refused:
        raise TenancyError(f"the supplier portal may not read {', '.join(sorted(refused))}; "
                           "act for the row's shop with use_shop()")
    if state.is_relationship_load:
        return  # a visible model's load: the parent query's criteria propagate
    state.statement = state.statement.options(*(
        with_loader_criteria(model, model.supplier_criteria(supplier_id), include_aliases=True)
        for model in visible.values()))


def _stamp_new_rows(session: Session, flush_context, instances) -> None:
    scope = _scope.get()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantMixin):
            continue
        if scope.unscoped:
            if obj.shop_id is None:
                raise TenancyError(f"{type(obj).__name__} has no shop_id")
            continue
        if scope.supplier_id is not None:
            if not hasattr(obj, "supplier_criteria") or obj.shop_id is None:
                raise TenancyError(f"{type(obj).__name__} written in the supplier portal's scope")
            if getattr(obj, "supplier_id", scope.supplier_id) != scope.supplier_id:
                raise TenancyError(f"{type(obj).__name__} of another supplier written")
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
