"""`hotline calendar add`: a year's schedule from the notice's own text or typed dates."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import Hotline
from test_calendar import NOTICES

from pipeline.config import load_config
from pipeline.deadlines.workdays import WorkCalendar

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_notice_text_gives_the_notice_calendar(tmp_path: Path, year: int) -> None:
    hotline = Hotline(tmp_path)
    # 2024's notice has one sentence with a date that is no arrangement (除夕 休息): confirmed
    answer = "y\n" if year == 2024 else ""
    result = hotline("calendar", "add", str(year), "--notice", str(DATA / f"notice-{year}.txt"),
                     input=answer)
    assert result.exit_code == 0, result.output
    assert ("仍按读到的日期保存吗" in result.output) == (year == 2024)

    config = load_config(tmp_path)
    calendar = WorkCalendar(config.calendar_years)
    assert calendar.source(year) == "configured"
    off, makeup = NOTICES[year]
    day = date(year, 1, 1)
    while day.year == year:
        expected = day in makeup or (day.weekday() < 5 and day not in off)
        assert calendar.is_workday(day) == expected, day
        day += timedelta(days=1)


def test_typed_2027_schedule_makes_deadlines_exact(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    args = ["deadline", "--dispatched", "2026-12-18", "--kind", "一般", "--category", "求助"]
    assert hotline.json(*args)["provisional"] is True

    added = hotline("calendar", "add", "2027", "--holidays", "2027-01-01..2027-01-03",
                    "--holidays", "2027-02-06..2027-02-13", "--workdays", "2027-02-14")
    assert added.exit_code == 0, added.output
    assert "放假 11 天" in added.output

    after = hotline.json(*args)
    assert after["provisional"] is False
    assert after["missing_years"] == []
    assert after["due"]["red"] == "2027-01-11"


def test_adding_a_year_twice_needs_replace(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    assert hotline("calendar", "add", "2027", "--holidays", "2027-01-01").exit_code == 0
    again = hotline("calendar", "add", "2027", "--holidays", "2027-01-01..2027-01-02")
    assert again.exit_code == 2
    assert "--replace" in again.output
    replaced = hotline("calendar", "add", "2027", "--holidays", "2027-01-01..2027-01-02",
                       "--replace")
    assert replaced.exit_code == 0
    config = load_config(tmp_path)
    assert config.calendar_years[2027].holidays == {date(2027, 1, 1), date(2027, 1, 2)}
    text = (tmp_path / "hotline.toml").read_text(encoding="utf-8")
    assert text.count("\n[calendar.2027]") == 1


def test_bad_dates_are_refused_clearly(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    wrong_year = hotline("calendar", "add", "2027", "--holidays", "2026-12-31")
    assert wrong_year.exit_code == 2 and "不在 2027 年" in wrong_year.output
    typo = hotline("calendar", "add", "2027", "--holidays", "2027-13-01")
    assert typo.exit_code == 2 and "无法识别" in typo.output
    clash = hotline("calendar", "add", "2027", "--holidays", "2027-02-14",
                    "--workdays", "2027-02-14")
    assert clash.exit_code == 2 and "既是放假日又是上班日" in clash.output


def test_weekday_make_up_day_is_warned_about(tmp_path: Path) -> None:
    result = Hotline(tmp_path)("calendar", "add", "2027", "--holidays", "2027-01-01",
                               "--workdays", "2027-01-04", "--dry-run")
    assert result.exit_code == 0
    assert "通常调休上班日是周六或周日" in result.output
    assert "未保存" in result.output
    assert "\n[calendar.2027]" not in (tmp_path / "hotline.toml").read_text(encoding="utf-8")
