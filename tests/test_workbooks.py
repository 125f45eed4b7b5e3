"""The 台账, the 督办日报 and the 绩效考核: lights as list --json gives them, text that stays
text, phones masked where the workbook circulates, and the 台账 round trip."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import AS_OF, Hotline, drop

from pipeline.demo.samples import _table, generate, write_xlsx
from pipeline.model import IncomingOrder
from pipeline.text import mask_phone

DAY = AS_OF.isoformat()
CHASE = ("黄灯", "红灯", "超时")


def sheet_rows(path: Path, sheet: int | str = 0, header_row: int = 3) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    header = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1):
        values = {h: c for h, c in zip(header, row, strict=False) if h}
        if values.get("工单编号") is not None and values["工单编号"].value:
            out.append(values)
    return out


@pytest.fixture
def night(tmp_path: Path, scenario_clock: object) -> tuple[Path, Hotline]:
    made = generate(tmp_path / "made", orders=30, seed=12, as_of=AS_OF)
    home = tmp_path / "home"
    drop(home, *made.files)
    hotline = Hotline(home)
    hotline.run()
    # some orders get handled so that lights differ
    orders = hotline.orders()
    hotline("assign", orders[0]["order_no"], orders[1]["order_no"], "城管中队")
    hotline("contact", orders[0]["order_no"], "--at", orders[0]["dispatch_time"])
    hotline("handle", orders[1]["order_no"], "--result", "解释说明", "--at",
            orders[1]["dispatch_time"])
    hotline.run()
    return home, hotline


def clock_word(light: str, outcome: dict[str, Any] | None) -> str:
    """What a person reads for a clock: the light while it runs, else its outcome."""
    return light if outcome is None else outcome["text"]


def test_ledger_shows_lights_of_running_clocks_and_outcomes_of_closed_ones(
        night: tuple[Path, Hotline]) -> None:
    home, hotline = night
    listed = {o["order_no"]: o for o in hotline.orders()}
    rows = sheet_rows(home / "outbox" / DAY / f"工单台账-{DAY}.xlsx")
    assert {r["工单编号"].value for r in rows} == set(listed)
    tinted = 0
    for row in rows:
        order = listed[row["工单编号"].value]
        assert row["办理"].value == clock_word(order["light"], order["outcome"])
        assert row["先行联系"].value == clock_word(order["first_contact_light"],
                                                 order["first_contact_outcome"])
        assert row["联系电话"].value == order["phone"]  # the 台账 keeps phones for calling back
        number_fill = row["工单编号"].fill
        if order["needs_supervision"]:
            tinted += 1
            assert number_fill.fill_type == "solid"
        else:
            assert number_fill.fill_type is None, row["工单编号"].value
        # the light's word is in its cell, coloured only while the clock runs
        if order["outcome"] is not None:
            assert row["办理"].fill.fill_type is None
        # editable cells stay green on every row
        for header in ("承办部门", "先行联系时间", "办理结果", "满意度"):
            assert row[header].fill.fgColor.rgb == "00E2EFDA", (header, row["工单编号"].value)
    assert tinted > 0
    contacted = listed[hotline.orders()[0]["order_no"]]
    assert contacted["first_contact_outcome"]["text"] == "按时"


def test_ledger_prints_the_leaders_columns_on_a4(night: tuple[Path, Hotline]) -> None:
    home, _ = night
    ws = openpyxl.load_workbook(home / "outbox" / DAY / f"工单台账-{DAY}.xlsx").active
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref.startswith("A3:")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert ws.print_title_rows == "$1:$3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    area = str(ws.print_area)
    assert area.endswith(f"$A$1:$J${ws.max_row}"), area
    printed = [c.value for c in ws[3]][:10]
    assert printed == ["工单编号", "派单时间", "类型", "内容摘要", "承办部门", "先行联系", "办理",
                       "红灯日", "状态", "催单"]
    assert len([c for c in ws[3] if c.value]) > 20  # the full columns stay for the screen


def test_supervision_list_holds_exactly_the_running_yellow_red_overdue(
        night: tuple[Path, Hotline]) -> None:
    home, hotline = night
    expected = set()
    for order in hotline.orders():
        handling_runs = order["status"] in ("待分派", "办理中")
        contact_runs = handling_runs and order["first_contact_at"] is None
        if (handling_runs and order["light"] in CHASE) or (
                contact_runs and order["first_contact_light"] in CHASE):
            expected.add(order["order_no"])
            assert order["needs_supervision"]
        else:
            assert not order["needs_supervision"]
    rows = sheet_rows(home / "outbox" / DAY / f"督办日报-{DAY}.xlsx")
    assert {r["工单编号"].value for r in rows} == expected
    assert expected
    for row in rows:
        assert row["灯"].value in CHASE
        phone = row["联系电话"].value
        assert "****" in phone or phone == ""


def test_supervision_is_grouped_by_department(night: tuple[Path, Hotline]) -> None:
    home, _ = night
    rows = sheet_rows(home / "outbox" / DAY / f"督办日报-{DAY}.xlsx")
    departments = [r["承办部门"].value for r in rows]
    seen: list[str] = []
    for d in departments:
        if not seen or seen[-1] != d:
            assert d not in seen, "a department appears in two places"
            seen.append(d)
    assert seen[-1] == "（未分派）"


# -- text stays text ----------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\",\"点我\")", "+86-1", "-1+1", "@SUM(A1)"]


def test_formula_like_text_is_text_in_every_workbook(tmp_path: Path) -> None:
    orders = [
        IncomingOrder(order_no=f"2026112000000{i}", dispatch_time="2026-11-02T09:00:00",
                      content=text, caller=text, address=text, phone="13800001111",
                      kind="一般", category="投诉")
        for i, text in enumerate(FORMULAS)
    ]
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "公式.xlsx"
    rows = _table(orders, "seed", "iso", random.Random(0), extra=False)
    write_xlsx(path, rows)
    # openpyxl would store these as formulas: force the input cells to text
    book = openpyxl.load_workbook(path)
    for row in book.active.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value in FORMULAS:
                cell.data_type = "s"
    book.save(path)
    home = tmp_path / "home"
    drop(home, path)
    hotline = Hotline(home)
    assert hotline.run().exit_code == 0
    hotline("exclude", "20261120000000", "--reason", "=1+1 恶意投诉")
    hotline("decide", "20261120000000", "--approved")
    hotline("assess", "--month", "2026-11", "--as-of", DAY)
    out = home / "outbox" / DAY
    checked = 0
    for name, sheet, header in ((f"工单台账-{DAY}.xlsx", 0, 3), (f"督办日报-{DAY}.xlsx", 0, 3),
                                ("绩效考核-2026-11.xlsx", "不纳入考核", 2)):
        for row in sheet_rows(out / name, sheet, header):
            for cell in row.values():
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s", (name, cell.coordinate, cell.value)
                    checked += 1
    assert checked >= 10
    raw = (out / f"工单台账-{DAY}.xlsx").read_bytes()
    assert b"<f>" not in raw  # no formula element anywhere


# -- assessment -----------------------------------------------------------------------------

MONTH_ORDERS = [
    # number, kind, category, dispatched
    ("A0000001", "一般", "投诉", "2026-11-02T09:00:00"),
    ("B0000002", "一般", "咨询", "2026-11-02T10:00:00"),
    ("C0000003", "紧急", "求助", "2026-11-05T15:00:00"),
    ("D0000004", "一般", "求助", "2026-11-10T09:00:00"),
    ("E0000005", "一般", "投诉", "2026-11-12T09:00:00"),
    ("F0000006", "一般", "建议", "2026-11-16T09:00:00"),
    ("G0000007", "一般", "投诉", "2026-10-30T09:00:00"),  # October: not in the month
]


def month_file(folder: Path) -> Path:
    orders = [IncomingOrder(order_no=n, kind=k, category=c, dispatch_time=t,
                            content=f"工单{n}的内容", caller="某先生", phone="13800001111")
              for n, k, c, t in MONTH_ORDERS]
    orders.append(IncomingOrder(order_no="D0000004", kind="一般", category="求助",
                                dispatch_time="2026-11-20T09:00:00", content="催办",
                                is_reminder=True))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "十一月.xlsx"
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(0), extra=False))
    return path


def scripted_month(tmp_path: Path) -> Hotline:
    home = tmp_path / "home"
    drop(home, month_file(tmp_path / "in"))
    h = Hotline(home)
    assert h.run(date(2026, 11, 27)).exit_code == 0
    steps = [
        ("assign", "A0000001", "B0000002", "北站派出所"),
        ("assign", "C0000003", "D0000004", "城管中队"),
        ("assign", "E0000005", "F0000006", "房管办"),
        ("contact", "A0000001", "--at", "2026-11-03 09:00"),
        ("contact", "B0000002", "--at", "2026-11-04 09:00"),
        ("contact", "C0000003", "--at", "2026-11-05 16:00"),
        ("contact", "E0000005", "--at", "2026-11-13 09:00"),
        ("handle", "A0000001", "--result", "实际解决", "--at", "2026-11-20 10:00"),
        ("handle", "B0000002", "--result", "解释说明", "--at", "2026-11-10 10:00"),
        ("handle", "C0000003", "--result", "实际解决", "--at", "2026-11-06 10:00"),
        ("handle", "E0000005", "--result", "未解决", "--at", "2026-11-20 10:00"),
        ("visit", "A0000001", "--satisfaction", "满意", "--at", "2026-11-21 10:00"),
        ("visit", "B0000002", "--satisfaction", "基本满意", "--at", "2026-11-11 10:00"),
        ("visit", "E0000005", "--satisfaction", "不满意", "--at", "2026-11-21 10:00"),
        ("handle", "E0000005", "--result", "实际解决", "--at", "2026-11-25 10:00"),
        ("visit", "E0000005", "--satisfaction", "满意", "--at", "2026-11-26 10:00"),
        ("close", "A0000001", "--at", "2026-11-22 10:00"),
        ("exclude", "F0000006", "--reason", "涉诉"),
        ("decide", "F0000006", "--approved"),
    ]
    for step in steps:
        result = h(*step)
        assert result.exit_code == 0, (step, result.output)
    return h


def test_assessment_against_a_hand_computed_month(tmp_path: Path, scenario_clock: object) -> None:
    h = scripted_month(tmp_path)

    figures = h.json("assess", "--month", "2026-11", "--as-of", "2026-12-31")

    t = figures["total"]
    assert (t["received"], t["excluded"], t["counted"]) == (6, 1, 5)
    assert (t["contact_due"], t["contact_on_time"], t["contact_rate"]) == (5, 3, 0.6)
    assert (t["handling_due"], t["handled_on_time"], t["on_time_rate"]) == (5, 3, 0.6)
    assert t["overdue"] == 2  # B closed late, D never handled
    assert t["handled"] == 4
    assert t["results"] == {"实际解决": 3, "解释说明": 1, "参考备案": 0, "述求过高": 0, "未解决": 0}
    assert t["solved_rate"] == 0.75
    assert (t["visited"], t["satisfied"], t["satisfaction_rate"]) == (3, 3, 1.0)
    assert (t["reminded"], t["reminders"]) == (1, 1)
    assert figures["excluded"] == ["F0000006"]
    by = {d["name"]: d for d in figures["departments"]}
    assert by["北站派出所"]["received"] == 2 and by["北站派出所"]["on_time_rate"] == 0.5
    assert by["城管中队"]["contact_rate"] == 0.5 and by["城管中队"]["overdue"] == 1
    assert by["房管办"]["excluded"] == 1 and by["房管办"]["counted"] == 1
    assert by["房管办"]["on_time_rate"] == 1.0


def test_assessment_workbook(tmp_path: Path, scenario_clock: object) -> None:
    h = scripted_month(tmp_path)
    result = h("assess", "--month", "2026-11", "--as-of", "2026-12-31")
    assert result.exit_code == 0
    assert "受理 6 件" in result.output and "按时办结率 60.0%" in result.output
    book = openpyxl.load_workbook(h.home / "outbox" / "2026-12-31" / "绩效考核-2026-11.xlsx")
    assert book.sheetnames == ["考核汇总", "按工单类型", "不纳入考核", "图表", "指标说明"]
    summary = book["考核汇总"]
    header = [c.value for c in summary[3]]
    total = next(r for r in summary.iter_rows(min_row=4, values_only=True) if r[0] == "合计")
    assert total[header.index("受理数")] == 6
    assert total[header.index("按时办结率")] == 0.6
    assert summary.cell(row=4 + 3, column=header.index("按时办结率") + 1).number_format == "0.0%"
    assert book["图表"]._charts, "the chart of the rates is missing"
    excluded = [r for r in book["不纳入考核"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert excluded[0][0] == "F0000006"
    assert excluded[0][-1] == mask_phone("13800001111") == "138****1111"
    notes = [r[0] for r in book["指标说明"].iter_rows(min_row=3, values_only=True)]
    assert "满意率" in notes and "按时办结率" in notes


# -- the round trip -------------------------------------------------------------------------------

def test_ledger_round_trip(home: Path, hotline: Hotline, seed_files: list[Path],
                           tmp_path: Path) -> None:
    drop(home, *seed_files)
    hotline.run()
    ledger = home / "outbox" / DAY / f"工单台账-{DAY}.xlsx"
    book = openpyxl.load_workbook(ledger)
    ws = book["工单台账"]
    header = [c.value for c in ws[3]]
    col = {name: header.index(name) + 1 for name in header if name}
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    a, b, c = rows["20261103000101"], rows["20261104000102"], rows["20261106000103"]
    ws.cell(row=a, column=col["承办部门"], value="北站派出所")
    ws.cell(row=a, column=col["先行联系时间"], value="2026/11/4 9:30")
    ws.cell(row=a, column=col["办理结果"], value="实际解决")
    ws.cell(row=a, column=col["满意度"], value="满意")
    ws.cell(row=b, column=col["承办部门"], value="城管中队")
    ws.cell(row=b, column=col["办理结果"], value="办好了")  # not one of the five results
    ws.cell(row=c, column=col["先行联系时间"], value="下周一")
    back = tmp_path / "back" / "台账-已填写.xlsx"
    back.parent.mkdir()
    book.save(back)
    drop(home, back)

    result = hotline.run()

    assert result.exit_code == 1  # two bad cells: the file is set aside with them named
    a_order = hotline.json("show", "20261103000101")
    assert a_order["department"] == "北站派出所"
    assert a_order["first_contact_at"] == "2026-11-04T09:30:00"
    assert a_order["result"] == "实际解决" and a_order["satisfaction"] == "满意"
    assert a_order["status"] == "已回访"
    kinds = [e["kind"] for e in a_order["history"]]
    assert kinds == ["received", "assigned", "contacted", "handled", "visited"]
    assert all(e["source"] == "台账-已填写.xlsx" for e in a_order["history"][1:])
    b_order = hotline.json("show", "20261104000102")
    assert b_order["department"] == "城管中队" and b_order["result"] == ""
    reason = (home / "failed" / DAY / "台账-已填写.xlsx.原因.txt").read_text(encoding="utf-8-sig")
    letter = openpyxl.utils.get_column_letter(col["办理结果"])
    assert f"第{b}行{letter}列“办理结果”“办好了”无法识别" in reason
    assert f"第{c}行{openpyxl.utils.get_column_letter(col['先行联系时间'])}列“先行联系时间”" in reason
    shown = hotline("show", "20261103000101").output
    assert "回访满意度：满意" in shown


def test_supervision_workbook_dropped_back_is_refused(home: Path, hotline: Hotline,
                                                      seed_files: list[Path],
                                                      tmp_path: Path) -> None:
    drop(home, *seed_files)
    hotline.run()
    copy = tmp_path / "x" / "督办日报.xlsx"
    copy.parent.mkdir()
    copy.write_bytes((home / "outbox" / DAY / f"督办日报-{DAY}.xlsx").read_bytes())
    drop(home, copy)
    result = hotline.run()
    assert result.exit_code == 1
    assert "只供查看，不需要放回收件箱" in result.output
