"""An attacker's pass on the leaders / feedback / 退单 paths (issue 18): each test is the
smallest reproduction of something that broke, kept as a regression test."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import time_machine
from conftest import Hotline, drop

from pipeline.demo.samples import _table, write_xlsx
from pipeline.home import open_home
from pipeline.model import IncomingOrder
from pipeline.store import schema

LEADERS = """
[leaders."房管办"]
"科室领导" = "陈静"
"分管领导" = "周涛"
"""


def at(day: date, hour: int) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, 0), tick=False)


def orders_file(folder: Path, numbers: list[str], dispatched: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "工单.xlsx"
    write_xlsx(path, _table([IncomingOrder(
        order_no=n, kind="一般", category="投诉", dispatch_time=dispatched,
        content="来电人反映：楼道堆物。", caller="钱先生", phone="13800002222") for n in numbers],
        "seed", "iso", random.Random(0), extra=False))
    return path


def small_home(tmp_path: Path, day: date = date(2026, 11, 6)) -> Hotline:
    """Two ordinary orders dispatched on `day` at 09:00, read that night."""
    home = tmp_path / "home"
    hotline = Hotline(home)
    path = home / "hotline.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("return_days = 1", "return_days = 10")
                    + LEADERS, encoding="utf-8")
    drop(home, orders_file(tmp_path / "in", ["GD0001", "GD0002"], f"{day.isoformat()}T09:00:00"))
    with at(day, 21):
        assert hotline.run(day).exit_code == 0
    return hotline


def read_list(home: Path, day: date) -> list[tuple[Any, ...]]:
    path = home / "outbox" / day.isoformat() / f"反馈区热线办-{day.isoformat()}.xlsx"
    ws = openpyxl.load_workbook(path)["反馈清单"]
    return [row[:4] for row in ws.iter_rows(min_row=4, values_only=True)]


def recorded(home: Path, day: date) -> list[tuple[Any, ...]]:
    """The day's lines as feedback_items records them (序号, order, 事项, 性质)."""
    store = open_home(home).store()
    items = schema.feedback_items.c
    with store.read() as conn:
        rows = conn.execute(schema.feedback_items.select().where(
            items.listed_on == day.isoformat()).order_by(items.line)).mappings().all()
    store.close()
    import json  # noqa: PLC0415

    seen: dict[int, tuple[Any, ...]] = {}
    for r in rows:
        line = json.loads(r["listed_row"])
        seen.setdefault(r["line"], (line["序号"], line["工单编号"], line["反馈事项"], line["性质"]))
    return [seen[k] for k in sorted(seen)]


def events_of(hotline: Hotline, number: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in hotline.json("show", number)["history"] if e["kind"] == kind]


def test_a_confirmed_return_never_overwrites_a_result_or_a_close(tmp_path: Path) -> None:
    """退单 asked for, then the order handled, visited and closed while the district had not
    answered: a late --confirmed must not turn the closed order into 已退单 (and overwrite its
    结案时间 with the moment of the command)."""
    hotline = small_home(tmp_path)
    day = date(2026, 11, 9)
    with at(day, 10):
        assert hotline("return", "GD0001", "--reason", "非本街道").exit_code == 0
        assert hotline("assign", "GD0001", "房管办").exit_code == 0
        assert hotline("handle", "GD0001", "--result", "实际解决", "--at", "2026-11-09 09:30").exit_code == 0
        assert hotline("visit", "GD0001", "--satisfaction", "满意").exit_code == 0
        assert hotline("close", "GD0001").exit_code == 0
        assert hotline("return", "GD0002", "--reason", "非本街道").exit_code == 0
        assert hotline("assign", "GD0002", "房管办").exit_code == 0
        assert hotline("handle", "GD0002", "--result", "实际解决").exit_code == 0
    before = hotline.json("show", "GD0001")
    with at(date(2026, 11, 10), 15):
        late = hotline("return-decide", "GD0001", "--confirmed")
        handled = hotline("return-decide", "GD0002", "--confirmed")
    assert late.exit_code == 2 and "不能再登记确认退单" in late.output, late.output
    assert handled.exit_code == 2 and "不能再登记确认退单" in handled.output, handled.output
    after = hotline.json("show", "GD0001")
    assert after["status"] == before["status"] == "已关闭"
    assert after["closed_at"] == before["closed_at"]
    assert hotline.json("show", "GD0002")["status"] == "已办结"
    # the answer the district gave is still recordable as a refusal (the order stays ours)
    with at(date(2026, 11, 10), 15):
        assert hotline("return-decide", "GD0002", "--refused").exit_code == 0


def _hotline_process(home: Path, *args: str, pause: str = "") -> subprocess.Popen[str]:
    env = {**os.environ, "HOTLINE_SOFFICE": "", "PYTHONIOENCODING": "utf-8"}  # read as UTF-8
    if pause:
        env["HOTLINE_PAUSE_AT"] = pause
    return subprocess.Popen([sys.executable, "-m", "pipeline", "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", env=env)


def _wait_until_paused(home: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until `process` has begun a workbook (its staging folder exists)."""
    folder = home / ".staging" / f"p{process.pid}"
    deadline = time.monotonic() + timeout
    while not (folder.exists() and any(folder.rglob("*"))):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the process never reached its pause"
        time.sleep(0.05)


def test_remaking_a_list_while_the_run_lists_that_day_loses_no_line(tmp_path: Path) -> None:
    """`hotline feedback --since D` read D's lines, then the night's run (the same day D)
    listed a new line and wrote D's list; the remake then renamed its older list over the
    run's and marked the day written: the new line was marked told and was in no list."""
    hotline = small_home(tmp_path)
    home = hotline.home
    day = date(2026, 11, 9)
    with at(day, 10):
        assert hotline("contact", "GD0001", "--at", "2026-11-09 09:30").exit_code == 0
    with at(day, 21):
        assert hotline.run(day).exit_code == 0
    with at(day, 22):
        assert hotline("contact", "GD0002", "--at", "2026-11-09 21:50").exit_code == 0
    remake = _hotline_process(home, "feedback", "--since", day.isoformat(), pause="workbook_save:6")
    _wait_until_paused(home, remake)
    night = subprocess.run([sys.executable, "-m", "pipeline", "--home", str(home), "run",
                            "--as-of", day.isoformat(), "--quiet"], check=False,
                           capture_output=True, text=True, encoding="utf-8",
                           env={**os.environ, "HOTLINE_SOFFICE": "", "PYTHONIOENCODING": "utf-8"},
                           timeout=300)
    remade = remake.communicate(timeout=120)
    assert remake.returncode == 0, remade
    if night.returncode == 3:  # refused while the remake held the day: it runs again after
        assert "正在进行" in night.stdout + night.stderr, night
        with at(day, 23):
            assert hotline.run(day).exit_code == 0
    else:
        assert night.returncode == 0, night
    assert [line[1:] for line in recorded(home, day)] == [
        ("GD0001", "先行联系", "首次反馈"), ("GD0002", "先行联系", "首次反馈")]
    assert read_list(home, day) == recorded(home, day)


def test_the_same_extension_request_is_told_once(tmp_path: Path) -> None:
    """A --from-file of extension requests opened and saved again (new bytes, same rows), or
    the same request typed twice: the district was told the same request on two nights."""
    hotline = small_home(tmp_path)
    sheet = tmp_path / "延期申请.csv"
    sheet.write_text("工单编号,延期天数,理由\nGD0001,5,需协调产权单位\n", encoding="utf-8")
    with at(date(2026, 11, 9), 10):
        assert hotline("ask-extension", "--from-file", str(sheet)).exit_code == 0
    with at(date(2026, 11, 9), 21):
        assert hotline.run(date(2026, 11, 9)).exit_code == 0
    sheet.write_text("工单编号,延期天数,理由\r\nGD0001,5,需协调产权单位\r\n", encoding="utf-8")
    with at(date(2026, 11, 10), 10):
        again = hotline("ask-extension", "--from-file", str(sheet))
        typed = hotline("ask-extension", "GD0001", "--days", "5", "--reason", "需协调产权单位")
    assert again.exit_code == 0 and "无需重复" in again.output, again.output
    assert typed.exit_code == 0 and "无需重复" in typed.output, typed.output
    with at(date(2026, 11, 10), 21):
        assert hotline.run(date(2026, 11, 10)).exit_code == 0
    assert read_list(hotline.home, date(2026, 11, 10)) == []
    assert len(events_of(hotline, "GD0001", "extension_requested")) == 1
    # a different request, or the same one after the first was granted, is news
    with at(date(2026, 11, 11), 10):
        assert hotline("extend", "GD0001", "--days", "5", "--reason", "区里批准").exit_code == 0
        granted = hotline("ask-extension", "GD0001", "--days", "5", "--reason", "需协调产权单位")
        other = hotline("ask-extension", "GD0002", "--days", "3", "--reason", "等候检测")
    assert "无需重复" not in granted.output and "无需重复" not in other.output
    assert len(events_of(hotline, "GD0001", "extension_requested")) == 2


def test_the_held_sheet_never_tells_the_clerk_to_sign_as_the_word_leader(tmp_path: Path) -> None:
    """待签字 of the 反馈区热线办 list, for a department without a named 分管领导: its 怎么办
    read `hotline sign X --by 分管领导`, which records a signature by someone called
    “分管领导” (no name is checked when none is configured)."""
    hotline = small_home(tmp_path)
    day = date(2026, 11, 9)
    with at(day, 10):
        assert hotline("assign", "GD0001", "城管中队").exit_code == 0
        assert hotline("flag", "GD0001", "--level", "难办").exit_code == 0
        assert hotline("handle", "GD0001", "--result", "实际解决").exit_code == 0
    with at(day, 21):
        assert hotline.run(day).exit_code == 0
    book = openpyxl.load_workbook(
        hotline.home / "outbox" / day.isoformat() / f"反馈区热线办-{day.isoformat()}.xlsx")
    row = [c.value for c in book["待签字"][3]]
    assert row[0] == "GD0001"
    assert "--by 分管领导" not in row[5] and "[leaders]" in row[5], row
    with at(date(2026, 11, 10), 10):
        role = hotline("sign", "GD0001", "--by", "分管领导")
    assert role.exit_code == 2 and "姓名" in role.output, role.output
    assert events_of(hotline, "GD0001", "signed") == []


def test_an_order_the_district_took_back_is_not_flagged(tmp_path: Path) -> None:
    """`flag` marked a confirmed 退单 (the district's order now) 重要, recorded an event on it,
    and made it look like the 分管领导's."""
    hotline = small_home(tmp_path)
    with at(date(2026, 11, 9), 10):
        assert hotline("return", "GD0001", "--reason", "非本街道").exit_code == 0
        assert hotline("return-decide", "GD0001", "--confirmed").exit_code == 0
        flagged = hotline("flag", "GD0001", "--level", "重要")
    assert flagged.exit_code == 2 and "已退回区热线办" in flagged.output, flagged.output
    assert events_of(hotline, "GD0001", "flagged") == []


def test_an_order_sent_back_after_a_confirmed_return_is_in_hand_again(tmp_path: Path) -> None:
    """退单不当，区里派回: the same number arrives again with a later 派单时间 after the district
    confirmed the 退单. It is the office's again (待分派, on the open list, assignable), with
    the story in its history and a new form; the same order listed again unchanged is not."""
    hotline = small_home(tmp_path)
    with at(date(2026, 11, 9), 10):
        assert hotline("return", "GD0001", "--reason", "非本街道").exit_code == 0
        assert hotline("return", "GD0002", "--reason", "非本街道").exit_code == 0
        assert hotline("return-decide", "GD0001", "GD0002", "--confirmed").exit_code == 0
    drop(hotline.home, orders_file(tmp_path / "again", ["GD0002"], "2026-11-06T09:00:00"))
    with at(date(2026, 11, 9), 21):
        unchanged = hotline.run(date(2026, 11, 9))
    assert unchanged.exit_code == 0, unchanged.output
    assert "已确认退单，导出中再次出现而派单时间未变，未重新受理" in unchanged.output
    assert hotline.json("show", "GD0002")["status"] == "已退单"

    drop(hotline.home, orders_file(tmp_path / "back", ["GD0001"], "2026-11-10T14:00:00"))
    with at(date(2026, 11, 10), 21):
        assert hotline.run(date(2026, 11, 10)).exit_code == 0
    shown = hotline.json("show", "GD0001")
    assert shown["status"] == "待分派" and shown["closed_at"] is None
    assert shown["dispatch_time"].startswith("2026-11-10T14:00")
    assert "GD0001" in {o["order_no"] for o in hotline.json("list", "--open")}
    assert [e["summary"] for e in events_of(hotline, "GD0001", "sent_back")] == [
        "区热线办将已退单的工单重新派回本街道办理（工单.xlsx 第2行）"]
    forms = hotline.home / "outbox" / "2026-11-10" / "转送单"
    assert [p.name for p in forms.iterdir()] == ["GD0001-更新1.docx"]
    with at(date(2026, 11, 11), 10):
        assert hotline("assign", "GD0001", "房管办").exit_code == 0
