"""督办日报: the orders to chase today, grouped by department. Nothing calm on it.

On the list: every order with a running clock at 黄灯, 红灯 or 超时 (the one definition in
deadlines/state.py); a closed clock never puts an order here, however late it closed. Its
header prints the same tally as the run report. Orders handled with no first contact on
record are listed once on their own sheet (待补登) as a data-quality item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any

from pipeline.deadlines.clocks import Clock
from pipeline.deadlines.state import FINISHED, ClockView, OrderState
from pipeline.deadlines.tally import Tally
from pipeline.deadlines.workdays import WorkCalendar
from pipeline.leadership.rules import sign_instruction
from pipeline.text import mask_phone, show_time, summary
from pipeline.workbooks.common import (
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    LIGHT_FILLS,
    LIGHT_FONTS,
    MIDDLE,
    ROW_TINTS,
    TITLE_FONT,
    WRAP,
    WRAP_MIDDLE,
    append_tall,
    fixed_times,
    new_workbook,
    print_layout,
    publish,
    save,
    setup_sheet,
    text_cell,
)

UNASSIGNED = "（未分派）"
# The first ten columns print (A4 landscape); caller and masked phone stay for the screen.
HEADERS = ("承办部门", "工单编号", "派单时间", "类型", "督办事项", "灯", "期限", "剩余/超期",
           "催单", "内容摘要", "来电人", "联系电话")
WIDTHS = (19, 16, 15, 10, 16, 6, 11, 13, 8, 40, 9, 13)
ROW_HEIGHT = 27  # two lines: the 内容摘要 wraps once
PRINTED = 10
LIGHT_COLUMN = HEADERS.index("灯")


@dataclass
class ChaseItem:
    state: OrderState
    by_street: bool = False  # the district's 督办日报: grouped by street, then department

    @property
    def reasons(self) -> list[ClockView]:
        return self.state.chase_reasons

    @property
    def worst(self) -> ClockView:
        return max(self.reasons, key=lambda v: v.light.rank)

    @property
    def department(self) -> str:
        department = self.state.row["department"] or UNASSIGNED
        if not self.by_street:
            return department
        return f"{self.state.row.get('office') or '（未记录街道）'}　{department}"


def chase_key(item: ChaseItem) -> tuple[Any, ...]:
    """Where an order stands on the list: by street (the district's), department (未分派
    last), worst light first, then dispatch time."""
    return (item.state.row.get("office", "") if item.by_street else "",
            item.department.endswith(UNASSIGNED), item.department,
            -item.worst.light.rank, item.state.row["dispatch_time"])


@dataclass
class Watch:
    """What the 督办日报 needs of a night, noted order by order as the night's orders stream
    past: a sort key and a number per order it lists, never the orders themselves."""

    by_street: bool = False
    chased: list[tuple[tuple[Any, ...], str]] = field(default_factory=list)
    calm: list[str] = field(default_factory=list)  # 催单件: reminded, in hand, not chased
    gaps: list[str] = field(default_factory=list)  # 待补登: first contact never recorded

    def note(self, state: OrderState) -> None:
        number = state.row["order_no"]
        if state.needs_supervision:
            self.chased.append((chase_key(ChaseItem(state, self.by_street)), number))
        elif int(state.row["reminders"] or 0) > 0 and state.is_open:
            self.calm.append(number)
        if state.first_contact.unrecorded:
            self.gaps.append(number)

    def groups(self) -> list[tuple[str, list[str]]]:
        """The chased orders' numbers, worst first, grouped by department (within a street)."""
        ordered = sorted(self.chased, key=lambda pair: pair[0])  # stable: as they came
        return [(department, [number for _, number in group])
                for department, group in groupby(ordered, key=lambda pair: pair[0][2])]


Loader = Callable[[Sequence[str]], Iterable[OrderState]]
CHUNK = 500  # orders read back from the store at a time


def _loaded(load: Loader, numbers: Sequence[str]) -> Iterator[OrderState]:
    for start in range(0, len(numbers), CHUNK):
        yield from load(numbers[start:start + CHUNK])


def tally_text(tally: Tally) -> str:
    """The header line: the same numbers as the run report, adding up on the page."""
    return (f"{tally.chase_text()}＝办理时限 {tally.chased_handling} 件＋先行联系 "
            f"{tally.chased_contact} 件－两者都有 {tally.chased_both} 件。")


def remaining_text(calendar: WorkCalendar, clock: Clock, as_of: date) -> str:
    if as_of <= clock.red:
        left, _ = calendar.workdays_between(as_of, clock.red)
        return "今日到期" if left == 0 else f"剩{left}个工作日"
    over, _ = calendar.workdays_between(clock.red, as_of)
    return f"超期{max(over, 1)}个工作日" if not clock.calendar_days else (
        f"超期{(as_of - clock.red).days}日"
    )


@dataclass
class Unsigned:
    """A result waiting for the 分管领导's signature before it is reported (待分管领导签字)."""

    state: OrderState
    deputy: str  # the 分管领导 named in hotline.toml, "" if none
    why: str  # why the order is the 分管领导's


def write_supervision(path: Path, staging: Path, watch: Watch, load: Loader, as_of: date,
                      calendar: WorkCalendar, tally: Tally,
                      unsigned: Sequence[Unsigned] = ()) -> tuple[Path, int]:
    """Write the 督办日报 of `as_of` (grouped by street first for the district); returns
    where it went and how many orders it holds. `load` reads orders back by number, a chunk
    at a time, as their rows are written."""
    groups = watch.groups()
    listed = len(watch.chased)

    def writer(tmp: Path) -> None:
        wb = new_workbook("督办日报")
        fixed_times(wb, as_of)
        ws = wb.create_sheet("督办日报")
        setup_sheet(ws, WIDTHS, header_row=3, rows=2 * listed)
        title = f"“12345”工单督办日报（{as_of.isoformat()}）"
        print_layout(ws, columns=PRINTED, rows=3 + listed + len(groups), header_row=3)
        ws.oddFooter.left.text = (f"按{'街道、' if watch.by_street else ''}承办部门排列，"
                                  "最严重的在前；电话已隐去中间四位")
        ws.oddFooter.left.size = 9
        ws.append([text_cell(ws, title, font=TITLE_FONT, border=False)])
        ws.append([text_cell(ws, tally_text(tally), border=False)])
        ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER)
                   for h in HEADERS])
        row = 3
        for department, numbers in groups:
            ws.append([text_cell(ws, f"{department}（{len(numbers)}件）", font=HEADER_FONT)])
            row += 1
            for state in _loaded(load, numbers):
                row += 1
                _append_item(ws, row, ChaseItem(state, watch.by_street), department, as_of,
                             calendar)
        if watch.calm:  # sheets only when they hold something: no empty pages in print
            _append_reminded(wb, watch.calm, _loaded(load, watch.calm), as_of)
        if watch.gaps:
            _append_unrecorded(wb, watch.gaps, _loaded(load, watch.gaps), as_of)
        if unsigned:
            _append_unsigned(wb, unsigned, as_of)
        save(wb, tmp)

    return publish(path, staging, writer), listed


def _append_item(ws: Any, number: int, item: ChaseItem, department: str, as_of: date,
                 calendar: WorkCalendar) -> None:
    row = item.state.row
    worst = item.worst
    tint = ROW_TINTS.get(worst.light.value)
    matters = "；".join(f"{v.name}{v.light.value}" for v in item.reasons)
    reminders = int(row["reminders"] or 0)
    values = [
        department, row["order_no"], show_time(row["dispatch_time"])[:16],
        row["kind"] + (f"·{row['category']}" if row["category"] else ""), matters,
        worst.light.value, worst.clock.red.isoformat(),
        remaining_text(calendar, worst.clock, as_of),
        f"催单{reminders}次" if reminders else "", summary(row["content"], 38),
        row["caller"], mask_phone(row["phone"]),
    ]
    cells = []
    for i, value in enumerate(values):
        fill, font = tint, None
        if i == LIGHT_COLUMN:
            fill, font = LIGHT_FILLS.get(worst.light.value), LIGHT_FONTS.get(worst.light.value)
        cells.append(text_cell(ws, value, fill=fill, font=font,
                               align=WRAP_MIDDLE if HEADERS[i] == "内容摘要" else MIDDLE))
    append_tall(ws, number, cells, ROW_HEIGHT)


def _append_reminded(wb: Any, numbers: Sequence[str], calm: Iterable[OrderState],
                     as_of: date) -> None:
    ws = wb.create_sheet("催单件")
    headers = ("工单编号", "承办部门", "派单时间", "催单次数", "最近催单", "办理", "红灯日", "内容摘要")
    setup_sheet(ws, (16, 12, 15, 8, 15, 8, 11, 50), header_row=2, rows=len(numbers))
    title = f"已被催单、尚未到黄灯的工单（{as_of.isoformat()}），请优先办理"
    print_layout(ws, columns=len(headers), rows=2 + len(numbers), header_row=2)
    ws.append([text_cell(ws, title, font=TITLE_FONT, border=False)])
    ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER) for h in headers])
    for state in calm:
        row = state.row
        light = state.handling.word or state.handling.light.value
        ws.append([text_cell(ws, v, fill=LIGHT_FILLS.get(light) if i == 5 else None,
                             font=LIGHT_FONTS.get(light) if i == 5 else None,
                             align=WRAP if i == 7 else None)
                   for i, v in enumerate((
            row["order_no"], row["department"] or UNASSIGNED, show_time(row["dispatch_time"])[:16],
            int(row["reminders"]), show_time(row["last_reminder_at"])[:16], light,
            state.deadlines.due()["red"] or "", summary(row["content"], 80),
        ))])


def _append_unrecorded(wb: Any, numbers: Sequence[str], gaps: Iterable[OrderState],
                       as_of: date) -> None:
    """待补登: handled orders whose first contact was never recorded, listed as such."""
    ws = wb.create_sheet("待补登")
    headers = ("工单编号", "承办部门", "派单时间", "先行联系期限", "办结时间", "状态", "怎么办")
    setup_sheet(ws, (16, 12, 15, 12, 15, 8, 52), header_row=2, rows=len(numbers))
    title = f"已办结但未登记先行联系时间的工单（{as_of.isoformat()}，共 {len(numbers)} 件）"
    print_layout(ws, columns=len(headers), rows=2 + len(numbers), header_row=2)
    ws.append([text_cell(ws, title, font=TITLE_FONT, border=False)])
    ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER) for h in headers])
    for state in gaps:
        row = state.row
        ws.append([text_cell(ws, v) for v in (
            row["order_no"], row["department"] or UNASSIGNED, show_time(row["dispatch_time"])[:16],
            state.deadlines.first_contact.red.isoformat(), show_time(row["handled_at"])[:16],
            row["status"], _what_to_do(state),
        )])


def _append_unsigned(wb: Any, unsigned: Sequence[Unsigned], as_of: date) -> None:
    """待分管领导签字: results of the 分管领导's orders not yet signed, held from the feedback."""
    ws = wb.create_sheet("待分管领导签字")
    headers = ("工单编号", "承办部门", "办理结果", "办结时间", "分管领导", "为何由分管领导负责", "怎么办")
    setup_sheet(ws, (16, 12, 9, 15, 9, 24, 40), header_row=2, rows=len(unsigned))
    title = (f"办理结果待分管领导签字的工单（{as_of.isoformat()}，共 {len(unsigned)} 件，"
             "签字前不反馈区热线办）")
    print_layout(ws, columns=len(headers), rows=2 + len(unsigned), header_row=2)
    ws.append([text_cell(ws, title, font=TITLE_FONT, border=False)])
    ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER) for h in headers])
    for number, item in enumerate(unsigned, 3):
        row = item.state.row
        todo = sign_instruction(row["order_no"], item.deputy)
        append_tall(ws, number, [text_cell(ws, v, align=WRAP_MIDDLE if i >= 4 else MIDDLE)
                                 for i, v in enumerate((
            row["order_no"], row["department"] or UNASSIGNED, row["result"],
            show_time(row["handled_at"])[:16], item.deputy or "未登记", item.why, todo,
        ))], ROW_HEIGHT if item.deputy else 40)  # the 怎么办 of an unnamed leader: three lines


def _what_to_do(state: OrderState) -> str:
    if state.row["status"] in FINISHED:
        return "已结案，无法补登；考核时先行联系按未按时计"
    return f"核实后补登：hotline contact {state.row['order_no']} --at 联系时间"
