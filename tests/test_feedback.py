"""反馈区热线办 and the leaders: a scripted stretch of a month on generated samples, night by
night — contacts, results from the verbs, a returned 转送单 and the 台账, two 退单, an
extension request, a 难办 order held back until its 分管领导 signs, a correction listed once —
each night's list checked against the event log; plus the limits of 退单 and sign_all."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
import time_machine
from conftest import Hotline, drop, make_home

from pipeline.demo.samples import _table, generate, write_xlsx
from pipeline.feedback.collect import QUERIED
from pipeline.home import open_home
from pipeline.model import IncomingOrder
from pipeline.store import schema

LEADERS = """
[leaders."城管中队"]
"科室领导" = "王伟"
"分管领导" = "李强"

[leaders."房管办"]
"科室领导" = "陈静"
"分管领导" = "周涛"
"""
NIGHTS = [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)]


def configure(home: Path, extra: str) -> None:
    path = home / "hotline.toml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def at(day: date, hour: int) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, 0), tick=False)


def night(hotline: Hotline, day: date) -> list[dict[str, Any]]:
    """Run the night of `day`; return the lines of its feedback list."""
    with at(day, 21):
        result = hotline.run(day)
    assert result.exit_code == 0, result.output
    return read_list(hotline.home, day)


def read_list(home: Path, day: date) -> list[dict[str, Any]]:
    path = home / "outbox" / day.isoformat() / f"反馈区热线办-{day.isoformat()}.xlsx"
    ws = openpyxl.load_workbook(path)["反馈清单"]
    header = [c.value for c in ws[3]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=4, values_only=True)]


def held_list(home: Path, day: date) -> list[str]:
    path = home / "outbox" / day.isoformat() / f"反馈区热线办-{day.isoformat()}.xlsx"
    book = openpyxl.load_workbook(path)
    if "待签字" not in book.sheetnames:
        return []
    return [r[0] for r in book["待签字"].iter_rows(min_row=3, values_only=True)]


def unsigned_sheet(home: Path, day: date) -> list[tuple[str, str, str, str]]:
    """督办日报's 待分管领导签字: order, department, 分管领导, why."""
    book = openpyxl.load_workbook(home / "outbox" / day.isoformat() / f"督办日报-{day.isoformat()}.xlsx")
    if "待分管领导签字" not in book.sheetnames:
        return []
    return [(r[0], r[1], r[4], r[5]) for r in book["待分管领导签字"].iter_rows(min_row=3, values_only=True)]


def form_text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)


def keys(lines: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(line["工单编号"], line["反馈事项"], line["性质"]) for line in lines}


def event_log(home: Path) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Every event the district is told about, and the day each was listed on."""
    store = open_home(home).store()
    with store.read() as conn:
        events = [dict(r) for r in conn.execute(
            schema.events.select().where(schema.events.c.kind.in_(list(QUERIED)))
            .order_by(schema.events.c.id)).mappings()]
        listed = {int(r.event_id): r.listed_on for r in conn.execute(
            schema.feedback_items.select())}
    store.close()
    return events, listed


def fill_in(path: Path, target: Path, notes: str, result: str) -> Path:
    """A department's returned 转送单: 承办单位处理情况 written, 是否解决 ticked."""
    document = docx.Document(str(path))
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.startswith("承办单位处理情况"):
                    cell.paragraphs[-1].add_run(notes)
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        if run.text.strip() == f"□ {result}":
                            run.text = f"☑ {result}"
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
    return target


def edit_ledger(home: Path, day: date, target: Path, edits: dict[str, dict[str, str]]) -> Path:
    book = openpyxl.load_workbook(home / "outbox" / day.isoformat() / f"工单台账-{day.isoformat()}.xlsx")
    ws = book["工单台账"]
    header = [c.value for c in ws[3]]
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    for number, cells in edits.items():
        for name, value in cells.items():
            ws.cell(row=rows[number], column=header.index(name) + 1, value=value)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def ordinary(hotline: Hotline, day: date) -> list[str]:
    """Orders no rule makes the 分管领导's (一般, 普通, fewer than two 催单), latest first."""
    return [o["order_no"] for o in reversed(hotline.orders(day))
            if o["kind"] == "一般" and o["priority"] == "普通" and o["reminders"] < 2]


def test_a_scripted_stretch_of_the_month(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    path = home / "hotline.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("return_days = 1", "return_days = 10"),
                    encoding="utf-8")
    configure(home, LEADERS)
    drop(home, *generate(tmp_path / "district", orders=14, seed=18, as_of=NIGHTS[0],
                         variations=False, pdf_share=0.2).files)
    d1, d2, d3, d4 = NIGHTS

    # Night 1: orders arrive; nothing to tell the district yet.
    assert night(hotline, d1) == []
    o = ordinary(hotline, d1)
    assert len(o) >= 8, o
    # The 转送单 says who answers for the order: the rules' 紧急 and 信访 are the 分管领导's.
    urgent = [x["order_no"] for x in hotline.orders(d1) if x["kind"] in ("紧急", "信访")]
    forms = home / "outbox" / d1.isoformat() / "转送单"
    assert "负责领导：科室领导（分派后确定）" in form_text(forms / f"{o[0]}.docx")
    assert urgent
    for number in urgent:
        assert "负责领导：分管领导（分派后确定）" in form_text(forms / f"{number}.docx")

    # Day 2: routed, contacted, handled; one order made 难办 (its result waits for 李强);
    # an extension asked for, a 退单 asked for; one result comes back on a returned 转送单.
    with at(d2, 10):
        assert hotline("assign", *o[:4], "城管中队").exit_code == 0
        assert hotline("assign", *o[4:8], "房管办").exit_code == 0
        contacted = hotline("contact", o[0], o[1], o[2], "--at", "2026-11-10 09:30", "--note", "电话")
        assert contacted.exit_code == 0
        assert hotline("handle", o[0], "--result", "实际解决", "--notes", "已清理，经办人电话13912345678",
                       "--handler", "张三").exit_code == 0
        assert hotline("flag", o[1], "--level", "难办", "--reason", "涉及多户").exit_code == 0
        assert hotline("handle", o[1], "--result", "解释说明", "--notes", "已上门解释",
                       "--handler", "李四").exit_code == 0
        assert hotline("ask-extension", o[3], "--days", "5", "--reason", "需协调产权单位").exit_code == 0
        returned = hotline("return", o[4], "--reason", "诉求地址属芷江西路街道")
        assert returned.exit_code == 0 and "谨慎退单" in returned.output, returned.output
    form = home / "outbox" / d1.isoformat() / "转送单" / f"{o[2]}.docx"
    drop(home, fill_in(form, tmp_path / "back" / f"回复-{o[2]}.docx", "已现场处理完毕。", "实际解决"))
    lines2 = night(hotline, d2)
    assert keys(lines2) == {
        (o[0], "先行联系", "首次反馈"), (o[1], "先行联系", "首次反馈"), (o[2], "先行联系", "首次反馈"),
        (o[0], "办理结果", "首次反馈"), (o[2], "办理结果", "首次反馈"),
        (o[3], "延期申请", "首次反馈"), (o[4], "退单", "首次反馈"),
    }
    assert len(lines2) == len(keys(lines2))  # one line per order and kind
    assert held_list(home, d2) == [o[1]]  # 难办: held until 李强 signs
    assert unsigned_sheet(home, d2) == [(o[1], "城管中队", "李强", "标记为难办")]
    first = next(x for x in lines2 if x["工单编号"] == o[0] and x["反馈事项"] == "办理结果")
    assert first["办理结果"] == "实际解决" and first["经办人"] == "张三"
    assert "139****5678" in first["答复内容"] and "13912345678" not in first["答复内容"]
    assert first["负责领导"] == "科室领导 王伟"
    assert [x["序号"] for x in lines2] == list(range(1, len(lines2) + 1))

    # Day 3: 李强 signs; o[0]'s result is corrected; the district confirms the 退单; a second
    # 退单; the 台账 comes back with a contact and a result.
    with at(d3, 10):
        assert hotline("sign", o[1], "--by", "王伟").exit_code == 2  # not the 分管领导
        assert hotline("sign", o[1], "--by", "李强").exit_code == 0
        assert hotline("handle", o[0], "--result", "解释说明", "--notes", "复核后改为解释说明").exit_code == 0
        assert hotline("return-decide", o[4], "--confirmed").exit_code == 0
        assert hotline("return", o[5], "--reason", "属区房管局职责").exit_code == 0
    drop(home, edit_ledger(home, d2, tmp_path / "back" / "台账-已填写.xlsx", {
        o[3]: {"先行联系时间": "2026/11/11 9:00"}, o[6]: {"办理结果": "实际解决"}}))
    lines3 = night(hotline, d3)
    assert keys(lines3) == {
        (o[1], "办理结果", "首次反馈"), (o[0], "办理结果", "更正"), (o[5], "退单", "首次反馈"),
        (o[3], "先行联系", "首次反馈"), (o[6], "办理结果", "首次反馈"),
    }
    signed = next(x for x in lines3 if x["工单编号"] == o[1])
    assert signed["签字"] == "李强" and signed["负责领导"].startswith("分管领导 李强")
    assert held_list(home, d3) == [] and unsigned_sheet(home, d3) == []
    assert o[4] not in {x["order_no"] for x in hotline.json("list", "--open")}
    # a returned order is the district's now: no stage verb touches it any more
    with at(d3, 11):
        for verb in (("assign", o[4], "城管中队"), ("contact", o[4]),
                     ("handle", o[4], "--result", "实际解决", "--direct", "张敏"),
                     ("exclude", o[4], "--reason", "非本街道事项")):
            refused = hotline(*verb)
            assert refused.exit_code != 0 and "已退回区热线办" in refused.output, (verb, refused.output)
    assert [e["kind"] for e in hotline.json("show", o[4])["history"]][-1] == "return_confirmed"

    # Night 4: nothing new, nothing again; a second run the same night changes nothing.
    assert night(hotline, d4) == []
    assert night(hotline, d3) == lines3

    # Against the event log: every event told exactly once, on the night after it happened.
    events, listed = event_log(home)
    assert {e["id"] for e in events} == set(listed)
    assert [listed[e["id"]] for e in events if e["order_no"] == o[0]
            and e["kind"] in ("handled", "corrected")] == [d2.isoformat(), d3.isoformat()]

    # A day's list made again from the record, line for line.
    (home / "outbox" / d2.isoformat() / f"反馈区热线办-{d2.isoformat()}.xlsx").unlink()
    with at(d4, 22):
        again = hotline("feedback", "--since", d2.isoformat())
    assert again.exit_code == 0 and "共重新生成 2 份" in again.output
    assert read_list(home, d2) == lines2


def orders_file(folder: Path, orders: list[IncomingOrder]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "工单.xlsx"
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(0), extra=False))
    return path


def small_home(tmp_path: Path) -> Hotline:
    home = tmp_path / "home"
    hotline = Hotline(home)
    configure(home, LEADERS)
    drop(home, orders_file(tmp_path / "in", [
        IncomingOrder(order_no=f"GD000{i}", kind="一般", category="投诉",
                      dispatch_time="2026-11-06T09:00:00", content="来电人反映：楼道堆物。",
                      caller="钱先生", phone="13800002222") for i in (1, 2)]))
    assert night(hotline, date(2026, 11, 6)) == []
    return hotline


def test_return_within_one_working_day_by_default(tmp_path: Path) -> None:
    hotline = small_home(tmp_path)  # dispatched Friday 11-06: the limit is Monday 11-09
    with at(date(2026, 11, 9), 17):
        assert hotline("return", "GD0001", "--reason", "非本街道").exit_code == 0
        again = hotline("return", "GD0001", "--reason", "再退一次")
        assert again.exit_code == 2 and "正等区里确认" in again.output
        assert hotline("return-decide", "GD0001", "--refused").exit_code == 0
    with at(date(2026, 11, 10), 9):
        late = hotline("return", "GD0002", "--reason", "非本街道")
    assert late.exit_code == 2 and "2026-11-09" in late.output and "已过" in late.output
    # refused: still the office's
    assert "GD0001" in {x["order_no"] for x in hotline.json("list", "--open")}


def test_sign_all_holds_every_result_until_signed(tmp_path: Path) -> None:
    hotline = small_home(tmp_path)
    path = hotline.home / "hotline.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("sign_all = false", "sign_all = true"),
                    encoding="utf-8")
    day = date(2026, 11, 9)
    with at(day, 10):
        assert hotline("assign", "GD0001", "房管办").exit_code == 0
        assert hotline("handle", "GD0001", "--result", "实际解决").exit_code == 0
        preview = hotline("feedback")
    assert "待签字 1 项" in preview.output
    assert night(hotline, day) == [] and held_list(hotline.home, day) == ["GD0001"]
    with at(date(2026, 11, 10), 10):
        assert hotline("sign", "GD0001", "--by", "周涛").exit_code == 0
    told = night(hotline, date(2026, 11, 10))
    assert keys(told) == {("GD0001", "办理结果", "首次反馈")} and told[0]["签字"] == "周涛"


def test_a_run_killed_between_telling_and_writing_writes_that_list_next_time(
        tmp_path: Path) -> None:
    """SIGKILL right after the night's lines were marked told, before their list was written:
    the next run writes the killed night's list (those lines, once) and lists nothing again."""
    home = tmp_path / "home"
    hotline = Hotline(make_home(home))
    made = generate(tmp_path / "made", orders=4, seed=31, as_of=NIGHTS[0], pdf_share=0,
                    variations=False)
    drop(home, *made.files)
    assert night(hotline, NIGHTS[0]) == []
    first = sorted(made.orders)[0]
    with at(NIGHTS[1], 10):
        assert hotline("contact", first, "--at", f"{NIGHTS[1].isoformat()}T09:30").exit_code == 0
    killed = subprocess.run(
        [sys.executable, "-m", "pipeline", "--home", str(home), "run", "--as-of",
         NIGHTS[1].isoformat(), "--quiet"], check=False, capture_output=True, text=True,
        encoding="utf-8",
        env={**os.environ, "HOTLINE_KILL_AT": "feedback_marked"}, timeout=300)
    assert killed.returncode in (-signal.SIGKILL, 137), killed.stderr
    list_of = home / "outbox" / NIGHTS[1].isoformat() / f"反馈区热线办-{NIGHTS[1].isoformat()}.xlsx"
    assert not list_of.exists()

    assert night(hotline, NIGHTS[2]) == []  # nothing listed a second time
    assert [x["工单编号"] for x in read_list(home, NIGHTS[1])] == [first]  # the killed night's list
    report = (home / "outbox" / NIGHTS[2].isoformat()).glob("运行报告*")
    assert any("已补写" in p.read_text(encoding="utf-8") for p in report)
    events, listed = event_log(home)
    assert {e["id"] for e in events} == set(listed)


def test_an_unnamed_leader_is_shown_with_what_to_do(tmp_path: Path) -> None:
    """No [leaders] yet (a new home): the 督办日报 says the 分管领导 is not named and how to
    name one, in cells that wrap, not cut off."""
    home = tmp_path / "home"
    hotline = Hotline(home)
    drop(home, orders_file(tmp_path / "in", [IncomingOrder(
        order_no="GD0009", kind="紧急", category="求助", dispatch_time="2026-11-06T09:00:00",
        content="来电人求助：家中漏水。", caller="钱先生", phone="13800002222")]))
    assert night(hotline, date(2026, 11, 6)) == []
    day = date(2026, 11, 9)
    with at(day, 10):
        assert hotline("assign", "GD0009", "房管办").exit_code == 0
        assert hotline("handle", "GD0009", "--result", "实际解决").exit_code == 0
    night(hotline, day)
    book = openpyxl.load_workbook(home / "outbox" / day.isoformat() / f"督办日报-{day.isoformat()}.xlsx")
    ws = book["待分管领导签字"]
    row = [c.value for c in ws[3]]
    assert row[0] == "GD0009" and row[4] == "未登记" and row[5] == "紧急件"
    assert row[6].startswith("先在 hotline.toml 的 [leaders] 中写明本部门的分管领导")
    assert ws["G3"].alignment.wrap_text and ws.row_dimensions[3].height >= 40
