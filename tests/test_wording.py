from app.wording import counted, named


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
