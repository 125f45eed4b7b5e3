"""Which events the district has not been told, as the lines of the day's list.

Told: 先行联系 (contacted), 办理结果 (handled), 延期申请 (extension_requested), 退单 (returned).
One line per order and kind per list (the latest event wins; every event it stands for is
marked listed). A line for an order and kind already told is a 更正, except a result after
the order was reopened (回访不满意, a second handling): that is news. A result that needs
the 分管领导's signature (pipeline/responsibility.py) waits, unlisted, until signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from pipeline.config import Config
from pipeline.leadership.rules import DEPUTY, deputy_of, needs_signature, responsible
from pipeline.model import EventRow, OrderRow
from pipeline.store import Store
from pipeline.store.told import events_of_orders, listed_event_ids, unlisted_events
from pipeline.text import mask_phones, show_time
from pipeline.workflow.leaders import signed_result

KINDS = {"contacted": "先行联系", "handled": "办理结果", "extension_requested": "延期申请",
         "returned": "退单"}
# A changed result recorded as its own event (issue 14's `corrected`): told as the result's line.
LINE_KIND = {"corrected": "handled"}
QUERIED = (*KINDS, *LINE_KIND)
# Kinds whose second line for an order corrects the first (a request is news every time).
CORRECTABLE = ("contacted", "handled")
COLUMNS = ("序号", "工单编号", "反馈事项", "性质", "先行联系时间", "联系方式", "办理结果", "答复内容",
           "经办人", "办结时间", "延期天数", "理由", "承办部门", "负责领导", "签字")
NEW, CORRECTION = "首次反馈", "更正"


@dataclass
class Line:
    """One line of the list: an order and kind, standing for one or more events."""

    order_no: str
    kind: str  # the event kind (KINDS key)
    events: list[EventRow]
    correction: bool = False
    row: dict[str, Any] = field(default_factory=dict)  # COLUMNS → text
    waiting_for: str = ""  # held back: the 分管领导 whose signature it waits for


@dataclass
class Pending:
    lines: list[Line]  # to list now
    held: list[Line]  # results waiting for a signature


def _groups(events: Sequence[EventRow]) -> list[Line]:
    lines: dict[tuple[str, str], Line] = {}
    for event in events:
        kind = LINE_KIND.get(event["kind"], event["kind"])
        key = (event["order_no"], kind)
        lines.setdefault(key, Line(event["order_no"], kind, [])).events.append(event)
    return list(lines.values())


def _is_correction(line: Line, history: list[EventRow], listed: set[int]) -> bool:
    if line.kind not in CORRECTABLE:
        return False
    first = line.events[0]["id"]
    told = [e["id"] for e in history if e["id"] in listed and e["id"] < first
            and LINE_KIND.get(e["kind"], e["kind"]) == line.kind]
    if not told:
        return False
    # A result after a reopening answers a new handling: news, not a correction.
    return not any(e["kind"] == "reopened" and told[-1] < e["id"] < first for e in history)


def pending(store: Store, conn: Connection, config: Config) -> Pending:
    """What the district has not been told, and what waits for a signature."""
    lines = _groups(unlisted_events(conn, QUERIED, store.own_offices))
    numbers = sorted({line.order_no for line in lines})
    orders = store.get_orders(conn, numbers)
    history = events_of_orders(conn, numbers)
    listed = listed_event_ids(conn, numbers)
    out, held = [], []
    for line in lines:
        order = orders[line.order_no]
        signature = signed_result(history[line.order_no])
        line.correction = _is_correction(line, history[line.order_no], listed)
        line.row = line_row(line, order, config, signature)
        if line.kind == "handled" and signature is None and needs_signature(order, config):
            line.waiting_for = deputy_of(order["department"], config) or DEPUTY
            held.append(line)
        else:
            out.append(line)
    return Pending(out, held)


def line_row(line: Line, order: OrderRow, config: Config, signature: EventRow | None) -> dict[str, Any]:
    """The line's cells, pasteable into the district's system (phones masked)."""
    last = line.events[-1]
    # A correction's detail holds what changed: the order holds the result as it now stands.
    detail = {} if last["kind"] in LINE_KIND else last["detail"]
    row = dict.fromkeys(COLUMNS, "")
    row.update({"工单编号": line.order_no, "反馈事项": KINDS[line.kind],
                "性质": CORRECTION if line.correction else NEW,
                "承办部门": order["department"], "负责领导": responsible(order, config).text})
    if line.kind == "contacted":
        row["先行联系时间"] = show_time(detail.get("at") or order["first_contact_at"])[:16]
        row["联系方式"] = order["first_contact_note"] or "电话"
    elif line.kind == "handled":
        row.update({
            "办理结果": detail.get("result") or order["result"],
            "答复内容": mask_phones(detail.get("notes") or order["handling_notes"]),
            "经办人": detail.get("handler") or order["handler"],
            "办结时间": show_time(detail.get("at") or order["handled_at"])[:16],
            "签字": signature["detail"].get("by", "") if signature else "",
        })
    elif line.kind == "extension_requested":
        row["延期天数"] = f"{detail.get('days', '')}{detail.get('unit', '个工作日')}"
        row["理由"] = mask_phones(str(detail.get("reason", "")))
    else:
        row["理由"] = mask_phones(str(detail.get("reason", "")))
    return row
