"""Intake: every export shape of spec §2 read by label into normal form."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt

from pipeline.config import Limits
from pipeline.demo.samples import LAYOUTS, generate
from pipeline.errors import FileRejectedError
from pipeline.intake import read_file
from pipeline.intake.base import ReadResult
from pipeline.intake.pdf import PageContent, parse_pages
from pipeline.model import INTAKE_FIELDS
from pipeline.normalise import excel_serial_to_datetime

AS_OF = date(2026, 11, 27)
STANDARD = LAYOUTS["seed"]
ROW = {
    "order_no": "20261120000001", "caller": "李先生", "call_time": "2026-11-20 08:00:00",
    "address": "天目西路1号", "phone": "13800001111", "dispatch_time": "2026-11-20 09:05:00",
    "from_unit": "闸北区人民政府", "doc_no": "", "is_reminder": "转送单", "priority": "普通",
    "kind": "一般", "category": "投诉", "content": "来电人反映：噪声扰民。",
}


def xlsx(path: Path, rows: list[list[Any]], *, merges: list[str] = ()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def one(path: Path) -> dict[str, Any]:
    result = read_file(path, Limits())
    assert result.problems == [], [p.text() for p in result.problems]
    assert len(result.orders) == 1
    return result.orders[0].fields()


def table_with(tmp_path: Path, label: str, key: str, value: Any) -> Path:
    labels = dict(STANDARD)
    labels[key] = label
    row = dict(ROW, **{key: value})
    return xlsx(tmp_path / "t.xlsx", [list(labels.values()), [row[k] for k in labels]])


# -- the generator's truth ------------------------------------------------------------------

def test_every_generated_file_reads_back_as_meant(tmp_path: Path) -> None:
    made = generate(tmp_path, orders=40, seed=3, as_of=AS_OF)
    seen: dict[str, dict[str, Any]] = {}
    reminders = []
    for path in made.files:
        result = read_file(path, Limits())
        for order in result.orders:
            if order.is_reminder:
                reminders.append(order.order_no)
                continue
            seen[order.order_no] = order.fields()
        if path.name == made.bad_rows[0][0]:
            assert [p.location for p in result.problems] == [made.bad_rows[0][1]]
        else:
            assert result.problems == [], path.name
    assert set(seen) == set(made.orders)
    for number, truth in made.orders.items():
        assert seen[number] == truth.fields(), number
    assert sorted(reminders) == sorted(r.order_no for r in made.reminders)


# -- labels ---------------------------------------------------------------------------------

SYNONYMS = [
    ("order_no", ["工单编号", "工单号", "工单流水号", "编号"]),
    ("caller", ["来电人", "来电人姓名", "诉求人", "诉求人姓名"]),
    ("call_time", ["来电日期", "来电时间"]),
    ("address", ["述求地址", "诉求地址", "事发地址", "地址"]),
    ("phone", ["联系电话", "来电号码", "联系方式", "电话"]),
    ("dispatch_time", ["转交日期", "派单时间", "派单日期", "转办时间"]),
    ("from_unit", ["转交办公单位", "转办单位", "派单单位"]),
    ("doc_no", ["转交办文号", "文号"]),
    ("is_reminder", ["是否催单", "催单"]),
    ("priority", ["工单优先级", "优先级"]),
    ("kind", ["工单类型"]),
    ("category", ["诉求类别", "来电类别"]),
    ("content", ["来电内容", "诉求内容", "反映内容", "来电摘要"]),
]
SAMPLE_VALUES = {
    "order_no": "20261120000077", "caller": "赵女士", "call_time": "2026-11-19 18:00:00",
    "address": "长安路2号", "phone": "13900002222", "dispatch_time": "2026-11-19 19:00:00",
    "from_unit": "区城市网格化综合管理中心", "doc_no": "闸热〔2026〕8号", "is_reminder": "催单",
    "priority": "紧急", "kind": "紧急", "category": "求助", "content": "来电人求助：老人摔倒。",
}
EXPECTED = {
    "call_time": "2026-11-19T18:00:00", "dispatch_time": "2026-11-19T19:00:00",
    "is_reminder": True,
}


@pytest.mark.parametrize(("key", "label"), [(k, lab) for k, labels in SYNONYMS for lab in labels])
def test_each_synonym_is_read_by_label(tmp_path: Path, key: str, label: str) -> None:
    order = one(table_with(tmp_path, label, key, SAMPLE_VALUES[key]))
    assert order[key] == EXPECTED.get(key, SAMPLE_VALUES[key])


@pytest.mark.parametrize("decorated", ["工单编号：", " 工单编号: ", "工单编号*", "工 单 编 号",
                                       "工单编号(必填)", "ＧＤ工单编号"[2:]])
def test_label_decorations_are_ignored(tmp_path: Path, decorated: str) -> None:
    assert one(table_with(tmp_path, decorated, "order_no", "20261120000099"))["order_no"] == (
        "20261120000099")


def test_columns_in_any_order_with_title_rows_extra_columns_and_blank_rows(tmp_path: Path) -> None:
    keys = list(STANDARD)[::-1]
    rows = [
        ["“12345”市民服务热线工单导出", None, None],
        ["导出时间：2026-11-26 18:00"],
        [],
        ["序号", *[STANDARD[k] for k in keys], "办理状态", "备用"],
        [1, *[ROW[k] for k in keys], "待处理", "x"],
        [],
        [None, None],
        [2, *[dict(ROW, order_no="20261120000002")[k] for k in keys], "待处理", None],
        ["合计：2件"],
    ]
    path = xlsx(tmp_path / "t.xlsx", rows, merges=["A1:F1"])
    result = read_file(path, Limits())
    assert [o.order_no for o in result.orders] == ["20261120000001", "20261120000002"]
    assert [o.location for o in result.orders] == ["第5行", "第8行"]
    assert result.problems == []


def test_merged_data_cells_fill_every_row(tmp_path: Path) -> None:
    header = list(STANDARD.values())
    unit_col = list(STANDARD).index("from_unit") + 1
    letter = openpyxl.utils.get_column_letter(unit_col)
    rows = [header, [ROW[k] for k in STANDARD],
            [dict(ROW, order_no="20261120000002", from_unit=None)[k] for k in STANDARD]]
    path = xlsx(tmp_path / "t.xlsx", rows, merges=[f"{letter}2:{letter}3"])
    orders = read_file(path, Limits()).orders
    assert [o.from_unit for o in orders] == ["闸北区人民政府", "闸北区人民政府"]


def test_label_split_over_two_header_cells(tmp_path: Path) -> None:
    header = list(STANDARD.values())
    i = list(STANDARD).index("order_no")
    header[i:i + 1] = ["工单", "编号"]
    row = [ROW[k] for k in STANDARD]
    row[i:i + 1] = ["20261120000001", None]
    assert one(xlsx(tmp_path / "t.xlsx", [header, row]))["order_no"] == "20261120000001"


def test_repeated_header_row_and_several_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["本文件由区热线系统导出"])
    for name, number in (("第一批", "20261120000001"), ("第二批", "20261120000002")):
        sheet = wb.create_sheet(name)
        sheet.append(list(STANDARD.values()))
        sheet.append([dict(ROW, order_no=number)[k] for k in STANDARD])
        sheet.append(list(STANDARD.values()))  # header printed again at a page break
    wb.save(tmp_path / "t.xlsx")
    result = read_file(tmp_path / "t.xlsx", Limits())
    assert [o.order_no for o in result.orders] == ["20261120000001", "20261120000002"]
    assert result.orders[1].location == "工作表“第二批”第2行"


# -- values ---------------------------------------------------------------------------------

DATES = [
    (datetime(2026, 11, 20, 9, 5), "2026-11-20T09:05:00"),
    ("2026-11-20 09:05:00", "2026-11-20T09:05:00"),
    ("2026/11/20 9:05", "2026-11-20T09:05:00"),
    ("2026年11月20日 09时05分", "2026-11-20T09:05:00"),
    ("2026年11月20日", "2026-11-20T00:00:00"),
    ("2026.11.20", "2026-11-20T00:00:00"),
    ("２０２６－１１－２０　０９：０５", "2026-11-20T09:05:00"),
    (46346.37847222222, "2026-11-20T09:05:00"),
    ("46346.37847222222", "2026-11-20T09:05:00"),
    (20261120, "2026-11-20T00:00:00"),
    ("2026-11-20T09:05:07", "2026-11-20T09:05:07"),
]


@pytest.mark.parametrize(("value", "expected"), DATES, ids=[str(v) for v, _ in DATES])
def test_date_forms(tmp_path: Path, value: Any, expected: str) -> None:
    assert one(table_with(tmp_path, "派单时间", "dispatch_time", value))["dispatch_time"] == expected


def test_excel_serial_matches_excel() -> None:
    assert excel_serial_to_datetime(46346.5) == datetime(2026, 11, 20, 12, 0)
    assert excel_serial_to_datetime(45658) == datetime(2025, 1, 1)


PHONES = [
    ("13800001111", "13800001111"), ("138 0000 1111", "13800001111"),
    ("138-0000-1111", "13800001111"), ("(021)5600-1234", "02156001234"),
    ("021-56001234", "02156001234"), ("１３８００００１１１１", "13800001111"),
    ("+86 138 0000 1111", "13800001111"), ("13800001111，13900002222", "13800001111"),
    ("021-56001234转123", "02156001234"), (13800001111, "13800001111"),
    (13800001111.0, "13800001111"), ("", ""),
]


@pytest.mark.parametrize(("value", "expected"), PHONES, ids=[str(v) for v, _ in PHONES])
def test_phone_forms(tmp_path: Path, value: Any, expected: str) -> None:
    assert one(table_with(tmp_path, "联系电话", "phone", value))["phone"] == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("ＧＤ２０２６１１２０００１", "GD20261120001"), ("gd-2026-1120-001", "GD20261120001"),
    (20261120000001, "20261120000001"), (20261120000001.0, "20261120000001"),
    (" 20261120000001\t", "20261120000001"),
])
def test_order_number_forms(tmp_path: Path, value: Any, expected: str) -> None:
    assert one(table_with(tmp_path, "工单编号", "order_no", value))["order_no"] == expected


@pytest.mark.parametrize(("kind", "priority", "expected"), [
    ("一般工单", "普通", "一般"), ("紧急件", "紧急", "紧急"), ("夜间特殊工单", "紧急", "夜间特殊"),
    ("信访件", "普通", "信访"), ("", "紧急", "紧急"), ("", "普通", "一般"), (None, "加急", "紧急"),
])
def test_kind_and_priority(tmp_path: Path, kind: Any, priority: str, expected: str) -> None:
    labels = dict(STANDARD)
    row = dict(ROW, kind=kind, priority=priority)
    path = xlsx(tmp_path / "t.xlsx", [list(labels.values()), [row[k] for k in labels]])
    assert one(path)["kind"] == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("咨询", "咨询"), ("建议", "建议"), ("求助", "求助"), ("投诉", "投诉"), ("求决", "求助"),
    # the export's own word is kept; the rules give 举报 the 投诉 clock, 意见 the 建议 one
    ("举报", "举报"), ("举报类", "举报"), ("投诉举报类", "投诉"), ("意见建议类", "建议"), ("意见", "意见"),
    ("表扬", "表扬"), ("感谢", "感谢"),
])
def test_category_forms(tmp_path: Path, value: str, expected: str) -> None:
    assert one(table_with(tmp_path, "诉求类别", "category", value))["category"] == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("转送单", False), ("催单", True), ("是", True), ("否", False), ("", False), ("Y", True),
])
def test_reminder_forms(tmp_path: Path, value: str, expected: bool) -> None:
    assert one(table_with(tmp_path, "是否催单", "is_reminder", value))["is_reminder"] is expected


def test_missing_category_is_noted_not_guessed_silently(tmp_path: Path) -> None:
    result = read_file(table_with(tmp_path, "诉求类别", "category", None), Limits())
    assert result.orders[0].category == ""
    assert "按较短时限" in result.orders[0].notes[0]


def test_citizen_words_kept_exactly_but_control_characters_removed(tmp_path: Path) -> None:
    words = "  第一行：噪声\r\n第二行 <b>&amp; =1+1 {{ x }}\x0b\x07 😀\u3000"
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(STANDARD.values())
    writer.writerow([words if k == "content" else ROW[k] for k in STANDARD])
    path = tmp_path / "t.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    assert one(path)["content"] == "第一行：噪声\n第二行 <b>&amp; =1+1 {{ x }} 😀"


# -- CSV and .xls ---------------------------------------------------------------------------

def write_csv(path: Path, encoding: str, delimiter: str = ",") -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(STANDARD.values())
    writer.writerow([ROW[k] for k in STANDARD])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    order = one(write_csv(tmp_path / "t.csv", encoding))
    assert order["caller"] == "李先生" and order["content"] == "来电人反映：噪声扰民。"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    assert one(write_csv(tmp_path / "t.csv", "utf-8", delimiter))["order_no"] == "20261120000001"


def test_csv_order_number_mangled_by_excel_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    text = ",".join(STANDARD.values()) + "\n" + ",".join(
        "2.02611E+13" if k == "order_no" else str(ROW[k]) for k in STANDARD) + "\n"
    path.write_text(text, encoding="gbk")
    result = read_file(path, Limits())
    assert result.orders == []
    assert "科学计数法" in result.problems[0].text()


def test_legacy_xls_with_dates_numbers_and_a_merged_title(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工单")
    sheet.write_merge(0, 0, 0, 5, "转办工单清单")
    for c, label in enumerate(STANDARD.values()):
        sheet.write(1, c, label)
    style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for c, key in enumerate(STANDARD):
        value: Any = ROW[key]
        if key == "dispatch_time":
            sheet.write(2, c, datetime(2026, 11, 20, 9, 5), style)
            continue
        if key == "phone":
            value = 13800001111
        sheet.write(2, c, value)
    book.save(str(tmp_path / "t.xls"))
    order = one(tmp_path / "t.xls")
    assert order["dispatch_time"] == "2026-11-20T09:05:00"
    assert order["phone"] == "13800001111"


def test_xlsx_named_xls_is_read(tmp_path: Path) -> None:
    path = table_with(tmp_path, "工单编号", "order_no", "20261120000001")
    renamed = path.rename(tmp_path / "导出.xls")
    assert one(renamed)["order_no"] == "20261120000001"


# -- PDF ------------------------------------------------------------------------------------

def page(number: int, text: str) -> PageContent:
    return PageContent(number, text, [])


def test_pdf_several_orders_and_content_running_onto_the_next_page() -> None:
    pages = [
        page(1, "“12345”市民服务热线 电子工单\n工单编号：20261120000001\n来电人：李先生\n"
                "转交日期：2026-11-20 09:05:00\n来电内容：\n来电人反映：楼下商铺夜间卸货，\n"
                "噪声扰民，地址：天目西路\n第 1 页"),
        page(2, "“12345”市民服务热线 电子工单\n一号，要求处理。\n第 2 页"),
        page(3, "“12345”市民服务热线 电子工单\n工单编号：20261120000002\n来电人：王女士   "
                "联系电话：138 0000 1111\n转交日期：2026-11-21 10:00:00\n来电内容：\n咨询社区食堂。"),
    ]
    result = parse_pages(pages, "x.pdf")
    assert result.problems == []
    first, second = result.orders
    assert first.content == "来电人反映：楼下商铺夜间卸货，噪声扰民，地址：天目西路一号，要求处理。"
    assert first.location == "第1页"
    assert second.caller == "王女士" and second.phone == "13800001111"
    assert second.location == "第3页"


def test_pdf_annex2_table_layout_with_a_split_label() -> None:
    table = [
        ["来电人", "李先生", "来电日期", "2026-11-20 08:00:00"],
        ["工单", "编号", "20261120000001", None],
        ["转交日期", "2026-11-20 09:05:00", "工单优先级", "普通"],
        ["来电内容：来电人反映：\n噪声扰民。", None, None, None],
        ["承办单位处理情况：", None, None, None],
    ]
    result = parse_pages([PageContent(1, "来电人 李先生 …", [table])], "x.pdf")
    order = result.orders[0]
    assert order.order_no == "20261120000001"
    assert order.content == "来电人反映：噪声扰民。"
    assert order.caller == "李先生"


def test_pdf_missing_field_names_page_and_field() -> None:
    result = parse_pages([page(1, "工单编号：20261120000001\n来电人：李先生\n来电内容：\n噪声")],
                         "x.pdf")
    assert result.orders == []
    assert [p.text() for p in result.problems] == ["第1页“转交日期”为空，此项必填"]


def test_pdf_without_orders_is_rejected() -> None:
    with pytest.raises(FileRejectedError, match="工单编号"):
        parse_pages([page(1, "会议通知\n请各部门准时参加。")], "x.pdf")


def test_read_result_type() -> None:
    assert isinstance(parse_pages([page(1, "工单编号：AB1234\n转交日期：2026-11-20\n来电内容：x")],
                                  "x.pdf"), ReadResult)


def test_all_fields_listed_in_golden_order() -> None:
    assert list(STANDARD) == list(INTAKE_FIELDS)


def test_sample_generator_is_seeded_and_reproducible(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", orders=12, seed=9, as_of=AS_OF)
    b = generate(tmp_path / "b", orders=12, seed=9, as_of=AS_OF)
    c = generate(tmp_path / "c", orders=12, seed=10, as_of=AS_OF)
    assert {k: v.fields() for k, v in a.orders.items()} == {
        k: v.fields() for k, v in b.orders.items()}
    assert [p.name for p in a.files] == [p.name for p in b.files]
    for pa, pb in zip(a.files, b.files, strict=True):
        if pa.suffix in (".csv", ".pdf"):
            assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert set(a.orders) != set(c.orders) or [o.content for o in a.orders.values()] != [
        o.content for o in c.orders.values()]


def test_sample_command_writes_every_format(tmp_path: Path) -> None:
    from conftest import Hotline  # noqa: PLC0415

    result = Hotline(tmp_path / "home")("sample", "--orders", "30", "--into", str(tmp_path / "s"),
                                        "--as-of", "2026-11-27")
    assert result.exit_code == 0, result.output
    suffixes = {p.suffix for p in (tmp_path / "s").iterdir()}
    assert suffixes == {".xlsx", ".xls", ".csv", ".pdf"}
    assert "共 32 张工单" in result.output
