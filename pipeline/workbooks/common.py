"""Shared by every workbook: safe text cells, light fills, print setup, atomic publishing."""

from __future__ import annotations

import datetime as dt
import errno
import gc
import os
import struct
import sys
import traceback
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from pipeline.deadlines.clocks import Light
from pipeline.safety import faults
from pipeline.safety.files import temporary_files_in, write_with

try:  # openpyxl streams through lxml when it is there (python-docx brings it)
    from lxml.etree import SerialisationError
except ImportError:  # pragma: no cover - openpyxl's own writer raises OSError itself
    SerialisationError = OSError  # type: ignore[assignment,misc]

MARKER = "hotline_workbook"

# A light's cell: its colour and, always, its word (a black-and-white printer keeps the word
# and a distinct grey: pale for 预警 and 黄灯, dark with white text for 红灯 and 超时).
LIGHT_FILLS = {
    Light.WARNING.value: PatternFill("solid", fgColor="FFF2CC"),
    Light.YELLOW.value: PatternFill("solid", fgColor="FFD966"),
    Light.RED.value: PatternFill("solid", fgColor="FF0000"),
    Light.OVERDUE.value: PatternFill("solid", fgColor="C00000"),
}
LIGHT_FONTS = {
    Light.WARNING.value: Font(name="宋体", size=10, bold=True),
    Light.YELLOW.value: Font(name="宋体", size=10, bold=True),
    Light.RED.value: Font(name="宋体", size=10, color="FFFFFF", bold=True),
    Light.OVERDUE.value: Font(name="宋体", size=10, color="FFFFFF", bold=True),
}
# The rest of a row whose running clock calls for 督办: a pale tint, light grey on paper, so
# that the text stays readable in colour and in black and white.
ROW_TINTS = {
    Light.YELLOW.value: PatternFill("solid", fgColor="FFF2CC"),
    Light.RED.value: PatternFill("solid", fgColor="FCE4D6"),
    Light.OVERDUE.value: PatternFill("solid", fgColor="F8CBAD"),
}
# A clock closed late is marked, not alarmed: its outcome in dark red bold, no fill.
LATE_FONT = Font(name="宋体", size=10, color="C00000", bold=True)
# A step never recorded (未登记先行联系): a data-quality mark, not a delay.
UNRECORDED_FONT = Font(name="宋体", size=10, color="7F6000", bold=True, italic=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
EDITABLE_FILL = PatternFill("solid", fgColor="E2EFDA")
BODY_FONT = Font(name="宋体", size=10)
HEADER_FONT = Font(name="黑体", size=10, bold=True)
TITLE_FONT = Font(name="黑体", size=14, bold=True)
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
MIDDLE = Alignment(vertical="center")  # a list's rows: every cell centred on the line
WRAP_MIDDLE = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

# Excel reads a leading = + - @ as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@")


def looks_like_formula(value: object) -> bool:
    """Text Excel would take for a formula when the clerk edits the cell."""
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def safe_value(value: Any) -> Any:
    """Strings cleaned of what Excel forbids; dates and numbers as they are."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


# openpyxl hashes a style object every time one is set on a cell: for a 10,000-row ledger
# that is most of the time spent. Each combination is worked out once per workbook (the
# cache lives on the workbook) and its style array copied onto the next cells, which is
# what openpyxl's own cells hold.
def _style_for(ws: Any, key: tuple[Any, ...], objects: tuple[Any, ...]) -> StyleArray:
    wb = ws.parent
    cache: dict[tuple[Any, ...], tuple[StyleArray, tuple[Any, ...]]] = wb.__dict__.setdefault(
        "_hotline_styles", {})
    hit = cache.get(key)
    if hit is None:
        font, fill, align = objects
        _, _, _, border, number_format, quote = key
        probe = WriteOnlyCell(ws)
        probe.font = font
        if fill is not None:
            probe.fill = fill
        if align is not None:
            probe.alignment = align
        if border:
            probe.border = BORDER
        if number_format:
            probe.number_format = number_format
        if quote:
            probe.quotePrefix = True
        # the objects ride along so that their ids cannot be reused while cached
        hit = (StyleArray(probe._style), objects)
        cache[key] = hit
    return hit[0]


def text_cell(ws: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
              align: Alignment | None = None, border: bool = True,
              number_format: str | None = None) -> WriteOnlyCell:
    """A cell whose text is always text: citizen words never become a formula."""
    cell = WriteOnlyCell(ws, value=safe_value(value))
    quote = False
    if isinstance(value, str):
        cell.data_type = "s"
        # Excel keeps it text when the clerk edits the cell.
        quote = looks_like_formula(value)
    # Keyed by identity: the styles are this module's constants (hashing them is the cost).
    font = font or BODY_FONT
    key = (id(font), id(fill), id(align), border, number_format, quote)
    cell._style = StyleArray(_style_for(ws, key, (font, fill, align)))
    return cell


def new_workbook(kind: str) -> Workbook:
    wb = Workbook(write_only=True)
    wb.custom_doc_props.append(StringProperty(name=MARKER, value=kind))
    return wb


def fixed_times(wb: Workbook, as_of: dt.date) -> None:
    """Same inputs, same workbook: the document's own times are the run date."""
    moment = dt.datetime.combine(as_of, dt.time())
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = "hotline"


def save(wb: Workbook, path: Path) -> None:
    """Save, with every part of the zip dated the workbook's own time: the same inputs give
    the same bytes. (openpyxl dates each sheet by the temporary file it spooled it to.)"""
    faults.checkpoint("workbook_save")  # every sheet spooled, the zip not yet written
    wb.save(path)
    moment = wb.properties.modified or dt.datetime(2026, 1, 1)
    stamp_zip(path, moment)


def stamp_zip(path: Path, moment: dt.datetime) -> None:
    """Set every member's date in a zip's local and central headers, in place."""
    dos_time = (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2)
    dos_date = ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day
    packed = struct.pack("<HH", dos_time, dos_date)
    with zipfile.ZipFile(path) as zf:
        offsets = [info.header_offset for info in zf.infolist()]
        central = zf.start_dir
    with path.open("r+b") as fh:
        for offset in offsets:
            fh.seek(offset + 10)  # local header: signature, version, flags, method, time, date
            fh.write(packed)
        fh.seek(central)
        directory = bytearray(fh.read())
        at = 0
        while directory[at:at + 4] == b"PK\x01\x02":
            directory[at + 12:at + 16] = packed
            names, extra, comment = struct.unpack("<HHH", directory[at + 28:at + 34])
            at += 46 + names + extra + comment
        fh.seek(central)
        fh.write(directory)


def setup_sheet(ws: Any, widths: Sequence[float], *, header_row: int, landscape: bool = True,
                last_col: int | None = None, rows: int = 0, filters: bool = True) -> None:
    """Widths, frozen header, filters, and a print layout that fits the page width."""
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    last = get_column_letter(last_col or len(widths))
    if filters:
        ws.auto_filter.ref = f"A{header_row}:{last}{max(header_row + rows, header_row + 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def print_layout(ws: Any, *, columns: int, rows: int, header_row: int,
                 landscape: bool = True) -> None:
    """What prints on A4: columns 1..`columns` of every row (the screen keeps the rest),
    the title and header rows on every page, page numbers in the footer."""
    last = get_column_letter(columns)
    ws.print_area = f"A1:{last}{max(rows, header_row)}"
    ws.print_title_rows = f"1:{header_row}"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9


def tall_rows(ws: Any, first: int, count: int, height: float) -> None:
    """Rows high enough for wrapped text (LibreOffice and Excel do not grow them when they
    open a generated file); set before the rows are written."""
    for row in range(first, first + count):
        ws.row_dimensions[row].height = height


def append_tall(ws: Any, number: int, cells: list[Any], height: float) -> None:
    """Append row `number` (the next one) as tall as `tall_rows` makes it, holding its height
    only while it is written: a sheet of a hundred thousand rows keeps none of them."""
    ws.row_dimensions[number].height = height
    ws.append(cells)
    del ws.row_dimensions[number]


def publish(target: Path, staging: Path, writer: Callable[[Path], None]) -> Path:
    """Write a workbook atomically; beside the old one if Excel holds that one open.

    openpyxl spools each sheet of a write-only workbook to a temporary file holding every
    cell's text (names, phones, complaints): those go to the home's staging folder, where
    the next start removes what a killed run left, never to the system's temporary folder."""

    def spooled(tmp: Path) -> None:
        with temporary_files_in(staging):
            try:
                writer(tmp)
            except SerialisationError as exc:  # lxml's words for a full disk
                _let_go_of_spools(exc)
                code = errno.ENOSPC if "ENOSPC" in str(exc) else errno.EIO
                raise OSError(code, f"{os.strerror(code)} ({exc})") from None
            except OSError as exc:  # the zip itself could not be written: the same quiet end
                _let_go_of_spools(exc)
                raise OSError(exc.errno, exc.strerror) from None

    return write_with(target, staging, spooled, beside_if_locked=True)


def _let_go_of_spools(exc: BaseException) -> None:
    """Drop the half-written workbook now, quietly: its spool writers fail again when they
    are collected (the disk is still full), which Python would print as a traceback."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook
