"""Normal forms of spec §2: half-width codes, ISO times, ASCII phone digits, mapped kinds.

The citizen's own words (content, address, names) are kept exactly, only control
characters removed and surrounding whitespace trimmed.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from pipeline.model import FIELD_LABELS, REQUIRED_FIELDS, IncomingOrder

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


@lru_cache(maxsize=1)
def _label_data() -> dict[str, Any]:
    raw = resources.files("pipeline.rules").joinpath("labels.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def normalise_label(text: object) -> str:
    """A header label reduced for comparison: no spaces, colons, stars or full-width."""
    label = halfwidth(clean_text(text, multiline=False))
    return re.sub(r"[\s:：*＊]", "", label)


@lru_cache(maxsize=1)
def label_index() -> dict[str, str]:
    """Every known label (normalised) → field key."""
    index: dict[str, str] = {}
    for key, labels in _label_data().items():
        if key in ("values", "other"):
            continue
        for label in labels:
            index[normalise_label(label)] = key
    return index


@lru_cache(maxsize=1)
def other_labels() -> frozenset[str]:
    """Labels of the 转送单 that are not intake fields (承办单位处理情况 …)."""
    return frozenset(normalise_label(x) for x in _label_data()["other"]["labels"])


@lru_cache(maxsize=1)
def page_lines() -> frozenset[str]:
    """Fixed header and footer lines of district printouts."""
    return frozenset(normalise_label(x) for x in _label_data()["other"]["page_lines"])


def field_for_label(text: object) -> str | None:
    """The field a header cell names, or None. A bracketed note is ignored: 联系电话(手机)."""
    label = normalise_label(text)
    if not label:
        return None
    index = label_index()
    if label in index:
        return index[label]
    bare = re.sub(r"[(（\[【].*?[)）\]】]$", "", label)
    return index.get(bare)


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


def round_to_second(moment: datetime) -> datetime:
    if moment.microsecond >= 500_000:
        moment += timedelta(seconds=1)
    return moment.replace(microsecond=0)


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


def _mapped(kind: str, value: object) -> Any:
    table: dict[str, Any] = _label_data()["values"][kind]
    text = halfwidth(clean_text(value, multiline=False))
    text = re.sub(r"\s", "", text)
    if kind == "is_reminder":
        text = text.lower()
    if kind == "kind":
        text = re.sub(r"(工单|件)$", "", text)
    return table.get(text, _MISSING) if text else None


_MISSING = object()


def _choice(kind: str, value: object, allowed: str) -> Any:
    mapped = _mapped(kind, value)
    if mapped is _MISSING:
        raise InvalidValueError(f"“{clean_text(value)}”无法识别，应为 {allowed}")
    return mapped


# -- records -----------------------------------------------------------------------------


@dataclass
class FieldProblem:
    field: str  # the key
    message: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


def normalise_record(
    raw: dict[str, Any], *, source: str, location: str
) -> tuple[IncomingOrder | None, list[FieldProblem]]:
    """A raw record (field key → cell value) → an IncomingOrder, or the problems found."""
    problems: list[FieldProblem] = []
    out: dict[str, Any] = {}
    notes: list[str] = []

    def attempt(key: str, fn: Any) -> Any:
        try:
            return fn(raw.get(key))
        except InvalidValueError as exc:
            problems.append(FieldProblem(key, str(exc)))
            return None

    out["order_no"] = attempt("order_no", normalise_order_no) or ""
    dispatch = attempt("dispatch_time", parse_datetime)
    call = attempt("call_time", parse_datetime)
    out["dispatch_time"] = iso(dispatch) if dispatch else ""
    out["call_time"] = iso(call) if call else None
    out["content"] = clean_text(raw.get("content"))
    out["caller"] = clean_text(raw.get("caller"), multiline=False)
    out["address"] = clean_text(raw.get("address"), multiline=False)
    out["from_unit"] = clean_text(raw.get("from_unit"), multiline=False)
    out["doc_no"] = clean_text(raw.get("doc_no"), multiline=False)
    out["phone"] = attempt("phone", normalise_phone) or ""
    reminder = attempt("is_reminder", lambda v: _choice("is_reminder", v, "转送单 或 催单"))
    out["is_reminder"] = bool(reminder)
    priority = attempt("priority", lambda v: _choice("priority", v, "普通 或 紧急"))
    out["priority"] = priority or "普通"
    kind = attempt("kind", lambda v: _choice("kind", v, "一般、紧急、夜间特殊 或 信访"))
    if kind is None and "kind" not in {p.field for p in problems}:
        kind = "紧急" if out["priority"] == "紧急" else "一般"
    out["kind"] = kind or "一般"
    category = attempt("category", lambda v: _choice("category", v, "咨询、建议、求助 或 投诉"))
    out["category"] = category or ""
    if not category and out["kind"] == "一般" and "category" not in {p.field for p in problems}:
        notes.append("诉求类别缺失，按较短时限（咨询、建议）计算，请核实")

    for key in REQUIRED_FIELDS:
        if not out[key] and key not in {p.field for p in problems}:
            problems.append(FieldProblem(key, "为空，此项必填"))
    if problems:
        return None, problems
    order = IncomingOrder(source=source, location=location, notes=notes, **out)
    return order, []
