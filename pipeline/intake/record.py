"""A raw record (field key → cell value) in the normal form of spec §2: an IncomingOrder, or the
problems that keep it from being one (which field, what, what to do)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.intake.labels import label_data
from pipeline.model import FIELD_LABELS, REQUIRED_FIELDS, IncomingOrder
from pipeline.normalise import (
    InvalidValueError,
    clean_text,
    halfwidth,
    iso,
    normalise_order_no,
    normalise_phone,
    parse_datetime,
)


def _mapped(kind: str, value: object) -> Any:
    table: dict[str, Any] = label_data()["values"][kind]
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
