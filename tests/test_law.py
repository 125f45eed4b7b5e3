"""Provisional years from 《全国年节及纪念日放假办法》: the law's holidays, checked against
every notified year 2008–2026, and deadlines that cross into a year without a notice."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from conftest import Hotline
from hypothesis import given, settings
from hypothesis import strategies as st
from test_calendar import NOTICES

from pipeline.config import CalendarYear
from pipeline.deadlines.clocks import DeadlineCalculator
from pipeline.deadlines.law import law_name, statutory_festivals, statutory_holidays, version_for
from pipeline.deadlines.rules import load_rules
from pipeline.deadlines.workdays import WorkCalendar

NOTIFIED = range(2008, 2027)


@pytest.mark.parametrize("year", NOTIFIED)
def test_the_law_is_a_subset_of_what_chinese_calendar_has_off(year: int) -> None:
    law = statutory_holidays(year)
    expected = 13 if year >= 2025 else 11
    # 元旦1 春节3|4 清明1 劳动节1|2 端午1 中秋1 国庆3; 中秋 may fall in 国庆 (2009, 2020)
    assert sum(len(f.days) for f in statutory_festivals(year)) == expected
    assert len(law) == expected - (year in (2009, 2020))
    worked = sorted(d for d in law if chinese_calendar.is_workday(d))
    assert worked == []
    # a law holiday on a weekday is one of the library's named holidays; chinese-calendar
    # does not always name the weekend days of a block (2012's 端午 Saturday, 06-23)
    unnamed = sorted(d for d in law if d.weekday() < 5 and d not in chinese_calendar.holidays)
    assert unnamed == []


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_the_law_is_a_subset_of_the_typed_notices(year: int) -> None:
    off, makeup = NOTICES[year]
    assert statutory_holidays(year) <= off
    assert not statutory_holidays(year) & makeup


def test_versions_in_force() -> None:
    # 2007 version: 春节 = 除夕..初二 (2008: 除夕 02-06)
    spring_2008 = dict((f.name, f.days) for f in statutory_festivals(2008))["春节"]
    assert spring_2008 == (date(2008, 2, 6), date(2008, 2, 7), date(2008, 2, 8))
    # 2013 version: 初一..初三 (2024's notice starts on 初一, 02-10; 除夕 02-09 not a holiday)
    spring_2024 = dict((f.name, f.days) for f in statutory_festivals(2024))["春节"]
    assert spring_2024 == (date(2024, 2, 10), date(2024, 2, 11), date(2024, 2, 12))
    assert date(2024, 5, 2) not in statutory_holidays(2024)
    # 2024 version: 除夕..初三 and 5-1, 5-2
    assert dict((f.name, f.days) for f in statutory_festivals(2027))["春节"] == tuple(
        date(2027, 2, 5) + timedelta(days=i) for i in range(4))
    assert {date(2027, 5, 1), date(2027, 5, 2)} <= statutory_holidays(2027)
    assert "2024年修订" in law_name(2027) and "2013年修订" in law_name(2014)
    assert "2007年修订" in law_name(2013)
    assert version_for(2007) is None and statutory_holidays(2007) == frozenset()


def test_2027_lunar_and_solar_term_days() -> None:
    days = {f.name: f.days for f in statutory_festivals(2027)}
    assert days["清明节"] == (date(2027, 4, 5),)
    assert days["端午节"] == (date(2027, 6, 9),)
    assert days["中秋节"] == (date(2027, 9, 15),)
    assert days["国庆节"] == (date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3))


def test_precedence_configured_then_library_then_law() -> None:
    configured = CalendarYear(2027, frozenset({date(2027, 3, 1)}), frozenset())
    calendar = WorkCalendar({2027: configured})
    assert calendar.source(2027) == "configured"
    assert calendar.is_workday(date(2027, 1, 1))  # the configured year says everything
    assert not calendar.is_workday(date(2027, 3, 1))
    plain = WorkCalendar()
    assert plain.source(2026) == "library" and plain.source(2027) == "law"
    assert not plain.is_known(2027)
    assert not plain.is_workday(date(2027, 1, 1))
    assert not plain.is_workday(date(2027, 2, 8))  # 初三, a Monday
    assert plain.is_workday(date(2027, 2, 9))
    assert WorkCalendar().source(2003) == "weekends"  # before the library and the modelled law


def test_complaint_of_2026_12_11_is_provisional_red_on_2027_01_04(tmp_path) -> None:
    hotline = Hotline(tmp_path)
    data = hotline.json("deadline", "--dispatched", "2026-12-11 10:00", "--kind", "一般",
                        "--category", "投诉")
    assert data["due"]["red"] == "2027-01-04"
    assert data["provisional"] is True
    assert data["missing_years"] == [2027]
    assert data["calendar"] == {"2026": "library", "2027": "law"}
    assumed = data["assumed"][0]
    assert assumed["within"] == ["2027-01-01（元旦）"]
    assert assumed["holidays"]["春节"] == ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]

    text = hotline("deadline", "--dispatched", "2026-12-11 10:00", "--kind", "一般",
                   "--category", "投诉").output
    assert "2027-01-04（暂定）" in text
    assert "《全国年节及纪念日放假办法》（2024年修订）" in text
    assert "春节：02-05、02-06、02-07、02-08" in text
    assert "本工单期限内按法定节假日不计的：2027-01-01（元旦）。" in text
    assert "调休上班日和节假日逢周末的补假要等通知" in text
    assert "hotline calendar add 2027" in text
    assert "红灯日的下一个自然日起为超时" in text
    assert "累计不超过15个工作日" in text
    petition = hotline("deadline", "--dispatched", "2026-12-11 10:00", "--kind", "信访").output
    assert "延长的日数从原第60日（未顺延的那一天）起加" in petition
    assert "延期累计不超过30日" in petition


def test_message_names_every_unknown_year_a_clock_runs_through() -> None:
    calc = DeadlineCalculator(WorkCalendar(), load_rules())
    long = calc.compute("一般", "投诉", date(2026, 12, 11), extension=999)
    assert long.handling is not None and long.handling.red.year == 2030
    assert long.unknown_years == (2027, 2028, 2029, 2030)
    short = calc.compute("一般", "投诉", date(2026, 11, 2))
    assert short.unknown_years == () and not short.provisional
    crossing = calc.compute("一般", "投诉", date(2026, 12, 11))
    assert crossing.unknown_years == (2027,)
    assert crossing.first_contact.unknown_years == ()  # 12-14 is in a known year


SHARED = DeadlineCalculator(WorkCalendar(), load_rules())  # years computed once for all examples


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(2026, 6, 1), max_value=date(2029, 12, 31)),
       st.sampled_from([("一般", "投诉"), ("一般", "咨询"), ("紧急", ""), ("信访", "")]),
       st.integers(min_value=0, max_value=400))
def test_unknown_years_are_exactly_the_unpublished_years_spanned(
        dispatched: date, kind: tuple[str, str], extension: int) -> None:
    d = SHARED.compute(*kind, dispatched, extension=extension)
    spanned = range((dispatched + timedelta(days=1)).year, d.latest().year + 1)
    assert d.unknown_years == tuple(y for y in spanned if y >= 2027)
    assert d.provisional == bool(d.unknown_years)
