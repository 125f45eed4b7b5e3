"""督办 supervision: each order's clocks as of a date, in the shape of spec §6.

A clock still running has a light (正常 预警 黄灯 红灯 超时). A clock that is closed (contact
made, order handled) has an outcome instead: 按时, or 逾期 N 个工作日. What a person reads
(台账, 督办日报, `list`, `show`, the report) shows the outcome of a closed clock and the light of
a running one; only running clocks colour a row or put an order on the 督办 list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from pipeline.deadlines.clocks import NO_HANDLING, Clock, DeadlineCalculator, Deadlines, Light
from pipeline.model import OrderRow, Status, order_flags

# A running clock at one of these lights puts its order on the 督办 list (spec §1: 督办).
CHASE = (Light.YELLOW, Light.RED, Light.OVERDUE)
UNRECORDED = "未登记"  # an order handled with no first contact ever recorded
UNRECORDED_CONTACT = "未登记先行联系"  # the data-quality item it makes
FINISHED = (Status.CLOSED, Status.ARCHIVED)


def _day(value: str | None) -> date | None:
    return datetime.fromisoformat(value).date() if value else None


@dataclass(frozen=True)
class ClockView:
    """One clock of one order as of a day: running with a light, or closed with an outcome."""

    name: str  # "先行联系" | "办理", the clerk's word
    clock: Clock | None  # None: the order has no handling clock (表扬、感谢)
    running: bool
    light: Light  # running: today's light; closed: the light it closed with (for scripts)
    closed_on: date | None = None  # the day it was met; None while running or if unrecorded
    late_days: int = 0  # closed late: days past the red day (working days, 信访 calendar days)

    @property
    def absent(self) -> bool:
        """No such clock at all: an order recorded without a handling limit."""
        return self.clock is None

    @property
    def unrecorded(self) -> bool:
        """Stopped (the order was handled) without the step ever being recorded."""
        return not self.running and self.closed_on is None and not self.absent

    @property
    def on_time(self) -> bool | None:
        if self.running or self.closed_on is None or self.clock is None:
            return None
        return self.late_days == 0

    @property
    def outcome(self) -> str:
        """按时 / 逾期2个工作日 / 未登记 / 无办理时限; "" while the clock runs."""
        if self.clock is None:
            return NO_HANDLING
        if self.running:
            return ""
        if self.closed_on is None:
            return UNRECORDED
        if self.late_days == 0:
            return "按时"
        unit = "日" if self.clock.calendar_days else "个工作日"
        return f"逾期{self.late_days}{unit}"

    @property
    def word(self) -> str:
        """What a person reads in the clock's cell: the light while running, else the outcome."""
        return self.light.value if self.running else self.outcome

    @property
    def alarm(self) -> Light | None:
        """The light that may colour a row or call for 督办: running clocks only."""
        return self.light if self.running else None

    @property
    def chased(self) -> bool:
        return self.running and self.light in CHASE

    def outcome_json(self) -> dict[str, Any] | None:
        """`list --json`'s outcome of a closed clock; None while it runs."""
        if self.running:
            return None
        return {
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "on_time": self.on_time,
            "late_days": None if self.closed_on is None else self.late_days,
            "text": self.outcome,
        }


@dataclass
class OrderState:
    """A stored order with its deadlines, lights and outcomes as of one date."""

    row: OrderRow
    deadlines: Deadlines
    as_of: date
    calc: DeadlineCalculator | None = None

    @property
    def handling_closed_on(self) -> date | None:
        return _day(self.row.get("handled_at"))

    @property
    def first_contact_on(self) -> date | None:
        return _day(self.row.get("first_contact_at"))

    @property
    def is_open(self) -> bool:
        """Still being handled: the handling clock runs."""
        return self.row["status"] in Status.OPEN

    @property
    def _stopped_on(self) -> date:
        """When an order that no longer needs a first contact stopped needing it."""
        return (self.handling_closed_on or _day(self.row.get("reopened_on"))
                or _day(self.row.get("closed_at")) or self.as_of)

    def _late(self, clock: Clock, day: date) -> int:
        if self.calc is not None:
            return self.calc.days_late(clock, day)
        return max((day - clock.red).days, 0)

    @cached_property
    def handling(self) -> ClockView:
        clock = self.deadlines.handling
        if clock is None:  # recorded only: never running, never chased, no outcome
            return ClockView("办理", None, False, Light.NORMAL)
        done = self.handling_closed_on
        if done is None and self.is_open:
            return ClockView("办理", clock, True, clock.light(self.as_of))
        day = done or self._stopped_on
        return ClockView("办理", clock, False, clock.light(self.as_of, day),
                         done, self._late(clock, done) if done else 0)

    @cached_property
    def first_contact(self) -> ClockView:
        clock = self.deadlines.first_contact
        made = self.first_contact_on
        if made is not None:
            return ClockView("先行联系", clock, False, clock.light(self.as_of, made), made,
                             self._late(clock, made))
        in_hand = self.handling.running or (self.handling.absent and self.is_open
                                            and self.handling_closed_on is None)
        if in_hand and not self.row.get("reopened_on"):
            return ClockView("先行联系", clock, True, clock.light(self.as_of))
        # Handled (or closed) with no contact on record: a gap in the data, not a growing delay.
        return ClockView("先行联系", clock, False, clock.light(self.as_of, self._stopped_on))

    @property
    def clocks(self) -> tuple[ClockView, ClockView]:
        return self.first_contact, self.handling

    @property
    def light(self) -> Light:
        """The handling clock's light (kept at closing): `list --json`'s `light`."""
        return self.handling.light

    @property
    def first_contact_light(self) -> Light:
        return self.first_contact.light

    @property
    def alarm(self) -> Light | None:
        """The worst light among the running clocks (what colours the 台账 row), if any."""
        lights = [v.light for v in self.clocks if v.running]
        return max(lights, key=lambda x: x.rank) if lights else None

    @property
    def chase_reasons(self) -> list[ClockView]:
        """The running clocks at 黄灯, 红灯 or 超时: why the order is on the 督办 list."""
        return [v for v in self.clocks if v.chased]

    @property
    def needs_supervision(self) -> bool:
        """The one definition used by the 督办日报, the run report and `list`."""
        return bool(self.chase_reasons)

    @property
    def data_issues(self) -> list[str]:
        """Gaps in what was recorded, shown once as such and never as a growing delay."""
        return [UNRECORDED_CONTACT] if self.first_contact.unrecorded else []

    @property
    def flags(self) -> list[str]:
        out = list(order_flags(self.row).values())  # what the export asks the office to check
        if self.row.get("placeholder"):
            out.append("仅凭催单建立，尚未收到原工单，时限按催单日期暂计")
        if self.deadlines.handling is not None and self.deadlines.handling.category_assumed:
            out.append("诉求类别缺失，按较短时限计算，请核实")
        if self.deadlines.provisional:
            years = self.deadlines.unknown_years
            out.append(f"期限涉及尚未公布节假日安排的年份（{'、'.join(map(str, years))}年），为暂定")
        if self.first_contact.unrecorded:
            out.append("已办结但没有登记先行联系时间，请补登（hotline contact 工单编号 --at 时间）")
        return out

    def as_json(self) -> dict[str, Any]:
        """The object of `list --json`: spec §2 keys in normal form plus the §6 keys."""
        r = self.row
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
            "light": None if self.handling.absent else self.light.value,
            "first_contact_light": self.first_contact_light.value,
            "outcome": self.handling.outcome_json(),
            "first_contact_outcome": self.first_contact.outcome_json(),
            "needs_supervision": self.needs_supervision,
            "provisional": self.deadlines.provisional,
            "reminders": int(r["reminders"] or 0),
            "due": self.deadlines.due(),
            "first_contact_at": r["first_contact_at"],
            "first_contact_on_time": self.first_contact.on_time,
            "handled_at": r["handled_at"],
            "on_time": self.handling.on_time,
            "result": r["result"],
            "satisfaction": r["satisfaction"],
            "visited_at": r.get("visited_at"),
            "closed_at": r["closed_at"],
            "request": _request(r),
            "flags": self.flags,
            "office": r.get("office") or "",
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
    return OrderState(row, deadlines_for(row, calc), as_of, calc)
