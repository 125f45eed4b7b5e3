"""`--from-file`: many orders at once for a stage verb, from a CSV or .xlsx whose header row
names 工单编号 and the verb's values (承办部门, 联系时间, 办理结果 …)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.config import Limits
from pipeline.errors import FileRejectedError, HotlineError
from pipeline.intake.excel import decode_text
from pipeline.intake.labels import normalise_label
from pipeline.intake.zipguard import check_zip
from pipeline.normalise import clean_text

# The column labels a file may use, per value (the first is the one the help shows).
COLUMNS: dict[str, tuple[str, ...]] = {
    "order": ("工单编号", "工单号", "编号"),
    "department": ("承办部门", "部门"),
    "instruction": ("批示", "领导批示"),
    "at": ("时间", "联系时间", "办结时间", "回访时间", "结案时间"),
    "note": ("情况", "联系情况", "回访情况", "备注", "审批意见"),
    "result": ("办理结果", "是否解决", "结果"),
    "notes": ("处理情况", "承办单位处理情况"),
    "handler": ("经办人",),
    "phone": ("经办人电话", "电话"),
    "satisfaction": ("满意度",),
    "days": ("延期天数", "天数"),
    "reason": ("理由", "延期理由", "申请理由"),
    "approved": ("审批结果",),
    "direct": ("街道直接答复", "答复人"),
}
_INDEX = {normalise_label(label): key for key, labels in COLUMNS.items() for label in labels}


def _guard(path: Path, limits: Limits) -> None:
    """The inbox's size guards: a file too large, or a zip that would inflate past the limits
    (a 1 MB "xlsx" that unpacks to gigabytes), is refused before any parser sees it."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise HotlineError(
            f"文件 {path.name} 太大（{size / 1024 / 1024:.1f} MB，上限 "
            f"{limits.max_file_bytes / 1024 / 1024:.0f} MB），未登记任何一行。")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            check_zip(path, limits, "Excel 文件").close()
        except FileRejectedError as exc:
            raise HotlineError(f"文件 {path.name}：{exc.reason}未登记任何一行。") from exc


def _rows_of(path: Path) -> list[list[Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl  # noqa: PLC0415

        with path.open("rb") as fh:
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
        return rows
    if path.suffix.lower() in (".csv", ".txt"):
        text = decode_text(path.read_bytes())
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    raise HotlineError(f"--from-file 只接受 .csv 或 .xlsx 文件，而不是“{path.suffix}”。")


def read_batch_file(path: Path, limits: Limits | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, values) per data row; values keyed as in COLUMNS."""
    if not path.is_file():
        raise HotlineError(f"找不到文件 {path}。")
    _guard(path, limits or Limits())
    rows = _rows_of(path)
    for number, row in enumerate(rows, 1):
        keys = [_INDEX.get(normalise_label(cell)) if cell is not None else None for cell in row]
        if "order" in keys:
            header, start = keys, number
            break
    else:
        raise HotlineError(f"文件 {path.name} 中找不到“工单编号”列。第一行应为表头，如：工单编号,承办部门。")
    for number, row in enumerate(rows[start:], start + 1):
        values = {k: v for k, v in zip(header, row, strict=False) if k and v not in (None, "")}
        if any(clean_text(v) for v in values.values()):  # a row without its number is reported
            yield number, values
