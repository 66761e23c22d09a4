"""Payment jobs and the work that follows a payment. Jobs take ids and are safe to run twice."""

from __future__ import annotations

from app.integrations import stripe_gateway

from . import refunds, services


def settle_stale_checkouts() -> int:
    """Periodic: settle the card checkouts whose webhook never came, and submit again the
    refunds Stripe did not answer (see services and refunds). Safe to run twice."""
    if not stripe_gateway.enabled():
        return 0
    return services.expire_stale_checkouts() + refunds.resubmit_pending_refunds()
