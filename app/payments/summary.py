"""What an order page shows of its money (dashboard and admin): the payment, how it was
shared, the refunds, and what can still be refunded."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.ledger.services import order_entries

from .models import Payment
from .refunds import REFUNDABLE, refundable_quantities, refunds_of


def order_money_context(order) -> dict:
    return {
        "payment": db.session.scalar(select(Payment).where(Payment.order_id == order.id)
                                     .order_by(Payment.id.desc())),
        # A pre-order with a deposit has two (the deposit, then the balance).
        "parts": list(db.session.scalars(select(Payment).where(Payment.order_id == order.id,
                                                                Payment.purpose != "order")
                                         .order_by(Payment.id))),
        "entries": order_entries(order.id),
        "refunds": refunds_of(order),
        "refundable": refundable_quantities(order),
        "can_refund": order.status in REFUNDABLE and order.net_total > 0,
    }
