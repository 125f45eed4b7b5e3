"""催单: a reminder is recorded on its order, never moves the order's own dates or words;
one for an unknown order creates it, flagged, until the order itself arrives."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import openpyxl
from conftest import AS_OF, SEED_ORDERS, Hotline, drop

from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder

DAY = AS_OF.isoformat()


def reminders_file(folder: Path, orders: list[IncomingOrder], name: str = "催单.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(0), extra=False))
    return path


def reminder_of(order: IncomingOrder, when: str) -> IncomingOrder:
    return replace(order, is_reminder=True, dispatch_time=when, content="市民再次来电催促。",
                   notes=[])


def orders_file(folder: Path, orders: list[IncomingOrder]) -> Path:
    return reminders_file(folder, orders, "工单.xlsx")


def test_reminder_for_a_known_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    drop(home, orders_file(tmp_path / "a", SEED_ORDERS))
    hotline.run()
    before = hotline.json("show", "20261104000102")

    drop(home, reminders_file(tmp_path / "b", [reminder_of(SEED_ORDERS[1], "2026-11-26T10:00:00")]))
    result = hotline.run()

    assert result.exit_code == 0
    after = hotline.json("show", "20261104000102")
    assert after["reminders"] == 1 and after["is_reminder"] is True
    for key in ("dispatch_time", "content", "due"):
        assert after[key] == before[key]
    assert [e["kind"] for e in after["history"]] == ["received", "reminder"]
    assert "第1次催单" in after["history"][1]["summary"]
    reissued = home / "outbox" / DAY / "转送单" / "20261104000102-催单1.docx"
    assert reissued.exists()
    book = openpyxl.load_workbook(home / "outbox" / DAY / f"督办日报-{DAY}.xlsx")
    listed = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "20261104000102" in listed
    assert "催单1次" in listed


def test_the_same_reminder_twice_counts_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    reminder = reminder_of(SEED_ORDERS[0], "2026-11-26T10:00:00")
    drop(home, orders_file(tmp_path / "a", SEED_ORDERS),
         reminders_file(tmp_path / "b", [reminder]),
         reminders_file(tmp_path / "c", [reminder], "催单（重发）.xlsx"))
    hotline.run()
    assert hotline.json("show", "20261103000101")["reminders"] == 1


def test_reminder_for_an_unknown_order_then_the_order_arrives(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    stray = reminder_of(SEED_ORDERS[2], "2026-11-25T09:00:00")
    drop(home, reminders_file(tmp_path / "a", [stray]))

    first = hotline.run()

    assert "收到催单但没有原工单：20261106000103" in first.output
    made = hotline.json("show", "20261106000103")
    assert made["reminders"] == 1
    assert any("仅凭催单建立" in f for f in made["flags"])
    assert made["dispatch_time"] == "2026-11-25T09:00:00"

    drop(home, orders_file(tmp_path / "b", [SEED_ORDERS[2]]))
    second = hotline.run()

    real = hotline.json("show", "20261106000103")
    assert second.exit_code == 0
    assert real["dispatch_time"] == "2026-11-06T23:05:00"
    assert real["content"] == SEED_ORDERS[2].content
    assert real["reminders"] == 1
    assert real["flags"] == []
    assert real["due"]["red"] == "2026-11-09"
    assert [e["kind"] for e in real["history"]] == ["reminder", "superseded"]


def test_orders_are_taken_before_reminders_whatever_the_file_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    # "A…" sorts before "Z…": the reminder file would come first by name
    drop(home, reminders_file(tmp_path / "a", [reminder_of(SEED_ORDERS[0], "2026-11-26T10:00:00")],
                              "A催单.xlsx"),
         reminders_file(tmp_path / "b", SEED_ORDERS, "Z工单.xlsx"))
    result = hotline.run()
    assert "收到催单但没有原工单" not in result.output
    order = hotline.json("show", "20261103000101")
    assert [e["kind"] for e in order["history"]] == ["received", "reminder"]
