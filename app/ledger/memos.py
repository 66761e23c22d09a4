"""A ledger entry's memo ("Order 1042") is stored in English, the ledger's own language: the
ledger is append-only and one business fact writes entries for several payees (the shop, a
supplier, a promoter), each reading their own language. Pages show a memo in their
reader's language by matching the stored text back to its message (`memo_text`)."""

from __future__ import annotations

import re

from app.i18n import N_, gettext

# kind -> the message: stored filled in as it is (English), shown translated.
MEMOS = {
    "order": N_("Order %(number)s"),
    "cash_collected": N_("Cash collected on delivery of order %(number)s"),
    "refund": N_("Refund on order %(number)s"),
    "cash_returned": N_("Cash given back for order %(number)s"),
    "supplier_return": N_("Order %(number)s cancelled before shipping"),
    "dispute": N_("Dispute (chargeback) on order %(number)s"),
    "dispute_won": N_("Dispute won on order %(number)s"),
    "pickup_fee": N_("Pickup point's fee for order %(number)s"),
    "commission": N_("Commission on order %(number)s (level %(level)s)"),
    "commission_refund": N_("Commission on order %(number)s: refund"),
    "payout": N_("Payout #%(number)s"),
    "payout_reversal": N_("Payout #%(number)s cancelled"),
}


def memo(kind: str, **values) -> str:
    """The memo to store for an entry of this kind: memo("order", number="1042")."""
    return MEMOS[kind] % values


def _pattern(message: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", message)  # text, name, text, name, ..., text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                              for i, part in enumerate(parts)) + r"\Z")


_PATTERNS = [(_pattern(message), message) for message in MEMOS.values()]


def memo_text(stored: str | None) -> str:
    """A stored memo in the reader's language; one written otherwise is shown as it is."""
    for pattern, message in _PATTERNS:
        found = pattern.match(stored or "")
        if found:
            return gettext(message, **found.groupdict())
    return stored or ""
