"""Whatever a file holds, a reader gives orders or a clear rejection, never a traceback."""

from __future__ import annotations

import csv
import io
import math
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Limits
from pipeline.demo.samples import LAYOUTS
from pipeline.errors import FileRejectedError
from pipeline.intake import read_file
from pipeline.intake.excel import CsvReader, XlsReader, XlsxReader
from pipeline.intake.pdf import PdfReader
from pipeline.normalise import (
    InvalidValueError,
    normalise_order_no,
    normalise_phone,
    parse_datetime,
)

LABELS = list(LAYOUTS["seed"].values())
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

cell_values = st.one_of(
    st.none(), st.text(max_size=40), st.integers(-10**15, 10**15),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2999, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2999, 1, 1)),
    st.sampled_from(["2026-11-20 09:05", "２０２６年１１月２０日", "46346.5", "催单", "紧急件",
                     "=1+1", "工单编号", "  ", "\x00\x0b", "1" * 50, float("inf"), float("nan"),
                     -1e300, 13800001111.0, 46346.5, True]),
)


def check(result_or_error: Any) -> None:
    for order in result_or_error.orders:
        assert order.order_no.isascii() and order.order_no.isalnum()
        assert order.phone == "" or order.phone.isdigit()
        datetime.fromisoformat(order.dispatch_time)


def read_bytes(data: bytes, suffix: str, reader: Any = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            result = reader.extract(path, Limits()) if reader else read_file(path, Limits())
        except FileRejectedError as exc:
            assert exc.reason
            return
        check(result)


@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".xlsx", ".xls", ".csv", ".pdf",
                                                             ".docx", ".txt", ""]))
@SETTINGS
def test_arbitrary_bytes_through_intake(data: bytes, suffix: str) -> None:
    read_bytes(data, suffix)


@given(data=st.binary(max_size=4000))
@SETTINGS
def test_arbitrary_bytes_to_each_reader_directly(data: bytes) -> None:
    for reader, suffix in ((XlsxReader(), ".xlsx"), (XlsReader(), ".xls"),
                           (CsvReader(), ".csv"), (PdfReader(), ".pdf")):
        read_bytes(data, suffix, reader)


@given(prefix=st.sampled_from([b"PK\x03\x04", b"%PDF-1.4\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
       data=st.binary(max_size=3000))
@SETTINGS
def test_plausible_headers_with_garbage_after(prefix: bytes, data: bytes) -> None:
    for suffix in (".xlsx", ".pdf", ".xls"):
        read_bytes(prefix + data, suffix)


def storable(value: Any) -> Any:
    """What openpyxl can put in a cell: no control characters, no NaN or infinity."""
    if isinstance(value, str):
        return openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if value != value else str(value)
    return value


@given(rows=st.lists(st.lists(cell_values, min_size=13, max_size=13), min_size=1, max_size=5))
@SETTINGS
def test_arbitrary_cells_under_a_valid_header_xlsx(rows: list[list[Any]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(LABELS)
    for row in rows:
        ws.append([storable(value) for value in row])
    buf = io.BytesIO()
    wb.save(buf)
    read_bytes(buf.getvalue(), ".xlsx")


@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=0, max_size=16), max_size=6),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
@SETTINGS
def test_arbitrary_cells_under_a_valid_header_csv(rows: list[list[str]], encoding: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(LABELS)
    writer.writerows(rows)
    read_bytes(buf.getvalue().encode(encoding, errors="replace"), ".csv")


@given(value=cell_values)
@SETTINGS
def test_value_parsers_raise_only_their_own_error(value: Any) -> None:
    for parse in (parse_datetime, normalise_order_no, normalise_phone):
        try:
            out = parse(value)
        except InvalidValueError as exc:
            assert str(exc)
            continue
        if parse is parse_datetime and out is not None:
            assert 2000 <= out.year <= 2100
        if parse is normalise_order_no:
            assert out == "" or (out.isascii() and out.isalnum() and out == out.upper())
        if parse is normalise_phone:
            assert out == "" or (out.isascii() and out.isdigit())


def test_list_json_shows_normal_forms(tmp_path: Path) -> None:
    import re  # noqa: PLC0415

    from conftest import AS_OF, Hotline, drop  # noqa: PLC0415

    from pipeline.demo.samples import generate  # noqa: PLC0415

    made = generate(tmp_path / "made", orders=30, seed=5, as_of=AS_OF)
    home = tmp_path / "home"
    drop(home, *made.files)
    hotline = Hotline(home)
    hotline.run()
    orders = hotline.orders()
    assert len(orders) >= 30
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
    for order in orders:
        assert re.fullmatch(r"[A-Z0-9]+", order["order_no"])
        assert re.fullmatch(r"[0-9]*", order["phone"])
        assert iso.match(order["dispatch_time"])
        assert order["call_time"] is None or iso.match(order["call_time"])
        assert order["kind"] in ("一般", "紧急", "夜间特殊", "信访")
        assert order["category"] in ("", "咨询", "建议", "求助", "投诉")
        assert isinstance(order["is_reminder"], bool)
