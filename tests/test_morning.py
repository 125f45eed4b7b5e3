"""The morning view tells the truth at a glance: a closed clock shows its outcome and never a
light, the 督办 list holds running clocks only, the report's numbers add up, a missing first
contact is a data-quality item listed once, and the demo is a well-run week built only in a
new folder."""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from conftest import AS_OF, Hotline, drop
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder
from pipeline.normalise import parse_day, parse_month

DAY = AS_OF.isoformat()  # Friday 2026-11-27


def order(number: str, dispatched: str, kind: str = "一般", category: str = "咨询",
          phone: str = "13800002222") -> IncomingOrder:
    return IncomingOrder(order_no=number, kind=kind, category=category,
                         dispatch_time=dispatched, content=f"来电人反映：{number}的诉求。",
                         caller="钱先生", phone=phone, address="天目西路100号")


def orders_file(folder: Path, orders: list[IncomingOrder], name: str = "工单.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(0), extra=False))
    return path


def rows_of(path: Path, sheet: int | str = 0, header_row: int = 3) -> dict[str, dict[str, Any]]:
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    header = [c.value for c in ws[header_row]]
    out = {}
    for row in ws.iter_rows(min_row=header_row + 1):
        cells = {h: c for h, c in zip(header, row, strict=False) if h}
        number = cells.get("工单编号")
        if number is not None and number.value:
            out[number.value] = cells
    return out


def report_of(home: Path, day: str = DAY) -> str:
    return (home / "outbox" / day / "运行报告.txt").read_text(encoding="utf-8")


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"(?<![\d-])(\d+)(?![\d-])", text)]


def assert_report_adds_up(report: str) -> dict[str, int]:
    """Every line of 二、期限与督办 adds up; returns the headline numbers."""
    section = report.split("二、期限与督办", 1)[1].split("三、", 1)[0]
    handling = next(line for line in section.splitlines() if "办理：在办" in line)
    total, *lights = numbers(handling)
    assert total == sum(lights) and len(lights) == 5, handling
    contact = next(line for line in section.splitlines() if "先行联系：尚未联系" in line)
    total_c, *parts = numbers(contact)
    assert total_c == sum(parts) and len(parts) == 3, contact
    chase = next(line for line in section.splitlines() if "需督办" in line)
    chased, yellow, red, overdue, by_handling, by_contact, both = numbers(chase)
    assert chased == yellow + red + overdue == by_handling + by_contact - both, chase
    month = next(line for line in section.splitlines() if "本月办结" in line)
    handled, on_time, late = numbers(month)
    assert handled == on_time + late, month
    outputs = report.split("三、", 1)[1]
    assert f"需督办 {chased} 件" in outputs
    return {"in_hand": total, "chased": chased, "yellow": yellow, "red": red,
            "overdue": overdue, "handled": handled, "on_time": on_time, "late": late}


# -- a contact on the red day is not red anywhere -------------------------------------------

@pytest.fixture
def week(tmp_path: Path, scenario_clock: object) -> Hotline:
    """Orders in every state on Friday 2026-11-27 (Monday 11-16 … Thursday 11-26)."""
    home = tmp_path / "home"
    drop(home, orders_file(tmp_path / "in", [
        order("DAY1OK", "2026-11-23T09:00:00"),  # contacted on its red day, handled day 2
        order("URGENT", "2026-11-24T15:00:00", kind="紧急", category="求助"),  # done on day 1
        order("LATE", "2026-11-16T09:00:00"),  # red 11-23, handled 11-25: closed late
        order("OVERDUE", "2026-11-16T10:00:00"),  # red 11-23, not handled: running, 超时
        order("NOCONTACT", "2026-11-16T11:00:00", category="求助"),  # handled, contact unrecorded
        order("YELLOW", "2026-11-23T10:00:00", category="建议"),  # yellow 11-26, red 11-30
        order("FRESH", "2026-11-26T10:00:00", category="投诉"),  # day 1 today, not contacted
        order("CLOSED", "2026-11-02T09:00:00", category="投诉"),  # done and closed long ago
    ]))
    h = Hotline(home)
    assert h.run(date(2026, 11, 16)).exit_code == 0
    # 处置 before 办理: every order handled below was routed first
    assert h("assign", "DAY1OK", "URGENT", "LATE", "NOCONTACT", "CLOSED", "城管中队").exit_code == 0
    steps = [
        ("contact", "DAY1OK", "--at", "2026-11-24 16:00"),
        ("handle", "DAY1OK", "--result", "解释说明", "--at", "2026-11-25 10:00"),
        ("contact", "URGENT", "--at", "2026-11-25 09:00"),
        ("handle", "URGENT", "--result", "实际解决", "--at", "2026-11-25 17:00"),
        ("contact", "LATE", "--at", "2026-11-17 09:00"),
        ("handle", "LATE", "--result", "解释说明", "--at", "2026-11-25 10:00"),
        ("contact", "OVERDUE", "--at", "2026-11-17 09:30"),
        ("handle", "NOCONTACT", "--result", "实际解决", "--at", "2026-11-18 10:00"),
        ("visit", "NOCONTACT", "--satisfaction", "满意", "--at", "2026-11-19 10:00"),
        ("contact", "YELLOW", "--at", "2026-11-24 09:00"),
        ("contact", "CLOSED", "--at", "2026-11-03 09:00"),
        ("handle", "CLOSED", "--result", "实际解决", "--at", "2026-11-04 10:00"),
        ("visit", "CLOSED", "--satisfaction", "满意", "--at", "2026-11-05 10:00"),
        ("close", "CLOSED", "--at", "2026-11-05 11:00"),
    ]
    for step in steps:
        result = h(*step)
        assert result.exit_code == 0, (step, result.output)
    h.run()
    return h


def test_a_contact_on_the_red_day_is_on_time_and_not_red_anywhere(week: Hotline) -> None:
    h = week
    listed = {o["order_no"]: o for o in h.orders()}
    for number in ("DAY1OK", "URGENT"):
        o = listed[number]
        assert o["first_contact_light"] == "红灯"  # kept for scripts: the light it closed with
        assert o["first_contact_outcome"]["text"] == "按时"
        assert o["first_contact_outcome"]["on_time"] is True
        assert o["outcome"] == {"closed_on": o["handled_at"][:10], "on_time": True,
                                "late_days": 0, "text": "按时"}
        assert not o["needs_supervision"]
        line = next(line for line in h("list").output.splitlines() if line.startswith(number))
        assert "红灯" not in line.split()[4:6] and line.count("按时") == 2, line
        shown = h("show", number).output
        clocks = shown.split("时限（", 1)[1].split("经过：", 1)[0]
        assert "先行联系：" in clocks and "已联系" in clocks and clocks.count("，按时") == 2
        assert not re.search(r"(红灯|超时)\s*$", clocks, re.MULTILINE), clocks
    ledger = rows_of(h.home / "outbox" / DAY / f"工单台账-{DAY}.xlsx")
    for number in ("DAY1OK", "URGENT"):
        row = ledger[number]
        assert (row["先行联系"].value, row["办理"].value) == ("按时", "按时")
        for header in ("工单编号", "先行联系", "办理", "状态"):
            assert row[header].fill.fill_type is None, (number, header)
        assert row["先行联系"].font.color is None or row["先行联系"].font.color.rgb != "00FFFFFF"
    supervision = rows_of(h.home / "outbox" / DAY / f"督办日报-{DAY}.xlsx")
    assert "DAY1OK" not in supervision and "URGENT" not in supervision
    figures = h.json("assess", "--month", "2026-11", "--as-of", DAY)
    kinds = {k["name"]: k for k in figures["kinds"]}
    assert kinds["紧急"]["contact_on_time"] == kinds["紧急"]["contact_due"] == 1
    assert kinds["紧急"]["handled_on_time"] == kinds["紧急"]["handling_due"] == 1
    assert kinds["紧急"]["overdue"] == 0


def test_a_clock_closed_late_is_marked_not_alarmed(week: Hotline) -> None:
    o = {x["order_no"]: x for x in week.orders()}["LATE"]
    assert o["outcome"] == {"closed_on": "2026-11-25", "on_time": False, "late_days": 2,
                            "text": "逾期2个工作日"}
    assert o["light"] == "超时" and not o["needs_supervision"]
    row = rows_of(week.home / "outbox" / DAY / f"工单台账-{DAY}.xlsx")["LATE"]
    assert row["办理"].value == "逾期2个工作日"
    assert row["办理"].fill.fill_type is None and row["办理"].font.b
    assert row["工单编号"].fill.fill_type is None


def test_the_supervision_list_is_running_clocks_at_yellow_red_overdue(week: Hotline) -> None:
    h = week
    listed = {o["order_no"]: o for o in h.orders()}
    supervision = rows_of(h.home / "outbox" / DAY / f"督办日报-{DAY}.xlsx")
    assert set(supervision) == {"OVERDUE", "YELLOW", "FRESH"}
    assert {n for n, o in listed.items() if o["needs_supervision"]} == set(supervision)
    for number in supervision:
        assert listed[number]["status"] in ("待分派", "办理中")  # never a closed order
        assert listed[number]["handled_at"] is None
    assert supervision["OVERDUE"]["督办事项"].value == "办理超时"
    assert supervision["OVERDUE"]["剩余/超期"].value == "超期4个工作日"
    assert supervision["YELLOW"]["灯"].value == "黄灯"
    assert supervision["FRESH"]["督办事项"].value == "先行联系红灯"
    headline = "需督办 3 件（黄灯 1，红灯 1，超时 1）"
    sheet = openpyxl.load_workbook(h.home / "outbox" / DAY / f"督办日报-{DAY}.xlsx").active
    assert sheet["A2"].value.startswith(headline + "＝办理时限 2 件＋先行联系 1 件－两者都有 0 件")
    assert headline in h("list").output
    figures = assert_report_adds_up(report_of(h.home))
    assert (figures["chased"], figures["yellow"], figures["red"], figures["overdue"]) == (3, 1, 1, 1)
    assert (figures["handled"], figures["on_time"], figures["late"]) == (5, 4, 1)


def test_an_unrecorded_contact_is_a_data_quality_item_listed_once(
        week: Hotline, scenario_clock: Any) -> None:
    h = week
    o = {x["order_no"]: x for x in h.orders()}["NOCONTACT"]
    assert o["first_contact_outcome"]["text"] == "未登记" and not o["needs_supervision"]
    assert any("没有登记先行联系时间" in flag for flag in o["flags"])

    def gaps(day: str) -> list[tuple[Any, ...]]:
        book = openpyxl.load_workbook(h.home / "outbox" / day / f"督办日报-{day}.xlsx")
        return [r for r in book["待补登"].iter_rows(min_row=3, values_only=True) if r[0]]

    first = gaps(DAY)
    assert [r[0] for r in first] == ["NOCONTACT"]
    assert "hotline contact NOCONTACT --at" in first[0][-1]
    assert "未登记先行联系 1 张" in report_of(h.home)
    later = "2026-12-04"
    h.run(date.fromisoformat(later))
    assert gaps(later) == first  # the same item, not a delay growing by the day
    assert "NOCONTACT" not in rows_of(h.home / "outbox" / later / f"督办日报-{later}.xlsx")
    assert h("contact", "NOCONTACT", "--at", "2026-11-17 09:00").exit_code == 0
    assert h.json("show", "NOCONTACT")["first_contact_outcome"]["text"] == "按时"


def test_show_prints_the_visit_time(week: Hotline) -> None:
    text = week("show", "NOCONTACT").output
    assert "回访满意度：满意（2026-11-19 10:00）" in text
    assert week.json("show", "NOCONTACT")["visited_at"] == "2026-11-19T10:00:00"


def test_advice_after_a_refused_result_is_advice_the_rules_accept(week: Hotline) -> None:
    refused = week("handle", "NOCONTACT", "--result", "未解决")
    assert refused.exit_code == 2
    assert "已回访" in refused.output and "hotline visit" not in refused.output
    closed = week("handle", "CLOSED", "--result", "未解决")
    assert closed.exit_code == 2 and "hotline visit" not in closed.output
    assert "重新派单" in closed.output


# -- the demo ---------------------------------------------------------------------------------

def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_demo_refuses_a_home_and_leaves_it_unchanged(tmp_path: Path, seed_files: list[Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    drop(home, *seed_files)
    assert Hotline(home).run().exit_code == 0
    before = tree_digest(home)
    assert len(before) > 10
    runner = Hotline(tmp_path / "elsewhere").runner
    from pipeline.cli import main  # noqa: PLC0415

    for args in (["demo", str(home)], ["--home", str(home), "demo"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "是一个工作目录" in result.output and "演示不会在其中运行" in result.output
    busy = tmp_path / "有东西"
    busy.mkdir()
    (busy / "笔记.txt").write_text("x", encoding="utf-8")
    result = runner.invoke(main, ["demo", str(busy)])
    assert result.exit_code == 2 and "不是空文件夹" in result.output
    # HOTLINE_HOME names the real home: `demo` never takes it for its folder
    monkeypatch.chdir(busy)
    (busy / "hotline-demo").mkdir()
    (busy / "hotline-demo" / "x").write_text("x", encoding="utf-8")
    result = runner.invoke(main, ["demo"], env={"HOTLINE_HOME": str(home)})
    assert result.exit_code == 2 and "hotline-demo 不是空文件夹" in result.output
    assert tree_digest(home) == before
    assert sorted(p.name for p in busy.iterdir()) == ["hotline-demo", "笔记.txt"]


def test_demo_is_a_well_run_week_with_a_few_orders_in_trouble(tmp_path: Path) -> None:
    folder = tmp_path / "新演示"
    result = Hotline(folder, init=False)("demo", "--as-of", DAY)  # the folder given by --home
    assert result.exit_code == 0, result.output
    assert (folder / "hotline.toml").exists()
    h = Hotline(folder)
    listed = h.orders()
    assert len(listed) == 24
    on_time = [o for o in listed if o["outcome"] and o["outcome"]["on_time"]]
    late = [o for o in listed if o["outcome"] and o["outcome"]["on_time"] is False]
    chased = [o for o in listed if o["needs_supervision"]]
    assert len(on_time) >= 10 and len(late) == 1
    assert 2 <= len(chased) <= 4
    running = {o["light"] for o in listed if o["status"] in ("待分派", "办理中")}
    assert {"超时", "黄灯", "预警", "正常"} <= running
    assert sum(1 for o in listed if o["light"] == "超时" and o["outcome"] is None) in (1, 2)
    assert any(o["reminders"] for o in chased)
    contacts = [o["first_contact_outcome"] for o in listed if o["first_contact_outcome"]]
    assert sum(1 for c in contacts if c["on_time"]) >= len(contacts) - 1
    reopened = [o for o in listed if o["satisfaction"] == "不满意"]
    assert len(reopened) == 1 and reopened[0]["status"] == "办理中"
    # every step is dated when it happened: a history never goes back in time
    history = h.json("show", reopened[0]["order_no"])["history"]
    times = [e["at"] for e in history]
    assert times == sorted(times) and times[0][:10] == reopened[0]["dispatch_time"][:10]
    assert [e["kind"] for e in history][:4] == ["received", "assigned", "contacted", "handled"]
    # the morning's files, and a report that adds up
    out = folder / "outbox" / DAY
    assert (out / "绩效考核-2026-11.xlsx").exists()
    figures = assert_report_adds_up(report_of(folder))
    assert figures["chased"] == len(chased)
    assert figures["late"] == 1 and figures["on_time"] >= 10
    ledger = rows_of(out / f"工单台账-{DAY}.xlsx")
    calm = [o for o in on_time if o["first_contact_outcome"]["on_time"]]
    for o in calm:
        row = ledger.get(o["order_no"])
        if row is not None:
            assert row["工单编号"].fill.fill_type is None and row["办理"].value == "按时"
    assert len(list(folder.glob("outbox/*/转送单/*.docx"))) >= 24
    assert any((folder / "failed").rglob("*.原因.txt"))  # the row without a 转交日期


# -- what leaves the tool ---------------------------------------------------------------------

def test_a_database_error_in_the_report_carries_no_data(home: Path, hotline: Hotline,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3  # noqa: PLC0415

    from sqlalchemy.exc import IntegrityError  # noqa: PLC0415

    from pipeline.store import ingest  # noqa: PLC0415

    def refuse(self: Any, orders: Any) -> Any:
        raise IntegrityError(
            "INSERT INTO orders (order_no, caller, address, phone) VALUES (?, ?, ?, ?)",
            ("PHONE0001", "孙秘密", "天目西路100弄5号302室", "13800001111"),
            sqlite3.IntegrityError("UNIQUE constraint failed: orders.order_no"))

    monkeypatch.setattr(ingest.Ingester, "apply", refuse)
    drop(home, orders_file(tmp_path / "in", [order("PHONE0001", "2026-11-26T09:00:00")]))
    result = hotline.run()
    assert result.exit_code == 1
    report = report_of(home)
    for text in (result.output, report):
        assert "UNIQUE constraint failed" in text  # what went wrong, in the driver's words
        for secret in ("13800001111", "孙秘密", "天目西路100弄", "INSERT", "[SQL", "parameters"):
            assert secret not in text, secret


@pytest.mark.parametrize("written", ["138-0000-1111", "139 1234 5678", "+86 138 0000 1111",
                                     "+86-138-0000-1111", "0086 13800001111", "８６１３８００００１１１１",
                                     "(021)5600-1234", "021-5600 1234"])
def test_phones_are_masked_in_every_written_form(written: str) -> None:
    from pipeline.text import mask_numbers, mask_phones  # noqa: PLC0415

    text = f"第3行：联系电话“{written}”，工单 20261103000101，2026-11-27 09:30，文件 导出_20261127.xlsx"
    for masked in (mask_phones(text), mask_numbers(text)):
        shown = masked.split("联系电话“", 1)[1].split("”", 1)[0].removeprefix("+86 ")
        digits = re.sub(r"\D", "", shown)
        assert "****" in masked and len(digits) <= 8, masked
        assert "20261103000101" in masked and "2026-11-27 09:30" in masked
    assert "导出_20261127.xlsx" in mask_phones(text)


def test_a_file_name_cannot_forge_a_report_line(home: Path, hotline: Hotline,
                                                tmp_path: Path) -> None:
    name = "工单\n三、输出：全部正常\u202exslx.exe.xlsx"
    path = orders_file(tmp_path / "in", [order("NAME0001", "2026-11-26T09:00:00")], name=name)
    drop(home, path)
    result = hotline.run()
    assert result.exit_code == 0, result.output
    for text in (result.output, report_of(home)):
        assert "\u202e" not in text
        assert not any(line.startswith("三、输出：全部正常") for line in text.splitlines())
        assert "工单\\n三、输出：全部正常\\u202exslx.exe.xlsx" in text
    assert (home / "archive" / DAY / name).exists()  # the original itself is kept as it was


# -- the 信访 转送单 ------------------------------------------------------------------------------

def test_the_petition_form_cites_the_regulation_not_annex_1(home: Path, hotline: Hotline,
                                                            tmp_path: Path) -> None:
    drop(home, orders_file(tmp_path / "in", [
        order("XF000001", "2026-11-26T09:00:00", kind="信访", category=""),
        order("YB000001", "2026-11-26T09:00:00")]))
    assert hotline.run().exit_code == 0
    forms = home / "outbox" / DAY / "转送单"

    def text(number: str) -> str:
        document = docx.Document(str(forms / f"{number}.docx"))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)

    petition = text("XF000001")
    assert "信访工作条例" in petition and "附件1" not in petition and "60日" in petition
    assert "附件1" in text("YB000001")


def test_list_json_keeps_lights_and_adds_outcomes(week: Hotline) -> None:
    o = {x["order_no"]: x for x in week.orders()}
    assert o["OVERDUE"]["outcome"] is None and o["OVERDUE"]["light"] == "超时"
    assert o["OVERDUE"]["first_contact_outcome"]["text"] == "按时"
    assert json.dumps(o["CLOSED"]["outcome"], ensure_ascii=False) == (
        '{"closed_on": "2026-11-04", "on_time": true, "late_days": 0, "text": "按时"}')


# -- one parser for every date a clerk types ---------------------------------------------------

def test_every_date_option_takes_what_at_takes(tmp_path: Path, scenario_clock: object) -> None:
    hotline = Hotline(tmp_path / "home")
    assert hotline("run", "--as-of", "2026年11月27日").exit_code == 0
    iso = hotline.json("list", "--as-of", "2026-11-30")
    for written in ("2026年11月30日", "2026/11/30", "2026.11.30", "20261130", "２０２６－１１－３０"):
        assert hotline.json("list", "--as-of", written) == iso, written
    archived = hotline("archive", "--month", "2026-9")
    assert archived.exit_code == 2 and "2026-09 没有已结案的工单" in archived.output
    assert hotline("assess", "--month", "2026年11月", "--as-of", "2026/11/30").exit_code == 0
    assert (tmp_path / "home" / "outbox" / "2026-11-30" / "绩效考核-2026-11.xlsx").exists()
    added = hotline("calendar", "add", "2027", "--holidays", "2027年1月1日",
                    "--holidays", "2027/2/5..2027/2/11", "--workdays", "2027年2月14日",
                    "--dry-run")
    assert added.exit_code == 0, added.output
    assert "01-01" in added.output and "02-08" in added.output and "02-14" in added.output
    wrong = hotline("run", "--as-of", "2026/13/1")
    assert wrong.exit_code == 2 and "2026年11月27日" in wrong.output


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_a_day_reads_the_same_in_every_form(day: date) -> None:
    forms = (day.isoformat(), f"{day.year}/{day.month}/{day.day}",
             f"{day.year}年{day.month}月{day.day}日", f"{day:%Y%m%d}",
             f"{day.year}年{day.month:02d}月{day.day:02d}日 9时30分")
    assert {parse_day(f) for f in forms} == {day}
    assert parse_month(f"{day.year}年{day.month}月") == parse_month(f"{day.year}-{day.month}") \
        == f"{day:%Y-%m}"
