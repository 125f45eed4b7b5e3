"""The work order's normal form (spec §2) and its states."""

from __future__ import annotations

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


class Status:
    """Where an order stands in 受理 处置 办理 督办 回访 归档."""

    NEW = "待分派"  # received, not yet routed to a department
    IN_HAND = "办理中"  # routed (处置), being handled (办理)
    HANDLED = "已办结"  # result recorded, awaiting follow-up (回访)
    VISITED = "已回访"
    CLOSED = "已关闭"
    ARCHIVED = "已归档"

    OPEN = (NEW, IN_HAND)
    ALL = (NEW, IN_HAND, HANDLED, VISITED, CLOSED, ARCHIVED)


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


class DocumentRow(TypedDict):
    """A document promised for an event (`documents`); written once `written_at` is set."""

    id: int
    order_no: str
    kind: str
    event_id: int
    run_date: str
    path: str
    written_at: str | None


REQUEST_KINDS = {
    "exclude": "不纳入测评范围",
    "objective": "客观件",
}
REQUEST_PENDING = "申请中"
REQUEST_APPROVED = "已批准"
REQUEST_REJECTED = "未批准"


@dataclass
class IncomingOrder:
    """One order (or 催单) as read from a file, in normal form."""

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
