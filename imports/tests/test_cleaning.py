"""What clerks type, read as they mean it (item 4 of the import issue)."""

import datetime as dt
from decimal import Decimal

import pytest

from core.choices import Approximation
from imports import cleaning
from imports.cleaning import Unreadable


@pytest.mark.parametrize(
    "written, expected",
    [
        ("2013-10-08", dt.date(2013, 10, 8)),
        ("2013/10/08", dt.date(2013, 10, 8)),
        ("2013.10.8", dt.date(2013, 10, 8)),
        ("2013年10月8日", dt.date(2013, 10, 8)),
        ("２０１３年１０月８日", dt.date(2013, 10, 8)),
        (" 2013年10月8号 ", dt.date(2013, 10, 8)),
        ("20131008", dt.date(2013, 10, 8)),
        ("2013年10月", dt.date(2013, 10, 1)),
        ("2013.10", dt.date(2013, 10, 1)),
        # Excel's serial numbers, as a number cell and as text: 41555 is 2013-10-08
        # (days since 1899-12-30, counting Excel's phantom 29 February 1900).
        (41555, dt.date(2013, 10, 8)),
        (41555.0, dt.date(2013, 10, 8)),
        ("41555", dt.date(2013, 10, 8)),
        (dt.datetime(2013, 10, 8, 0, 0), dt.date(2013, 10, 8)),
    ],
)
def test_dates_as_clerks_write_them(written, expected):
    assert cleaning.date(written) == expected


@pytest.mark.parametrize("written", ["2013-02-30", "明年", "13/10/8", "2013年13月"])
def test_what_is_not_a_date_says_so_in_words(written):
    with pytest.raises(Unreadable) as problem:
        cleaning.date(written)
    assert written.strip() in str(problem.value)


@pytest.mark.parametrize(
    "written, yuan, approximation",
    [
        (12345.6, "12345.60", Approximation.EXACT),
        ("12,345.6元", "12345.60", Approximation.EXACT),
        ("１２３４５元", "12345.00", Approximation.EXACT),
        ("29万余元", "290000.00", Approximation.MORE_THAN),
        ("约1.5万", "15000.00", Approximation.ABOUT),
        ("近10万元", "100000.00", Approximation.NEARLY),
        ("10万元以上", "100000.00", Approximation.AT_LEAST),
        ("3000多元", "3000.00", Approximation.MORE_THAN),
        ("1.2亿元", "120000000.00", Approximation.EXACT),
        ("￥500", "500.00", Approximation.EXACT),
    ],
)
def test_amounts_keep_their_approximation(written, yuan, approximation):
    assert cleaning.amount(written) == (Decimal(yuan), approximation)


def test_a_column_in_ten_thousands_scales_bare_numbers():
    assert cleaning.amount(12.5, unit=Decimal(10000)) == (
        Decimal("125000.00"),
        Approximation.EXACT,
    )
    assert cleaning.amount("12.5", unit=Decimal(10000))[0] == Decimal("125000.00")
    # A unit written in the cell is its own.
    assert cleaning.amount("3000元", unit=Decimal(10000))[0] == Decimal("3000.00")
    assert cleaning.amount("约2万", unit=Decimal(10000))[0] == Decimal("20000.00")


@pytest.mark.parametrize("written", ["若干", "1万或2万", "-500", "五千元"])
def test_what_is_not_an_amount(written):
    with pytest.raises(Unreadable):
        cleaning.amount(written)


def test_text_is_made_plain():
    assert cleaning.text("  张 三 ") == "张三"
    assert cleaning.text("ＡＢＣ１２３，") == "ABC123,"
    assert cleaning.text("Li  Ming") == "Li Ming"
    assert cleaning.text(12.0) == "12"
    assert cleaning.text("历下实验小学\u3000") == "历下实验小学"


@pytest.mark.parametrize(
    "written, value",
    [("是", True), ("√", True), ("Y", True), ("否", False), ("", False), ("×", False)],
)
def test_yes_and_no(written, value):
    assert cleaning.yes_no(written) is value


def test_counts():
    assert cleaning.whole_number("１２人") == 12
    assert cleaning.whole_number(12.0) == 12
    with pytest.raises(Unreadable):
        cleaning.whole_number("12.5")
