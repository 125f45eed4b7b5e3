"""The notice reader never guesses: wrapped copies read exactly, anything doubtful is refused
with its sentence quoted, and no text whatever makes it crash."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import Hotline
from hypothesis import given, settings
from hypothesis import strategies as st
from test_calendar import NOTICES

from pipeline.config import load_config
from pipeline.deadlines.holidays import parse_notice
from pipeline.deadlines.notice import NoticeError, arabic_numerals, read_notice
from pipeline.errors import ConfigError

DATA = Path(__file__).parent / "data"


def notice(year: int) -> str:
    return (DATA / f"notice-{year}.txt").read_text(encoding="utf-8")


def wrapped(text: str, width: int, rnd: random.Random) -> str:
    """The text as copied from a web page or a PDF: lines cut every `width` characters,
    sometimes with an indent or a trailing space."""
    lines: list[str] = []
    for line in text.splitlines():
        for i in range(0, len(line), width):
            lines.append(rnd.choice(["", " ", "\u3000"]) + line[i:i + width] + rnd.choice(["", " "]))
    return rnd.choice(["\n", "\r\n"]).join(lines)


@pytest.mark.parametrize("year", sorted(NOTICES))
@pytest.mark.parametrize("width", [4, 7, 11, 13, 17, 23, 31])
def test_wrapped_notices_read_exactly(year: int, width: int) -> None:
    text = wrapped(notice(year), width, random.Random(width * year))
    schedule = parse_notice(text, year)
    off, makeup = NOTICES[year]
    assert schedule.holidays == off
    assert schedule.workdays == makeup


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(NOTICES)), st.integers(min_value=2, max_value=60),
       st.integers(min_value=0, max_value=10**6))
def test_any_wrapping_reads_exactly(year: int, width: int, seed: int) -> None:
    reading = read_notice(wrapped(notice(year), width, random.Random(seed)), year)
    off, makeup = NOTICES[year]
    assert (reading.holidays, reading.workdays) == (off, makeup)


def test_festival_by_festival_summary() -> None:
    reading = read_notice(notice(2025), 2025)
    summary = {f.name: (len(f.holidays), len(f.workdays)) for f in reading.festivals}
    assert summary == {"元旦": (1, 0), "春节": (8, 2), "清明节": (3, 0), "劳动节": (5, 1),
                       "端午节": (3, 0), "国庆节、中秋节": (8, 2)}
    assert reading.title_year == 2025 and reading.skipped == []


def test_the_2024_eve_sentence_is_reported_as_skipped() -> None:
    reading = read_notice(notice(2024), 2024)
    assert len(reading.skipped) == 1
    assert "除夕（2月9日）休息" in reading.skipped[0]
    assert date(2024, 2, 9) not in reading.holidays


def test_a_notice_missing_a_festival_of_the_law_is_doubted(tmp_path: Path) -> None:
    # a copy that lost its 春节 section: read, but the law's 春节 days are missing
    text = "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。"
    schedule = parse_notice(text, 2027)
    assert "法定节假日 2027-02-05（春节）不在读到的放假日中" in schedule.skipped
    assert len(schedule.skipped) == 12  # 13 days of the law, 元旦 read
    source = tmp_path / "通知.txt"
    source.write_text(text, encoding="utf-8")
    result = Hotline(tmp_path)("calendar", "add", "2027", "--notice", str(source))  # no answer
    assert result.exit_code == 1
    assert "未保存" in result.output
    assert "\n[calendar.2027]" not in (tmp_path / "hotline.toml").read_text(encoding="utf-8")


REFUSALS = [
    ("二、春节：2月13日至5日放假调休，共9天。", "起止颠倒", "2月13日至5日"),
    ("一、元旦：2月30日放假。", "不存在", "2月30日放假"),
    ("二、春节：2月1日至3月17日放假。", "超过 31 天", "2月1日至3月17日"),
    ("一、元旦：1月1日（周四）放假。", "周五", "1月1日（周四）放假"),
    ("一、元旦：1月1日（星期四）至3日放假。", "周五", "1月1日（星期四）至3日放假"),
    ("一、元旦：1月1日至3日放假调休，共4天。", "共4天", "1月1日至3日放假调休"),
    ("二、春节：5日至11日放假。", "没有写月份", "5日至11日放假"),
]


@pytest.mark.parametrize(("text", "why", "quoted"), REFUSALS, ids=[r[1] for r in REFUSALS])
def test_doubtful_sentences_are_refused_and_quoted(text: str, why: str, quoted: str) -> None:
    with pytest.raises(NoticeError) as caught:
        read_notice(text, 2027)
    assert why in str(caught.value)
    assert f"“{quoted}" in str(caught.value)


def test_a_notice_of_another_year_is_refused() -> None:
    with pytest.raises(NoticeError, match=r"这是 2026 年的节假日安排通知.*要录入的是 2027 年"):
        read_notice(notice(2026), 2027)
    # without its title, the bracketed weekdays give it away
    body = notice(2026).split("\n", 1)[1].replace("2026年", "")
    with pytest.raises(NoticeError, match="注明“周四”，但 2027 年的这一天是周五"):
        read_notice(body, 2027)


def test_chinese_numerals() -> None:
    assert arabic_numerals("二〇二七年二月五日至十一日，十二月三十一日，共七天") == (
        "2027年2月5日至11日，12月31日，共7天")
    reading = read_notice("一、元旦：一月一日放假。二、春节：二月五日（周五）至十一日（周四）放假调休，"
                          "共七天。二月二十日（星期六）上班。", 2027)
    assert reading.holidays == {date(2027, 1, 1)} | {date(2027, 2, 5) + timedelta(days=i)
                                                      for i in range(7)}
    assert reading.workdays == {date(2027, 2, 20)}


def test_lunar_dates_in_brackets_are_not_read_as_dates() -> None:
    reading = read_notice("二、春节：2月5日（农历十二月二十九日、周五）至11日（农历正月初五、周四）放假。",
                          2027)
    assert len(reading.holidays) == 7 and reading.skipped == []


NOTICE_CHARS = list("0123456789一二三十〇年月日至（）()周星期六放假上班共天，。；、\n 农历:：元旦春节国庆")


def _reads_or_refuses(text: str) -> None:
    try:
        schedule = parse_notice(text, 2027)
    except ConfigError:  # NoticeError, or the schedule's own check
        return
    assert schedule.holidays
    assert all(d.year == 2027 for d in schedule.holidays | schedule.workdays)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(NOTICE_CHARS), max_size=80))
def test_any_notice_like_text_gives_a_reading_or_a_refusal(text: str) -> None:
    _reads_or_refuses(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_unicode_gives_a_reading_or_a_refusal(text: str) -> None:
    _reads_or_refuses(text)


# -- the command --------------------------------------------------------------------------

def test_add_shows_the_summary_and_asks_when_something_was_skipped(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    source = tmp_path / "通知2024.txt"
    source.write_text(wrapped(notice(2024), 9, random.Random(3)), encoding="utf-8")
    declined = hotline("calendar", "add", "2024", "--notice", str(source), input="n\n")
    assert declined.exit_code == 1, declined.output
    assert "春节：放假 02-10至02-17（8天），上班 02-04、02-18" in declined.output
    assert "共放假 28 天（含与周末连休的周末），调休上班 8 天" in declined.output
    assert "除夕（2月9日）休息" in declined.output
    assert "\n[calendar.2024]" not in (tmp_path / "hotline.toml").read_text(encoding="utf-8")

    accepted = hotline("calendar", "add", "2024", "--notice", str(source), "--yes")
    assert accepted.exit_code == 0, accepted.output
    calendar = load_config(tmp_path).calendar_years[2024]
    off, makeup = NOTICES[2024]
    assert (set(calendar.holidays), set(calendar.workdays)) == (off, makeup)


def test_add_refuses_with_the_sentence(tmp_path: Path) -> None:
    hotline = Hotline(tmp_path)
    source = tmp_path / "通知.txt"
    source.write_text("国务院办公厅关于2027年部分节假日安排的通知\n二、春节：2月13日至\n5日放假调休，共9天。",
                      encoding="utf-8")
    result = hotline("calendar", "add", "2027", "--notice", str(source))
    assert result.exit_code == 2
    assert "“2月13日至5日放假调休，共9天”中的区间“2月13日至5日”起止颠倒" in result.output
    assert "Traceback" not in result.output
