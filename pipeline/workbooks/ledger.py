"""台账: every open order and those closed this month, one row each.

Each clock has its own cell: a running clock shows its light (预警 黄灯 红灯 超时, coloured),
a closed one its outcome (按时, 逾期 N 个工作日). Only running clocks at 黄灯 or worse tint a
row; the editable cells stay green whatever the row.

The first columns are what a leader reads on paper: they are the print area (A4 landscape).
The others stay for the screen and for the round trip: the clerk may fill the editable
(green) columns and drop the workbook back into the inbox; a very hidden sheet keeps what
each editable cell said when written, so that only the cells the clerk changed are applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.deadlines.state import ClockView, OrderState
from pipeline.intake.labels import KEPT_ROLES, shipped_vocabulary
from pipeline.intake.ledger import EDITABLE, HEADER_ROW, ORIGINALS_SHEET, SHEET
from pipeline.model import RESULTS, SATISFACTION, order_extras
from pipeline.text import show_time, summary
from pipeline.workbooks.common import (
    CENTER,
    EDITABLE_FILL,
    HEADER_FILL,
    HEADER_FONT,
    LATE_FONT,
    LIGHT_FILLS,
    LIGHT_FONTS,
    MIDDLE,
    ROW_TINTS,
    TITLE_FONT,
    UNRECORDED_FONT,
    WRAP_MIDDLE,
    append_tall,
    fixed_times,
    looks_like_formula,
    new_workbook,
    print_layout,
    publish,
    save,
    setup_sheet,
    text_cell,
)

LEDGER_KIND = "台账"
ROW_HEIGHT = 27  # two lines of 宋体 10: the 内容摘要 wraps once
NOTE = ("先行联系、办理两栏：在办的显示灯，已完成的显示结果（按时／逾期N个工作日）；"
        "到黄灯及以上的在办工单底色标出。绿色栏目可填写后放回收件箱导入。")


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _minute(value: str | None) -> str:
    return show_time(value)[:16]


def _handling_day(state: OrderState, name: str) -> str:
    """A day of the handling clock; "" for an order without one (表扬、感谢)."""
    clock = state.deadlines.handling
    return _date(getattr(clock, name)) if clock is not None else ""


def _kind(state: OrderState) -> str:
    row = state.row
    return row["kind"] + (f"·{row['category']}" if row["category"] else "")


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    get: Callable[[OrderState], Any]
    editable: str = ""  # the field a clerk's edit changes, "" if read-only
    wrap: bool = False
    clock: Callable[[OrderState], ClockView] | None = None  # a clock's cell


# What a leader reads: the print area, in this order.
PRINTED: tuple[Column, ...] = (
    Column("工单编号", 16, lambda s: s.row["order_no"]),
    Column("派单时间", 15, lambda s: _minute(s.row["dispatch_time"])),
    Column("类型", 10, _kind),
    Column("内容摘要", 40, lambda s: summary(s.row["content"], 38), wrap=True),
    Column(EDITABLE["department"], 19, lambda s: s.row["department"], editable="department"),
    Column("先行联系", 10, lambda s: s.first_contact.word, clock=lambda s: s.first_contact),
    Column("办理", 13, lambda s: s.handling.word, clock=lambda s: s.handling),
    Column("红灯日", 11, lambda s: _handling_day(s, "red")),
    Column("状态", 8, lambda s: s.row["status"]),
    Column("催单", 6, lambda s: int(s.row["reminders"] or 0) or ""),
)
# For the screen and the round trip.
DETAILS: tuple[Column, ...] = (
    Column("来电人", 9, lambda s: s.row["caller"]),
    Column("联系电话", 13, lambda s: s.row["phone"]),
    Column("述求地址", 22, lambda s: s.row["address"], wrap=True),
    Column("工单类型", 9, lambda s: s.row["kind"]),
    Column("诉求类别", 8, lambda s: s.row["category"]),
    Column("建议承办部门", 12, lambda s: s.row["suggested_department"]),
    Column("先行联系期限", 12, lambda s: _date(s.deadlines.first_contact.red)),
    Column(EDITABLE["first_contact_at"], 17, lambda s: show_time(s.row["first_contact_at"]),
           editable="first_contact_at"),
    Column("预警日", 11, lambda s: _handling_day(s, "warning")),
    Column("黄灯日", 11, lambda s: _handling_day(s, "yellow")),
    Column(EDITABLE["result"], 10, lambda s: s.row["result"], editable="result"),
    Column(EDITABLE["handled_at"], 17, lambda s: show_time(s.row["handled_at"]),
           editable="handled_at"),
    Column(EDITABLE["satisfaction"], 9, lambda s: s.row["satisfaction"], editable="satisfaction"),
    Column("暂定", 6, lambda s: "暂定" if s.deadlines.provisional else ""),
    Column("备注", 30, lambda s: "；".join(s.flags), wrap=True),
)
COLUMNS: tuple[Column, ...] = PRINTED + DETAILS
# The district's 台账 (every street's orders, street by street) starts with the street.
STREET = Column("街道", 12, lambda s: s.row.get("office") or "（未记录街道）")


def ledger_columns(*, by_street: bool = False) -> tuple[Column, ...]:
    """The 台账's own columns: the street first in the district's."""
    return (STREET, *COLUMNS) if by_street else COLUMNS
# After these, one column per label of the district exports' own columns (问题分类, 标签,
# 被反映街乡镇, 工单性质 …), as the exports wrote them; none when no order has any.
EXTRAS_NOTE = "右侧各栏：区热线办导出中的其他栏目，原样照录"
EXTRA_WIDTH = 14


def extra_labels(states: Iterable[OrderState]) -> list[str]:
    """The export's own column labels over all rows: those the vocabulary knows grouped by
    what they are (标题, 问题分类, 标签, 工单状态, 工单性质 …), then the others as first met."""
    seen: dict[str, None] = {}
    for state in states:
        seen.update(dict.fromkeys(order_extras(state.row)))
    vocab = shipped_vocabulary()
    roles = list(KEPT_ROLES)

    def place(label: str) -> int:
        role = vocab.field_for(label)
        return roles.index(role) if role in roles else len(roles)

    return sorted(seen, key=place)  # stable: first met within a group


def _extra_header(label: str, columns: Sequence[Column] = COLUMNS) -> str:
    """A label of the export's own, told apart from ours when the same (办理结果（区）)."""
    return f"{label}（区）" if label in {c.header for c in columns} else label


def _clock_style(view: ClockView) -> tuple[PatternFill | None, Font | None]:
    """A running clock's cell in its light's colour; a closed one marked only if late."""
    if view.running:
        return LIGHT_FILLS.get(view.light.value), LIGHT_FONTS.get(view.light.value)
    if view.unrecorded:
        return None, UNRECORDED_FONT
    return None, LATE_FONT if view.late_days else None


def ledger_cells(ws: Any, state: OrderState, extras: Sequence[str] = (),
                 columns: Sequence[Column] = COLUMNS) -> list[Any]:
    """One row: editable cells green, clocks by their state, the rest tinted if chased;
    then the export's own columns named in `extras`."""
    alarm = state.alarm
    tint = ROW_TINTS.get(alarm.value) if alarm is not None else None
    cells = []
    for c in columns:
        fill, font = tint, None
        if c.editable:
            fill = EDITABLE_FILL
        elif c.clock is not None:
            fill, font = _clock_style(c.clock(state))
            fill = fill or tint
        cells.append(text_cell(ws, c.get(state), fill=fill, font=font,
                               align=WRAP_MIDDLE if c.wrap else MIDDLE))
    said = order_extras(state.row) if extras else {}
    cells += [text_cell(ws, said.get(label, ""), fill=tint, align=MIDDLE) for label in extras]
    return cells


def ledger_rows(states: Iterable[OrderState], month_start: date) -> Iterator[OrderState]:
    """Open orders (anything not yet closed) and those closed in the run's month."""
    for state in states:
        closed = state.row.get("closed_at")
        if not closed or closed[:10] >= month_start.isoformat():
            yield state


def _survey(states: Iterable[OrderState]) -> tuple[int, list[str]]:
    """How many rows, and the export's own labels over them (a first pass: the sheet's
    layout is written before its first row)."""
    count = 0

    def counted() -> Iterator[OrderState]:
        nonlocal count
        for state in states:
            count += 1
            yield state

    labels = extra_labels(counted())
    return count, labels


def write_ledger(path: Path, staging: Path, states: Callable[[], Iterable[OrderState]],
                 as_of: date, departments: Sequence[str], *, by_street: bool = False) -> Path:
    """Write the 台账 of `as_of`; returns where it went (beside, if the old one is open).

    `states` gives the rows afresh each time it is called (read from the store as they are
    written): it is called twice, once for the layout and once for the rows, so that the
    night's orders never sit in memory at once. `by_street`: the district's, with a 街道
    column first (`states` then come street by street)."""

    count, extras = _survey(states())
    columns = ledger_columns(by_street=by_street)

    def writer(tmp: Path) -> None:
        wb = new_workbook(LEDGER_KIND)
        fixed_times(wb, as_of)
        ws = wb.create_sheet(SHEET)
        widths = [c.width for c in columns] + [EXTRA_WIDTH] * len(extras)
        setup_sheet(ws, widths, header_row=HEADER_ROW, rows=count)
        title = f"北站街道“12345”市民服务热线工单台账（{as_of.isoformat()}）"
        print_layout(ws, columns=len(PRINTED) + by_street, rows=HEADER_ROW + count,
                     header_row=HEADER_ROW)
        ws.append([text_cell(ws, title, font=TITLE_FONT, border=False)])
        ws.append([text_cell(ws, NOTE, border=False)]
                  + ([None] * (len(columns) - 1) + [text_cell(ws, EXTRAS_NOTE, border=False)]
                     if extras else []))
        ws.append([text_cell(ws, c.header, font=HEADER_FONT,
                             fill=EDITABLE_FILL if c.editable else HEADER_FILL, align=CENTER)
                   for c in columns]
                  + [text_cell(ws, _extra_header(label, columns), font=HEADER_FONT, align=CENTER)
                     for label in extras])
        _validations(ws, count, departments, columns)
        originals = wb.create_sheet(ORIGINALS_SHEET)
        originals.sheet_state = "veryHidden"
        originals.append(["order_no", *EDITABLE])
        for number, state in enumerate(states(), HEADER_ROW + 1):
            append_tall(ws, number, ledger_cells(ws, state, extras, columns), ROW_HEIGHT)
            values = [state.row["order_no"], *[_original(state, key) for key in EDITABLE]]
            # plain values are cheapest; anything Excel could take for a formula stays text
            originals.append([text_cell(originals, v, border=False)
                              if looks_like_formula(v) else v for v in values])
        save(wb, tmp)

    return publish(path, staging, writer)


def _original(state: OrderState, key: str) -> str:
    value = state.row.get(key) or ""
    return show_time(value) if key in ("first_contact_at", "handled_at") else str(value)


def _validations(ws: Any, rows: int, departments: Sequence[str],
                 columns: Sequence[Column]) -> None:
    if rows == 0:
        return
    first, last = HEADER_ROW + 1, HEADER_ROW + rows
    lists = {
        "result": RESULTS,
        "satisfaction": SATISFACTION,
        "department": tuple(departments),
    }
    for index, column in enumerate(columns, 1):
        choices = lists.get(column.editable)
        if not choices:
            continue
        formula = '"' + ",".join(choices) + '"'
        if len(formula) > 255:  # Excel's limit for an inline list
            continue
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            showErrorMessage=False)
        ws.data_validations.append(dv)
        letter = get_column_letter(index)
        dv.add(f"{letter}{first}:{letter}{last}")
