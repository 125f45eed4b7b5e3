"""Reading a State Council holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知) that never
guesses: every date it records comes from a 放假 or 上班 sentence it understood, every
sentence with a date it did not use is reported, and anything it cannot trust is refused
with the sentence quoted.

The text is often copied from a web page or a PDF with line breaks inside sentences, so
lines are joined before anything is read; the numbered headings (二、春节：) and 。；
delimit the sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.deadlines.law import statutory_festivals
from pipeline.errors import ConfigError
from pipeline.normalise import halfwidth

MAX_SPAN = 31  # the longest block ever notified is 9 days; typed ranges share the cap
WEEKDAYS = "一二三四五六日"


class NoticeError(ConfigError):
    """The notice cannot be read without guessing; the message quotes the sentence."""


@dataclass
class Festival:
    """One numbered section of the notice (二、春节：…) as read."""

    name: str
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)


@dataclass
class NoticeReading:
    """What was read, festival by festival, and what was left aside."""

    year: int
    title_year: int | None
    festivals: list[Festival]
    skipped: list[str]  # sentences (or dates) with a date that was not recorded

    @property
    def holidays(self) -> set[date]:
        return {d for f in self.festivals for d in f.holidays}

    @property
    def workdays(self) -> set[date]:
        return {d for f in self.festivals for d in f.workdays}


# -- Chinese numerals ---------------------------------------------------------------------

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_NUMERAL = re.compile(r"([〇零一二两三四五六七八九十]+)(?=[年月日天])")


def _numeral_value(text: str) -> str:
    """'二〇二七' → '2027', '十二' → '12', '三十一' → '31'; anything odd is left as it was."""
    if "十" not in text:
        return "".join(str(_DIGITS[c]) for c in text)
    tens, _, units = text.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return text
    value = (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)
    return str(value)


def arabic_numerals(text: str) -> str:
    """Chinese numerals written before 年, 月, 日 or 天 (二月五日, 二〇二七年, 共三天) as digits."""
    return _NUMERAL.sub(lambda m: _numeral_value(m.group(1)), text)


# -- the text as sentences ----------------------------------------------------------------

_LUNAR = re.compile(r"农历[^、,，)）]*")
_HEADING = re.compile(r"([一二三四五六七八九十]+)、([^:。;,()]{1,12}?):")
_FESTIVAL_WORDS = ("元旦", "春节", "清明", "劳动", "端午", "中秋", "国庆")
_TITLE = re.compile(r"关于(\d{4})年(?:部分)?节假日安排|现将(\d{4})年")


def flatten(text: str) -> str:
    """One line: wrapped lines joined, spaces gone, lunar dates dropped, numerals as digits.

    Lunar dates (农历腊月二十八, 农历十二月三十日) are not dates of the year and must not be
    read as such; the weekday beside them in the same brackets stays.
    """
    text = halfwidth(text)
    text = re.sub(r"\s+", "", text)
    text = _LUNAR.sub("农历", text)
    return arabic_numerals(text)


def sections(flat: str) -> list[tuple[str, str]]:
    """(festival name, its text) for each numbered heading; the preamble is named ''."""
    out: list[tuple[str, str]] = []
    last_end, last_name = 0, ""
    for m in _HEADING.finditer(flat):
        if not any(word in m.group(2) for word in _FESTIVAL_WORDS):
            continue
        out.append((last_name, flat[last_end:m.start()]))
        last_end, last_name = m.end(), m.group(2)
    out.append((last_name, flat[last_end:]))
    return [(name, body) for name, body in out if body or name]


def sentences(body: str) -> list[str]:
    return [s for s in re.split(r"[。;]", body) if s]


def clauses(sentence: str) -> list[str]:
    """The sentence cut at commas outside brackets (“（农历除夕，周二）” stays whole)."""
    out, depth, start = [], 0, 0
    for i, char in enumerate(sentence):
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            out.append(sentence[start:i])
            start = i + 1
    out.append(sentence[start:])
    return [c for c in out if c]


def title_year(flat: str) -> int | None:
    m = _TITLE.search(flat)
    if m is None:
        return None
    return int(m.group(1) or m.group(2))


# -- dates in a sentence ------------------------------------------------------------------

_DAY = (r"(?<!\d)(?:(?P<{p}y>\d{{4}})年)?(?:(?P<{p}m>\d{{1,2}})月)?(?P<{p}d>\d{{1,2}})日"
        r"(?:\((?P<{p}n>[^)]*)\))?")
_RANGE = re.compile(_DAY.format(p="a") + r"(?:(?:至|到|~|—|－)" + _DAY.format(p="b") + r")?")
_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")


@dataclass
class _Cursor:
    """The year and month a date without them inherits, within one sentence."""

    year: int
    month: int | None = None


_SHOWN = str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；", "~": "～"})


def shown(text: str) -> str:
    """A piece of the flattened text with the notice's own full-width punctuation back."""
    return text.translate(_SHOWN)


def _quote(sentence: str) -> str:
    return f"“{shown(sentence)}”"


def _make_day(y: int, m: int | None, d: int, sentence: str) -> date:
    if m is None:
        raise NoticeError(f"{_quote(sentence)}中的“{d}日”没有写月份，无法确定是哪一天，请核对通知。")
    try:
        return date(y, m, d)
    except ValueError:
        raise NoticeError(f"{_quote(sentence)}中的日期 {y}年{m}月{d}日 不存在，请核对通知。") from None


def _check_weekday(day: date, note: str | None, sentence: str) -> None:
    if not note:
        return
    m = _WEEKDAY.search(note)
    if m is None:
        return
    said = "日" if m.group(1) == "天" else m.group(1)
    if WEEKDAYS.index(said) != day.weekday():
        raise NoticeError(
            f"{_quote(sentence)}中 {day.month}月{day.day}日 注明“周{said}”，但 {day.year} 年的这一天是"
            f"周{WEEKDAYS[day.weekday()]}。这份通知可能不是 {day.year} 年的，请核对。"
        )


def _endpoint(m: re.Match[str], p: str, cursor: _Cursor, sentence: str) -> date:
    if m.group(f"{p}y"):
        cursor.year = int(m.group(f"{p}y"))
    if m.group(f"{p}m"):
        cursor.month = int(m.group(f"{p}m"))
    day = _make_day(cursor.year, cursor.month, int(m.group(f"{p}d")), sentence)
    _check_weekday(day, m.group(f"{p}n"), sentence)
    return day


def _span(m: re.Match[str], cursor: _Cursor, sentence: str) -> list[date]:
    start = _endpoint(m, "a", cursor, sentence)
    if not m.group("bd"):
        return [start]
    explicit_year = bool(m.group("by"))
    end = _endpoint(m, "b", cursor, sentence)
    if end < start and not explicit_year and start.month == 12 and end.month == 1:
        cursor.year += 1  # “12月31日至1月2日”
        end = _make_day(cursor.year, end.month, end.day, sentence)
    if end < start:
        raise NoticeError(f"{_quote(sentence)}中的区间“{shown(m.group(0))}”起止颠倒，请核对通知。")
    if (end - start).days >= MAX_SPAN:
        raise NoticeError(f"{_quote(sentence)}中的区间“{shown(m.group(0))}”长达 {(end - start).days + 1} 天，"
                          f"超过 {MAX_SPAN} 天，不像节假日安排，请核对通知。")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def dates_in(fragment: str, year: int, sentence: str) -> list[date]:
    """Every date of a fragment, ranges expanded, checked; in the order written."""
    cursor = _Cursor(year)
    out: list[date] = []
    for m in _RANGE.finditer(fragment):
        out.extend(_span(m, cursor, sentence))
    return out


# -- reading the notice -------------------------------------------------------------------

_TOTAL = re.compile(r"共(\d+)天")


def _clause_dates(clause: str, year: int, sentence: str) -> tuple[list[date], list[date]]:
    """(days off, working days) of one clause: dates before 放假, dates before 上班."""
    off: list[date] = []
    on: list[date] = []
    rest = clause
    if "放假" in rest:
        head, rest = rest.split("放假", 1)
        off = dates_in(head, year, sentence)
    if "上班" in rest:
        on = dates_in(rest.split("上班", 1)[0], year, sentence)
    return off, on


def _read_sentence(sentence: str, festival: Festival, reading: NoticeReading) -> None:
    off: list[date] = []
    on: list[date] = []
    seen = 0
    for clause in clauses(sentence):
        clause_off, clause_on = _clause_dates(clause, reading.year, sentence)
        off += clause_off
        on += clause_on
        seen += len(dates_in(clause, reading.year, sentence))
    total = _TOTAL.search(sentence)
    if off and total and int(total.group(1)) != len(off):
        raise NoticeError(f"{_quote(sentence)}：读到放假 {len(off)} 天，与“共{total.group(1)}天”不符，"
                          "请核对通知。")
    if seen > len(off) + len(on):
        reading.skipped.append(f"{_quote(sentence)}：其中有日期不在“放假”或“上班”之前，未录入")
    _keep(off, festival.holidays, sentence, reading)
    _keep(on, festival.workdays, sentence, reading)


def _keep(days: list[date], into: set[date], sentence: str, reading: NoticeReading) -> None:
    for day in days:
        if day.year == reading.year:
            into.add(day)
        else:
            reading.skipped.append(f"{_quote(sentence)}：{day} 不在 {reading.year} 年，未录入"
                                   "（属于另一年的安排）")


def read_notice(text: str, year: int) -> NoticeReading:
    """Read the days off and the make-up working days of `year` from a notice's text.

    Raises NoticeError (never anything else) when the text cannot be read without guessing.
    """
    flat = flatten(text)
    found_year = title_year(flat)
    if found_year is not None and found_year != year:
        raise NoticeError(f"这是 {found_year} 年的节假日安排通知（标题或正文写明），"
                          f"而要录入的是 {year} 年，请核对年份或通知。")
    reading = NoticeReading(year, found_year, [], [])
    for name, body in sections(flat):
        festival = Festival(name or "（通知正文）")
        for sentence in sentences(body):
            _read_sentence(sentence, festival, reading)
        if festival.holidays or festival.workdays or name:
            reading.festivals.append(festival)
    return reading


def law_doubts(reading: NoticeReading) -> list[str]:
    """The law's holidays of the year that the reading has not as days off."""
    off = reading.holidays
    return [f"法定节假日 {d}（{f.name}）不在读到的放假日中" for f in statutory_festivals(reading.year)
            for d in f.days if d not in off]
