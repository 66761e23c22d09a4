"""Jobs for custom domains. They take ids, load fresh rows and are safe to run twice."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db
from app.tenancy import unscoped, use_shop

from .domain_models import ShopDomain
from .domains import DomainCheckFailed, check_domain

log = logging.getLogger(__name__)
# DNS changes take minutes to hours to spread: check again after 1, 5, 15, 60 and 240 minutes.
DOMAIN_CHECK_RETRY = (60, 300, 900, 3600, 14400)  # seconds between the checks


def verify_shop_domain(domain_id: int) -> str:
    """Check one claimed domain over HTTP. Verified (or gone) already: nothing to do. A failed
    check is recorded, committed, then raised so RQ retries it with backoff."""
    with unscoped():
        shop_id = db.session.scalar(select(ShopDomain.shop_id).where(ShopDomain.id == domain_id))
    if shop_id is None:
        return "gone"
    with use_shop(shop_id):
        domain = db.session.scalar(select(ShopDomain).where(ShopDomain.id == domain_id))
        if domain.is_verified:
            return "verified"
        try:
            check_domain(domain)
        except DomainCheckFailed:
            db.session.commit()
            log.info("domain %s not verified yet (check %s)", domain.hostname, domain.check_count)
            raise
        db.session.commit()
        return "verified"


def enqueue_domain_check(domain_id: int):
    """Check the domain once this transaction commits (then with retries)."""
    from app.jobs import defer

    return defer(verify_shop_domain, domain_id, job_id=f"verify-domain-{domain_id}",
                   timeout=60, retry=DOMAIN_CHECK_RETRY)
