"""Deal jobs: a group's deadline (scheduled for that moment) and the sweep that catches any
deadline whose job was missed. Both are safe to run twice: a closed group stays closed."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.tenancy import unscoped, use_shop

from . import services
from .models import DealRound


def close_round_if_due(round_id: int) -> str:
    with unscoped():
        shop_id = db.session.scalar(select(DealRound.shop_id).where(DealRound.id == round_id))
    if shop_id is None:
        return "missing"
    with use_shop(shop_id):
        outcome = services.close_round(round_id)
        db.session.commit()
    return outcome


def sweep_due_rounds() -> int:
    """Close every open round past its deadline (each in its own transaction): groups fail,
    pre-sales go ahead or fail. Returns how many closed."""
    failed = 0
    for _shop_id, round_id in services.rounds_due():
        failed += close_round_if_due(round_id) in ("failed", "filled")
    return failed
