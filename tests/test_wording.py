import ast
import re
from pathlib import Path

import pytest

from app.wording import counted, named

ROOT = Path(__file__).resolve().parent.parent


def test_counts_read_as_english():
    assert [counted(n, "row") for n in (0, 1, 7)] == ["0 rows", "1 row", "7 rows"]
    assert counted(2, "box", "boxes") == "2 boxes"
    assert named(["sku"], "column") == "the column sku"
    assert named(["sku", "price"], "column") == "the columns sku, price"
    assert counted(12500, "product") == "12,500 products"  # written the reader's way


def test_counts_read_as_chinese(app):
    from app.i18n import force_locale

    with app.test_request_context(), force_locale("zh"):
        assert counted(12500, "row") == "12,500 行" and counted(3, "variant") == "3 个款式"


def test_a_short_password_gets_a_plain_message(client):
    response = client.post("/signup", data={"email": "new@example.com", "password": "short",
                                            "confirm": "short"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Use 10 or more characters" in text
    assert "Field must be between" not in text


def test_status_and_event_words_read_in_the_readers_language(app):
    """Words stored in English (a deal's events, a dispute's status) are shown translated.
    The event "Opened" is not the column heading "Opened" (a time), hence a context."""
    from app.i18n import force_locale
    from app.status_words import deal_event, status_label

    assert (deal_event("opened"), deal_event("failed"), deal_event("new_kind")) == ("Opened", "Did not fill", "New_kind")
    assert status_label("needs_response") == "Needs a response"
    with app.test_request_context(), force_locale("zh"):
        assert (deal_event("opened"), deal_event("joined")) == ("已开启", "有人加入")
        assert (status_label("needs_response"), status_label("did not go ahead")) == ("待回应", "未成立")


def test_every_stored_status_has_its_words():
    """A status a page shows through status_label but not listed reads as English in every
    language ('Authorised' on a Chinese order page): each model's statuses are listed."""
    from app.catalog.models import PRODUCT_STATUSES, SUPPLIER_STATUSES
    from app.deals.models import DEAL_STATUSES, ROUND_STATUSES
    from app.jobs.models import OUTBOX_STATUSES
    from app.notifications.models import EMAIL_STATUSES
    from app.orders.models import ORDER_STATUSES
    from app.payments.models import PAYMENT_STATUSES, REFUND_STATUSES
    from app.referrals.models import COMMISSION_STATUSES
    from app.shops.models import SHOP_STATUSES
    from app.status_words import STATUS_WORDS

    stored = {*SUPPLIER_STATUSES, *PRODUCT_STATUSES, *DEAL_STATUSES, *ROUND_STATUSES, *OUTBOX_STATUSES,
              *EMAIL_STATUSES, *ORDER_STATUSES, *PAYMENT_STATUSES, *REFUND_STATUSES, *COMMISSION_STATUSES,
              *SHOP_STATUSES, "running", "finished"}  # a payout run's (app/ledger/models.py)
    assert sorted(status for status in stored if status.replace("_", " ") not in STATUS_WORDS) == []


# A stored key shown as text, or handed to a sentence as a placeholder's value, without the
# filter that words it ("This order is cancelled" on a Chinese page, "manual run queued").
_ATTRIBUTE = re.compile(r'''[\w-]+="(?:[^"{]|\{\{(?:[^}"]|"[^"]*")*\}\}|\{%[^%]*%\})*"''')
_STORED_KEY = r"[\w.]+\.(?:status|trigger|payee_type|kind|payment_method)"
_SHOWN_RAW = re.compile(r"\{\{-?\s*" + _STORED_KEY + r"\s*-?\}\}")
_HANDED_RAW = re.compile(r"\b\w+=" + _STORED_KEY + r"\s*[,)]")


def _in_gettext_call(source: str, at: int) -> bool:
    depth = 0
    for index in range(at - 1, -1, -1):
        if source[index] == ")":
            depth += 1
        elif source[index] == "(":
            if depth == 0:
                return re.search(r"\b(?:_|gettext|ngettext|pgettext)\s*$", source[:index]) is not None
            depth -= 1
    return False


def raw_stored_words(source: str) -> list[str]:
    text = _ATTRIBUTE.sub(lambda m: " " * len(m.group(0)), source)  # attribute values are for code
    found = [m.group(0) for m in _SHOWN_RAW.finditer(text)]
    return found + [m.group(0) for m in _HANDED_RAW.finditer(text) if _in_gettext_call(text, m.start())]


def test_raw_stored_words_are_caught():
    assert raw_stored_words("<td>{{ run.trigger }}</td>") == ["{{ run.trigger }}"]
    assert raw_stored_words("{{ _('It is %(status)s.', status=order.status) }}") == ["status=order.status)"]
    assert raw_stored_words('<tr data-state="{{ round.status }}">{{ round.status|status_label }}') == []
    assert raw_stored_words("{{ post_button(url_for('x', kind=page.kind), _('Restore')) }}") == []
    assert raw_stored_words("{{ _('It is %(status)s.', status=order.status|status_in_sentence) }}") == []


@pytest.mark.parametrize("path", sorted(p for root in ("app/templates", "themes") for suffix in ("html", "txt")
                                        for p in (ROOT / root).rglob(f"*.{suffix}")), ids=str)
def test_templates_word_the_stored_keys_they_show(path):
    """A status, a trigger or a kind is stored as an English key: a page words it through its
    filter (status_label, trigger_label, deal_event...), or it reads as English everywhere."""
    assert raw_stored_words(path.read_text(encoding="utf-8")) == [], path.relative_to(ROOT)


def _stored_keys_handed_to_sentences(source: str) -> list[str]:
    """`_('An order that is %(status)s...', status=order.status)`: the key, unworded."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "_l", "gettext", "lazy_gettext",
                                                                               "ngettext", "pgettext"):
            for keyword in node.keywords:
                value = keyword.value
                if (isinstance(value, ast.Attribute) and value.attr in ("status", "trigger", "kind", "payee_type")
                        and getattr(value.value, "id", "") != "response"):  # an HTTP status is a number
                    found.append(f"line {node.lineno}: {keyword.arg}={ast.unparse(value)}")
    return found


def test_python_sentences_word_the_stored_keys_they_name():
    assert _stored_keys_handed_to_sentences("_('It is %(s)s', s=order.status)") == ["line 1: s=order.status"]
    assert _stored_keys_handed_to_sentences("_('HTTP %(s)s', s=response.status)") == []
    found = [f"{path.relative_to(ROOT)} {problem}" for path in sorted((ROOT / "app").rglob("*.py"))
             for problem in _stored_keys_handed_to_sentences(path.read_text(encoding="utf-8"))]
    assert found == []
