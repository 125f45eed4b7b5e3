"""台账: every open order and those closed this month, one row each, lights as fills.

The clerk may fill the editable (green) columns and drop the workbook back into the inbox;
a very hidden sheet keeps what each editable cell said when written, so that only the
cells the clerk changed are applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.deadlines.state import OrderState
from pipeline.intake.ledger import EDITABLE, HEADER_ROW, ORIGINALS_SHEET, SHEET
from pipeline.model import RESULTS, SATISFACTION
from pipeline.text import show_time, summary
from pipeline.workbooks.common import (
    CENTER,
    EDITABLE_FILL,
    HEADER_FILL,
    HEADER_FONT,
    LIGHT_FILLS,
    LIGHT_FONTS,
    TITLE_FONT,
    WRAP,
    fixed_times,
    looks_like_formula,
    new_workbook,
    publish,
    save,
    setup_sheet,
    text_cell,
)

LEDGER_KIND = "台账"


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    get: Callable[[OrderState], Any]
    editable: str = ""  # the field a clerk's edit changes, "" if read-only
    wrap: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("工单编号", 17, lambda s: s.row["order_no"]),
    Column("派单时间", 17, lambda s: show_time(s.row["dispatch_time"])),
    Column("工单类型", 9, lambda s: s.row["kind"]),
    Column("诉求类别", 8, lambda s: s.row["category"]),
    Column("来电人", 9, lambda s: s.row["caller"]),
    Column("联系电话", 13, lambda s: s.row["phone"]),
    Column("述求地址", 22, lambda s: s.row["address"], wrap=True),
    Column("内容摘要", 40, lambda s: summary(s.row["content"]), wrap=True),
    Column("建议承办部门", 12, lambda s: s.row["suggested_department"]),
    Column(EDITABLE["department"], 12, lambda s: s.row["department"], editable="department"),
    Column("先行联系期限", 12, lambda s: _date(s.deadlines.first_contact.red)),
    Column(EDITABLE["first_contact_at"], 17, lambda s: show_time(s.row["first_contact_at"]),
           editable="first_contact_at"),
    Column("先行联系灯", 9, lambda s: s.first_contact_light.value),
    Column("预警日", 11, lambda s: _date(s.deadlines.handling.warning)),
    Column("黄灯日", 11, lambda s: _date(s.deadlines.handling.yellow)),
    Column("红灯日", 11, lambda s: _date(s.deadlines.handling.red)),
    Column("办理灯", 8, lambda s: s.light.value),
    Column("状态", 8, lambda s: s.row["status"]),
    Column("催单次数", 8, lambda s: int(s.row["reminders"] or 0)),
    Column(EDITABLE["result"], 10, lambda s: s.row["result"], editable="result"),
    Column(EDITABLE["satisfaction"], 9, lambda s: s.row["satisfaction"], editable="satisfaction"),
    Column("暂定", 6, lambda s: "暂定" if s.deadlines.provisional else ""),
    Column("备注", 30, lambda s: "；".join(s.flags), wrap=True),
)


def _row_light(state: OrderState) -> str:
    """A row is filled by the worse of its two lights (closed clocks keep theirs)."""
    return max((state.light, state.first_contact_light), key=lambda x: x.rank).value


def ledger_rows(states: Sequence[OrderState], month_start: date) -> list[OrderState]:
    """Open orders (anything not yet closed) and those closed in the run's month."""
    keep = []
    for state in states:
        closed = state.row.get("closed_at")
        if not closed or closed[:10] >= month_start.isoformat():
            keep.append(state)
    return keep


def write_ledger(path: Path, staging: Path, states: Sequence[OrderState], as_of: date,
                 departments: Sequence[str]) -> Path:
    """Write the 台账 of `as_of`; returns where it went (beside, if the old one is open)."""

    def writer(tmp: Path) -> None:
        wb = new_workbook(LEDGER_KIND)
        fixed_times(wb, as_of)
        ws = wb.create_sheet(SHEET)
        setup_sheet(ws, [c.width for c in COLUMNS], header_row=HEADER_ROW, rows=len(states))
        ws.append([text_cell(ws, f"北站街道“12345”市民服务热线工单台账（{as_of.isoformat()}）",
                             font=TITLE_FONT, border=False)])
        ws.append([text_cell(
            ws, "绿色栏目可直接填写（承办部门、先行联系时间、办理结果、满意度），保存后放回收件箱即可"
            "导入；其他栏目由系统生成，请勿修改。", border=False)])
        ws.append([text_cell(ws, c.header, font=HEADER_FONT,
                             fill=EDITABLE_FILL if c.editable else HEADER_FILL, align=CENTER)
                   for c in COLUMNS])
        for state in states:
            light = _row_light(state)
            fill, font = LIGHT_FILLS.get(light), LIGHT_FONTS.get(light)
            ws.append([
                text_cell(ws, c.get(state), fill=fill, font=font,
                          align=WRAP if c.wrap else None)
                for c in COLUMNS
            ])
        _validations(ws, len(states), departments)
        originals = wb.create_sheet(ORIGINALS_SHEET)
        originals.sheet_state = "veryHidden"
        originals.append(["order_no", *EDITABLE])
        for state in states:
            values = [state.row["order_no"], *[_original(state, key) for key in EDITABLE]]
            # plain values are cheapest; anything Excel could take for a formula stays text
            originals.append([text_cell(originals, v, border=False)
                              if looks_like_formula(v) else v for v in values])
        save(wb, tmp)

    return publish(path, staging, writer)


def _original(state: OrderState, key: str) -> str:
    value = state.row.get(key) or ""
    return show_time(value) if key == "first_contact_at" else str(value)


def _validations(ws: Any, rows: int, departments: Sequence[str]) -> None:
    if rows == 0:
        return
    first, last = HEADER_ROW + 1, HEADER_ROW + rows
    lists = {
        "result": RESULTS,
        "satisfaction": SATISFACTION,
        "department": tuple(departments),
    }
    for index, column in enumerate(COLUMNS, 1):
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
