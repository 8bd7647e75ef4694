"""What clerks really type, read into values: full-width digits and punctuation,
amounts such as "29万余元", "约1.5万" or "近10万元" (kept as approximate figures),
dates as "2013年10月", "2013.10.8", "2013/10/08" or Excel serial numbers, stray
spaces, 是/否. Each reader returns the value or raises ``Unreadable`` with the
clerk's message."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.choices import Approximation


class Unreadable(ValueError):
    """A cell that cannot be read as its column asks; the message says why."""


# Excel's day 0 (its serial 60 is the 29 February 1900 that never was).
EXCEL_EPOCH = dt.date(1899, 12, 30)
CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")
_SPACES = re.compile(r"\s+")


def text(value) -> str:
    """A cell as text: full-width forms made plain (ＡＢＣ１２３，→ ABC123,), spaces
    at the ends dropped, runs of spaces made one, spaces between Chinese characters
    dropped ("张 三" is 张三). A whole number read as 12.0 is "12"."""
    if type(value) is str:  # most cells, and every value read before
        return _plain_text(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _plain_text(str(value))


@functools.lru_cache(maxsize=1 << 16)
def _plain_text(value: str) -> str:
    """``text`` of a string; a file repeats its schools, choices and dates, and
    each cell is read more than once, so the answers are remembered."""
    value = unicodedata.normalize("NFKC", value).replace("\u3000", " ")
    value = _SPACES.sub(" ", value.strip())
    return _SPACE_BETWEEN_CJK.sub("", value)


_DATE_PATTERNS = [
    # 2013-10-08, 2013/10/8, 2013.10.8, 2013年10月8日, 2013 10 8
    re.compile(r"^(\d{4})\s*[-/.年 ]\s*(\d{1,2})\s*[-/.月 ]\s*(\d{1,2})\s*[日号]?$"),
    # 20131008
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
# A month alone: 2013年10月, 2013-10, 2013.10: the first of the month.
_MONTH_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(份)?$")


def date(value) -> dt.date:
    """A date from a date cell, an Excel serial number or text in the forms clerks
    write. A month without a day ("2013年10月") is read as its first day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value)
    written = text(value)
    if re.fullmatch(r"\d{5}(\.\d+)?", written):
        return _serial(float(written))
    for pattern in _DATE_PATTERNS:
        found = pattern.match(written)
        if found:
            return _make_date(written, *map(int, found.groups()))
    found = _MONTH_PATTERN.match(written)
    if found:
        return _make_date(written, int(found.group(1)), int(found.group(2)), 1)
    raise Unreadable(
        _(
            "“%(value)s” is not a date. Write it as 2013-10-08, 2013年10月8日, "
            "2013.10.8 or 2013/10/08."
        )
        % {"value": written}
    )


def _serial(number: float) -> dt.date:
    if not 1 <= number < 2958466:
        raise Unreadable(_("%(value)s is not a date.") % {"value": number})
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def _make_date(written, year, month, day) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Unreadable(
            _("“%(value)s” is not a date of the calendar.") % {"value": written}
        ) from None


_UNITS = {"亿": Decimal(100_000_000), "万": Decimal(10_000), "千": Decimal(1000)}
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_APPROXIMATIONS = [
    (("余", "多", "超过"), Approximation.MORE_THAN),
    (("以上",), Approximation.AT_LEAST),
    (("约", "大约", "左右", "大概", "逾"), Approximation.ABOUT),
    (("近", "将近", "接近"), Approximation.NEARLY),
]


def amount(value, *, unit: Decimal = Decimal(1)) -> tuple[Decimal, str]:
    """Money as (yuan, approximation): 12345.6, "1,234元", "29万余元" (290,000, more
    than), "约1.5万" (15,000, about), "近10万元" (100,000, nearly), "10万元以上" (at
    least). ``unit`` is the column's unit: a column headed 金额（万元） reads a bare
    12.5 as 125,000 yuan."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        yuan = Decimal(str(value)) * unit
        return _money(yuan, value), Approximation.EXACT
    written = text(value).replace(",", "").replace("，", "")
    numbers = _NUMBER.findall(written)
    if len(numbers) != 1:
        raise Unreadable(
            _("“%(value)s” is not an amount of money, such as 12000 or 1.5万元.")
            % {"value": written}
        )
    number = numbers[0]
    rest = written.replace(number, " ", 1)
    head, _sep, tail = rest.partition(" ")
    # A unit written after the number is its own: 1.5万, 3000元 (in a column
    # headed in 万元, too); a bare number is in the column's unit.
    scale = Decimal(1) if tail.lstrip().startswith("元") else unit
    for word, factor in _UNITS.items():
        if tail.lstrip().startswith(word):
            scale = factor
    approximation = Approximation.EXACT
    for words, kind in _APPROXIMATIONS:
        if any(w in head or w in tail for w in words):
            approximation = kind
            break
    leftover = re.sub(
        r"[约近将接大概左右余多超过逾以上亿万千元人民币¥￥\s]", "", head + tail
    )
    if leftover:
        raise Unreadable(
            _("“%(value)s” is not an amount of money, such as 12000 or 1.5万元.")
            % {"value": written}
        )
    return _money(Decimal(number) * scale, written), approximation


def _money(yuan: Decimal, written) -> Decimal:
    if yuan < 0:
        raise Unreadable(
            _("An amount cannot be negative: %(value)s.") % {"value": written}
        )
    return yuan.quantize(Decimal("0.01"))


def whole_number(value) -> int:
    """A count: 12, "12", "１２人", "12.0"."""
    if isinstance(value, bool):
        raise Unreadable(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    written = text(value).replace(",", "")
    found = re.fullmatch(
        r"(\d+)(?:\.0+)?\s*[个人名所次节期天所间项册台套件批]?", written
    )
    if not found:
        raise Unreadable(_("“%(value)s” is not a whole number.") % {"value": written})
    return int(found.group(1))


def decimal(value) -> Decimal:
    """A number with decimals: 85.5, "85.5分"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    written = text(value).replace(",", "")
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*分?", written)
    try:
        return Decimal(found.group(1))
    except (AttributeError, InvalidOperation):
        raise Unreadable(
            _("“%(value)s” is not a number.") % {"value": written}
        ) from None


_YES = {"是", "有", "√", "✓", "✔", "y", "yes", "true", "1", "对"}
_NO = {"否", "无", "×", "✗", "n", "no", "false", "0", "不是", "没有"}


def yes_no(value) -> bool:
    """是/否 and their usual spellings; an empty cell is 否."""
    if isinstance(value, bool):
        return value
    written = text(value).lower()
    if written in _YES:
        return True
    if written in _NO or written == "":
        return False
    raise Unreadable(_("“%(value)s” is neither 是 nor 否.") % {"value": written})


def key(value) -> str:
    """A header or a choice as compared: plain width, no spaces, no required-column
    star, brackets of either width alike."""
    written = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s*＊]", "", written).replace("（", "(").replace("）", ")").lower()


def names(cell) -> list[str]:
    """Several names in one cell: 张三、李四，王五; 张三/李四."""
    return [n for n in re.split(r"[、,;；/\n]+", text(cell)) if n]
