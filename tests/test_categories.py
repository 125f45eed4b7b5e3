"""Categories map to Annex 1's clocks through a table in the rules: 举报 runs on the 投诉 clock,
意见 on the 建议 one, 表扬 and 感谢 are recorded with no handling clock at all (shown as
“无办理时限” wherever a person reads it), and a home may change the table in [rules]."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import AS_OF, Hotline, drop

from pipeline.config import DEFAULT_CONFIG
from pipeline.deadlines.clocks import DeadlineCalculator
from pipeline.deadlines.rules import load_rules
from pipeline.deadlines.workdays import WorkCalendar
from pipeline.demo.samples import LAYOUTS
from pipeline.intake.returned import form_fields

MONDAY = date(2026, 11, 2)


def calc(overrides: dict[str, object] | None = None) -> DeadlineCalculator:
    return DeadlineCalculator(WorkCalendar(), load_rules(overrides))


@pytest.mark.parametrize(("category", "rule", "red"), [
    ("举报", "general_long", date(2026, 11, 23)), ("投诉", "general_long", date(2026, 11, 23)),
    ("意见", "general_short", date(2026, 11, 9)), ("建议", "general_short", date(2026, 11, 9)),
])
def test_the_export_word_keeps_its_category_and_gets_its_clock(category: str, rule: str,
                                                                red: date) -> None:
    handling = calc().compute("一般", category, MONDAY).handling
    assert handling is not None and not handling.category_assumed
    assert handling.label == next(r.label for r in load_rules().handling if r.key == rule)
    assert handling.red == red


@pytest.mark.parametrize("kind", ["一般", "紧急", "夜间特殊"])
@pytest.mark.parametrize("category", ["表扬", "感谢"])
def test_praise_and_thanks_have_no_handling_clock(kind: str, category: str) -> None:
    deadlines = calc().compute(kind, category, MONDAY)
    assert deadlines.handling is None
    assert deadlines.first_contact.red == date(2026, 11, 3)  # 先行联系 for every order
    assert deadlines.due() == {"first_contact": "2026-11-03", "warning": None, "yellow": None,
                               "red": None}


def test_the_table_is_overridable_in_rules() -> None:
    overrides = {"handling": {"general_long": {"categories": ["求助", "投诉", "举报", "意见"]},
                              "general_short": {"categories": ["咨询", "建议", "表扬"]}},
                 "no_handling": {"categories": ["感谢"]}}
    c = calc(overrides)
    assert c.compute("一般", "意见", MONDAY).handling.red == date(2026, 11, 23)
    assert c.compute("一般", "表扬", MONDAY).handling.red == date(2026, 11, 9)
    assert c.compute("一般", "感谢", MONDAY).handling is None


def test_deadline_command_says_there_is_none(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    data = hotline.json("deadline", "--dispatched", "2026-11-02", "--kind", "一般", "--category", "表扬")
    assert data["limit"] == "无办理时限" and data["due"]["red"] is None
    text = hotline("deadline", "--dispatched", "2026-11-02", "--kind", "一般", "--category", "感谢")
    assert text.exit_code == 0 and "无办理时限" in text.output
    report = hotline.json("deadline", "--dispatched", "2026-11-02", "--kind", "一般", "--category", "举报")
    assert report["due"]["red"] == "2026-11-23"


def praise_file(folder: Path) -> Path:
    """Our own export with one 表扬 order and one 举报 order."""
    labels = LAYOUTS["seed"]
    row = {"order_no": "20261120000001", "caller": "李先生", "call_time": "2026-11-20 08:00:00",
           "address": "天目西路1号", "phone": "13800001111", "dispatch_time": "2026-11-20 09:05:00",
           "from_unit": "闸北区人民政府", "doc_no": "", "is_reminder": "转送单", "priority": "普通",
           "kind": "一般", "category": "表扬", "content": "来电人表扬：居委工作人员热情周到。"}
    other = {**row, "order_no": "20261120000002", "category": "举报类",
             "content": "来电人举报：楼下违章搭建。"}
    wb = openpyxl.Workbook()
    for line in ([*labels.values()], [row[k] for k in labels], [other[k] for k in labels]):
        wb.active.append(line)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "表扬.xlsx"
    wb.save(path)
    return path


def test_a_praise_order_is_recorded_and_shown_without_a_handling_clock(
        home: Path, hotline: Hotline, tmp_path: Path) -> None:
    drop(home, praise_file(tmp_path / "district"))
    result = hotline.run()
    assert result.exit_code == 0, result.output
    assert "在办 1 张" in result.output  # the 举报 order; the 表扬 one has no handling clock
    assert "尚未联系 2 张" in result.output  # both still need their first contact

    listed = {o["order_no"]: o for o in hotline.orders()}
    praise = listed["20261120000001"]
    assert (praise["category"], praise["light"], praise["due"]["red"]) == ("表扬", None, None)
    assert praise["outcome"]["text"] == "无办理时限"
    assert listed["20261120000002"]["category"] == "举报"
    assert listed["20261120000002"]["due"]["red"] == "2026-12-11"  # day 15

    shown = hotline("show", "20261120000001", "--as-of", AS_OF.isoformat()).output
    assert "办理：无办理时限（表扬、感谢（只登记，不设办理时限））" in shown
    assert "无办理时限" in hotline("list", "--as-of", AS_OF.isoformat()).output

    day = home / "outbox" / AS_OF.isoformat()
    form = form_fields(docx.Document(str(day / "转送单" / "20261120000001.docx")))
    assert "无办理时限" in form["办理回复期限"]
    ws = openpyxl.load_workbook(day / f"工单台账-{AS_OF}.xlsx")["工单台账"]
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    cells = dict(zip(rows[0], next(r for r in rows if r[0] == "20261120000001"), strict=True))
    assert cells["办理"] == "无办理时限" and cells["红灯日"] in ("", None)

    assert hotline("handle", "20261120000001", "--result", "实际解决", "--notes", "已致谢",
                   "--handler", "张三", "--direct", "张三").exit_code == 0
    after = {o["order_no"]: o for o in hotline.orders()}["20261120000001"]
    assert after["on_time"] is None and after["needs_supervision"] is False


def test_a_home_can_give_praise_a_clock_again(home: Path, hotline: Hotline, tmp_path: Path) -> None:
    home.mkdir(exist_ok=True)
    (home / "hotline.toml").write_text(
        DEFAULT_CONFIG + '\n[rules.no_handling]\ncategories = []\n\n[rules.handling.general_short]\n'
        'categories = ["咨询", "建议", "意见", "表扬", "感谢"]\n', encoding="utf-8")
    drop(home, praise_file(tmp_path / "district"))
    assert hotline.run().exit_code == 0
    praise = {o["order_no"]: o for o in hotline.orders()}["20261120000001"]
    assert praise["due"]["red"] == "2026-11-27"  # day 5
