"""The work order's normal form (spec §2) and its states."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

# Intake fields in the order of spec §2; the JSON keys of `list --json`.
INTAKE_FIELDS = (
    "order_no",
    "caller",
    "call_time",
    "address",
    "phone",
    "dispatch_time",
    "from_unit",
    "doc_no",
    "is_reminder",
    "priority",
    "kind",
    "category",
    "content",
)

# The clerk's name for each field (the seed's label), for messages and forms.
FIELD_LABELS = {
    "order_no": "工单编号",
    "caller": "来电人",
    "call_time": "来电日期",
    "address": "述求地址",
    "phone": "联系电话",
    "dispatch_time": "转交日期",
    "from_unit": "转交办公单位",
    "doc_no": "转交办文号",
    "is_reminder": "是否催单",
    "priority": "工单优先级",
    "kind": "工单类型",
    "category": "诉求类别",
    "content": "来电内容",
}

REQUIRED_FIELDS = ("order_no", "dispatch_time", "content")

# What an export said that the office must look at (a 退单 candidate, a supporting role …),
# in the order they are shown; the run report counts each, the 台账 and `show` say it.
FLAGS = {
    "other_street": "被反映街乡镇不是本街道，可能需退单",
    "supporting_role": "本街道为协办单位",
    "priority_kind_conflict": "工单类型与工单优先级不一致",
    "dispatch_stand_in": "导出没有派单时间，按配置以其他时间代替",
}


class Status:
    """Where an order stands in 受理 处置 办理 督办 回访 归档."""

    NEW = "待分派"  # received, not yet routed to a department
    IN_HAND = "办理中"  # routed (处置), being handled (办理)
    HANDLED = "已办结"  # result recorded, awaiting follow-up (回访)
    VISITED = "已回访"
    CLOSED = "已关闭"
    ARCHIVED = "已归档"
    RETURNED = "已退单"  # 退单 confirmed by the district: no longer the office's order

    OPEN = (NEW, IN_HAND)
    ALL = (NEW, IN_HAND, HANDLED, VISITED, CLOSED, ARCHIVED, RETURNED)


# Where an event's time came from (events.time_source).
TIME_EXPLICIT = "显式"  # --at, a 办结时间 field on the form, a time column in the 台账 or file
TIME_FILE = "文件时间"  # the modification time of the file that reported it
TIME_COMMAND = "命令时间"  # a clerk's command without --at: the moment it was typed
TIME_RECORDED = "登记时间"  # what the tool itself did (reading an order, archiving)
TIME_SOURCES = (TIME_EXPLICIT, TIME_FILE, TIME_COMMAND, TIME_RECORDED)

RESULTS = ("实际解决", "解释说明", "参考备案", "述求过高", "未解决")
SATISFACTION = ("满意", "基本满意", "不满意")

class OrderRow(TypedDict):
    """One order as stored (the columns of store/schema.py `orders`)."""

    order_no: str
    caller: str
    call_time: str | None
    address: str
    phone: str
    dispatch_time: str
    from_unit: str
    doc_no: str
    priority: str
    kind: str
    category: str
    content: str
    placeholder: bool
    status: str
    suggested_department: str
    department: str
    instruction: str
    first_contact_at: str | None
    first_contact_note: str
    handled_at: str | None
    result: str
    handling_notes: str
    handler: str
    handler_phone: str
    replied_within_day: bool | None
    visited_at: str | None
    satisfaction: str
    closed_at: str | None
    archived_at: str | None
    extension_days: int
    reopened_on: str | None
    reopen_count: int
    reminders: int
    last_reminder_at: str | None
    request_type: str
    request_reason: str
    request_status: str
    request_no: str
    source_file: str
    created_at: str
    updated_at: str
    extras: str  # JSON: label as written → text (see order_extras)
    flags: str  # JSON: FLAGS key → the clerk's sentence (see order_flags)
    importance: str  # 重要 / 难办 set by the office, "" otherwise


class EventRow(TypedDict):
    """One recorded event of an order (`events`), its detail decoded."""

    id: int
    order_no: str
    at: str
    kind: str
    summary: str
    detail: dict[str, Any]
    source: str
    actor: str
    recorded_at: str | None  # when the tool learned of it (`at`: when it happened)
    time_source: str  # where `at` came from: one of TIME_SOURCES


class DocumentRow(TypedDict):
    """A document promised for an event (`documents`); written once `written_at` is set."""

    id: int
    order_no: str
    kind: str
    event_id: int
    run_date: str
    path: str
    written_at: str | None


def order_extras(row: OrderRow | dict[str, Any]) -> dict[str, str]:
    """What the export said beyond the normal form, by its own labels, in its order."""
    return _json_object(row.get("extras"))


def order_flags(row: OrderRow | dict[str, Any]) -> dict[str, str]:
    """What the office must look at (FLAGS keys → sentences), in FLAGS order."""
    flags = _json_object(row.get("flags"))
    return {k: flags[k] for k in sorted(flags, key=lambda k: list(FLAGS).index(k)
                                        if k in FLAGS else len(FLAGS))}


def _json_object(text: object) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(str(text))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def json_text(mapping: dict[str, str]) -> str:
    """An extras or flags object as stored: the non-empty entries, in their order."""
    return json.dumps({k: v for k, v in mapping.items() if v}, ensure_ascii=False)


REQUEST_KINDS = {
    "exclude": "不纳入测评范围",
    "objective": "客观件",
}
REQUEST_PENDING = "申请中"
REQUEST_APPROVED = "已批准"
REQUEST_REJECTED = "未批准"


@dataclass(slots=True)
class IncomingOrder:
    """One order (or 催单) as read from a file, in normal form (slots: a night of tens of
    thousands is read into memory before it is stored)."""

    order_no: str
    dispatch_time: str
    content: str
    caller: str = ""
    call_time: str | None = None
    address: str = ""
    phone: str = ""
    from_unit: str = ""
    doc_no: str = ""
    is_reminder: bool = False
    priority: str = "普通"
    kind: str = "一般"
    category: str = ""
    source: str = ""  # file name
    location: str = ""  # "第3行", "第2页"
    notes: list[str] = field(default_factory=list)  # what normalising had to assume
    extras: dict[str, str] = field(default_factory=dict)  # other columns, by label as written
    flags: dict[str, str] = field(default_factory=dict)  # FLAGS key → what the clerk reads
    category_path: str = ""  # 问题分类 as levels joined by "/", for routing

    def fields(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in INTAKE_FIELDS}


# Names Windows reserves for devices, whatever the extension: never a file name.
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$")


def file_stem(order_no: str) -> str:
    """The order number as a file name: it is already ASCII letters and digits only."""
    return f"工单{order_no}" if _RESERVED.match(order_no) else order_no


def transfer_path(run_date: str, order_no: str, suffix: str = "") -> str:
    """Where a 转送单 goes, relative to the outbox; the order number names the file."""
    return f"{run_date}/转送单/{file_stem(order_no)}{suffix}.docx"
