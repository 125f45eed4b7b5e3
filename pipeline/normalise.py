"""Normal forms of spec §2: half-width codes, ISO times, ASCII phone digits, mapped kinds.

The citizen's own words (content, address, names) are kept exactly, only control
characters removed and surrounding whitespace trimmed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta

# XML 1.0 cannot hold these; Excel refuses them too. Tab and newline are kept.
_ILLEGAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff\ud800-\udfff]"
)
_SPACES = " \t\r\n\u3000\u00a0\u200b"


def clean_text(value: object, *, multiline: bool = True) -> str:
    """Text with control characters removed and outer whitespace trimmed."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _ILLEGAL.sub("", text)
    if not multiline:
        text = re.sub(r"\s*\n\s*", " ", text)
    return text.strip(_SPACES)


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation to ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", text)


class InvalidValueError(ValueError):
    """A value that cannot be put in normal form; the message says what to do."""


# -- dates -------------------------------------------------------------------------------

_EXCEL_EPOCH = datetime(1899, 12, 30)
_DT_PATTERNS = [
    re.compile(
        r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
        r"(?:[T\s]+(?P<H>\d{1,2})[:：](?P<M>\d{1,2})(?:[:：](?P<S>\d{1,2})(?:\.\d+)?)?)?$"
    ),
    re.compile(
        r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"
        r"(?:\s*(?P<H>\d{1,2})[时点:：](?:(?P<M>\d{1,2})分?)?(?:[:：]?(?P<S>\d{1,2})秒?)?)?$"
    ),
    re.compile(
        r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:\s*(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"
    ),
]


def excel_serial_to_datetime(serial: float) -> datetime:
    # Serials count from 1899-12-30 (Excel's 1900 leap-year bug makes that the zero).
    moment = _EXCEL_EPOCH + timedelta(days=float(serial))
    return round_to_second(moment)


FLOAT_NOISE = timedelta(milliseconds=1)  # a spreadsheet's float error is ~1 µs; openpyxl rounds to 1 ms


def round_to_second(moment: datetime) -> datetime:
    """Whole seconds. A fraction within float noise of the next second goes to it
    (09:04:59.999 → 09:05:00); any other fraction is dropped (23:59:59.600 → 23:59:59), and
    rounding never moves a time onto the next day: the date is what the deadlines count from."""
    floor = moment.replace(microsecond=0)
    ceiling = floor + timedelta(seconds=1)
    if ceiling - moment <= FLOAT_NOISE and ceiling.date() == floor.date():
        return ceiling
    return floor


def parse_datetime(value: object) -> datetime | None:
    """Any date form of spec §2 → datetime (None for an empty value).

    Raises InvalidValueError for a value that is there but is not a date.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = round_to_second(value.replace(tzinfo=None))
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_number(float(value))
    else:
        text = halfwidth(clean_text(value, multiline=False))
        if not text:
            return None
        moment = _from_text(text)
    if not 2000 <= moment.year <= 2100:
        raise InvalidValueError(f"日期“{value}”的年份不合理")
    return moment


def _from_number(number: float) -> datetime:
    if not math.isfinite(number):
        raise InvalidValueError(f"“{number}”不是日期")
    if 20000101 <= number <= 21001231 and number == int(number):
        return _from_text(str(int(number)))
    if 30000 <= number < 80000:
        return excel_serial_to_datetime(number)
    raise InvalidValueError(f"“{number:g}”不是日期")


def _from_text(text: str) -> datetime:
    text = re.sub(r"\s+", " ", text)
    for pattern in _DT_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = {k: int(v) if v else 0 for k, v in m.groupdict().items()}
            try:
                return datetime(
                    parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"]
                )
            except ValueError as exc:
                raise InvalidValueError(f"日期“{text}”不存在") from exc
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _from_number(float(text))
    raise InvalidValueError(f"“{text}”不是可识别的日期时间")


def parse_day(value: object) -> date | None:
    """A day in any form `parse_datetime` takes (2026-11-30, 2026/11/30, 2026年11月30日,
    20261130, with or without a time of day, which is dropped); None for an empty value.
    The one parser behind every date a clerk types (--as-of, --at, --holidays)."""
    moment = parse_datetime(value)
    return moment.date() if moment is not None else None


_MONTH = re.compile(r"^(?P<y>\d{4})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*月?|(?P<mm>\d{2}))$")


def parse_month(value: object) -> str:
    """A month as YYYY-MM from 2026-9, 2026-09, 2026/9, 2026.9, 2026年9月, 202609 (full-width
    digits too); InvalidValueError for anything else."""
    text = halfwidth(clean_text(value, multiline=False))
    m = _MONTH.match(text)
    month = int(m.group("m") or m.group("mm")) if m else 0
    if m is None or not 1 <= month <= 12 or not 2000 <= int(m.group("y")) <= 2100:
        raise InvalidValueError(f"月份“{text}”无法识别，请写成 2026-11、2026/11 或 2026年11月")
    return f"{int(m.group('y')):04d}-{month:02d}"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# -- codes -------------------------------------------------------------------------------


def _whole_number(value: object) -> object:
    """An integer Excel stored as a float (13800001111.0) back to its digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def normalise_order_no(value: object) -> str:
    """Upper-case ASCII letters and digits; spaces and dashes inside are dropped."""
    value = _whole_number(value)
    text = halfwidth(clean_text(value, multiline=False)).upper()
    text = re.sub(r"[\s\-_]", "", text)
    if not text:
        return ""
    if not re.fullmatch(r"[A-Z0-9]+", text):
        raise InvalidValueError(f"工单编号“{clean_text(value)}”含有字母和数字以外的字符")
    if not 4 <= len(text) <= 40:
        raise InvalidValueError(f"工单编号“{text}”长度不对（应为4到40位字母或数字）")
    return text


def normalise_phone(value: object) -> str:
    """ASCII digits only: the first number given, without country code or extension."""
    value = _whole_number(value)
    text = halfwidth(clean_text(value, multiline=False))
    if not text:
        return ""
    first = re.split(r"[,，;；/、|]|\s{2,}|或", text)[0]
    first = re.split(r"转|ext|EXT|[xX#]", first)[0]
    digits = re.sub(r"\D", "", first)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not 5 <= len(digits) <= 20:
        raise InvalidValueError(f"联系电话“{text}”不是有效的电话号码")
    return digits
