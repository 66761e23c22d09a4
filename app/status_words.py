"""The status words pages show from data (an order's "pending", a supplier's "active"), in
the reader's language: the `status_label` filter. A word not listed shows as it is stored,
capitalised, so a new status never breaks a page (tests/test_wording.py fails on a model's
status missing here)."""

from __future__ import annotations

from flask_babel import lazy_pgettext

from app.i18n import lazy_gettext as _l

STATUS_WORDS = {
    "pending": _l("Pending"), "paid": _l("Paid"), "cancelled": _l("Cancelled"), "refunded": _l("Refunded"),
    "partly refunded": _l("Partly refunded"), "shipped": _l("Shipped"), "partly shipped": _l("Partly shipped"),
    "unfulfilled": _l("Unfulfilled"), "delivered": _l("Delivered"), "collected": _l("Collected"),
    "active": _l("Active"), "suspended": _l("Suspended"), "discontinued": _l("Discontinued"),
    "hidden": _l("Hidden"), "visible": _l("Visible"), "open": _l("Open"), "closed": _l("Closed"),
    "running": _l("Running"), "paused": _l("Paused"), "expired": _l("Expired"), "used up": _l("Used up"),
    "scheduled": _l("Scheduled"), "failed": _l("Failed"), "sent": _l("Sent"), "outbox": _l("Waiting to send"),
    "succeeded": _l("Succeeded"), "default text": _l("Default text"), "your text": _l("Your text"),
    "not saved": _l("Not saved"), "awaiting shopper": _l("Awaiting shopper"),
    "awaiting approval": _l("Awaiting approval"), "waiting for pre-sale": _l("Waiting for pre-sale"),
    "waiting for group": _l("Waiting for group"), "awaiting payment": _l("Awaiting payment"),
    "awaiting balance": _l("Awaiting balance"), "on hold": _l("On hold"), "draft": _l("Draft"),
    "verified": _l("Verified"), "queued": _l("Queued"),
    "partly_failed": _l("Partly failed"), "in progress": _l("In progress"), "new": _l("New"),
    "accepted": _l("Accepted"), "filled": _l("Filled"), "went ahead": _l("Went ahead"),
    "did not fill": _l("Did not fill"), "did not go ahead": _l("Did not go ahead"),
    "authorised": _l("Authorised"), "released": _l("Released"), "done": _l("Done"),
    "finished": _l("Finished"), "payable": _l("Payable"),
    # A card dispute's status as Stripe reports it (an "inquiry" is a warning before one).
    "needs response": _l("Needs a response"), "under review": _l("Under review"), "won": _l("Won"),
    "lost": _l("Lost"), "warning needs response": _l("Inquiry, needs a response"),
    "warning under review": _l("Inquiry under review"), "warning closed": _l("Inquiry closed"),
    "info": _l("Info"), "dispute": _l("Disputed"),
}


def status_label(word) -> str:
    """'partly_shipped' -> 'Partly shipped' (or its translation)."""
    key = str(word or "").replace("_", " ").strip().lower()
    found = STATUS_WORDS.get(key) or STATUS_WORDS.get(str(word or ""))
    return str(found) if found is not None else key.capitalize()


def status_in_sentence(word) -> str:
    """The status word inside a sentence ("An order that is cancelled cannot..."): lower case
    where the language has case."""
    return status_label(word).lower()


# What happened to a deal (DealEvent.kind): verbs, hence a context of their own ("Opened"
# is also a column heading, "Filled" a round's status).
DEAL_EVENTS = {
    "created": lazy_pgettext("deal event", "Created"), "changed": lazy_pgettext("deal event", "Changed"),
    "paused": lazy_pgettext("deal event", "Paused"), "resumed": lazy_pgettext("deal event", "Resumed"),
    "opened": lazy_pgettext("deal event", "Opened"), "joined": lazy_pgettext("deal event", "Joined"),
    "filled": lazy_pgettext("deal event", "Filled"), "failed": lazy_pgettext("deal event", "Did not fill"),
    "missed": lazy_pgettext("deal event", "Missed"), "refunded": lazy_pgettext("deal event", "Refunded"),
    "closed": lazy_pgettext("deal event", "Closed"),
}


def deal_event(kind) -> str:
    found = DEAL_EVENTS.get(str(kind or ""))
    return str(found) if found is not None else str(kind or "").capitalize()


# What started a run (a catalog sync's, a payout run's): a person, or the schedule.
TRIGGER_WORDS = {"manual": _l("By hand"), "schedule": _l("On schedule")}


def trigger_label(trigger) -> str:
    found = TRIGGER_WORDS.get(str(trigger or ""))
    return str(found) if found is not None else str(trigger or "").capitalize()
