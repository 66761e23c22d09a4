"""The referral programme's periodic job: commissions whose refund window passed are booked."""

from __future__ import annotations

from .services import settle_due


def settle_commissions() -> int:
    return settle_due()
