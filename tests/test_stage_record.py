"""The issue's measured cases (issue 14), each as a test: times, order, exactly once,
numbers, silence."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import Hotline, drop
from test_documents import NOTES, fill_in

from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder
from pipeline.workflow.actions import Actions

MONDAY = "2026-11-02T09:00:00"
DAY = "2026-11-27"


def order(number: str, kind: str = "一般", dispatched: str = MONDAY, priority: str = "普通",
          caller: str = "钱先生", phone: str = "13800002222") -> IncomingOrder:
    return IncomingOrder(order_no=number, kind=kind, category="投诉", dispatch_time=dispatched,
                         priority=priority, content="来电人反映：夜间施工噪声扰民。",
                         caller=caller, phone=phone)


def orders_file(folder: Path, orders: list[IncomingOrder], name: str = "工单.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(0), extra=False))
    return path


@pytest.fixture
def day(tmp_path: Path, scenario_clock: object) -> Hotline:
    """Four orders dispatched on Monday 2026-11-02, read that night; the clock on 11-27."""
    home = tmp_path / "home"
    drop(home, orders_file(tmp_path / "in", [order(f"GD000{i}") for i in range(1, 5)]))
    hotline = Hotline(home)
    assert hotline.run(date(2026, 11, 2)).exit_code == 0
    return hotline


def test_request_numbers_are_never_reused_and_forms_never_overwritten(day: Hotline) -> None:
    h = day
    reason = "诉求涉及已进入诉讼程序的纠纷"
    assert h("exclude", "GD0001", "--reason", reason).exit_code == 0
    assert h("decide", "GD0001", "--rejected").exit_code == 0
    assert h("exclude", "GD0001", "--reason", reason + "（补充材料）").exit_code == 0
    assert h("exclude", "GD0002", "--reason", reason).exit_code == 0

    first = h.json("show", "GD0001")
    second = h.json("show", "GD0002")
    assert first["request"]["number"] == "不纳入-2026-002"
    assert second["request"]["number"] == "不纳入-2026-003"
    forms = sorted(p.name for p in (h.home / "outbox" / DAY / "申请表").glob("*.docx"))
    assert forms == ["GD0001-不纳入测评范围-001.docx", "GD0001-不纳入测评范围-002.docx",
                     "GD0002-不纳入测评范围-003.docx"]


# -- helpers -----------------------------------------------------------------------------------

def ledger_edit(h: Hotline, day: str, edits: dict[tuple[str, str], Any], target: Path,
                *, saved: datetime | None = None, rows: dict[str, list[Any]] | None = None) -> Path:
    """The day's 台账 as a clerk fills it: {(order, column label): value}; `rows` appends
    rows of its own; saved (mtime) at `saved`."""
    book = openpyxl.load_workbook(h.home / "outbox" / day / f"工单台账-{day}.xlsx")
    ws = book["工单台账"]
    header = [c.value for c in ws[3]]
    where = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    for (number, label), value in edits.items():
        ws.cell(row=where[number], column=header.index(label) + 1).value = value
    for number, values in (rows or {}).items():
        ws.append([number, *values])
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    if saved is not None:
        os.utime(target, (saved.timestamp(), saved.timestamp()))
    return target


def put(h: Hotline, path: Path) -> None:
    """Into the inbox keeping the file's own modification time (as a copy by Explorer does)."""
    inbox = h.home / "inbox"
    inbox.mkdir(exist_ok=True)
    shutil.copy2(path, inbox / path.name)


def header_cells(ws: Any) -> dict[str, int]:
    return {c.value: c.column for c in ws[3] if c.value}


def history(h: Hotline, number: str) -> list[dict[str, Any]]:
    return h.json("show", number)["history"]


def reopened(home: Path, number: str) -> int:
    db = sqlite3.connect(home / "hotline.db")
    try:
        return db.execute("SELECT reopen_count FROM orders WHERE order_no=?", (number,)).fetchone()[0]
    finally:
        db.close()


def extension(home: Path, number: str) -> int:
    db = sqlite3.connect(home / "hotline.db")
    try:
        return db.execute("SELECT extension_days FROM orders WHERE order_no=?",
                          (number,)).fetchone()[0]
    finally:
        db.close()


def events(home: Path, number: str) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(home / "hotline.db")
    try:
        return [tuple(r) for r in db.execute(
            "SELECT kind, at, time_source FROM events WHERE order_no=? ORDER BY id", (number,))]
    finally:
        db.close()


# -- times -------------------------------------------------------------------------------------

def test_a_form_saved_on_the_red_day_and_read_next_morning_is_on_time(
        day: Hotline, scenario_clock: Any, tmp_path: Path) -> None:
    """assess for a month whose forms came back the next morning counts them on time."""
    h = day
    assert h("assign", "GD0001", "北站派出所").exit_code == 0
    red = date.fromisoformat(h.json("show", "GD0001")["due"]["red"])
    form = fill_in(h.home / "outbox" / "2026-11-02" / "转送单" / "GD0001.docx",
                   tmp_path / "back" / "GD0001-回复.docx", notes=NOTES, result="实际解决")
    saved = datetime.combine(red, time(17, 20))
    os.utime(form, (saved.timestamp(), saved.timestamp()))
    scenario_clock.move_to(datetime.combine(red + timedelta(days=1), time(8, 30)))
    put(h, form)

    assert h.run(red + timedelta(days=1)).exit_code == 0

    shown = h.json("show", "GD0001")
    assert shown["handled_at"] == saved.isoformat()
    assert shown["on_time"] is True
    assert events(h.home, "GD0001")[-1] == ("handled", saved.isoformat(), "文件时间")
    month = f"{red:%Y-%m}"
    figures = h.json("assess", "--month", month, "--as-of", (red + timedelta(days=1)).isoformat())
    police = next(d for d in figures["departments"] if d["name"] == "北站派出所")
    assert police["handled_on_time"] == 1


def test_a_handled_at_written_on_the_form_wins_over_the_file_time(
        day: Hotline, tmp_path: Path) -> None:
    h = day
    h("assign", "GD0002", "城管中队")
    form = fill_in(h.home / "outbox" / "2026-11-02" / "转送单" / "GD0002.docx",
                   tmp_path / "back" / "GD0002-回复.docx", notes=NOTES, result="解释说明",
                   handled="2026年11月9日16时05分")
    put(h, form)
    assert h.run().exit_code == 0
    assert events(h.home, "GD0002")[-1] == ("handled", "2026-11-09T16:05:00", "显式")


def test_a_changed_result_in_the_ledger_is_a_correction_not_a_new_handling(
        day: Hotline, tmp_path: Path) -> None:
    h = day
    h("assign", "GD0003", "房管办")
    h("handle", "GD0003", "--result", "解释说明", "--at", "2026-11-10 15:00")
    h.run()
    put(h, ledger_edit(h, DAY, {("GD0003", "办理结果"): "实际解决"}, tmp_path / "a" / "台账.xlsx"))

    assert h.run().exit_code == 0

    shown = h.json("show", "GD0003")
    assert shown["result"] == "实际解决" and shown["handled_at"] == "2026-11-10T15:00:00"
    kinds = [e["kind"] for e in shown["history"]]
    assert kinds.count("handled") == 1 and kinds[-1] == "corrected"
    assert "解释说明 → 实际解决" in shown["history"][-1]["summary"]


def test_commands_say_where_their_time_came_from(day: Hotline) -> None:
    h = day
    h("assign", "GD0001", "北站派出所")
    h("contact", "GD0001", "--at", "2026-11-03 09:10")
    h("handle", "GD0001", "--result", "实际解决")
    sources = [(kind, source) for kind, _, source in events(h.home, "GD0001")]
    assert sources == [("received", "登记时间"), ("assigned", "命令时间"),
                       ("contacted", "显式"), ("handled", "命令时间")]
    shown = h.json("show", "GD0001")["history"]
    assert [e["time_source"] for e in shown] == ["登记时间", "命令时间", "显式", "命令时间"]
    assert shown[2]["at"] == "2026-11-03T09:10:00" and shown[2]["recorded_at"] > shown[2]["at"]


# -- order -------------------------------------------------------------------------------------

def test_nothing_is_handled_before_it_is_assigned_unless_the_street_answered(day: Hotline) -> None:
    h = day
    refused = h("handle", "GD0001", "--result", "实际解决", "--at", "2026-11-05 10:00")
    assert refused.exit_code == 2 and "还没有分派" in refused.output
    assert h.json("show", "GD0001")["status"] == "待分派"
    direct = h("handle", "GD0001", "--result", "解释说明", "--direct", "李科长",
               "--at", "2026-11-05 10:00")
    assert direct.exit_code == 0, direct.output
    shown = h.json("show", "GD0001")
    assert shown["department"] == "街道直接答复" and shown["handling"]["handler"] == "李科长"


@pytest.mark.parametrize(("verb", "extra"), [
    ("visit", ("--satisfaction", "满意")),
    ("close", ()),
])
def test_visit_and_close_are_not_earlier_than_handling(day: Hotline, verb: str,
                                                       extra: tuple[str, ...]) -> None:
    h = day
    h("assign", "GD0001", "北站派出所")
    h("handle", "GD0001", "--result", "实际解决", "--at", "2026-11-10 15:00")
    early = h(verb, "GD0001", *extra, "--at", "2026-11-09 10:00")
    assert early.exit_code == 2
    assert "早于办结时间 2026-11-10 15:00" in early.output
    same_day = h(verb, "GD0001", *extra, "--at", "2026-11-10")  # only the day: after 办结
    assert same_day.exit_code == 0, same_day.output


def test_a_time_later_than_now_is_refused(day: Hotline) -> None:
    h = day
    h("assign", "GD0001", "北站派出所")
    later = h("contact", "GD0001", "--at", "2026-11-27 23:00")  # the clock reads 18:00
    assert later.exit_code == 2 and "还没有到" in later.output


def test_a_handled_order_keeps_its_department_until_it_is_reopened(day: Hotline) -> None:
    h = day
    h("assign", "GD0001", "北站派出所")
    h("handle", "GD0001", "--result", "实际解决", "--at", "2026-11-10 15:00")
    moved = h("assign", "GD0001", "城管中队")
    assert moved.exit_code == 2 and "不能再改派" in moved.output
    assert h.json("show", "GD0001")["department"] == "北站派出所"
    h("visit", "GD0001", "--satisfaction", "不满意", "--at", "2026-11-11 09:00")
    assert h("assign", "GD0001", "城管中队").exit_code == 0
    again = h("handle", "GD0001", "--result", "实际解决", "--at", "2026-11-10 16:00")
    assert again.exit_code == 2 and "早于退回重新办理的时间" in again.output


def test_a_resent_order_that_moves_dispatch_rechecks_what_was_recorded(
        day: Hotline, tmp_path: Path) -> None:
    h = day
    h("assign", "GD0001", "北站派出所")
    h("contact", "GD0001", "--at", "2026-11-02 15:00")
    later = orders_file(tmp_path / "again", [order("GD0001", dispatched="2026-11-04T09:00:00")],
                        name="工单-重发.xlsx")
    drop(h.home, later)
    run = h.run()
    assert run.exit_code == 0
    report = (h.home / "outbox" / DAY / "运行报告.txt").read_text(encoding="utf-8-sig")
    assert "工单 GD0001 重新发来后：已登记的先行联系时间 2026-11-02 15:00 早于新的派单时间" in report
    assert history(h, "GD0001")[-1]["kind"] == "rechecked"


def test_urgent_priority_on_an_ordinary_order_is_flagged(tmp_path: Path,
                                                         scenario_clock: object) -> None:
    home = tmp_path / "home"
    drop(home, orders_file(tmp_path / "in", [order("GD0009", priority="紧急")]))
    h = Hotline(home)
    h.run()
    assert any("优先级却为“紧急”" in f for f in h.json("show", "GD0009")["flags"])


# -- exactly once ------------------------------------------------------------------------------

def test_a_ledger_dropped_again_after_fixing_one_cell_applies_only_that_cell(
        day: Hotline, tmp_path: Path) -> None:
    h = day
    h("assign", "GD0001", "北站派出所")
    h("handle", "GD0001", "--result", "实际解决", "--at", "2026-11-10 15:00")
    h("assign", "GD0002", "城管中队")
    h.run()
    first = ledger_edit(h, DAY, {("GD0001", "满意度"): "不满意",
                                 ("GD0002", "办理结果"): "办好了"}, tmp_path / "1" / "台账.xlsx")
    put(h, first)
    assert h.run().exit_code == 1  # the bad cell sets the file aside, the good one applied
    assert reopened(h.home, "GD0001") == 1
    fixed = ledger_edit(h, DAY, {("GD0001", "满意度"): "不满意",
                                 ("GD0002", "办理结果"): "实际解决"}, tmp_path / "2" / "台账.xlsx")
    # the clerk fixes the one cell of the set-aside copy and drops it back
    book = openpyxl.load_workbook(h.home / "failed" / DAY / "台账.xlsx")
    ws = book["工单台账"]
    cols = header_cells(ws)
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "GD0002")
    ws.cell(row, cols["办理结果"], value="实际解决")
    book.save(fixed)
    put(h, fixed)

    run = h.run()

    assert run.exit_code == 0, run.output
    again = h.json("show", "GD0001")
    assert again["status"] == "办理中" and reopened(h.home, "GD0001") == 1
    assert [e["kind"] for e in again["history"]].count("reopened") == 1
    assert h.json("show", "GD0002")["result"] == "实际解决"
    report = (h.home / "outbox" / DAY / "运行报告.txt").read_text(encoding="utf-8-sig")
    assert "（工单 GD0001）：已登记过" in report


def test_an_old_ledger_copy_never_reverts_a_later_assignment(day: Hotline, tmp_path: Path) -> None:
    h = day
    h.run()
    old = ledger_edit(h, DAY, {("GD0004", "承办部门"): "城管中队"}, tmp_path / "o" / "台账.xlsx")
    assert h("assign", "GD0004", "房管办").exit_code == 0
    put(h, old)
    assert h.run().exit_code == 1
    assert h.json("show", "GD0004")["department"] == "房管办"
    reason = (h.home / "failed" / DAY / "台账.xlsx.原因.txt").read_text(encoding="utf-8-sig")
    assert "已改为“房管办”（台账上原为“（空）”，填写为“城管中队”）" in reason


def test_a_from_file_killed_half_way_and_rerun_extends_each_row_once(
        day: Hotline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = day
    sheet = tmp_path / "延期.csv"
    sheet.write_text("工单编号,延期天数,理由\n" + "".join(
        f"GD000{i},{i},经分管领导批准\n" for i in (1, 2, 4)), encoding="utf-8")
    real = Actions.extend
    calls = []

    def dying(self: Actions, *args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        if len(calls) == 3:
            raise KeyboardInterrupt  # the power goes at the third row
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Actions, "extend", dying)
    killed = h("extend", "--from-file", str(sheet))
    assert killed.exit_code != 0 and calls == ["GD0001", "GD0002", "GD0004"]
    monkeypatch.setattr(Actions, "extend", real)

    rerun = h("extend", "--from-file", str(sheet))

    assert rerun.exit_code == 0, rerun.output
    assert rerun.output.count("：已登记过（") == 2
    assert [extension(h.home, n) for n in ("GD0001", "GD0002", "GD0004")] == [1, 2, 4]
    third = h("extend", "--from-file", str(sheet))
    assert third.output.count("：已登记过（") == 3
    assert extension(h.home, "GD0004") == 4


def test_a_visit_file_run_twice_reports_already_done_not_failures(day: Hotline,
                                                                   tmp_path: Path) -> None:
    h = day
    for n in ("GD0001", "GD0002"):
        h("assign", n, "北站派出所")
        h("handle", n, "--result", "实际解决", "--at", "2026-11-10 15:00")
    sheet = tmp_path / "回访.csv"
    sheet.write_text("工单编号,满意度,回访时间\nGD0001,满意,2026-11-11 10:00\n"
                     "GD0002,基本满意,2026-11-11 10:30\n", encoding="utf-8")
    assert h("visit", "--from-file", str(sheet)).exit_code == 0
    again = h("visit", "--from-file", str(sheet))
    assert again.exit_code == 0 and "✗" not in again.output
    assert again.output.count("：已登记过（") == 2


# -- nothing silent ----------------------------------------------------------------------------

def test_every_ignored_ledger_cell_is_named_with_its_row_and_reason(
        day: Hotline, tmp_path: Path) -> None:
    h = day
    h("assign", "GD0001", "北站派出所")
    h.run()
    book_path = ledger_edit(h, DAY, {("GD0001", "承办部门"): None,
                                     ("GD0002", "承办部门"): "城管中队"},
                            tmp_path / "s" / "台账.xlsx",
                            rows={"GD0099": ["", "", "", "房管办"],
                                  "GD0002": ["", "", "", "房管办"],
                                  "GD-00X2?": ["", "", "", "房管办"]})
    put(h, book_path)
    run = h.run()
    assert run.exit_code == 1
    reason = (h.home / "failed" / DAY / "台账.xlsx.原因.txt").read_text(encoding="utf-8-sig")
    assert "原为“北站派出所”，现为空" in reason
    assert "GD0099 不是本台账上的工单" in reason
    assert "是同一张工单 GD0002，此行未登记" in reason
    assert "“工单编号”" in reason and reason.count("此行未登记") == 3
    assert h.json("show", "GD0001")["department"] == "北站派出所"
    assert h.json("show", "GD0002")["department"] == "城管中队"  # the first row only


def test_a_returned_form_of_another_order_is_set_aside(day: Hotline, tmp_path: Path) -> None:
    h = day
    for n in ("GD0001", "GD0002"):
        h("assign", n, "北站派出所")
    other = h.home / "outbox" / "2026-11-02" / "转送单" / "GD0001.docx"
    form = fill_in(other, tmp_path / "x" / "回复.docx", notes=NOTES, result="实际解决",
                   number="GD0002", caller="赵女士")
    put(h, form)
    run = h.run()
    assert run.exit_code == 1
    assert h.json("show", "GD0002")["status"] == "办理中"
    reason = (h.home / "failed" / DAY / "回复.docx.原因.txt").read_text(encoding="utf-8-sig")
    assert "来电人“赵女士”（工单上是“钱先生”）" in reason and "不符" in reason


def test_a_bad_row_in_from_file_is_reported_by_number_and_the_rest_goes_on(
        day: Hotline, tmp_path: Path) -> None:
    h = day
    sheet = tmp_path / "联系.csv"
    sheet.write_text("工单编号,联系时间\nGD0001,2026-11-03 09:00\nGD0002,2026-10-08 25:00\n"
                     ",2026-11-03 09:00\nGD0004,2026-11-03 11:00\n", encoding="utf-8")
    result = h("contact", "--from-file", str(sheet))
    assert result.exit_code == 2
    assert "第3行：时间“2026-10-08 25:00”" in result.output  # ✗ is × on a GBK console
    assert "第4行：请给出工单编号" in result.output
    assert h.json("show", "GD0004")["first_contact_at"] == "2026-11-03T11:00:00"
    assert "完成 2" in result.output and "未完成 2" in result.output


def test_from_file_goes_through_the_inbox_size_guards(day: Hotline, tmp_path: Path) -> None:
    bomb = tmp_path / "分派.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    result = day("assign", "--from-file", str(bomb))
    assert result.exit_code == 2
    assert "压缩炸弹" in result.output and "未登记任何一行" in result.output
