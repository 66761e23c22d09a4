from app.wording import counted, named


def test_counts_read_as_english():
    assert [counted(n, "row") for n in (0, 1, 7)] == ["0 rows", "1 row", "7 rows"]
    assert counted(2, "box", "boxes") == "2 boxes"
    assert named(["sku"], "column") == "the column sku"
    assert named(["sku", "price"], "column") == "the columns sku, price"
