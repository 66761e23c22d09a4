def test_storefront_home_lists_only_its_own_shop(shop_a, shop_b, storefront):
    page = storefront(shop_a.shop).get("/")
    assert page.status_code == 200
    assert b"alpha Organic Cotton Tee" in page.data
    assert b"bravo" not in page.data
