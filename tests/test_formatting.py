"""Money, dates and phone numbers as people read them."""

from datetime import date, datetime, timezone

import pytest

from charity.formatting import date_long, datetime_local, mask_phone, money


@pytest.mark.parametrize("fen,text", [
    (0, "¥0.00"), (5, "¥0.05"), (123456, "¥1,234.56"), (-100, "-¥1.00"),
    (123456789012, "¥1,234,567,890.12"),
])
def test_money(fen, text):
    assert money(fen) == text


@pytest.mark.parametrize("bad", [1.5, "100", True])
def test_money_refuses_anything_but_integer_fen(bad):
    with pytest.raises(TypeError):
        money(bad)


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert mask_phone("12345") == "****"


def test_dates_in_each_language(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert date_long(date(2026, 11, 29)) == "2026年11月29日"
        # 16:30 UTC is 00:30 the next day in Chengdu
        assert datetime_local(datetime(2026, 11, 29, 16, 30, tzinfo=timezone.utc)) == "2026年11月30日 00:30"
    with app.test_request_context(headers={"Accept-Language": "en-US"}):
        assert date_long(date(2026, 11, 29)) == "November 29, 2026"
