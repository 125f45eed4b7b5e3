"""The five stages as commands: a scripted day, the refusals, reopening, extensions,
batches from a file, and the month's archive."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import Hotline, drop, shown

from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder

MONDAY = "2026-11-02T09:00:00"


def orders_file(folder: Path, orders: list[IncomingOrder], name: str = "工单.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(0), extra=False))
    return path


def order(number: str, kind: str = "一般", category: str = "投诉", dispatched: str = MONDAY,
          content: str = "来电人反映：夜间施工噪声扰民。") -> IncomingOrder:
    return IncomingOrder(order_no=number, kind=kind, category=category, dispatch_time=dispatched,
                         content=content, caller="钱先生", phone="13800002222")


@pytest.fixture
def day(tmp_path: Path, scenario_clock: object) -> Hotline:
    home = tmp_path / "home"
    drop(home, orders_file(tmp_path / "in", [
        order("GD0001"), order("GD0002"), order("GD0003", kind="信访", category=""),
        order("GD0004", content="来电人反映：小区内违章搭建。"),
    ]))
    hotline = Hotline(home)
    assert hotline.run(date(2026, 11, 2)).exit_code == 0
    return hotline


def test_a_scripted_day(day: Hotline) -> None:
    h = day
    assert h("assign", "GD0001", "北站派出所", "--instruction", "请当天联系", "--by", "王主任").exit_code == 0
    assert h("contact", "GD0001", "--at", "2026-11-03 10:00", "--note", "已电话联系").exit_code == 0
    assert h("handle", "GD0001", "--result", "实际解决", "--notes", "已劝导施工方",
             "--handler", "张三", "--phone", "021-56001234", "--at", "2026-11-10 15:00").exit_code == 0
    assert h("visit", "GD0001", "--satisfaction", "满意", "--at", "2026-11-11 09:00").exit_code == 0
    assert h("close", "GD0001", "--at", "2026-11-11 10:00").exit_code == 0
    # the second order is contacted late (day 1 was 2026-11-03)
    h("assign", "GD0002", "北站派出所")
    h("contact", "GD0002", "--at", "2026-11-05 10:00")

    shown = h.json("show", "GD0001", "--as-of", "2027-03-01")
    assert shown["status"] == "已关闭"
    assert shown["light"] == "预警"  # frozen as it was on 2026-11-10 (warning day 5 = 11-09)
    assert shown["first_contact_light"] == "红灯"  # contacted on day 1 itself
    assert shown["first_contact_on_time"] is True and shown["on_time"] is True
    history = shown["history"]
    assert [e["kind"] for e in history] == ["received", "assigned", "contacted", "handled",
                                            "visited", "closed"]
    assert history[1]["by"] == "王主任" and history[1]["source"] == "hotline assign"
    assert "请当天联系" in history[1]["summary"]
    late = h.json("show", "GD0002", "--as-of", "2026-11-05")
    assert late["first_contact_on_time"] is False and late["first_contact_light"] == "超时"

    figures = h.json("assess", "--month", "2026-11", "--as-of", "2026-11-30")
    police = next(d for d in figures["departments"] if d["name"] == "北站派出所")
    assert police["contact_on_time"] == 1 and police["contact_due"] == 2
    assert police["handled_on_time"] == 1
    text = h("show", "GD0001").output
    assert "办理结果：实际解决" in text and "回访满意度：满意" in text and "（王主任）" in text


def test_dissatisfied_follow_up_reopens_with_the_second_handling_clock(day: Hotline) -> None:
    h = day
    h("assign", "GD0004", "城管中队")
    h("handle", "GD0004", "--result", "未解决", "--at", "2026-11-06 10:00")
    result = h("visit", "GD0004", "--satisfaction", "不满意", "--at", "2026-11-09 10:00")
    assert result.exit_code == 0 and "重新办理" in result.output
    reopened = h.json("show", "GD0004", "--as-of", "2026-11-09")
    assert reopened["status"] == "办理中" and reopened["result"] == ""
    # 3 working days after 2026-11-09 (rules file: second_handling.red = 3)
    assert reopened["due"]["red"] == "2026-11-12"
    assert reopened["due"]["warning"] is None
    assert reopened["history"][-1]["kind"] == "reopened"
    assert h.json("show", "GD0004", "--as-of", "2026-11-13")["light"] == "超时"
    h("handle", "GD0004", "--result", "实际解决", "--at", "2026-11-12 10:00")
    assert h.json("show", "GD0004", "--as-of", "2026-12-01")["on_time"] is True


def test_extension_moves_the_red_day(day: Hotline) -> None:
    h = day
    before = h.json("show", "GD0001")["due"]["red"]
    assert before == "2026-11-23"
    assert h("extend", "GD0001", "--days", "5", "--reason", "经分管领导批准").exit_code == 0
    assert h.json("show", "GD0001")["due"]["red"] == "2026-11-30"
    # an ordinary order: at most 15 working days in all (annex1.toml [extension])
    far = h("extend", "GD0001", "--days", "999", "--reason", "经分管领导批准")
    assert far.exit_code == 2
    assert "工单延期累计不得超过15个工作日" in far.output and "本次最多再延10个工作日" in far.output
    assert h.json("show", "GD0001")["due"]["red"] == "2026-11-30"
    petition = h.json("show", "GD0003")
    # 60 calendar days → 2027-01-01, New Year's Day by law: moved to Monday 01-04, 暂定
    assert petition["due"]["red"] == "2027-01-04" and petition["provisional"] is True
    assert h("extend", "GD0003", "--days", "20", "--reason", "批准").exit_code == 0
    too_long = h("extend", "GD0003", "--days", "11", "--reason", "再延")
    assert too_long.exit_code == 2
    assert "信访件延期累计不得超过30日" in too_long.output and "最多再延10日" in too_long.output


REFUSALS = [
    (("close", "GD0001"), "还没有办理结果，不能结案"),
    (("contact", "GD0001", "--at", "2026-11-01 08:00"), "早于派单时间"),
    (("contact", "GD0001", "--at", "2099-01-01 08:00"), "还没有到"),
    (("visit", "GD0001", "--satisfaction", "满意"), "还没有办结"),
    (("assign", "GD0001", "不存在的科室"), "不在承办部门名单中"),
    (("assign", "GD9999", "北站派出所"), "没有编号为 GD9999 的工单"),
    (("decide", "GD0001", "--approved"), "没有待审批的申请"),
    (("extend", "GD0001", "--days", "0", "--reason", "x"), "延期天数应为正整数"),
    (("show", "../../etc/passwd"), "含有字母和数字以外的字符"),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS, ids=[" ".join(a) for a, _ in REFUSALS])
def test_refusals_say_why(day: Hotline, args: tuple[str, ...], message: str) -> None:
    result = day(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_result_on_a_closed_order_is_refused(day: Hotline) -> None:
    h = day
    h("assign", "GD0001", "城管中队")
    h("handle", "GD0001", "--result", "解释说明", "--at", "2026-11-04 10:00")
    h("close", "GD0001", "--at", "2026-11-04 11:00")
    again = h("handle", "GD0001", "--result", "实际解决")
    assert again.exit_code == 2 and "已关闭，不能再记录办理结果" in again.output
    contact_twice = h("contact", "GD0002", "--at", "2026-11-03 09:00")
    assert contact_twice.exit_code == 0
    second = h("contact", "GD0002", "--at", "2026-11-03 10:00")
    assert second.exit_code == 2 and "不能再记一次" in second.output


def test_many_orders_at_once_and_from_a_file(day: Hotline, tmp_path: Path) -> None:
    h = day
    result = h("assign", "GD0001", "GD0002", "GD9999", "城管中队")
    assert result.exit_code == 2  # one of three refused; the other two done
    assert shown("✓ GD0001") in result.output and shown("✓ GD0002") in result.output
    assert "没有编号为 GD9999" in result.output
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["工单编号", "办理结果", "处理情况", "经办人", "办结时间"])
    ws.append(["GD0001", "实际解决", "已处理", "李四", "2026-11-05 10:00"])
    ws.append(["GD0002", "参考备案", "已登记", "李四", "2026-11-06 10:00"])
    ws.append(["GD0004", "乱写", "", "", ""])
    path = tmp_path / "办结.xlsx"
    book.save(path)
    batch = h("handle", "--from-file", str(path), "--by", "李四")
    assert batch.exit_code == 2
    assert "第4行" in batch.output and "无法识别" in batch.output
    one = h.json("show", "GD0001")
    assert one["result"] == "实际解决" and one["handled_at"] == "2026-11-05T10:00:00"
    assert one["history"][-1]["source"] == "hotline handle（办结.xlsx）"
    assert h.json("show", "GD0002")["result"] == "参考备案"


def test_routing_words_suggest_a_department(day: Hotline) -> None:
    h = day
    assert h.json("show", "GD0001")["suggested_department"] == "北站派出所"  # 噪声
    assert h.json("show", "GD0004")["suggested_department"] == "城管中队"  # 违章搭建


def test_archive_files_the_months_closed_orders(day: Hotline) -> None:
    h = day
    h("assign", "GD0001", "城管中队")
    h("handle", "GD0001", "--result", "实际解决", "--at", "2026-11-04 10:00")
    h("close", "GD0001", "--at", "2026-11-05 10:00")
    result = h("archive", "--month", "2026-11")
    assert result.exit_code == 0, result.output
    assert "归档 1 件" in result.output and "尚未结案的工单 3 件未归档" in result.output
    folder = h.home / "archive" / "2026-11"
    assert (folder / "文书" / "GD0001.docx").exists()
    index = openpyxl.load_workbook(folder / "归档索引-2026-11.xlsx").active
    numbers = [r[0] for r in index.iter_rows(min_row=3, values_only=True)]
    assert numbers == ["GD0001"]
    assert h.json("show", "GD0001")["status"] == "已归档"
    assert h.json("show", "GD0002")["status"] == "待分派"
    again = h("archive", "--month", "2026-11")
    assert "归档 0 件" in again.output
    nothing = h("archive", "--month", "2026-10")
    assert nothing.exit_code == 2 and "没有已结案的工单" in nothing.output
