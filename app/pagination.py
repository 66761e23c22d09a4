"""Pages of a list without counting the whole list.

`db.paginate` counts every matching row to say "page 3 of 2,000": on a shop with 50,000
orders, or a catalog of 100,000 products with a search, that count costs more than the page.
A `Window` fetches one row more than it shows instead, which is all "Next" needs; the
pagination macro (templates/_ui.html) then says "Page 3" without "of". Same attributes as
Flask-SQLAlchemy's Pagination, so templates and callers work with either.
"""

from __future__ import annotations

from dataclasses import dataclass

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
