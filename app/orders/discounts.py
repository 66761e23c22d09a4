"""Discount codes: the owner's rules, what a code takes off a cart, and counting its uses.

A code takes a percentage or a fixed amount off the goods (never off shipping). It never
brings an item under its floor: the supplier's minimum retail price, the shop's margin floor
(Settings: price - wholesale >= that share of the price, as the price guardrails read it),
and a price at which the shop still keeps something after the platform's fee. So a code
is capped per line, and the shopper is told ("up to $x off here").

A use is counted when the order is placed, by a conditional UPDATE of the code's row
(`uses < max_uses`), so two checkouts racing for a code's last use cannot both get it (a
CHECK on the table is the second wall); a once-per-shopper code also keeps a use row per
e-mail under a unique key. A refund, or the cancel of an order that was paid or was to be
paid on delivery, does not give the use back; a card order cancelled before its payment ever
arrived (the shopper left Stripe's page, the card failed until the checkout expired) never
used its code, so its use is given back (`give_back`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _, format_datetime, format_number
from app.i18n import lazy_gettext as _l
from app.ledger.services import fee_bp_for
from app.money import MAX_AMOUNT, MoneyError, format_money, parse_amount
from app.shops.models import Shop
from app.shops.timezones import from_local, local
from app.tenancy import get_for_shop

from .discount_models import DiscountCode, DiscountUse

BP = 10_000
CODE_PATTERN = re.compile(r"[^\W_][\w-]{2,31}")  # letters (any script), digits, - and _
MAX_USES = 1_000_000
NO_FLOOR = MAX_AMOUNT * 100  # no price leaves the shop anything: nothing may come off


# Arithmetic (pure) ----------------------------------------------------------------------------


def unit_floor(*, cost: int, min_retail: int, fee_bp: int, margin_floor_bp: int) -> int:
    """The lowest price a discount may bring one unit to: the supplier's minimum retail
    price; the shop's margin floor (price - cost >= margin_floor_bp of the price); and a
    price whose platform fee (fee_bp of it, rounded half up) still leaves the shop its cost
    covered. Each bound is the least whole price that holds for every price above it."""
    if margin_floor_bp >= BP or fee_bp >= BP:
        return NO_FLOOR
    margin = -(-cost * BP // (BP - margin_floor_bp))
    # p - cost - (p * fee_bp + 5000) // BP >= 0 holds for every p >= this.
    after_fee = -(-(cost * BP + BP // 2) // (BP - fee_bp))
    return max(min_retail, margin, after_fee)


def allocate(kind: str, value: int, line_totals: list[int], caps: list[int]) -> list[int]:
    """Each line's part of a discount, never over its cap. A percentage comes off each line
    (rounded down); a fixed amount (at most the goods) is shared pro rata to the lines'
    totals, and what a capped line cannot take goes to lines with room, in order."""
    if kind == "percent":
        return [min(total * value // BP, cap) for total, cap in zip(line_totals, caps, strict=True)]
    goods = sum(line_totals)
    target = min(value, goods)
    if target <= 0:
        return [0] * len(line_totals)
    shares = [target * total // goods for total in line_totals]
    # Largest remainders first, so the shares add up to the target exactly.
    order = sorted(range(len(line_totals)), key=lambda i: -(target * line_totals[i] % goods))
    for i in order[:target - sum(shares)]:
        shares[i] += 1
    parts = [min(share, cap) for share, cap in zip(shares, caps, strict=True)]
    left = target - sum(parts)
    for i, cap in enumerate(caps):
        if left <= 0:
            break
        more = min(cap - parts[i], left)
        parts[i] += more
        left -= more
    return parts


# The owner's codes ----------------------------------------------------------------------------


def normalise_code(typed) -> str:
    return " ".join(str(typed or "").split()).upper()


def discount_codes() -> list[DiscountCode]:
    """The current shop's codes, newest first."""
    return list(db.session.scalars(select(DiscountCode).order_by(DiscountCode.id.desc())))


def get_discount_code(code_id) -> DiscountCode:
    code = get_for_shop(db.session, DiscountCode, code_id)
    if code is None:
        raise NotFound(_('No such discount code in this shop.'))
    return code


def _percent_bp(raw) -> int:
    text = str(raw or "").strip().rstrip("%").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or not 0 < value <= 100 or value.as_tuple().exponent < -2:
        raise DomainError(_('Enter a percentage from 0.01 to 100, like 10 or 12.5.'), field="value")
    return int(value * 100)


def _amount(raw, currency: str, field_name: str, label: str, *, required: bool) -> int | None:
    text = str(raw or "").strip()
    if not text:
        if required:
            raise DomainError(_('Enter %(label)s, like 5.00.', label=label), field=field_name)
        return None
    try:
        amount = parse_amount(text, currency)
    except MoneyError:
        raise DomainError(_('Enter %(label)s as an amount, like 5.00.', label=label), field=field_name) from None
    if required and amount <= 0:
        raise DomainError(_('Enter %(label)s above zero.', label=label), field=field_name)
    return amount


def _moment(raw, shop, field_name: str) -> datetime | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        wall_clock = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(_('Enter a date and time, like 2026-12-24 18:00.'), field=field_name) from None
    return from_local(wall_clock.replace(tzinfo=None), shop)


def _max_uses(raw) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_USES:
        raise DomainError(_('Enter how many times in all, from 1 to %(max_uses)s (or leave it empty for no limit).', max_uses=format_number(MAX_USES)),
                          field="max_uses")
    return int(text)


def save_discount_code(code: DiscountCode | None, shop, *, text, kind, value, min_order="", starts="",
                       ends="", max_uses="", once_per_shopper=False) -> DiscountCode:
    """Create (code None) or change a code of the current shop. Amounts are typed in major
    units of the shop's currency, dates on the shop's clock. DomainError names the field."""
    typed = normalise_code(text)
    if not CODE_PATTERN.fullmatch(typed):
        raise DomainError(_('A code is 3 to 32 letters or digits (- and _ too), without spaces.'), field="code")
    if kind not in ("percent", "amount"):
        raise DomainError(_('Choose a percentage or an amount off.'), field="kind")
    amount = _percent_bp(value) if kind == "percent" else _amount(value, shop.currency, "value",
                                                                  "the amount off", required=True)
    values = {
        "code": typed, "kind": kind, "value": amount,
        "min_order": _amount(min_order, shop.currency, "min_order", "the minimum order", required=False) or 0,
        "starts_at": _moment(starts, shop, "starts"), "ends_at": _moment(ends, shop, "ends"),
        "max_uses": _max_uses(max_uses), "once_per_shopper": bool(once_per_shopper),
    }
    if values["starts_at"] and values["ends_at"] and values["ends_at"] <= values["starts_at"]:
        raise DomainError(_('The end must come after the start.'), field="ends")
    if code is not None and values["max_uses"] is not None and values["max_uses"] < code.uses:
        raise DomainError(_('This code has been used %(uses)s times already: the limit cannot go under that.', uses=code.uses),
                          field="max_uses")
    clash = db.session.scalar(select(DiscountCode.id).where(DiscountCode.code == typed))
    if clash is not None and (code is None or clash != code.id):
        raise DomainError(_('This shop already has the code %(typed)s.', typed=typed), field="code")
    if code is None:
        code = DiscountCode()
        db.session.add(code)
    for key, item in values.items():
        setattr(code, key, item)
    db.session.flush()
    return code


def set_code_active(code: DiscountCode, active: bool) -> DiscountCode:
    """Pause a code (checkout refuses it) or let it work again."""
    code.active = active
    db.session.flush()
    return code


def describe(code: DiscountCode, currency: str) -> str:
    """"10% off", "$5.00 off"."""
    if code.kind == "percent":
        whole, rest = divmod(code.value, 100)
        return (f"{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else str(whole)) + "% off"
    return f"{format_money(code.value, currency)} off"


def state_of(code: DiscountCode, now: datetime | None = None) -> str:
    """What the owner's list shows: paused, scheduled, expired, used up or active."""
    now = now or utcnow()
    if not code.active:
        return "paused"
    if code.ends_at is not None and code.ends_at <= now:
        return "expired"
    if code.max_uses is not None and code.uses >= code.max_uses:
        return "used up"
    if code.starts_at is not None and code.starts_at > now:
        return "scheduled"
    return "active"


# At checkout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    """What a code needs of a cart line."""

    unit_price: int
    quantity: int
    cost: int  # the supplier's wholesale price per unit
    min_retail: int  # the supplier's minimum retail price per unit

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass
class AppliedCode:
    """What a code typed at checkout does to these lines: `refusal` says why it does not
    apply ("" when it does); `parts` is each line's discount, in the lines' order."""

    typed: str
    code: DiscountCode | None = None
    refusal: str = ""
    parts: list[int] = field(default_factory=list)
    wanted: int = 0  # what the code would take off without the floors

    @property
    def total(self) -> int:
        return sum(self.parts) if not self.refusal else 0

    @property
    def capped(self) -> bool:
        return not self.refusal and self.total < self.wanted


def _when(moment: datetime, shop) -> str:
    return format_datetime(local(moment, shop))


def _refusal(code: DiscountCode | None, typed: str, shop, goods: int, now: datetime) -> str:
    if code is None:
        return _("“%(code)s” is not a code of this shop. Check the spelling.", code=typed)
    if not code.active:
        return _('This code is paused by the shop just now.')
    if code.starts_at is not None and code.starts_at > now:
        return _('This code starts on %(moment)s.', moment=_when(code.starts_at, shop))
    if code.ends_at is not None and code.ends_at <= now:
        return _('This code expired on %(moment)s.', moment=_when(code.ends_at, shop))
    if code.max_uses is not None and code.uses >= code.max_uses:
        return _('This code has been used up.')
    if goods < code.min_order:
        return (_('This code needs an order of at least %(min_order)s; your items come to %(goods)s.', min_order=format_money(code.min_order, shop.currency), goods=format_money(goods, shop.currency)))
    return ""


def used_by(code: DiscountCode, email: str) -> bool:
    return db.session.scalar(select(DiscountUse.id).where(
        DiscountUse.discount_code_id == code.id, DiscountUse.once_key == email.strip().lower())) is not None


ALREADY_USED = _l("You have used this code already: it works once per shopper.")


def apply_code(shop, typed, lines: list[PricedLine], *, email: str = "", now: datetime | None = None) -> AppliedCode:
    """What the code `typed` takes off `lines` in the current shop (case-insensitive).
    With `email`, a once-per-shopper code already used by that address is refused too."""
    typed = normalise_code(typed)
    now = now or utcnow()
    code = db.session.scalar(select(DiscountCode).where(DiscountCode.code == typed)) if typed else None
    applied = AppliedCode(typed, code)
    goods = sum(line.total for line in lines)
    applied.refusal = _refusal(code, typed, shop, goods, now)
    if applied.refusal:
        return applied
    if code.once_per_shopper and email and used_by(code, email):
        applied.refusal = ALREADY_USED
        return applied
    fee_bp = fee_bp_for(shop)
    caps = [max(line.total - line.quantity * unit_floor(cost=line.cost, min_retail=line.min_retail, fee_bp=fee_bp,
                                                      margin_floor_bp=shop.margin_floor_bp), 0)
            for line in lines]
    totals = [line.total for line in lines]
    applied.wanted = sum(allocate(code.kind, code.value, totals, [total for total in totals]))
    applied.parts = allocate(code.kind, code.value, totals, caps)
    if not sum(applied.parts):
        applied.refusal = ("These items are at their lowest price already (the supplier’s minimum and the "
                           "shop’s margin): this code cannot take anything off them.")
    return applied


def redeem(applied: AppliedCode, order, *, now: datetime | None = None) -> DiscountUse:
    """Count one use of the code for `order` (inside the order's transaction): a conditional
    UPDATE, so a limited code's last use goes to one checkout only. DomainError (field
    "discount_code") when it no longer applies or this shopper used it already."""
    code, now = applied.code, now or utcnow()
    email = order.customer_email.strip().lower()
    counted = db.session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == code.id, DiscountCode.shop_id == order.shop_id, DiscountCode.active.is_(True),
               or_(DiscountCode.max_uses.is_(None), DiscountCode.uses < DiscountCode.max_uses),
               or_(DiscountCode.starts_at.is_(None), DiscountCode.starts_at <= now),
               or_(DiscountCode.ends_at.is_(None), DiscountCode.ends_at > now))
        .values(uses=DiscountCode.uses + 1)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not counted:
        db.session.refresh(code)
        reason = _refusal(code, applied.typed, db.session.get(Shop, order.shop_id), order.subtotal, now)
        raise DomainError(_('Sorry, the code no longer applies. %(reason)s', reason=reason or _('This code has just been used up.')),
                          field="discount_code")
    db.session.expire(code, ["uses"])
    if code.once_per_shopper and used_by(code, email):
        raise DomainError(ALREADY_USED, field="discount_code")
    use = DiscountUse(shop_id=order.shop_id, discount_code_id=code.id, order_id=order.id, email=email,
                      once_key=email if code.once_per_shopper else None, amount=order.discount_total,
                      currency=order.currency, used_at=now)
    db.session.add(use)
    try:
        db.session.flush()
    except IntegrityError:
        # The same shopper's other checkout took it a moment ago (the unique key).
        raise DomainError(ALREADY_USED, field="discount_code") from None
    return use


def give_back(order) -> bool:
    """An order that never took money is cancelled: its code's use was never spent. Deletes
    the use row (so a once-per-shopper code works again for that shopper) and counts one
    use less. True when there was a use to give back."""
    use = db.session.scalar(select(DiscountUse).where(DiscountUse.order_id == order.id))
    if use is None:
        return False
    db.session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == use.discount_code_id, DiscountCode.shop_id == order.shop_id, DiscountCode.uses > 0)
        .values(uses=DiscountCode.uses - 1)
        .execution_options(synchronize_session=False))
    db.session.delete(use)
    db.session.flush()
    code = db.session.get(DiscountCode, use.discount_code_id)
    if code is not None:
        db.session.expire(code, ["uses"])
    return True


def uses_of(code: DiscountCode, limit: int = 50) -> list[DiscountUse]:
    """The code's latest uses (the owner's page)."""
    return list(db.session.scalars(select(DiscountUse).where(DiscountUse.discount_code_id == code.id)
                                   .order_by(DiscountUse.id.desc()).limit(limit)))


def discount_given(code: DiscountCode) -> int:
    """All a code has taken off orders so far."""
    return int(db.session.scalar(select(func.coalesce(func.sum(DiscountUse.amount), 0))
                                 .where(DiscountUse.discount_code_id == code.id)))
