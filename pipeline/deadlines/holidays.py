"""Adding a year's holiday schedule (国务院办公厅关于XXXX年部分节假日安排的通知) to a home:
from dates typed by the clerk, or read from the text of the notice itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pipeline.config import CONFIG_NAME
from pipeline.errors import ConfigError
from pipeline.normalise import InvalidValueError, halfwidth, parse_day
from pipeline.safety.files import write_config_text


@dataclass
class Schedule:
    year: int
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def check(self) -> None:
        """What a clerk should look at twice before saving."""
        clash = self.holidays & self.workdays
        if clash:
            raise ConfigError(f"{min(clash)} 既是放假日又是上班日，请核对通知。")
        for day in sorted(self.workdays):
            if day.weekday() < 5:
                self.warnings.append(f"调休上班日 {day} 是工作日（周{'一二三四五'[day.weekday()]}），"
                                     "通常调休上班日是周六或周日，请核对。")
        if not self.holidays:
            raise ConfigError(f"没有读到 {self.year} 年的放假日，请核对输入。")


_SPAN = re.compile(r"\.\.|至|～|~|—")


def parse_spans(values: list[str], year: int, what: str) -> set[date]:
    """'2027-02-05..2027-02-11' (or 至, ~), '2027-01-01', '2027/1/1', '2027年1月1日' → dates:
    every date in the form `--at` and `--as-of` take."""
    out: set[date] = set()
    for raw in values:
        for part in re.split(r"[,，、\s]+", halfwidth(raw).strip()):
            if not part:
                continue
            first, *rest = _SPAN.split(part, maxsplit=1)
            try:
                start = parse_day(first)
                end = parse_day(rest[0]) if rest else start
            except InvalidValueError:
                start = end = None
            if start is None or end is None:
                raise ConfigError(
                    f"{what}“{part}”无法识别，请写成 2027-01-01、2027/1/1、2027年1月1日，"
                    "区间写成 2027-02-05..2027-02-11 或 2027年2月5日至2027年2月11日。"
                )
            if end < start or (end - start).days > 31:
                raise ConfigError(f"{what}“{part}”的起止日期不对。")
            day = start
            while day <= end:
                if day.year != year:
                    raise ConfigError(f"{what}“{part}”不在 {year} 年。")
                out.add(day)
                day += timedelta(days=1)
    return out


_DAY = r"(?:(?P<{p}y>\d{{4}})年)?(?:(?P<{p}m>\d{{1,2}})月)?(?P<{p}d>\d{{1,2}})日(?:（[^）]*）|\([^)]*\))?"
_RANGE = re.compile(_DAY.format(p="a") + r"(?:至" + _DAY.format(p="b") + r")?")


def parse_notice(text: str, year: int) -> Schedule:
    """Read the days off and the make-up working days from a State Council notice.

    Each holiday's sentence reads like “2月15日（农历腊月二十八、周日）至23日（…）放假调休，
    共9天。2月14日（周六）、2月28日（周六）上班。” Dates before 放假 are days off; dates
    before 上班 are working days; anything else (“除夕（2月9日）休息”) is ignored.
    """
    schedule = Schedule(year)
    text = halfwidth(text).replace(" ", "")
    for clause in re.split(r"[。；;\n]", text):
        if "放假" in clause:
            head = clause.split("放假")[0]
            schedule.holidays |= _dates_in(head, year, schedule)
        if clause.endswith("上班") or "上班" in clause:
            head = clause.split("上班")[0]
            if "放假" in head:
                head = head.split("放假", 1)[1]
            schedule.workdays |= _dates_in(head, year, schedule)
    schedule.check()
    return schedule


def _dates_in(fragment: str, year: int, schedule: Schedule) -> set[date]:
    out: set[date] = set()
    month: int | None = None
    for m in _RANGE.finditer(fragment):
        y = int(m.group("ay") or year)
        month = int(m.group("am") or month or 0)
        if not month:
            continue
        start = date(y, month, int(m.group("ad")))
        end = start
        if m.group("bd"):
            end_month = int(m.group("bm") or month)
            end = date(int(m.group("by") or y), end_month, int(m.group("bd")))
            if end < start:  # “12月30日至1月1日”
                end = date(end.year + 1, end.month, end.day)
            month = end_month
        day = start
        while day <= end:
            if day.year == year:
                out.add(day)
            else:
                schedule.warnings.append(f"{day} 不在 {year} 年，未录入（属于另一年的安排）。")
            day += timedelta(days=1)
    return out


def section_text(schedule: Schedule, source: str) -> str:
    def dates(values: set[date]) -> str:
        items = [f'"{d.isoformat()}"' for d in sorted(values)]
        lines = ["  " + ", ".join(items[i:i + 6]) + "," for i in range(0, len(items), 6)]
        return "[\n" + "\n".join(lines) + "\n]"

    return (
        f"\n[calendar.{schedule.year}]\n"
        f"# {source}\n"
        f"holidays = {dates(schedule.holidays)}\n"
        f"workdays = {dates(schedule.workdays)}\n"
    )


def save_schedule(home: Path, schedule: Schedule, source: str, *, replace: bool) -> Path:
    """Append (or with `replace`, swap in) the [calendar.YEAR] section of hotline.toml."""
    path = home / CONFIG_NAME
    text = path.read_text(encoding="utf-8-sig")
    header = re.compile(rf"^\[calendar\.{schedule.year}\]\s*$", re.MULTILINE)
    match = header.search(text)
    if match and not replace:
        raise ConfigError(
            f"hotline.toml 中已有 [calendar.{schedule.year}]。如要改用新的安排，请加 --replace。"
        )
    if match:
        nxt = re.compile(r"^\[", re.MULTILINE).search(text, match.end())
        end = nxt.start() if nxt else len(text)
        text = text[: match.start()].rstrip("\n") + "\n" + text[end:]
    write_config_text(path, text.rstrip("\n") + "\n" + section_text(schedule, source))
    return path
