"""The 台账 coming back: the clerk filled its editable (green) columns and dropped it into the
inbox. Only cells that differ from what the workbook said when written are applied; a bad
cell is reported with its row and column and the rest is applied."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from openpyxl.utils import get_column_letter

from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake.base import FileInfo, OrderUpdate, Problem, ReadResult
from pipeline.intake.excel import LEDGER_MARKER, ZIP_MAGIC
from pipeline.intake.zipguard import check_zip
from pipeline.model import RESULTS, SATISFACTION
from pipeline.normalise import InvalidValueError, clean_text, normalise_order_no, parse_datetime

# The round trip's contract, shared with the writer (workbooks/ledger.py): the sheet, the row
# of its header, the hidden sheet of original values, and the columns a clerk may edit.
SHEET = "工单台账"
ORIGINALS_SHEET = "_原值"
HEADER_ROW = 3  # title, note, header
EDITABLE = {
    "department": "承办部门",
    "first_contact_at": "先行联系时间",
    "result": "办理结果",
    "handled_at": "办结时间",
    "satisfaction": "满意度",
}
TIMES = ("first_contact_at", "handled_at")


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value, multiline=False)


class LedgerReader:
    """Our own workbooks back in the inbox: the 台账 is applied, others politely refused."""

    name: ClassVar[str] = "本系统生成的工单台账（.xlsx）"
    suffixes: ClassVar[tuple[str, ...]] = (".xlsx", ".xlsm")

    def identify(self, info: FileInfo) -> bool:
        return info.head.startswith(ZIP_MAGIC) and info.has_marker(LEDGER_MARKER)

    def extract(self, path: Path, limits: Limits) -> ReadResult:
        import openpyxl  # noqa: PLC0415

        check_zip(path, limits, "Excel 文件").close()
        with path.open("rb") as fh:
            try:
                wb = openpyxl.load_workbook(fh, data_only=True)
            except Exception as exc:
                raise FileRejectedError(
                    f"台账无法打开（{type(exc).__name__}），请用 Excel 打开确认后另存。"
                ) from exc
            kind = next((p.value for p in wb.custom_doc_props.props if p.name == "hotline_workbook"),
                        "")
            if kind != "台账" or SHEET not in wb.sheetnames:
                raise FileRejectedError(
                    f"这是本系统生成的{kind or '工作簿'}，只供查看，不需要放回收件箱。"
                    "要登记办理情况，请在工单台账的绿色栏目中填写后放回。"
                )
            if ORIGINALS_SHEET not in wb.sheetnames:
                raise FileRejectedError(
                    "台账中缺少系统用来比对的隐藏工作表，可能是复制粘贴到了新文件。"
                    "请在系统生成的台账文件上直接填写后放回。"
                )
            fh.seek(0)
            return read_ledger(wb[SHEET], wb[ORIGINALS_SHEET], _formula_cells(fh))


def _formula_cells(fh: Any) -> set[tuple[int, int]]:
    """(row, column index) of the 台账's formula cells: one without a cached value reads as
    empty, and must be reported, not taken for an untouched cell."""
    import openpyxl  # noqa: PLC0415

    wb = openpyxl.load_workbook(fh, read_only=True, data_only=False)
    try:
        return {(cell.row, cell.column - 1)
                for row in wb[SHEET].iter_rows(min_row=HEADER_ROW + 1) for cell in row
                if isinstance(getattr(cell, "value", None), str) and cell.value.startswith("=")}
    finally:
        wb.close()


def read_ledger(ws: Any, originals_ws: Any,
                formulas: set[tuple[int, int]] | None = None) -> ReadResult:
    """The edits of a 台账: every cell changed from what the sheet said when written, each
    row one update keyed by what it changes. Nothing is dropped without a word: a row of an
    order not on this sheet, a number that is not one, a second row of one order, a cleared
    cell or a formula without a value are each reported with their row and column."""
    result = ReadResult()
    originals = _originals(originals_ws)
    header = [_text(c.value) for c in ws[HEADER_ROW]]
    columns = {field: header.index(label) for field, label in EDITABLE.items() if label in header}
    if "工单编号" not in header:
        raise FileRejectedError("台账的表头被改动，找不到“工单编号”列。请在系统生成的台账上直接填写。")
    number_col = header.index("工单编号")
    sheet_id = _text(ws.cell(1, 1).value)  # the title names the day the sheet was written
    seen: dict[str, int] = {}
    for r, row in enumerate(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True),
                            HEADER_ROW + 1):
        number = _row_number(row, number_col, r, result)
        if number is None:
            continue
        before = originals.get(number)
        if before is None:
            if any(v not in (None, "") for i, v in enumerate(row) if i != number_col):
                result.problems.append(Problem(f"第{r}行", "工单编号",
                    f"{number} 不是本台账上的工单（台账不能新增工单），此行未登记"))
            continue
        if number in seen:
            result.problems.append(Problem(f"第{r}行", "工单编号",
                f"与第{seen[number]}行是同一张工单 {number}，此行未登记；请只在一行中填写"))
            continue
        seen[number] = r
        changes = _row_changes(row, r, columns, before, result, formulas or set())
        if changes:
            olds = {f: before.get(f, "") for f in changes}
            key = _row_key(sheet_id, number, olds, changes)
            result.updates.append(OrderUpdate(number, f"第{r}行", changes, originals=olds,
                                              key=key))
    return result


def _row_number(row: tuple[Any, ...], col: int, r: int, result: ReadResult) -> str | None:
    raw = row[col] if col < len(row) else None
    if raw in (None, ""):
        if any(v not in (None, "") for v in row):
            result.problems.append(Problem(f"第{r}行", "工单编号", "为空，此行未登记"))
        return None
    try:
        return normalise_order_no(raw) or None
    except InvalidValueError as exc:
        result.problems.append(Problem(f"第{r}行", "工单编号", f"{exc}，此行未登记"))
        return None


def _row_changes(row: tuple[Any, ...], r: int, columns: dict[str, int],
                 before: dict[str, str], result: ReadResult,
                 formulas: set[tuple[int, int]]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for field, col in columns.items():
        value = row[col] if col < len(row) else None
        now = _text(value)
        was = before.get(field, "")
        where = f"第{r}行{get_column_letter(col + 1)}列"
        if value is None and (r, col) in formulas:
            result.problems.append(Problem(where, EDITABLE[field],
                "是公式，但没有计算结果：请直接填写内容（或在 Excel 中打开、保存后再放回），此格未处理"))
            continue
        if now == was:
            continue
        if not now:
            result.problems.append(Problem(where, EDITABLE[field],
                f"原为“{was}”，现为空（清空了，或是没有计算结果的公式）：清空不会撤销已登记的内容，"
                "此格未处理"))
            continue
        try:
            changes[field] = _validated(field, value, now)
        except InvalidValueError as exc:
            result.problems.append(Problem(where, EDITABLE[field], str(exc)))
    return changes


def _row_key(sheet: str, number: str, olds: dict[str, str], changes: dict[str, Any]) -> str:
    """One edited row of one sheet: the same edit dropped again is the same input."""
    text = json.dumps([sheet, number, olds, changes], ensure_ascii=False, sort_keys=True,
                      default=str)
    return "ledger:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _validated(field: str, value: Any, text: str) -> Any:
    if field in TIMES:
        moment = parse_datetime(value)
        if moment is None:
            raise InvalidValueError("不是日期时间")
        return moment
    if field == "result" and text not in RESULTS:
        raise InvalidValueError(f"“{text}”无法识别，应为 {'、'.join(RESULTS)}")
    if field == "satisfaction" and text not in SATISFACTION:
        raise InvalidValueError(f"“{text}”无法识别，应为 {'、'.join(SATISFACTION)}")
    return text


def _originals(ws: Any) -> dict[str, dict[str, str]]:
    rows = ws.iter_rows(values_only=True)
    header = [str(x) for x in next(rows, ())]
    out = {}
    for row in rows:
        if not row or not row[0]:
            continue
        out[str(row[0])] = {header[i]: _text(v) for i, v in enumerate(row) if i}
    return out
