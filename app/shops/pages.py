"""A shop's policy pages (returns, shipping, privacy, terms), shown on its storefront at
/pages/<kind>. Every shop has all four: the platform's default text (page_defaults.py) until
the owner saves a text of their own, which is stored as a row here; restoring the default
deletes the row. Acts for the current shop (tenant-scoped).

The text is plain: a blank line starts a paragraph, a line starting `## ` is a heading, one
starting `- ` a list item, **double asterisks** make bold. Everything is escaped before the
formatting is applied, so an owner's text can never carry HTML into the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _, format_number, lazy_gettext
from app.tenancy import TenantMixin, row_key

from .page_defaults import default_text, default_texts

# kind: (title on the storefront, short label for the footer, what the page is for)
PAGE_KINDS = {
    "returns": (lazy_gettext("Returns & refunds"), lazy_gettext("Returns"),
                lazy_gettext("How to send something back, and how refunds are paid.")),
    "shipping": (lazy_gettext("Shipping & delivery"), lazy_gettext("Shipping"),
                 lazy_gettext("Who ships, how long it takes, how to track an order.")),
    "privacy": (lazy_gettext("Privacy policy"), lazy_gettext("Privacy"),
                lazy_gettext("What you keep about shoppers, who sees it, cookies.")),
    "terms": (lazy_gettext("Terms of service"), lazy_gettext("Terms"),
              lazy_gettext("The terms a shopper accepts by ordering.")),
}
MAX_BODY = 20_000
MIN_BODY = 20


class ShopPage(TenantMixin, db.Model):
    """An owner's own text of one policy page (no row: the default text is shown)."""

    __tablename__ = "shop_pages"
    __table_args__ = (
        row_key(),
        UniqueConstraint("shop_id", "kind"),
        CheckConstraint("kind IN ('returns', 'shipping', 'privacy', 'terms')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class PolicyPage:
    """A page as shown: the owner's text, or the default (`is_default`)."""

    kind: str
    body: str
    is_default: bool
    updated_at: datetime | None = None

    @property
    def title(self) -> str:
        return str(PAGE_KINDS[self.kind][0])

    @property
    def label(self) -> str:
        return str(PAGE_KINDS[self.kind][1])

    @property
    def purpose(self) -> str:
        return str(PAGE_KINDS[self.kind][2])

    @property
    def html(self) -> Markup:
        return render_text(self.body)


def is_page_kind(kind: str) -> bool:
    return kind in PAGE_KINDS


def default_page(shop, kind: str) -> PolicyPage:
    return PolicyPage(kind, default_text(kind, shop_name=shop.name, currency=shop.currency).strip(), True)


def _stored(kind: str) -> ShopPage | None:
    return db.session.scalar(select(ShopPage).where(ShopPage.kind == kind))


def policy_page(shop, kind: str) -> PolicyPage:
    """Page `kind` of `shop` (the current shop): the owner's text, else the default."""
    if kind not in PAGE_KINDS:
        raise KeyError(kind)
    row = _stored(kind)
    if row is None:
        return default_page(shop, kind)
    return PolicyPage(kind, row.body, False, row.updated_at)


def policy_pages(shop) -> list[PolicyPage]:
    """All four pages of the current shop, in footer order."""
    rows = {row.kind: row for row in db.session.scalars(select(ShopPage))}
    return [PolicyPage(kind, rows[kind].body, False, rows[kind].updated_at) if kind in rows
            else default_page(shop, kind) for kind in PAGE_KINDS]


def clean_body(body) -> str:
    """The text as stored: line endings unified, trailing spaces and blank edges gone.
    Raises DomainError (field "body") for an empty, too short or too long text."""
    text = "\n".join(line.rstrip() for line in str(body or "").replace("\r\n", "\n").replace("\r", "\n")
                     .split("\n")).replace("\x00", "").strip()
    if not text:
        raise DomainError(_('Write the page’s text, or restore the default below.'), field="body")
    if len(text) < MIN_BODY:
        raise DomainError(_('That is very short for a policy: write at least %(min_body)s characters.', min_body=MIN_BODY),
                          field="body")
    if len(text) > MAX_BODY:
        raise DomainError(_('Keep the page under %(max_body)s characters (this text has %(text)s).', max_body=format_number(MAX_BODY), text=format_number(len(text))),
                          field="body")
    return text


def save_page(shop, kind: str, body) -> PolicyPage:
    """Save the owner's text of page `kind`. Saving the default text unchanged keeps the
    page on the default (so it follows the platform's wording)."""
    if kind not in PAGE_KINDS:
        raise DomainError(_('There is no such page.'), field="kind")
    text = clean_body(body)
    row = _stored(kind)
    if text in default_texts(kind, shop_name=shop.name, currency=shop.currency):  # either language's
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        return default_page(shop, kind)
    if row is None:
        row = ShopPage(kind=kind, body=text)
        db.session.add(row)
    else:
        row.body = text
    db.session.flush()
    return PolicyPage(kind, row.body, False, row.updated_at)


def restore_default(shop, kind: str) -> PolicyPage:
    """Throw away the owner's text of page `kind`: the default shows again."""
    if kind not in PAGE_KINDS:
        raise DomainError(_('There is no such page.'), field="kind")
    row = _stored(kind)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    return default_page(shop, kind)


# The text format ----------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_HEADING = re.compile(r"^#{1,3}\s+(.*)$")
_ITEM = re.compile(r"^\s*[-*•]\s+(.*)$")


def _inline(line: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", str(escape(line)))


def render_text(text: str) -> Markup:
    """The page's HTML: headings, paragraphs (a single line break kept), lists, bold.
    Every character of the text is escaped first."""
    html: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close() -> None:
        if paragraph:
            html.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()
        if items:
            html.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in (text or "").split("\n"):
        line = raw.strip()
        heading, item = _HEADING.match(line), _ITEM.match(raw)
        if not line:
            close()
        elif heading:
            close()
            html.append(f"<h2>{_inline(heading.group(1))}</h2>")
        elif item:
            if paragraph:
                close()
            items.append(_inline(item.group(1)))
        else:
            if items:
                close()
            paragraph.append(_inline(line))
    close()
    return Markup("\n".join(html))  # noqa: S704 - built from escaped text only
