"""A ledger entry's memo ("Order 1042") is stored in English, the ledger's own language: the
ledger is append-only and one business fact writes entries for several payees (the shop, a
supplier, a promoter), each reading their own language. Pages show a memo in their
reader's language by matching the stored text back to its message (`memo_text`)."""

from __future__ import annotations

import re

from app.i18n import N_, gettext

# kind -> (the stored English, with {placeholders}; the message pages show)
MEMOS = {
    "order": ("Order {number}", N_("Order %(number)s")),
    "cash_collected": ("Cash collected on delivery of order {number}",
                       N_("Cash collected on delivery of order %(number)s")),
    "refund": ("Refund on order {number}", N_("Refund on order %(number)s")),
    "cash_returned": ("Cash given back for order {number}", N_("Cash given back for order %(number)s")),
    "supplier_return": ("Order {number} cancelled before shipping", N_("Order %(number)s cancelled before shipping")),
    "dispute": ("Dispute (chargeback) on order {number}", N_("Dispute (chargeback) on order %(number)s")),
    "dispute_won": ("Dispute won on order {number}", N_("Dispute won on order %(number)s")),
    "pickup_fee": ("Pickup point's fee for order {number}", N_("Pickup point's fee for order %(number)s")),
    "commission": ("Commission on order {number} (level {level})",
                   N_("Commission on order %(number)s (level %(level)s)")),
    "commission_refund": ("Commission on order {number}: refund", N_("Commission on order %(number)s: refund")),
    "payout": ("Payout #{number}", N_("Payout #%(number)s")),
    "payout_reversal": ("Payout #{number} cancelled", N_("Payout #%(number)s cancelled")),
}


def memo(kind: str, **values) -> str:
    """The memo to store for an entry of this kind: memo("order", number="1042")."""
    return MEMOS[kind][0].format(**values)


def _pattern(english: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", english)  # text, name, text, name, ..., text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                              for i, part in enumerate(parts)) + r"\Z")


_PATTERNS = [(_pattern(english), message) for english, message in MEMOS.values()]


def memo_text(stored: str | None) -> str:
    """A stored memo in the reader's language; one written otherwise is shown as it is."""
    for pattern, message in _PATTERNS:
        found = pattern.match(stored or "")
        if found:
            return gettext(message, **found.groupdict())
    return stored or ""
