"""A raw record (field key → cell value) in the normal form of spec §2: an IncomingOrder, or the
problems that keep it from being one (which field, what, what to do). Values are looked up
in the vocabulary's tables (labels.toml and the home's [values.…]); what the export said
beyond the normal form stays in the order's extras, and what the office must look at (another
street, a supporting role, a kind the priority contradicts) in its flags."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.intake.labels import Vocabulary, shipped_vocabulary
from pipeline.model import FIELD_LABELS, REQUIRED_FIELDS, IncomingOrder
from pipeline.normalise import (
    InvalidValueError,
    clean_text,
    iso,
    normalise_order_no,
    normalise_phone,
    parse_datetime,
)

ALLOWED = {
    "is_reminder": "转送单 或 催单",
    "priority": "普通 或 紧急",
    "kind": "一般、紧急、夜间特殊 或 信访",
}
MASKED_NOTE = "联系电话已脱敏（××××），未读入"
PATH_SEPARATORS = re.compile(r"\s*(?:->|－>|—>|=>|>|＞|/|／|\\|-|－|、)\s*")


@dataclass
class FieldProblem:
    field: str  # the key
    message: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass
class Context:
    """What a record brings besides its fields: where from, the rest of its row."""

    source: str
    location: str
    extras: dict[str, str] = field(default_factory=dict)
    kept: dict[str, list[str]] = field(default_factory=dict)
    stand_in: str = ""  # the label that stands in for a missing dispatch time


def _choice(vocab: Vocabulary, table: str, value: object, notes: list[str]) -> Any:
    """The normal value of a cell; None if empty; InvalidValueError saying what to write."""
    if not clean_text(value, multiline=False):
        return None
    mapped = vocab.lookup(table, value)
    if mapped is None:
        raise InvalidValueError(_unknown(vocab, table, clean_text(value, multiline=False)))
    if mapped.note:
        notes.append(mapped.note)
    return mapped.value


def _unknown(vocab: Vocabulary, table: str, text: str) -> str:
    if table != "category":
        return f"“{text}”无法识别，应为 {ALLOWED[table]}"
    known = "、".join(dict.fromkeys(vocab.values["category"].values()))
    return (f"“{text}”无法识别，应为 {known}；如是本区的其他写法，在 hotline.toml 的 [values.category] "
            f"中加一行即可，如 \"{text}\" = \"求助\"")


def normalise_record(
    raw: dict[str, Any], *, source: str, location: str, vocab: Vocabulary | None = None,
    context: Context | None = None,
) -> tuple[IncomingOrder | None, list[FieldProblem]]:
    """A raw record (field key → cell value) → an IncomingOrder, or the problems found."""
    vocab = vocab or shipped_vocabulary()
    context = context or Context(source, location)
    problems: list[FieldProblem] = []
    notes: list[str] = []

    def attempt(key: str, fn: Any) -> Any:
        try:
            return fn(raw.get(key))
        except InvalidValueError as exc:
            problems.append(FieldProblem(key, str(exc)))
            return None

    out = _texts(raw)
    out["order_no"] = attempt("order_no", normalise_order_no) or ""
    dispatch = attempt("dispatch_time", parse_datetime)
    call = attempt("call_time", parse_datetime)
    out["dispatch_time"] = iso(dispatch) if dispatch else ""
    out["call_time"] = iso(call) if call else None
    out["phone"] = attempt("phone", lambda v: _phone(vocab, v, notes)) or ""
    out["is_reminder"] = bool(attempt("is_reminder", lambda v: _choice(vocab, "is_reminder", v, notes)))
    out["priority"] = attempt("priority", lambda v: _choice(vocab, "priority", v, notes)) or "普通"
    kind = attempt("kind", lambda v: _choice(vocab, "kind", v, notes))
    flags = _flags(vocab, context, kind, out["priority"])
    if kind is None and "kind" not in {p.field for p in problems}:
        kind = "紧急" if out["priority"] == "紧急" else "一般"
    if "priority_kind_conflict" in flags and vocab.stricter_priority:
        kind = "紧急"
    out["kind"] = kind or "一般"
    category = attempt("category", lambda v: _choice(vocab, "category", v, notes))
    out["category"] = category or ""
    if not category and out["kind"] == "一般" and "category" not in {p.field for p in problems}:
        notes.append("诉求类别缺失，按较短时限（咨询、建议）计算，请核实")

    for key in REQUIRED_FIELDS:
        if not out[key] and key not in {p.field for p in problems}:
            problems.append(FieldProblem(key, "为空，此项必填"))
    if problems:
        return None, problems
    order = IncomingOrder(source=context.source, location=context.location, notes=notes,
                          extras=dict(context.extras), flags=flags,
                          category_path=category_path(context.kept.get("category_path", [])),
                          **out)
    return order, []


def _texts(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": clean_text(raw.get("content")),
        **{key: clean_text(raw.get(key), multiline=False)
           for key in ("caller", "address", "from_unit", "doc_no")},
    }


def _phone(vocab: Vocabulary, value: object, notes: list[str]) -> str:
    if vocab.is_masked(value):
        notes.append(MASKED_NOTE)
        return ""
    return normalise_phone(value)


def category_path(levels: list[str]) -> str:
    """问题分类 as levels joined by "/": one column per level, or one with ->, / or -."""
    parts = [p for text in levels for p in PATH_SEPARATORS.split(text.strip()) if p]
    return "/".join(parts)


# -- flags ------------------------------------------------------------------------------------

def _flags(vocab: Vocabulary, context: Context, kind: str | None, priority: str) -> dict[str, str]:
    """What the office must look at, in the clerk's words (model.FLAGS keys)."""
    flags: dict[str, str] = {}
    kept = context.kept
    street = next((s for s in kept.get("target_street", []) if s), "")
    if street and not vocab.is_ours(street):
        flags["other_street"] = (f"被反映街乡镇为“{street}”，不是本街道：可能需退单，请核实后向区热线办"
                                 "申请退单")
    role = _role(vocab, kept)
    if role:
        lead = next((u for u in kept.get("lead_unit", []) if u and not vocab.is_ours(u)), "")
        flags["supporting_role"] = (f"本街道为协办单位（{role}）" + (f"，主办单位：{lead}" if lead else "")
                                    + "：配合主办单位办理，请核实")
    if kind == "一般" and priority == "紧急":
        how = "已按紧急工单的时限计算" if vocab.stricter_priority else "仍按一般工单计算"
        flags["priority_kind_conflict"] = f"工单类型为“一般”，工单优先级却为“紧急”：{how}，请核实"
    if context.stand_in:
        flags["dispatch_stand_in"] = (f"导出没有派单时间，派单时间取自“{context.stand_in}”"
                                      "（hotline.toml [intake] dispatch_from）")
    return flags


def _role(vocab: Vocabulary, kept: dict[str, list[str]]) -> str:
    """"工单性质：协办" when a role column says our street is not the lead; else ""."""
    names = {"order_role": "工单性质", "order_role_lead": "是否主办", "order_role_assist": "是否协办"}
    for table, name in names.items():
        for value in kept.get(table, []):
            mapped = vocab.lookup(table, value) if value else None
            if mapped is not None and mapped.value == "协办":
                return f"{name}：{value}"
    return ""
