"""Payment jobs and the work that follows a payment. Jobs take ids and are safe to run twice."""

from __future__ import annotations

from app.jobs import enqueue


def after_payment(order_id: int) -> None:
    """Once an order is paid (and committed): confirm it to the shopper and send it to the
    suppliers. Both jobs are idempotent and have deterministic ids."""
    from app.orders.jobs import route_order_to_suppliers, send_order_confirmation

    enqueue(send_order_confirmation, order_id, queue="notifications",
            job_id=f"order-confirmation-{order_id}")
    enqueue(route_order_to_suppliers, order_id, job_id=f"route-order-{order_id}")


def settle_stale_checkouts() -> int:
    """Periodic: settle the card checkouts whose webhook never came, and submit again the
    refunds Stripe did not answer (see services and refunds). Safe to run twice."""
    from . import refunds, services, stripe_gateway

    if not stripe_gateway.enabled():
        return 0
    return services.expire_stale_checkouts() + refunds.resubmit_pending_refunds()
