"""One unit of work per request: what a view's services write commits when the view
answers, or not at all.

Views call services (which only flush) and never commit or roll back by hand:
- the view answers with success (below 400, redirects included): the request's transaction
  commits, before the outbox relay hands its jobs to RQ;
- a service refused (a `DomainError` shown on the form or flashed, through `refuse`): what
  was written so far rolls back at once, so the page shows the state before the attempt, and
  nothing later in the request commits;
- the view answers with an error status or raises: everything rolls back.

The use cases that must commit between two calls to Stripe (card checkout, refunds, payout
onboarding) own their transactions, in their domain package; jobs and commands commit as
units of their own.
"""

from __future__ import annotations

from flask import g, request

from app.errors import DomainError
from app.extensions import db

_REFUSED = "_unit_of_work_refused"


def refuse(error: DomainError | None = None) -> DomainError | None:
    """A service said no: roll back its writes now; the request will commit nothing."""
    db.session.rollback()
    setattr(g, _REFUSED, True)
    return error


def refused() -> bool:
    return bool(g.get(_REFUSED))


def finish(response):
    """Commit or roll back the request's work (an after_request hook)."""
    if response.status_code < 400 and not refused():
        commit(keep_loaded=request.method in ("GET", "HEAD"))
    else:
        db.session.rollback()
    return response


def commit(keep_loaded: bool) -> None:
    """Commit. After a page was read, the rows it loaded are not expired: the page is made,
    its session ends with the request, and expiring them (SQLAlchemy's default, so the next
    read sees other transactions' changes) cost 1-2 ms on a page of 60 product cards. The
    outbox relay after this reads its rows with queries of its own, and inline jobs start
    with a rollback, which expires everything anyway. A use case that owns its commit may
    keep what it loaded too, when its caller only reads back what it wrote (a placed
    order's redirect)."""
    session = db.session()
    if not keep_loaded:
        session.commit()
        return
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def install(app) -> None:
    """Register the hook. Flask runs after_request hooks in reverse order of registration:
    install this after the outbox relay, so the relay sees the committed jobs."""
    app.after_request(finish)
