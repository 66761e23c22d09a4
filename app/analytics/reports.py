"""What the analytics pages show: a period on the shop's calendar, its figures by day, week
or month, the top listings, promoters, share links and sites, and the same as CSV.

Revenue is what shoppers paid for the orders placed in the period (paid by card, or the
cash of a pay-on-delivery order received), shipping included, less what was refunded.
Margin is the shop's own share of those orders as its ledger books it: after the
suppliers' wholesale cost, the platform fee and card processing, less its share of
refunds, promoters' commissions and pickup-point fees once booked. Conversion is orders per
visitor. Everything reads the day rows the job writes (aggregation.py), never the orders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.i18n import _, format_date, format_number
from app.i18n import lazy_gettext as _l
from app.money import to_major
from app.referrals.models import Promoter
from app.shops.models import Collection, Listing, Shop
from app.shops.timezones import shop_today

from .models import AnalyticsDay, AnalyticsDayCount

PERIODS = {"7d": _l("7 days"), "30d": _l("30 days"), "90d": _l("90 days"), "month": _l("This month"),
           "custom": _l("Custom range")}
GRAINS = {"day": _l("By day"), "week": _l("By week"), "month": _l("By month")}
MAX_DAYS = 366
TOP = 10
FIGURES = ("visitors", "visits", "page_views", "orders", "revenue", "margin")


def _skeleton(skeleton: str, day) -> str:
    from babel.dates import format_skeleton

    from app.i18n import _locale

    return format_skeleton(skeleton, day, locale=_locale())


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    preset: str
    grain: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def query_args(self) -> dict:
        args = {"period": self.preset, "by": self.grain}
        if self.preset == "custom":
            args.update({"from": self.first.isoformat(), "to": self.last.isoformat()})
        return args


def _date(raw: str, label: str, field_name: str) -> date:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        raise DomainError(_('Enter the %(label)s date as YYYY-MM-DD.', label=label), field=field_name) from None


def read_period(args, today: date) -> Period:
    """The period the page asks for (`period`, `from`, `to`, `by`), on the shop's calendar.
    Raises DomainError (with the field) on a date that is not one, an end before the start,
    a range in the future or longer than a year."""
    preset = args.get("period") or "30d"
    if preset not in PERIODS:
        raise DomainError(_('Choose a period from the list.'), field="period")
    grain = args.get("by") or "day"
    if grain not in GRAINS:
        raise DomainError(_('Show figures by day, week or month.'), field="by")
    if preset == "custom":
        first = _date(args.get("from"), "start", "from")
        last = _date(args.get("to"), "end", "to")
        if last < first:
            raise DomainError(_('The end date is before the start date.'), field="to")
        if first > today:
            raise DomainError(_('The start date is in the future (today is %(today)s).', today=format_date(today)), field="from")
        last = min(last, today)
        if (last - first).days + 1 > MAX_DAYS:
            raise DomainError(_('Choose a range of at most %(max_days)s days.', max_days=MAX_DAYS), field="from")
    elif preset == "month":
        first, last = today.replace(day=1), today
    else:
        first, last = today - timedelta(days=int(preset[:-1]) - 1), today
    return Period(first, last, preset, grain)


def default_period(today: date) -> Period:
    return read_period({}, today)


# Buckets ---------------------------------------------------------------------------------


def bucket_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())  # Monday
    if grain == "month":
        return day.replace(day=1)
    return day


def _bucket_end(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=6)
    if grain == "month":
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return start


@dataclass
class Bucket:
    """A day, week or month of the period (clipped to it), with its figures."""

    first: date
    last: date
    visitors: int = 0
    visits: int = 0
    page_views: int = 0
    orders: int = 0
    revenue: int = 0
    margin: int = 0

    def add(self, row) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + (getattr(row, name) or 0))

    @property
    def conversion(self) -> Decimal | None:
        """Orders per visitor, in percent (None with no visitors)."""
        return None if not self.visitors else (Decimal(self.orders * 100) / self.visitors).quantize(Decimal("0.1"))

    def label(self, grain: str) -> str:
        """The bucket's days the reader's way: "Dec 2026" / "2026年12月", "Dec 1–7", "Thu, Dec 4"."""
        if grain == "month":
            return _skeleton("yMMM", self.first)
        if grain == "week":
            return (f"{_skeleton('MMMd', self.first)}–{_skeleton('MMMd', self.last)}" if self.first != self.last
                    else _skeleton("MMMd", self.first))
        return _skeleton("MMMEd", self.first)

    def short_label(self, grain: str) -> str:
        return _skeleton("MMM", self.first) if grain == "month" else _skeleton("MMMd", self.first)


def buckets(period: Period, rows) -> tuple[list[Bucket], Bucket]:
    """The period's buckets in order (empty ones too) and the period's total."""
    found: dict[date, Bucket] = {}
    day = period.first
    while day <= period.last:
        start = bucket_start(day, period.grain)
        if start not in found:
            found[start] = Bucket(max(start, period.first), min(_bucket_end(start, period.grain), period.last))
        day += timedelta(days=1)
    total = Bucket(period.first, period.last)
    for row in rows:
        found[bucket_start(row.day, period.grain)].add(row)
        total.add(row)
    return list(found.values()), total


# Top lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopRow:
    label: str
    views: int
    orders: int
    sales: int
    detail: str = ""  # a code, a link's path


def _counts(shop_id: int, period: Period, kind: str) -> list[tuple[str, int, int, int]]:
    """(key, views, orders, sales) of one kind over the period, largest first."""
    c = AnalyticsDayCount
    return db.session.execute(
        select(c.key, func.sum(c.views), func.sum(c.orders), func.sum(c.sales))
        .where(c.shop_id == shop_id, c.kind == kind, c.day.between(period.first, period.last))
        .group_by(c.key)
        .order_by(func.sum(c.sales).desc(), func.sum(c.views).desc(), c.key).limit(TOP)).all()


def _ids(rows) -> list[int]:
    return [int(key) for key, *_rest in rows if key.isdigit()]


def top_listings(shop_id: int, period: Period) -> list[TopRow]:
    rows = _counts(shop_id, period, "listing")
    titles = dict(db.session.execute(select(Listing.id, Listing.title).where(
        Listing.shop_id == shop_id, Listing.id.in_(_ids(rows)))).all()) if rows else {}
    return [TopRow(titles.get(int(key), "A listing since removed"), int(views or 0), int(orders or 0),
                   int(sales or 0)) for key, views, orders, sales in rows]


def top_promoters(shop_id: int, period: Period) -> list[TopRow]:
    rows = _counts(shop_id, period, "promoter")
    people = {p.id: p for p in db.session.scalars(select(Promoter).where(
        Promoter.shop_id == shop_id, Promoter.id.in_(_ids(rows))))} if rows else {}
    result = []
    for key, views, orders, sales in rows:
        person = people.get(int(key))
        result.append(TopRow(person.name if person else "A promoter since removed", int(views or 0),
                             int(orders or 0), int(sales or 0), detail=f"?ref={person.code}" if person else ""))
    return result


def _share_label(shop_id: int, slug: str, titles: dict) -> str:
    """What a share link's slug names (app/storefront/sharing.py writes them): h, p<base 36>,
    c<base 36>, g<token>."""
    kind, rest = slug[:1], slug[1:]
    if kind == "h":
        return _("The shop’s home page")
    if kind == "g":
        return _('A group buy')
    try:
        number = int(rest, 36)
    except ValueError:
        return slug
    return titles.get((kind, number), "A page since removed")


def top_share_links(shop_id: int, period: Period) -> list[TopRow]:
    rows = _counts(shop_id, period, "share")
    numbers = defaultdict(list)
    for key, *_rest in rows:
        if key[:1] in "pc" and key[1:].isalnum():
            numbers[key[0]].append(int(key[1:], 36))
    titles = {}
    for kind, model in (("p", Listing), ("c", Collection)):
        if numbers[kind]:
            titles.update({(kind, row_id): title for row_id, title in db.session.execute(
                select(model.id, model.title).where(model.shop_id == shop_id, model.id.in_(numbers[kind])))})
    return [TopRow(_share_label(shop_id, key, titles), int(views or 0), 0, 0, detail=f"/s/{key}")
            for key, views, _shared, _shares in rows]


def top_sites(shop_id: int, period: Period) -> list[TopRow]:
    return [TopRow(key, int(views or 0), 0, 0) for key, views, _shared, _shares in _counts(shop_id, period, "site")]


# Reports ---------------------------------------------------------------------------------------


@dataclass
class Report:
    period: Period
    currency: str
    series: list[Bucket]
    total: Bucket
    updated_at: datetime | None
    listings: list[TopRow] = field(default_factory=list)
    promoters: list[TopRow] = field(default_factory=list)
    share_links: list[TopRow] = field(default_factory=list)
    sites: list[TopRow] = field(default_factory=list)
    shops: list = field(default_factory=list)  # the admin's: (Shop, Bucket)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self.total, name) for name in FIGURES)


def today_of(shop) -> date:
    return shop_today(shop.timezone)


def shop_report(shop: Shop, period: Period) -> Report:
    """One shop's figures over the period (its own rows only)."""
    rows = db.session.scalars(select(AnalyticsDay).where(
        AnalyticsDay.shop_id == shop.id, AnalyticsDay.day.between(period.first, period.last))).all()
    series, total = buckets(period, rows)
    updated = max((row.updated_at for row in rows), default=None)
    return Report(period, shop.currency, series, total, updated,
                  listings=top_listings(shop.id, period), promoters=top_promoters(shop.id, period),
                  share_links=top_share_links(shop.id, period), sites=top_sites(shop.id, period))


@dataclass(frozen=True)
class PlatformDay:
    """Every shop's figures of one calendar day (each shop on its own clock), in one currency."""

    day: date
    visitors: int
    visits: int
    page_views: int
    orders: int
    revenue: int
    margin: int


def platform_report(period: Period, currency: str) -> Report:
    """Every shop over the period: visits and orders of all, money of shops selling in
    `currency` (the platform's); each shop by its own figures."""
    d = AnalyticsDay
    sums = [func.sum(getattr(d, name)) for name in FIGURES]
    in_period = d.day.between(period.first, period.last)
    days = []
    for day, row_currency, *figures in db.session.execute(
            select(d.day, d.currency, *sums).where(in_period).group_by(d.day, d.currency)):
        values = dict(zip(FIGURES, (int(v or 0) for v in figures), strict=True))
        if row_currency != currency:
            values.update(revenue=0, margin=0)  # not added to another currency's money
        days.append(PlatformDay(day, **values))
    series, total = buckets(period, days)
    shop_rows = db.session.execute(
        select(d.shop_id, *sums).where(in_period).group_by(d.shop_id)
        .order_by(func.sum(d.revenue).desc(), func.sum(d.visitors).desc()).limit(25)).all()
    shops = {shop.id: shop for shop in db.session.scalars(
        select(Shop).where(Shop.id.in_([row[0] for row in shop_rows])))} if shop_rows else {}
    per_shop = []
    for shop_id, *figures in shop_rows:
        bucket = Bucket(period.first, period.last, **dict(zip(FIGURES, (int(v or 0) for v in figures), strict=True)))
        if shop_id in shops:
            per_shop.append((shops[shop_id], bucket))
    updated = db.session.scalar(select(func.max(d.updated_at)).where(in_period))
    return Report(period, currency, series, total, updated, shops=per_shop)


# CSV ----------------------------------------------------------------------------------------

CSV_HEADER = ("from", "to", "visitors", "visits", "page_views", "orders", "revenue", "margin",
              "conversion_percent", "currency")


def csv_rows(report: Report) -> list[list]:
    """The page's table, a row per bucket and the total: amounts in major units (12.50)."""
    def row(bucket: Bucket) -> list:
        return [bucket.first.isoformat(), bucket.last.isoformat(), bucket.visitors, bucket.visits,
                bucket.page_views, bucket.orders, to_major(bucket.revenue, report.currency),
                to_major(bucket.margin, report.currency),
                bucket.conversion if bucket.conversion is not None else "", report.currency]

    return [row(bucket) for bucket in report.series] + [["total", "", *row(report.total)[2:]]]


def csv_file(report: Report, stem: str) -> tuple[str, str]:
    """(file name, CSV text) of the report's table."""
    from app.csv_export import csv_text

    name = f"{stem}-{report.period.first.isoformat()}-{report.period.last.isoformat()}.csv"
    return name, csv_text(CSV_HEADER, csv_rows(report))


# Charts ---------------------------------------------------------------------------------------


def report_charts(report: Report) -> list:
    """The visitors chart and the revenue chart of the report's buckets."""
    from app.money import format_money

    from .charts import bar_chart

    grain, series = report.period.grain, report.series
    labels = [bucket.label(grain) for bucket in series]
    short = [bucket.short_label(grain) for bucket in series]
    span = _("%(first)s to %(last)s, %(grain)s", first=format_date(report.period.first),
             last=format_date(report.period.last), grain=str(GRAINS[grain]).lower())

    def peak(name: str, shown) -> str:
        best = max(series, key=lambda bucket: getattr(bucket, name), default=None)
        if best is None or not getattr(best, name):
            return _("None in this period.")
        return _("The most: %(value)s (%(when)s).", value=shown(getattr(best, name)), when=best.label(grain))

    def count(value):
        return format_number(value)

    def money(value):
        return format_money(value, report.currency)

    return [
        bar_chart(_("Visitors"), [b.visitors for b in series], labels, short, count,
                  _("Visitors %(span)s: %(total)s in all. %(peak)s", span=span,
                    total=count(report.total.visitors), peak=peak("visitors", count))),
        bar_chart(_("Revenue (%(currency)s)", currency=report.currency), [b.revenue for b in series], labels,
                  short, money, _("Revenue %(span)s: %(total)s in all. %(peak)s", span=span,
                                  total=money(report.total.revenue), peak=peak("revenue", money))),
    ]
