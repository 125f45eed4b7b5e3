"""Scoring as data: `assess` under two [assessment] settings gives the hand-computed scores and
ranks, and 指标说明 prints the formulas used; 退单 and 延期申请 are counted."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import Hotline, drop

from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder

MONDAY = "2026-11-02T09:00:00"  # first contact due 11-03, handling (投诉, 15 days) due 11-23

# Hand-worked: per department, what happened (contact time, result, handled, satisfaction).
PLAN = {
    "GDA1": ("城管中队", "2026-11-02 15:00", "实际解决", "2026-11-05", "满意"),
    "GDA2": ("城管中队", "2026-11-03 10:00", "解释说明", "2026-11-06", "基本满意"),
    "GDA3": ("城管中队", "2026-11-05 10:00", "未解决", "2026-11-10", None),
    "GDB1": ("房管办", "2026-11-03 09:00", "实际解决", "2026-11-09", "基本满意"),
    "GDB2": ("房管办", "2026-11-02 16:00", "解释说明", "2026-11-12", "基本满意"),
    "GDB3": ("房管办", None, None, None, None),
}
# Setting 1: 基本满意 weighs 0.9, 解释说明 counts as solved, 响应 10 / 满意 40 / 解决 50.
SETTING_1 = """
[assessment]
basic_satisfied_weight = 0.9
solved = ["实际解决", "解释说明"]
[assessment.score]
"先行联系按时率" = 10
"满意率" = 40
"解决率" = 50
"""
# Setting 2: the shipped weights, a score of 按时办结 50 / 满意 50.
SETTING_2 = """
[assessment]
basic_satisfied_weight = 1.0
solved = ["实际解决"]
[assessment.score]
"按时办结率" = 50
"满意率" = 50
"""
# By hand. 城管中队: contacts on time 2/3 (A3 late); results 实际解决, 解释说明, 未解决, all by
# 11-23 (3/3 on time); visits 满意 + 基本满意 of 2. 房管办: contacts 2/3 (B3 never, due 11-03);
# on time 2/3 (B3 open past 11-23); results 实际解决, 解释说明; visits 基本满意 × 2.
EXPECTED = {
    1: {"城管中队": {"solved_rate": 2 / 3, "satisfaction_rate": (1 + 0.9) / 2,
                    "score": 10 * 2 / 3 + 40 * 0.95 + 50 * 2 / 3, "rank": 2},   # 78.0
        "房管办": {"solved_rate": 1.0, "satisfaction_rate": 0.9 * 2 / 2,
                  "score": 10 * 2 / 3 + 40 * 0.9 + 50 * 1.0, "rank": 1}},      # 92.67
    2: {"城管中队": {"solved_rate": 1 / 3, "satisfaction_rate": 1.0,
                    "score": 50 * 1.0 + 50 * 1.0, "rank": 1},                   # 100.0
        "房管办": {"solved_rate": 0.5, "satisfaction_rate": 1.0,
                  "score": 50 * 2 / 3 + 50 * 1.0, "rank": 2}},                 # 83.33
}


def order(number: str) -> IncomingOrder:
    return IncomingOrder(order_no=number, kind="一般", category="投诉", dispatch_time=MONDAY,
                         content="来电人反映：楼道堆物影响通行。", caller="钱先生", phone="13800002222")


@pytest.fixture
def month(tmp_path: Path, scenario_clock: object) -> Hotline:
    home = tmp_path / "home"
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "工单.xlsx"
    orders = [order(n) for n in [*PLAN, "GDC1"]]
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(0), extra=False))
    hotline = Hotline(home)
    drop(home, path)
    ran = hotline("run", "--as-of", "2026-11-02")
    assert ran.exit_code == 0, ran.output
    for number, (department, contact, result, handled, satisfaction) in PLAN.items():
        assert hotline("assign", number, department).exit_code == 0
        if contact:
            assert hotline("contact", number, "--at", contact).exit_code == 0
        if result:
            assert hotline("handle", number, "--result", result, "--at", f"{handled} 16:00").exit_code == 0
        if satisfaction:
            assert hotline("visit", number, "--satisfaction", satisfaction,
                           "--at", f"{handled} 17:00").exit_code == 0
    return hotline


def with_setting(hotline: Hotline, setting: str) -> None:
    path = hotline.home / "hotline.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[assessment]")
    end = text.index("[inbox]")
    path.write_text(text[:start] + setting.strip() + "\n\n" + text[end:], encoding="utf-8")


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in data["departments"]}


@pytest.mark.parametrize("number,setting", [(1, SETTING_1), (2, SETTING_2)])
def test_two_settings_give_the_hand_computed_scores_and_ranks(month: Hotline, number: int,
                                                              setting: str) -> None:
    with_setting(month, setting)
    data = month.json("assess", "--month", "2026-11", "--as-of", "2026-11-27")
    found = by_name(data)
    for department, expected in EXPECTED[number].items():
        for key, value in expected.items():
            assert found[department][key] == pytest.approx(value), (department, key)
    shown = month("assess", "--month", "2026-11", "--as-of", "2026-11-27").output
    first = min(EXPECTED[number], key=lambda d: EXPECTED[number][d]["rank"])
    assert f"第1名 {first}" in shown
    book = openpyxl.load_workbook(month.home / "outbox" / "2026-11-27" / "绩效考核-2026-11.xlsx")
    notes = {r[0]: r[1] for r in book["指标说明"].iter_rows(min_row=3, values_only=True)}
    if number == 1:
        assert notes["满意率"].startswith("（满意 + 0.9 × 基本满意）÷ 已回访")
        assert notes["解决率"].startswith("（实际解决 + 解释说明）÷ 已办结")
        assert notes["综合得分"].startswith("10 × 先行联系按时率 + 40 × 满意率 + 50 × 解决率，满分 100 分")
    else:
        assert notes["满意率"].startswith("（满意 + 基本满意）÷ 已回访")
        assert notes["综合得分"].startswith("50 × 按时办结率 + 50 × 满意率")
    assert "示例" in notes["满意率"]
    sheet = book["考核汇总"]
    header = [c.value for c in sheet[3]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    for department, expected in EXPECTED[number].items():
        assert rows[department][header.index("排名")] == expected["rank"]
        assert rows[department][header.index("综合得分")] == round(expected["score"], 2)
    # every score shows two decimals (100.00 beside 83.33), every rate as a percentage
    score_col = header.index("综合得分") + 1
    for r in range(4, 4 + len(rows)):
        cell = sheet.cell(row=r, column=score_col)
        assert cell.value is None or cell.value == "—" or cell.number_format == "0.00"


def test_no_score_set_keeps_the_plain_figures(month: Hotline) -> None:
    data = month.json("assess", "--month", "2026-11", "--as-of", "2026-11-27")
    found = by_name(data)
    assert found["城管中队"]["score"] is None and found["城管中队"]["rank"] is None
    assert found["城管中队"]["satisfaction_rate"] == pytest.approx(1.0)
    assert found["城管中队"]["solved_rate"] == pytest.approx(1 / 3)


def test_returns_and_extension_requests_are_counted(month: Hotline) -> None:
    assert month("assign", "GDC1", "城管中队").exit_code == 0
    path = month.home / "hotline.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("return_days = 1", "return_days = 30"),
                    encoding="utf-8")
    assert month("ask-extension", "GDB3", "--days", "5", "--reason", "需协调").exit_code == 0
    assert month("return", "GDC1", "--reason", "非本街道").exit_code == 0
    before = by_name(month.json("assess", "--month", "2026-11", "--as-of", "2026-11-27"))
    assert before["城管中队"]["returned"] == 1 and before["城管中队"]["counted"] == 4
    assert before["房管办"]["extension_requested"] == 1
    assert month("return-decide", "GDC1", "--confirmed").exit_code == 0
    after = month.json("assess", "--month", "2026-11", "--as-of", "2026-11-27")
    team = by_name(after)["城管中队"]
    assert team["returned_confirmed"] == 1 and team["counted"] == 3  # left out of the rates
    assert after["total"]["returned"] == 1 and after["total"]["extension_requested"] == 1


def test_a_setting_that_makes_no_sense_is_refused(month: Hotline) -> None:
    with_setting(month, '[assessment]\nsolved = ["办好了"]\n')
    result = month("assess", "--month", "2026-11")
    assert result.exit_code == 2 and "办好了" in result.output
