"""Exchange rates the admin sets, so a shop can sell supply priced in another currency.

A shop sells in one currency. It may list a product priced in another currency only once the
admin has set a rate from that currency to the shop's. The product's wholesale cost and
minimum retail price are then held in the shop's currency: converted at the current rate
and rounded up to the shop currency's minor unit, so neither the supplier's cost nor its
price floor is ever undercut by rounding. The order line keeps the converted cost it sold at,
and the ledger pays the supplier that amount in the shop's currency (each payee's balance is
kept per currency), so no sale ever mixes currencies.

Rates are stored as integer millionths (7.123456 CNY per USD = 7,123,456): never floats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column, object_session
from sqlalchemy.orm.util import identity_key

from app import change_notes
from app.db_types import UTCDateTime, utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _, ngettext
from app.jobs.outbox import defer
from app.money import CURRENCIES, exponent

from .models import SupplyProduct

MILLION = 1_000_000
REVIEW_AFTER_RATE_JOB = "app.shops.guardrails.review_listings_after_rate_change"
MAX_RATE = Decimal(100_000)  # any real pair is far below; a typo (7120 for 7.12) is refused


class ExchangeRate(db.Model):
    """How many units of `to_currency` one unit of `from_currency` buys (platform-wide)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (CheckConstraint("per_million > 0", name="rate_positive"),
                      CheckConstraint("from_currency <> to_currency", name="rate_between_two"))

    from_currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    to_currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    per_million: Mapped[int] = mapped_column(BigInteger)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)

    @property
    def rate(self) -> Decimal:
        return Decimal(self.per_million) / MILLION


def rates() -> dict[tuple[str, str], ExchangeRate]:
    """Every rate set, by (from, to); a handful of rows, read once per request."""
    from flask import g, has_app_context

    if has_app_context() and "exchange_rates" in g:
        return g.exchange_rates
    found = {(r.from_currency, r.to_currency): r for r in db.session.scalars(select(ExchangeRate))}
    if has_app_context():
        g.exchange_rates = found
    return found


def forget_cached_rates() -> None:
    from flask import g, has_app_context

    if has_app_context():
        g.pop("exchange_rates", None)


def rate_between(from_currency: str, to_currency: str) -> int | None:
    """The rate in millionths, 1,000,000 for a currency to itself, None if not set."""
    if from_currency == to_currency:
        return MILLION
    found = rates().get((from_currency, to_currency))
    return found.per_million if found is not None else None


def sells_in(product_currency: str, shop_currency: str) -> bool:
    """Whether a shop selling in `shop_currency` may list a product priced in `product_currency`."""
    return rate_between(product_currency, shop_currency) is not None


def convert_up(amount: int, from_currency: str, to_currency: str) -> int:
    """`amount` (minor units of `from_currency`) in minor units of `to_currency` at the set
    rate, rounded up. Raises DomainError when no rate is set."""
    per_million = rate_between(from_currency, to_currency)
    if per_million is None:
        raise DomainError(_("There is no exchange rate from %(source)s to %(target)s yet.",
                            source=from_currency, target=to_currency))
    if per_million == MILLION:
        return amount
    shift = exponent(to_currency) - exponent(from_currency)
    # Integer arithmetic: amount * rate * 10^shift / 10^6, rounded towards +infinity.
    numerator = amount * per_million * (10 ** max(shift, 0))
    denominator = MILLION * (10 ** max(-shift, 0))
    return -(-numerator // denominator)


def wholesale_in(variant, currency: str) -> int:
    """A supply variant's wholesale cost in `currency` (its product's own, or converted up)."""
    return convert_up(variant.wholesale_price, priced_in(variant), currency)


def min_retail_in(variant, currency: str) -> int:
    """A supply variant's minimum retail price in `currency`, converted up: the floor a shop
    selling in that currency may price at."""
    return convert_up(variant.min_retail_price, priced_in(variant), currency)


def priced_in(variant) -> str:
    """The currency of a supply variant's prices: its product's. Taken from the product the
    session holds (a variant priced on a card, in a cart or at checkout was loaded through
    its product) rather than by loading `variant.product`: that links the variant back to
    its product, and a product and its variants linked both ways are a reference cycle only
    Python's garbage collector frees (on a 100-listing home: 1,300 objects a request, every
    card's product and variants among them)."""
    product = variant.__dict__.get("product")  # set or loaded already
    session = object_session(variant)
    if product is None and session is not None and variant.product_id is not None:
        product = session.identity_map.get(identity_key(SupplyProduct, variant.product_id))
    return (product or variant.product).currency


def reachable_currencies(catalog_currencies: set[str]) -> set[str]:
    """Currencies a shop may sell in: those the catalog prices in, and those a rate from one
    of them leads to."""
    return set(catalog_currencies) | {to for (source, to) in rates() if source in catalog_currencies}


def rate_pairs() -> list[tuple[str, str]]:
    """Every pair the admin may set: from a currency the catalog prices in (or a rate already
    names) to each other listed currency."""
    from .models import Supplier

    sources = set(db.session.scalars(select(Supplier.currency).distinct()))
    sources |= {source for source, _target in rates()}
    return [(source, target) for source in sorted(sources) for target in CURRENCIES if target != source]


def parse_rate(text: str) -> int:
    """A rate typed by the admin ("7.12") as millionths; DomainError if it is not one."""
    cleaned = (text or "").strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError(_("Type the rate as a number, such as 7.12.")) from None
    if not value.is_finite() or value <= 0:
        raise DomainError(_("A rate must be more than zero."))
    if value > MAX_RATE:
        raise DomainError(_("That rate is too large to be real; check the decimal point."))
    per_million = int((value * MILLION).to_integral_value(ROUND_CEILING))
    if per_million != value * MILLION:
        raise DomainError(_("Give the rate with at most six decimal places."))
    return per_million


def _listings_using(source: str, target: str) -> int:
    """How many listings of shops selling in `target` list products priced in `source` (the
    tables by name: shops sit above the catalog, which never imports them)."""
    listings, shops = db.metadata.tables["listings"], db.metadata.tables["shops"]
    return db.session.scalar(
        select(func.count()).select_from(listings)
        .join(shops, shops.c.id == listings.c.shop_id)
        .join(SupplyProduct, SupplyProduct.id == listings.c.supply_product_id)
        .where(shops.c.currency == target, SupplyProduct.currency == source)) or 0


def save_rates(typed: dict[tuple[str, str], str], by_user_id: int | None) -> list[tuple[tuple[str, str], str]]:
    """Set, change or clear (an empty field) each rate; all or nothing. Returns the problems
    as ((from, to), message); nothing is written when there is any."""
    problems, wanted = [], {}
    for (source, target), text in typed.items():
        if source not in CURRENCIES or target not in CURRENCIES or source == target:
            problems.append(((source, target), _("Choose two different listed currencies.")))
            continue
        if not (text or "").strip():
            if (source, target) in rates() and (using := _listings_using(source, target)):
                problems.append(((source, target), ngettext(
                    "%(num)d listing sells through this rate: it stays until that listing is removed.",
                    "%(num)d listings sell through this rate: it stays until they are removed.", using)))
                continue
            wanted[(source, target)] = None
            continue
        try:
            wanted[(source, target)] = parse_rate(text)
        except DomainError as error:
            problems.append(((source, target), error.message))
    if problems:
        return problems
    existing = rates()
    for (source, target), per_million in wanted.items():
        row = existing.get((source, target))
        if per_million is None:
            if row is not None:
                db.session.execute(delete(ExchangeRate).where(ExchangeRate.from_currency == source,
                                                              ExchangeRate.to_currency == target))
        elif row is None:
            db.session.add(ExchangeRate(from_currency=source, to_currency=target, per_million=per_million,
                                        set_by_id=by_user_id))
        elif row.per_million != per_million:
            row.per_million, row.set_at, row.set_by_id = per_million, utcnow(), by_user_id
        else:
            continue
        # The shops' listings follow, as after a supplier's price change. Named by its path:
        # shops sit above the catalog, which never imports them.
        defer(REVIEW_AFTER_RATE_JOB, source, target, job_id=f"review-rate-{source}-{target}-{per_million}")
    db.session.flush()
    forget_cached_rates()
    change_notes.note(db.session, change_notes.EVERY_SHOP)  # converted prices on every storefront
    return []
