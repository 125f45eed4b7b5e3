"""The issue's measured cases (issue 14), each as a test: times, order, exactly once,
numbers, silence."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from conftest import Hotline, drop

from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder

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
