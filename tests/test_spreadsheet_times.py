"""Times from spreadsheets: rounding absorbs float noise only and never crosses midnight
(an Excel time of 2026-10-09 23:59:59.600 is dispatched on 10-09, not 10-10)."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import xlwt
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import Limits
from pipeline.deadlines.clocks import DeadlineCalculator
from pipeline.deadlines.rules import load_rules
from pipeline.deadlines.workdays import WorkCalendar
from pipeline.demo.samples import LAYOUTS
from pipeline.intake import read_file
from pipeline.normalise import excel_serial_to_datetime, parse_datetime, round_to_second

LATE = datetime(2026, 10, 9, 23, 59, 59, 600_000)
LABELS = LAYOUTS["seed"]
ROW = {
    "order_no": "20261009000001", "caller": "周先生", "call_time": "2026-10-09 23:50:00",
    "address": "共和新路2号", "phone": "13800002222", "dispatch_time": "",
    "from_unit": "闸北区人民政府", "doc_no": "", "is_reminder": "转送单", "priority": "紧急",
    "kind": "紧急", "category": "求助", "content": "来电人反映：楼道漏水，水已流进电梯井。",
}
SERIAL = (LATE - datetime(1899, 12, 30)) / timedelta(days=1)


def _rows(dispatch: Any) -> list[list[Any]]:
    row = dict(ROW, dispatch_time=dispatch)
    return [list(LABELS.values()), [row[k] for k in LABELS]]


def _dispatch(path: Path) -> str:
    result = read_file(path, Limits())
    assert result.problems == [], [p.text() for p in result.problems]
    return result.orders[0].fields()["dispatch_time"]


def test_xlsx_time_just_before_midnight_stays_on_its_day(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in _rows(LATE):
        wb.active.append(row)
    wb.save(tmp_path / "十月.xlsx")
    assert _dispatch(tmp_path / "十月.xlsx") == "2026-10-09T23:59:59"


def test_xls_time_just_before_midnight_stays_on_its_day(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("工单")
    style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for r, row in enumerate(_rows(LATE)):
        for c, value in enumerate(row):
            sheet.write(r, c, value, style if isinstance(value, datetime) else xlwt.Style.default_style)
    book.save(str(tmp_path / "十月.xls"))
    assert _dispatch(tmp_path / "十月.xls") == "2026-10-09T23:59:59"


def test_csv_serial_just_before_midnight_stays_on_its_day(tmp_path: Path) -> None:
    path = tmp_path / "十月.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(_rows(repr(SERIAL)))
    assert _dispatch(path) == "2026-10-09T23:59:59"


def test_the_urgent_red_day_stays_on_the_make_up_saturday() -> None:
    dispatched = parse_datetime(SERIAL)
    assert dispatched == datetime(2026, 10, 9, 23, 59, 59)
    calc = DeadlineCalculator(WorkCalendar(), load_rules())
    handling = calc.compute("紧急", "求助", dispatched.date()).handling
    assert handling is not None and handling.red == date(2026, 10, 10)  # 调休上班的周六


def test_float_noise_is_absorbed() -> None:
    assert excel_serial_to_datetime(46346.37847222222) == datetime(2026, 11, 20, 9, 5)
    assert round_to_second(datetime(2026, 11, 20, 9, 4, 59, 999_000)) == datetime(2026, 11, 20, 9, 5)
    assert round_to_second(datetime(2026, 11, 20, 9, 5, 0, 400)) == datetime(2026, 11, 20, 9, 5)
    assert round_to_second(datetime(2026, 11, 20, 9, 4, 59, 600_000)) == datetime(2026, 11, 20, 9, 4, 59)


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31))
noise = st.integers(min_value=-1000, max_value=1000)


@given(moments)
def test_rounding_never_changes_the_day(moment: datetime) -> None:
    rounded = round_to_second(moment)
    assert rounded.date() == moment.date()
    assert rounded.microsecond == 0
    assert abs(rounded - moment) < timedelta(seconds=1)


@given(moments, noise)
def test_a_whole_second_with_noise_comes_back(moment: datetime, micro: int) -> None:
    whole = moment.replace(microsecond=0)
    noisy = whole + timedelta(microseconds=micro)
    expected = whole if noisy.date() == whole.date() else whole - timedelta(seconds=1)
    assert round_to_second(noisy) == expected
