"""绩效考核 workbook: figures per department and in total, by kind, the orders left out,
a chart of the rates, and every figure's definition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from pipeline.model import REQUEST_KINDS, RESULTS
from pipeline.monthly.figures import Assessment, Figures
from pipeline.monthly.scoring import Scoring
from pipeline.text import mask_phone, show_time
from pipeline.workbooks.common import (
    BORDER,
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    WRAP,
    fixed_times,
    looks_like_formula,
    publish,
    safe_value,
    save,
    setup_sheet,
)
from pipeline.workbooks.common import MARKER as _MARKER

COLUMNS: list[tuple[str, str]] = [
    ("受理数", "received"), ("不纳入考核", "excluded"), ("考核件数", "counted"),
    ("先行联系应办", "contact_due"), ("先行联系按时", "contact_on_time"),
    ("先行联系按时率", "contact_rate"), ("办结应办", "handling_due"),
    ("按时办结", "handled_on_time"), ("按时办结率", "on_time_rate"), ("超时", "overdue"),
    ("已办结", "handled"), *[(r, f"results.{r}") for r in RESULTS], ("解决率", "solved_rate"),
    ("已回访", "visited"), ("满意率", "satisfaction_rate"), ("催单件数", "reminded"),
    ("催单次数", "reminders"), ("退单", "returned"), ("退单确认", "returned_confirmed"),
    ("延期申请", "extension_requested"),
]
SCORE_COLUMNS: list[tuple[str, str]] = [("综合得分", "score"), ("排名", "rank")]
RATES = ("先行联系按时率", "按时办结率", "解决率", "满意率")


def columns(scoring: Scoring) -> list[tuple[str, str]]:
    """The table's columns: the score and the rank only where the home sets a score."""
    return COLUMNS + (SCORE_COLUMNS if scoring.scored else [])


def _value(figures: Figures, attr: str) -> Any:
    if attr.startswith("results."):
        return figures.results[attr.split(".", 1)[1]]
    return getattr(figures, attr)


def _put(ws: Any, row: int, col: int, value: Any, *, bold: bool = False,
         percent: bool = False) -> None:
    cell = ws.cell(row=row, column=col)
    if isinstance(value, float) and not percent:
        value = round(value, 2)
    if value is None:
        cell.value = "—"
    else:
        cell.value = safe_value(value)
        if isinstance(value, str):
            cell.data_type = "s"
            cell.quotePrefix = looks_like_formula(value)
    if percent and value is not None:
        cell.number_format = "0.0%"
    elif isinstance(value, float):
        cell.number_format = "0.00"  # a score: 100.00 and 87.33 alike
    cell.border = BORDER
    cell.font = Font(name="宋体", size=10, bold=bold)
    cell.alignment = CENTER


def _table(ws: Any, title: str, first: str, rows: list[Figures], total: Figures | None,
           scoring: Scoring, *, ranked: bool = False) -> None:
    ws.cell(row=1, column=1, value=title).font = TITLE_FONT
    used = columns(scoring)
    if ranked and not scoring.scored:
        used = [*used, ("排名", "rank")]
    headers = [first, *[h for h, _ in used]]
    for c, text in enumerate(headers, 1):
        cell = ws.cell(row=3, column=c, value=text)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, CENTER, BORDER
    for r, figures in enumerate([*rows, *([total] if total else [])], 4):
        bold = figures is total
        _put(ws, r, 1, figures.name, bold=bold)
        for c, (header, attr) in enumerate(used, 2):
            _put(ws, r, c, _value(figures, attr), bold=bold, percent=header in RATES)
    # Narrow columns under wrapped headers: the whole table prints on one A4 width, readable.
    widths = [16] + [8 if header in RATES or header == "综合得分" else 6 for header, _ in used]
    setup_sheet(ws, widths, header_row=3, rows=len(rows) + 1, filters=False)
    ws.row_dimensions[3].height = 54
    ws.print_title_rows = "1:3"


def write_assessment(path: Path, staging: Path, result: Assessment) -> Path:
    def writer(tmp: Path) -> None:
        wb = Workbook()
        from openpyxl.packaging.custom import StringProperty  # noqa: PLC0415

        wb.custom_doc_props.append(StringProperty(name=_MARKER, value="绩效考核"))
        fixed_times(wb, result.as_of)
        summary = wb.active
        summary.title = "考核汇总"
        _table(summary, f"“12345”工单绩效考核（{result.month}，统计日 {result.as_of.isoformat()}）",
               "承办部门", result.departments, result.total, result.scoring)
        if result.streets:
            _table(wb.create_sheet("街道排名"), f"各街道排名（{result.month}，排名方法见指标说明）",
                   "街道", result.streets, result.total, result.scoring, ranked=True)
        _table(wb.create_sheet("按工单类型"), f"按工单类型（{result.month}）", "工单类型",
               result.by_kind, result.total, result.scoring)
        _excluded(wb.create_sheet("不纳入考核"), result)
        _chart(wb.create_sheet("图表"), result)
        _notes(wb.create_sheet("指标说明"), result.definitions)
        save(wb, tmp)

    return publish(path, staging, writer)


def _excluded(ws: Any, result: Assessment) -> None:
    ws.cell(row=1, column=1, value="经批准不纳入考核的工单（不计入各项比率）").font = TITLE_FONT
    headers = ("工单编号", "派单时间", "工单类型", "承办部门", "申请类别", "申请表编号", "申请理由",
               "来电人", "联系电话")
    for c, text in enumerate(headers, 1):
        cell = ws.cell(row=2, column=c, value=text)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    for r, state in enumerate(result.excluded, 3):
        row = state.row
        values = (row["order_no"], show_time(row["dispatch_time"]), row["kind"],
                  row["department"], REQUEST_KINDS.get(row["request_type"], ""),
                  row["request_no"], row["request_reason"], row["caller"], mask_phone(row["phone"]))
        for c, value in enumerate(values, 1):
            _put(ws, r, c, value)
            ws.cell(row=r, column=c).alignment = WRAP
    if not result.excluded:
        ws.cell(row=3, column=1, value="本月没有经批准不纳入考核的工单。").font = Font(name="宋体", size=10)
    setup_sheet(ws, (17, 17, 9, 14, 14, 16, 40, 9, 13), header_row=2, rows=len(result.excluded))


def _chart(ws: Any, result: Assessment) -> None:
    ws.cell(row=1, column=1, value="各部门比率").font = TITLE_FONT
    ws.cell(row=2, column=1, value="承办部门")
    for c, name in enumerate(RATES, 2):
        ws.cell(row=2, column=c, value=name)
    rows = [*result.departments, result.total]
    for r, figures in enumerate(rows, 3):
        ws.cell(row=r, column=1, value=figures.name).data_type = "s"
        for c, attr in enumerate(("contact_rate", "on_time_rate", "solved_rate",
                                  "satisfaction_rate"), 2):
            value = getattr(figures, attr)
            # No order due yet: the cell stays empty (a gap in the chart), never a 0% bar
            # (a chart reads a "—" as 0 too).
            cell = ws.cell(row=r, column=c, value=value)
            cell.number_format = "0%"
    ws.cell(row=len(rows) + 3, column=1,
            value="空白：该项尚无应办的工单，不作图（不是 0%）。").font = Font(name="宋体", size=9)
    chart = BarChart()
    chart.type = "col"
    chart.title = f"{result.month} 各部门考核比率"
    chart.y_axis.title = "比率"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%"
    data = Reference(ws, min_col=2, max_col=1 + len(RATES), min_row=2, max_row=2 + len(rows))
    cats = Reference(ws, min_col=1, min_row=3, max_row=2 + len(rows))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.width, chart.height = 22, 11
    ws.add_chart(chart, f"A{len(rows) + 5}")
    for col, width in zip("ABCDE", (16, 14, 12, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _notes(ws: Any, definitions: list[tuple[str, str]]) -> None:
    ws.cell(row=1, column=1, value="指标说明").font = TITLE_FONT
    for r, (name, text) in enumerate(definitions, 3):
        ws.cell(row=r, column=1, value=name).font = HEADER_FONT
        ws.cell(row=r, column=1).alignment = WRAP
        cell = ws.cell(row=r, column=2, value=text)
        cell.alignment = WRAP
        cell.font = Font(name="宋体", size=10)
        ws.row_dimensions[r].height = 14 * (1 + len(text) // 38)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 78
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
