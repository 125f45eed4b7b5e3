"""Spreadsheet readers: .xlsx (openpyxl, read-only), legacy .xls (xlrd), .csv (GBK/UTF-8)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake.base import FileInfo, ReadResult, field_problems
from pipeline.intake.labels import Vocabulary, shipped_vocabulary
from pipeline.intake.recipe import header_recipe, no_header_recipe
from pipeline.intake.record import Context, normalise_record
from pipeline.intake.table import Header, NoHeaderError, find_header, records
from pipeline.intake.zipguard import check_zip

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Custom document properties that mark the files this software writes.
LEDGER_MARKER = b"hotline_workbook"
FORM_MARKER = b"hotline_form"

Rows = list[tuple[int, Sequence[Any]]]


def rows_to_result(sheets: list[tuple[str, Rows]], source: str,
                   vocab: Vocabulary | None = None) -> ReadResult:
    """Find each sheet's header and normalise its records; a file needs one table at least.

    A table whose header lacks a column every order needs (工单编号, 派单时间, 来电内容) is
    refused as a whole, with a recipe: what was found, what is needed, what to add."""
    vocab = vocab or shipped_vocabulary()
    result = ReadResult()
    reasons: list[str] = []
    found = False
    named = len(sheets) > 1
    for title, rows in sheets:
        try:
            header = find_header(rows, vocab)
        except NoHeaderError as exc:
            reasons.append(_no_header(exc, rows, vocab, title if named else ""))
            continue
        if header.missing():
            raise FileRejectedError(header_recipe(header, vocab, sheet=title if named else ""))
        found = True
        _sheet_orders(result, rows, header, vocab, source, title if named else "")
    if not found:
        first, *rest = "\n".join(reasons).split("\n")
        raise FileRejectedError("\n".join([
            f"文件中没有找到工单表格：{first}", *rest,
            "请确认这是区热线系统导出的工单文件，表头含有“工单编号”等栏目。"]))
    return result


def _no_header(exc: NoHeaderError, rows: Rows, vocab: Vocabulary, sheet: str) -> str:
    if exc.best is not None:
        return header_recipe(exc.best, vocab, sheet=sheet)
    texts = [[str(c).strip() for c in cells if isinstance(c, str)] for _, cells in rows[:30]]
    hints = no_header_recipe(texts, vocab)
    reason = f"工作表“{sheet}”：{exc.reason}。" if sheet else f"{exc.reason}。"
    return "\n".join([reason, *hints])


def _sheet_orders(result: ReadResult, rows: Rows, header: Header, vocab: Vocabulary,
                  source: str, sheet: str) -> None:
    for record in records(rows, header, vocab):
        where = f"工作表“{sheet}”第{record.row_number}行" if sheet else f"第{record.row_number}行"
        context = Context(source, where, record.extras, record.kept, header.stand_in)
        order, problems = normalise_record(record.values, source=source, location=where,
                                           vocab=vocab, context=context)
        if order is not None:
            result.orders.append(order)
        result.problems.extend(field_problems(where, problems))


def _fill_merged(rows: Rows, merges: Iterable[tuple[int, int, int, int]]) -> Rows:
    """Copy each merged range's top-left value into all its cells (1-based, inclusive)."""
    grid = {number: list(cells) for number, cells in rows}
    for min_row, min_col, max_row, max_col in merges:
        top = grid.get(min_row)
        if top is None or min_col - 1 >= len(top):
            continue
        value = top[min_col - 1]
        for r in range(min_row, max_row + 1):
            cells = grid.setdefault(r, [])
            if len(cells) < max_col:
                cells.extend([None] * (max_col - len(cells)))
            for c in range(min_col, max_col + 1):
                if cells[c - 1] is None:
                    cells[c - 1] = value
    return sorted(grid.items())


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")


class TableReader:
    """A reader of tables, with the vocabulary its labels and values are read by."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or shipped_vocabulary()


class XlsxReader(TableReader):
    """Excel 2007+ workbooks, read in openpyxl's read-only (streaming) mode."""

    name: ClassVar[str] = "Excel 工作簿（.xlsx）"

    def identify(self, info: FileInfo) -> bool:
        return (
            info.head.startswith(ZIP_MAGIC)
            and "xl/workbook.xml" in info.members
            and not info.has_marker(LEDGER_MARKER)  # our own 台账 comes back another way
        )

    def extract(self, path: Path, limits: Limits) -> ReadResult:
        archive = check_zip(path, limits, "Excel 文件")
        archive.close()
        # A file object, not a name: systems often call an .xlsx ".xls", and openpyxl
        # refuses by name.
        with path.open("rb") as fh:
            return self._read(path, fh)

    def _read(self, path: Path, fh: Any) -> ReadResult:
        import openpyxl  # noqa: PLC0415

        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:
            raise FileRejectedError(
                f"Excel 文件无法打开（{type(exc).__name__}: {exc}）。"
                "请用 Excel 或 WPS 打开确认，另存为 .xlsx 后再放入收件箱。"
            ) from exc
        try:
            sheets = []
            with zipfile.ZipFile(path) as zf:
                for ws in wb.worksheets:
                    ws.reset_dimensions()  # exporters often write a wrong <dimension>
                    rows: Rows = [
                        (i, cells) for i, cells in enumerate(ws.iter_rows(values_only=True), 1)
                    ]
                    merges = self._merges(zf, getattr(ws, "_worksheet_path", ""))
                    if merges:
                        rows = _fill_merged(rows, merges)
                    sheets.append((ws.title, rows))
        finally:
            wb.close()
        return rows_to_result(sheets, path.name, self.vocab)

    @staticmethod
    def _merges(zf: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
        if not member:
            return []
        try:
            data = zf.read(member.lstrip("/"))
        except KeyError:
            return []
        return [
            (int(r1), _col_index(c1.decode()), int(r2), _col_index(c2.decode()))
            for c1, r1, c2, r2 in _MERGE_RE.findall(data)
        ]


class XlsReader(TableReader):
    """Legacy Excel 97–2003 workbooks (BIFF), still what many district systems export."""

    name: ClassVar[str] = "Excel 97-2003 工作簿（.xls）"

    def identify(self, info: FileInfo) -> bool:
        return info.head.startswith(OLE_MAGIC) and info.suffix == ".xls"

    def extract(self, path: Path, limits: Limits) -> ReadResult:
        import xlrd  # noqa: PLC0415

        data = path.read_bytes()
        try:
            try:
                book = xlrd.open_workbook(file_contents=data, formatting_info=True,
                                          on_demand=True)
            except (NotImplementedError, xlrd.XLRDError, AssertionError):
                book = xlrd.open_workbook(file_contents=data, on_demand=True)
        except xlrd.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise FileRejectedError(
                    "Excel 文件设置了打开密码，无法读取。请在 Excel 中取消密码后另存，再放入收件箱。"
                ) from exc
            raise FileRejectedError(
                f"旧版 Excel 文件（.xls）无法读取（{exc}）。请用 Excel 或 WPS 打开后另存为 .xlsx。"
            ) from exc
        except Exception as exc:
            raise FileRejectedError(
                f"旧版 Excel 文件（.xls）已损坏（{type(exc).__name__}）。请重新导出或另存为 .xlsx。"
            ) from exc
        sheets = []
        try:
            for index in range(book.nsheets):
                sheet = book.sheet_by_index(index)
                rows: Rows = []
                for r in range(sheet.nrows):
                    rows.append((r + 1, [self._value(book, c) for c in sheet.row(r)]))
                merges = [
                    (rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells
                ]
                if merges:
                    rows = _fill_merged(rows, merges)
                sheets.append((sheet.name, rows))
        finally:
            book.release_resources()
        return rows_to_result(sheets, path.name, self.vocab)

    @staticmethod
    def _value(book: Any, cell: Any) -> Any:
        import xlrd  # noqa: PLC0415

        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
            except (ValueError, xlrd.xldate.XLDateError):
                return cell.value
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if cell.ctype == xlrd.XL_CELL_ERROR:
            return None
        return cell.value


def decode_text(data: bytes) -> str:
    """CSV text as Chinese Excel saves it: UTF-8 (with or without BOM), UTF-16, or GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileRejectedError(
            "CSV 文件的文字编码无法识别（既不是 UTF-8，也不是 GBK/GB18030）。"
            "请用 Excel 打开后“另存为” .xlsx 再放入收件箱。"
        ) from exc


class CsvReader(TableReader):
    """Comma- (or tab-, semicolon-) separated text, as Chinese Excel saves it."""

    name: ClassVar[str] = "CSV 文本表格（.csv）"

    def identify(self, info: FileInfo) -> bool:
        return info.suffix in {".csv", ".tsv"} and not info.head.startswith(
            (ZIP_MAGIC, OLE_MAGIC, b"%PDF")
        )

    def extract(self, path: Path, limits: Limits) -> ReadResult:
        text = decode_text(path.read_bytes())
        if "\x00" in text:
            raise FileRejectedError("CSV 文件中含有二进制内容，不是文本表格。请核实文件。")
        sample = "\n".join(text.splitlines()[:20])
        delimiter = max([",", "\t", ";"], key=sample.count)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows: Rows = [(i, row) for i, row in enumerate(reader, 1)]
        except csv.Error as exc:
            raise FileRejectedError(f"CSV 文件格式有误（{exc}）。请用 Excel 打开后另存。") from exc
        result = rows_to_result([("CSV", rows)], path.name, self.vocab)
        for problem in result.problems:
            if problem.field == "工单编号" and "E+" in problem.message.upper():
                problem.message += (
                    "：Excel 把长编号改成了科学计数法，原编号已丢失。请从区热线系统重新导出，"
                    "或把该列设为“文本”格式后再保存"
                )
        return result
