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
