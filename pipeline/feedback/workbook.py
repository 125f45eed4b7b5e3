"""反馈区热线办-<date>.xlsx: the day's lines in columns a clerk pastes into the district's
system, and the results held back for a signature on a sheet of their own."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.feedback.collect import COLUMNS, CORRECTION, Line
from pipeline.leadership.rules import DEPUTY, sign_instruction
from pipeline.workbooks.common import (
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    LATE_FONT,
    MIDDLE,
    TITLE_FONT,
    WRAP_MIDDLE,
    fixed_times,
    new_workbook,
    print_layout,
    publish,
    save,
    setup_sheet,
    text_cell,
)

# Narrow enough to print on one A4 width at a readable size; long texts wrap in their cells.
WIDTHS = (4, 15, 8, 8, 10, 10, 8, 30, 6, 10, 6, 16, 10, 14, 6)
LINE_HEIGHT = 14.0  # points per wrapped line of the 10-point body font
HELD_HEADERS = ("工单编号", "承办部门", "办理结果", "办结时间", "待谁签字", "怎么办")


def write_feedback(path: Path, staging: Path, day: date, lines: Sequence[dict[str, Any]],
                   held: Sequence[Line] = (), *, remade: bool = False) -> Path:
    """Write the list of `day` (every line listed that day, in order) atomically."""

    def writer(tmp: Path) -> None:
        wb = new_workbook("反馈区热线办")
        fixed_times(wb, day)
        ws = wb.create_sheet("反馈清单")
        setup_sheet(ws, WIDTHS, header_row=3, rows=len(lines))
        print_layout(ws, columns=len(COLUMNS), rows=3 + len(lines), header_row=3)
        ws.append([text_cell(ws, f"向区热线办反馈的办理情况（{day.isoformat()}）", font=TITLE_FONT,
                             border=False)])
        ws.append([text_cell(ws, _note(lines, held, remade), border=False)])
        ws.row_dimensions[3].height = 2 * LINE_HEIGHT  # headers such as 延期天数 wrap
        ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER) for h in COLUMNS])
        for row, line in enumerate(lines, 4):
            # set before the row is written: Excel and LibreOffice do not grow generated rows
            ws.row_dimensions[row].height = LINE_HEIGHT * _wrapped_lines(line)
            ws.append([_cell(ws, column, line) for column in COLUMNS])
        if held:
            _held_sheet(wb, held, day)
        save(wb, tmp)

    return publish(path, staging, writer)


def _note(lines: Sequence[dict[str, Any]], held: Sequence[Line], remade: bool) -> str:
    if not lines:
        text = "今天没有需要反馈的新事项。"
    else:
        corrections = sum(1 for line in lines if line.get("性质") == CORRECTION)
        text = (f"共 {len(lines)} 项，其中更正 {corrections} 项；每项只列一次，已记为已反馈。"
                "电话已隐去中间四位。")
    if held:
        text += f"另有 {len(held)} 项办理结果待分管领导签字，暂不反馈（见“待签字”页）。"
    if remade:
        text += "（按当日记录重新生成）"
    return text


def _cell(ws: Any, column: str, line: dict[str, Any]) -> Any:
    value = line.get(column, "")
    font = LATE_FONT if column == "性质" and value == CORRECTION else None
    return text_cell(ws, value, font=font, align=WRAP_MIDDLE)


def _wrapped_lines(line: dict[str, Any]) -> int:
    """How many lines the line's tallest cell wraps to (a CJK character is two columns)."""
    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    return max(1, *(math.ceil(width(str(line.get(column, "") or "")) / max(w - 1, 1))
                    for column, w in zip(COLUMNS, WIDTHS, strict=True)))


def _held_sheet(wb: Any, held: Sequence[Line], day: date) -> None:
    ws = wb.create_sheet("待签字")
    setup_sheet(ws, (16, 12, 9, 15, 10, 50), header_row=2, rows=len(held))
    print_layout(ws, columns=len(HELD_HEADERS), rows=2 + len(held), header_row=2)
    ws.append([text_cell(ws, f"办理结果待分管领导签字、暂不反馈的工单（{day.isoformat()}）",
                         font=TITLE_FONT, border=False)])
    ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER) for h in HELD_HEADERS])
    for line in held:
        row = line.row
        ws.append([text_cell(ws, v, align=MIDDLE) for v in (
            line.order_no, row["承办部门"], row["办理结果"], row["办结时间"], line.waiting_for,
            _what_to_do(line),
        )])


def _what_to_do(line: Line) -> str:
    deputy = "" if line.waiting_for == DEPUTY else line.waiting_for
    return sign_instruction(line.order_no, deputy, "，下次运行时反馈")
