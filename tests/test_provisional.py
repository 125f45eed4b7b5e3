"""A run whose deadlines reach a year without a holiday schedule says so everywhere."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import docx
import openpyxl
from conftest import Hotline, drop

from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder

DECEMBER = date(2026, 12, 18)


def december_order(folder: Path) -> Path:
    order = IncomingOrder(
        order_no="20261218000001", dispatch_time="2026-12-18T09:30:00",
        content="来电人求助：楼道灯坏了，请修理。", caller="钱女士", phone="13912345678",
        kind="一般", category="求助", address="恒丰路1号",
    )
    path = folder / "十二月工单.xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(path, _table([order], "seed", "iso", random.Random(1), extra=False))
    return path


def test_run_warns_and_marks_provisional(tmp_path: Path) -> None:
    home = tmp_path / "home"
    drop(home, december_order(tmp_path / "in"))
    hotline = Hotline(home)

    result = hotline.run(DECEMBER)

    assert result.exit_code == 0, result.output
    assert "2027年的国务院节假日安排尚未录入" in result.output
    assert "hotline calendar add 2027" in result.output
    order = hotline.orders(DECEMBER)[0]
    assert order["provisional"] is True
    assert order["due"]["first_contact"] == "2026-12-21"
    # only the unpublished year, not 2026 where the first-contact day lies
    assert "期限涉及尚未公布节假日安排的年份（2027年），为暂定" in order["flags"]

    out = home / "outbox" / DECEMBER.isoformat()
    form = docx.Document(str(out / "转送单" / "20261218000001.docx"))
    text = "\n".join(c.text for t in form.tables for r in t.rows for c in r.cells)
    assert "2027-01-11（暂定）" in text  # 15th working day, 元旦 2027-01-01 off by law
    sheet = openpyxl.load_workbook(out / f"工单台账-{DECEMBER.isoformat()}.xlsx").active
    header = [c.value for c in sheet[3]]
    row = [c.value for c in sheet[4]]
    assert row[header.index("暂定")] == "暂定"
    report = (out / "运行报告.txt").read_text(encoding="utf-8-sig")
    assert "2027年的国务院节假日安排尚未录入" in report
