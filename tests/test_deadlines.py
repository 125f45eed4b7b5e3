"""Annex 1's clocks on hand-checked days, their properties, and `hotline deadline`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import Hotline
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import CalendarYear
from pipeline.deadlines.clocks import DeadlineCalculator, Light
from pipeline.deadlines.rules import load_rules
from pipeline.deadlines.workdays import WorkCalendar


def calc(configured: dict[int, CalendarYear] | None = None) -> DeadlineCalculator:
    return DeadlineCalculator(WorkCalendar(configured), load_rules())


def d(text: str) -> date:
    return date.fromisoformat(text)


# (dispatch date, kind, category) → (first contact, warning, yellow, red), worked by hand
# from the State Council notices (see test_calendar.py).
CASES = {
    "dispatched on National Day": (
        "2026-10-01", "一般", "咨询", ("2026-10-08", "2026-10-08", "2026-10-10", "2026-10-13")),
    "dispatched on a make-up Saturday before Spring Festival": (
        "2026-02-14", "一般", "建议", ("2026-02-24", "2026-02-24", "2026-02-26", "2026-02-28")),
    "dispatched on a make-up Sunday": (
        "2026-01-04", "一般", "求助", ("2026-01-05", "2026-01-09", "2026-01-16", "2026-01-23")),
    "make-up Sunday before National Day, crossing it": (
        "2026-09-20", "一般", "投诉", ("2026-09-21", "2026-09-28", "2026-10-10", "2026-10-16")),
    "Spring Festival eve 2026 (a holiday)": (
        "2026-02-16", "紧急", "投诉", ("2026-02-24", None, None, "2026-02-24")),
    "Spring Festival eve 2024 (a working day): day 1 is a make-up Sunday": (
        "2024-02-09", "夜间特殊", "求助", ("2024-02-18", None, None, "2024-02-18")),
    "Spring Festival eve 2025": (
        "2025-01-28", "一般", "咨询", ("2025-02-05", "2025-02-05", "2025-02-07", "2025-02-10")),
    "across New Year": (
        "2025-12-31", "一般", "求助", ("2026-01-04", "2026-01-08", "2026-01-15", "2026-01-22")),
    "an ordinary Monday": (
        "2026-11-02", "一般", "投诉", ("2026-11-03", "2026-11-09", "2026-11-16", "2026-11-23")),
    "a Friday": (
        "2026-11-06", "夜间特殊", "投诉", ("2026-11-09", None, None, "2026-11-09")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_checked_milestones(name: str) -> None:
    dispatched, kind, category, expected = CASES[name]
    result = calc().compute(kind, category, d(dispatched))
    h = result.handling
    got = (result.first_contact.red, h.warning, h.yellow, h.red)
    assert got == tuple(d(x) if x else None for x in expected)
    assert not result.provisional


def test_time_of_day_does_not_matter_but_the_date_does(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    late = hotline.json("deadline", "--dispatched", "2026-11-05 23:59", "--kind", "紧急")
    midnight = hotline.json("deadline", "--dispatched", "2026-11-06 00:00", "--kind", "紧急")
    morning = hotline.json("deadline", "--dispatched", "2026-11-06 08:30:00", "--kind", "紧急")
    assert late["due"]["red"] == "2026-11-06"
    assert midnight["due"]["red"] == morning["due"]["red"] == "2026-11-09"


def test_the_six_clocks_of_annex_1() -> None:
    c = calc()
    monday = d("2026-11-02")
    assert c.compute("一般", "咨询", monday).first_contact.red == d("2026-11-03")  # 先行联系
    assert c.compute("一般", "建议", monday).handling.red == d("2026-11-09")  # day 5
    assert c.compute("一般", "求助", monday).handling.red == d("2026-11-23")  # day 15
    assert c.compute("紧急", "咨询", monday).handling.red == d("2026-11-03")  # day 1
    assert c.compute("夜间特殊", "", monday).handling.red == d("2026-11-03")  # day 1
    petition = c.compute("信访", "", d("2026-08-02"))
    # 60 calendar days end on 2026-10-01, National Day: moved to the next working day
    assert petition.handling.red == d("2026-10-08")
    assert petition.petition_notify == d("2026-08-17")
    assert petition.handling.calendar_days
    assert petition.handling.limit_text == "60日"


def test_petition_extension_adds_calendar_days() -> None:
    c = calc()
    extended = c.compute("信访", "", d("2026-08-02"), extension=30)
    # acceptance + 90 = 2026-10-31, a Saturday → Monday 2026-11-02
    assert extended.handling.red == d("2026-11-02")
    assert extended.handling.limit_text == "90日"


def test_extension_on_a_working_day_clock_moves_only_the_red_day() -> None:
    c = calc()
    base = c.compute("一般", "投诉", d("2026-11-02"))
    extended = c.compute("一般", "投诉", d("2026-11-02"), extension=5)
    assert extended.handling.red == d("2026-11-30")
    assert extended.handling.yellow == base.handling.yellow


def test_missing_category_takes_the_stricter_row() -> None:
    result = calc().compute("一般", "", d("2026-11-02"))
    assert result.handling.red == d("2026-11-09")
    assert result.handling.category_assumed


def test_lights_as_of_dates() -> None:
    h = calc().compute("一般", "投诉", d("2026-11-02")).handling
    assert h.light(d("2026-11-02")) is Light.NORMAL
    assert h.light(d("2026-11-09")) is Light.WARNING
    assert h.light(d("2026-11-16")) is Light.YELLOW
    assert h.light(d("2026-11-23")) is Light.RED
    assert h.light(d("2026-11-24")) is Light.OVERDUE
    # closed on the red day: keeps 红灯 for ever and counts as on time
    assert h.light(d("2027-03-01"), closed_on=d("2026-11-23")) is Light.RED
    assert h.on_time(d("2026-11-23"))
    assert not h.on_time(d("2026-11-24"))


def test_dispatch_2026_12_18_is_provisional_until_2027_is_configured(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    before = hotline.json("deadline", "--dispatched", "2026-12-18", "--kind", "一般",
                          "--category", "求助")
    days = {m["name"]: m["date"] for m in before["milestones"]}
    assert days["first_contact"] == "2026-12-21"  # 1st working day
    assert days["warning"] == "2026-12-25"  # 5th
    assert before["provisional"] is True
    assert before["missing_years"] == [2027]
    assert before["due"]["red"] == "2027-01-11"  # the law's 元旦 (2027-01-01) is not counted
    text = hotline("deadline", "--dispatched", "2026-12-18", "--kind", "一般",
                   "--category", "求助").output
    assert "暂定" in text and "hotline calendar add 2027" in text

    config = tmp_path / "hotline.toml"
    config.write_text(config.read_text(encoding="utf-8") + (
        '\n[calendar.2027]\nholidays = ["2027-01-01"]\nworkdays = []\n'), encoding="utf-8")
    after = hotline.json("deadline", "--dispatched", "2026-12-18", "--kind", "一般",
                         "--category", "求助")
    assert after["provisional"] is False
    assert after["due"]["red"] == "2027-01-11"  # the entered notice confirms it


# -- properties ---------------------------------------------------------------------------

known_days = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 30))
any_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
KINDS = st.sampled_from([("一般", "咨询"), ("一般", "建议"), ("一般", "求助"), ("一般", "投诉"),
                         ("紧急", ""), ("夜间特殊", ""), ("信访", "")])
CALENDAR = WorkCalendar()
CALC = DeadlineCalculator(CALENDAR, load_rules())


@given(start=any_days, n=st.integers(min_value=1, max_value=40))
@settings(max_examples=300, deadline=None)
def test_nth_workday_properties(start: date, n: int) -> None:
    day, _ = CALENDAR.nth_workday_after(start, n)
    assert CALENDAR.is_workday(day)
    assert day > start
    count, _ = CALENDAR.workdays_between(start, day)
    assert count == n  # exactly n working days in (start, day]
    nxt, _ = CALENDAR.nth_workday_after(start, n + 1)
    assert nxt > day


@given(start=any_days)
@settings(max_examples=200, deadline=None)
def test_day_one_is_the_first_working_day_strictly_after(start: date) -> None:
    day, _ = CALENDAR.nth_workday_after(start, 1)
    probe = start + timedelta(days=1)
    while probe < day:
        assert not CALENDAR.is_workday(probe)
        probe += timedelta(days=1)


@given(start=known_days, kind=KINDS)
@settings(max_examples=200, deadline=None)
def test_every_milestone_is_a_working_day(start: date, kind: tuple[str, str]) -> None:
    result = CALC.compute(kind[0], kind[1], start)
    for day in (result.first_contact.red, result.handling.warning, result.handling.yellow,
                result.handling.red):
        if day is not None and CALENDAR.is_known(day.year):
            assert CALENDAR.is_workday(day)
    h = result.handling
    steps = [x for x in (h.warning, h.yellow, h.red) if x is not None]
    assert steps == sorted(steps)


@given(start=any_days, kind=KINDS, offsets=st.lists(st.integers(0, 120), min_size=2, max_size=6),
       closed=st.one_of(st.none(), st.integers(0, 60)))
@settings(max_examples=200, deadline=None)
def test_a_light_never_goes_back(start: date, kind: tuple[str, str], offsets: list[int],
                                 closed: int | None) -> None:
    result = CALC.compute(kind[0], kind[1], start)
    closed_on = start + timedelta(days=closed) if closed is not None else None
    for clock in (result.first_contact, result.handling):
        ranks = [clock.light(start + timedelta(days=o), closed_on).rank for o in sorted(offsets)]
        assert ranks == sorted(ranks)
