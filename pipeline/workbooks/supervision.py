"""督办日报: the orders to chase today, grouped by department. Nothing calm on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path

from pipeline.deadlines.clocks import Clock, Light
from pipeline.deadlines.state import OrderState
from pipeline.deadlines.workdays import WorkCalendar
from pipeline.text import mask_phone, show_time, summary
from pipeline.workbooks.common import (
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    LIGHT_FILLS,
    LIGHT_FONTS,
    TITLE_FONT,
    WRAP,
    fixed_times,
    new_workbook,
    publish,
    save,
    setup_sheet,
    text_cell,
)

CHASE = (Light.YELLOW, Light.RED, Light.OVERDUE)
UNASSIGNED = "（未分派）"
HEADERS = ("承办部门", "工单编号", "派单时间", "工单类型", "督办事项", "灯", "期限", "剩余/超期",
           "催单", "来电人", "联系电话", "内容摘要")
WIDTHS = (14, 17, 17, 12, 26, 7, 11, 12, 8, 9, 13, 44)


@dataclass
class ChaseItem:
    state: OrderState
    reasons: list[tuple[str, Clock, Light]]

    @property
    def worst(self) -> Light:
        return max((light for _, _, light in self.reasons), key=lambda x: x.rank)

    @property
    def department(self) -> str:
        return self.state.row["department"] or UNASSIGNED


def open_clock_lights(state: OrderState) -> list[tuple[str, Clock, Light]]:
    """The clocks still running on the run date, with their lights."""
    out = []
    if state.row["status"] in ("已关闭", "已归档"):
        return out
    if state.first_contact_on is None:
        out.append(("先行联系", state.deadlines.first_contact, state.first_contact_light))
    if state.handling_closed_on is None:
        out.append(("办理", state.deadlines.handling, state.light))
    return out


def chase_list(states: Sequence[OrderState]) -> list[ChaseItem]:
    """Orders with a running clock at 黄灯, 红灯 or 超时, worst first within a department."""
    items = []
    for state in states:
        reasons = [r for r in open_clock_lights(state) if r[2] in CHASE]
        if reasons:
            items.append(ChaseItem(state, reasons))
    items.sort(key=lambda i: (i.department == UNASSIGNED, i.department, -i.worst.rank,
                              i.state.row["dispatch_time"]))
    return items


def reminded_calm(states: Sequence[OrderState], chased: Sequence[ChaseItem]) -> list[OrderState]:
    """Open orders with a 催单 that are not (yet) yellow or worse: shown on their own sheet."""
    on_list = {i.state.row["order_no"] for i in chased}
    return [s for s in states if int(s.row["reminders"] or 0) > 0 and s.is_open
            and s.row["order_no"] not in on_list]


def remaining_text(calendar: WorkCalendar, clock: Clock, as_of: date) -> str:
    if as_of <= clock.red:
        left, _ = calendar.workdays_between(as_of, clock.red)
        return "今日到期" if left == 0 else f"剩{left}个工作日"
    over, _ = calendar.workdays_between(clock.red, as_of)
    return f"超期{max(over, 1)}个工作日" if not clock.calendar_days else (
        f"超期{(as_of - clock.red).days}日"
    )


def write_supervision(path: Path, staging: Path, states: Sequence[OrderState], as_of: date,
                      calendar: WorkCalendar) -> tuple[Path, int]:
    """Write the 督办日报 of `as_of`; returns where it went and how many orders it holds."""
    items = chase_list(states)
    calm = reminded_calm(states, items)

    def writer(tmp: Path) -> None:
        wb = new_workbook("督办日报")
        fixed_times(wb, as_of)
        ws = wb.create_sheet("督办日报")
        setup_sheet(ws, WIDTHS, header_row=3, rows=2 * len(items))
        counts = {light: sum(1 for i in items if i.worst is light) for light in CHASE}
        ws.append([text_cell(ws, f"“12345”工单督办日报（{as_of.isoformat()}）", font=TITLE_FONT,
                             border=False)])
        ws.append([text_cell(
            ws, f"共 {len(items)} 件需督办：黄灯 {counts[Light.YELLOW]} 件，红灯 {counts[Light.RED]} 件，"
                f"超时 {counts[Light.OVERDUE]} 件。按承办部门排列，电话已隐去中间四位。",
            border=False)])
        ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER)
                   for h in HEADERS])
        for department, grouped in groupby(items, key=lambda i: i.department):
            group = list(grouped)
            ws.append([text_cell(ws, f"{department}（{len(group)}件）", font=HEADER_FONT)])
            for item in group:
                _append_item(ws, item, department, as_of, calendar)
        _append_reminded(wb, calm, as_of)
        save(wb, tmp)

    return publish(path, staging, writer), len(items)


def _append_item(ws: object, item: ChaseItem, department: str, as_of: date,
                 calendar: WorkCalendar) -> None:
    row = item.state.row
    _, worst_clock, worst_light = max(item.reasons, key=lambda r: r[2].rank)
    fill, font = LIGHT_FILLS.get(worst_light.value), LIGHT_FONTS.get(worst_light.value)
    matters = "；".join(f"{name}{light.value}" for name, _, light in item.reasons)
    reminders = int(row["reminders"] or 0)
    values = [
        department, row["order_no"], show_time(row["dispatch_time"]),
        row["kind"] + (f"·{row['category']}" if row["category"] else ""), matters,
        worst_light.value, worst_clock.red.isoformat(),
        remaining_text(calendar, worst_clock, as_of),
        f"催单{reminders}次" if reminders else "", row["caller"], mask_phone(row["phone"]),
        summary(row["content"], 80),
    ]
    ws.append([text_cell(ws, v, fill=fill, font=font, align=WRAP if i == 11 else None)
               for i, v in enumerate(values)])


def _append_reminded(wb: object, calm: Sequence[OrderState], as_of: date) -> None:
    ws = wb.create_sheet("催单件")
    headers = ("工单编号", "承办部门", "派单时间", "催单次数", "最近催单", "办理灯", "红灯日", "内容摘要")
    setup_sheet(ws, (17, 14, 17, 8, 17, 8, 11, 50), header_row=2, rows=len(calm))
    ws.append([text_cell(ws, f"已被催单、尚未到黄灯的工单（{as_of.isoformat()}），请优先办理",
                         font=TITLE_FONT, border=False)])
    ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER) for h in headers])
    for state in calm:
        row = state.row
        ws.append([text_cell(ws, v) for v in (
            row["order_no"], row["department"] or UNASSIGNED, show_time(row["dispatch_time"]),
            int(row["reminders"]), show_time(row["last_reminder_at"]), state.light.value,
            state.deadlines.handling.red.isoformat(), summary(row["content"], 80),
        )])
