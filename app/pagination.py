"""Pages of a list without counting the whole list.

`db.paginate` counts every matching row to say "page 3 of 2,000": on a shop with 50,000
orders, or a catalog of 100,000 products with a search, that count costs more than the page.
A `Window` fetches one row more than it shows instead, which is all "Next" needs; the
pagination macro (templates/_ui.html) then says "Page 3" without "of". Same attributes as
Flask-SQLAlchemy's Pagination, so templates and callers work with either.

A `Slice` goes further, for lists that only grow (a shop's orders): it is read from its sort
key on (keyset pagination: "older than this order"), not from its position, so the 2,000th
page costs what the first does (OFFSET reads and drops every row before it), and a new row
arriving meanwhile shifts nothing. Its count stops at `COUNT_UP_TO`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, tuple_

from app.extensions import db
from app.i18n import _
from app.wording import counted


@dataclass
class Window:
    items: list
    page: int
    per_page: int
    has_next: bool
    total: int | None = None  # not counted
    pages: int | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self):
        return iter(self.items)


def window(query, page: int = 1, per_page: int = 25, *, unique: bool = False) -> Window:
    """Page `page` (from 1) of a select() of ORM entities, in its order, without a count.
    `unique`: rows joined-eager-loaded to collections come back once each."""
    page = max(int(page or 1), 1)
    result = db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page))
    rows = list(result.unique() if unique else result)
    return Window(rows[:per_page], page, per_page, has_next=len(rows) > per_page)


def found_text(window: Window, noun: str) -> str:
    """"12 products" when this is the last page (so the number is known), else "More than
    48 products", in the reader's language (`noun`: one of app/wording.py's counted nouns)."""
    if window.total is not None:
        count, more = window.total, False
    else:
        count, more = (window.page - 1) * window.per_page + len(window.items), window.has_next
    return _("More than %(counted)s", counted=counted(count, noun)) if more else counted(count, noun)


COUNT_UP_TO = 10_000  # a list's count goes this far; past it, "more than 10,000"


def count_up_to(query, most: int | None = None) -> int | None:
    """How many rows `query` finds, or None when that is more than `most` (COUNT_UP_TO),
    reading at most most + 1 of them however many there are."""
    most = COUNT_UP_TO if most is None else most
    # Only a constant from each row: an index can answer it without reading the table.
    rows = query.with_only_columns(literal(1), maintain_column_froms=True).order_by(None).limit(most + 1)
    found = db.session.scalar(select(func.count()).select_from(rows.subquery()))
    return found if found <= most else None


@dataclass(frozen=True)
class SortKey:
    """The columns a list is sorted by, each descending (newest first), the last one unique
    (the id), and how one row's values travel in a link: a *cursor*."""

    columns: tuple
    readers: tuple[Callable[[str], object], ...]  # text -> value, one per column

    def cursor(self, row) -> str:
        return "_".join(_text(getattr(row, column.key)) for column in self.columns)

    def read(self, cursor: str | None) -> tuple | None:
        """The values a cursor names; None for none, or one that is not this key's (a link
        edited by hand: the list then starts from the top)."""
        parts = (cursor or "").split("_")
        if len(parts) != len(self.columns):
            return None
        try:
            return tuple(read(part) for read, part in zip(self.readers, parts, strict=True))
        except (TypeError, ValueError, OverflowError):
            return None


def _text(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@dataclass
class Slice:
    """A page of a list read by its sort key: the rows, and the cursors of the pages on
    either side (None where there is none)."""

    items: list
    newer: str | None  # the page before: ?newer=<cursor>
    older: str | None  # the page after: ?older=<cursor>
    total: int | None = None  # None: more than `most` (or not counted)

    @property
    def most(self) -> int:
        return COUNT_UP_TO

    @property
    def first(self) -> bool:
        return self.newer is None

    @property
    def whole(self) -> bool:
        """The page is the whole list: nothing before it, nothing after."""
        return self.newer is None and self.older is None

    def __iter__(self):
        return iter(self.items)


def narrowed_by_ids(query, id_column, limit: int):
    """`query` narrowed to the ids of its first `limit` rows, read first (one statement, in
    its order): worth it when an index holds the order and every column the filters read,
    so the rows the filters drop are never read from the table."""
    ids = db.session.scalars(query.with_only_columns(id_column).limit(limit)).all()
    return query.where(id_column.in_(ids))  # the same order, these rows only


def keyset_slice(query, key: SortKey, *, older: str | None = None, newer: str | None = None,
                 per_page: int = 25, unique: bool = False, ids_first: bool = False) -> Slice:
    """The rows of `query` (sorted by `key`, descending) just older than the cursor `older`,
    or just newer than `newer`, or the newest; one more row is read to know if more follow.
    `ids_first`: the page's ids (the key's last column) are read first, then their rows
    (`narrowed_by_ids`)."""
    def rows(select_) -> list:
        if ids_first:
            select_ = narrowed_by_ids(select_, key.columns[-1], per_page + 1)
        result = db.session.scalars(select_.limit(per_page + 1))
        return list(result.unique() if unique else result)

    columns = tuple_(*key.columns)

    def values(found: tuple):  # bound with each column's type (a UTC timestamp, say)
        return tuple_(*(literal(value, column.type) for column, value in zip(key.columns, found, strict=True)))

    since = key.read(newer)
    if since is not None:
        found = rows(query.where(columns > values(since)).order_by(None)
                     .order_by(*(column.asc() for column in key.columns)))
        more = len(found) > per_page
        found = found[:per_page][::-1]
        if found:
            return Slice(found, key.cursor(found[0]) if more else None, key.cursor(found[-1]))
        # Nothing newer (deleted meanwhile): the newest page.
    before = key.read(older) if since is None else None
    found = rows(query.where(columns < values(before))) if before is not None else []
    if not found:  # the newest page, or nothing older than the cursor (deleted meanwhile)
        before, found = None, rows(query)
    more = len(found) > per_page
    found = found[:per_page]
    return Slice(found, key.cursor(found[0]) if before is not None and found else None,
                 key.cursor(found[-1]) if more else None)
