"""督办 supervision: each order's clocks and lights as of a date, in the shape of spec §6."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pipeline.deadlines.clocks import DeadlineCalculator, Deadlines, Light
from pipeline.model import OrderRow, Status


def _day(value: str | None) -> date | None:
    return datetime.fromisoformat(value).date() if value else None


@dataclass
class OrderState:
    """A stored order with its deadlines and lights as of one date."""

    row: OrderRow
    deadlines: Deadlines
    as_of: date

    @property
    def handling_closed_on(self) -> date | None:
        return _day(self.row.get("handled_at"))

    @property
    def first_contact_on(self) -> date | None:
        return _day(self.row.get("first_contact_at"))

    @property
    def light(self) -> Light:
        return self.deadlines.handling.light(self.as_of, self.handling_closed_on)

    @property
    def first_contact_light(self) -> Light:
        return self.deadlines.first_contact.light(self.as_of, self.first_contact_on)

    @property
    def is_open(self) -> bool:
        return self.row["status"] in Status.OPEN

    @property
    def flags(self) -> list[str]:
        out = []
        if self.row.get("placeholder"):
            out.append("仅凭催单建立，尚未收到原工单，时限按催单日期暂计")
        if self.deadlines.handling.category_assumed:
            out.append("诉求类别缺失，按较短时限计算，请核实")
        if self.deadlines.provisional:
            years = sorted({d.year for d in (self.deadlines.handling.red,
                                             self.deadlines.first_contact.red)})
            out.append(f"期限涉及尚未公布节假日安排的年份（{'、'.join(map(str, years))}年），为暂定")
        return out

    def as_json(self) -> dict[str, Any]:
        """The object of `list --json`: spec §2 keys in normal form plus the §6 keys."""
        r = self.row
        fc, h = self.deadlines.first_contact, self.deadlines.handling
        return {
            "order_no": r["order_no"],
            "caller": r["caller"],
            "call_time": r["call_time"],
            "address": r["address"],
            "phone": r["phone"],
            "dispatch_time": r["dispatch_time"],
            "from_unit": r["from_unit"],
            "doc_no": r["doc_no"],
            "is_reminder": int(r["reminders"] or 0) > 0,
            "priority": r["priority"],
            "kind": r["kind"],
            "category": r["category"],
            "content": r["content"],
            "department": r["department"],
            "suggested_department": r["suggested_department"],
            "status": r["status"],
            "light": self.light.value,
            "first_contact_light": self.first_contact_light.value,
            "provisional": self.deadlines.provisional,
            "reminders": int(r["reminders"] or 0),
            "due": self.deadlines.due(),
            "first_contact_at": r["first_contact_at"],
            "first_contact_on_time": fc.on_time(self.first_contact_on)
            if self.first_contact_on else None,
            "handled_at": r["handled_at"],
            "on_time": h.on_time(self.handling_closed_on) if self.handling_closed_on else None,
            "result": r["result"],
            "satisfaction": r["satisfaction"],
            "closed_at": r["closed_at"],
            "request": _request(r),
            "flags": self.flags,
        }


def _request(row: OrderRow) -> dict[str, str] | None:
    if not row.get("request_type"):
        return None
    return {
        "type": row["request_type"],
        "status": row["request_status"],
        "reason": row["request_reason"],
        "number": row["request_no"],
    }


def deadlines_for(row: OrderRow, calc: DeadlineCalculator) -> Deadlines:
    dispatched = datetime.fromisoformat(row["dispatch_time"]).date()
    reopened = date.fromisoformat(row["reopened_on"]) if row.get("reopened_on") else None
    return calc.compute(
        row["kind"], row["category"], dispatched,
        extension=int(row.get("extension_days") or 0), reopened_on=reopened,
    )


def state_of(row: OrderRow, calc: DeadlineCalculator, as_of: date) -> OrderState:
    return OrderState(row, deadlines_for(row, calc), as_of)
