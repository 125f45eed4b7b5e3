"""Adding a year's holiday schedule (国务院办公厅关于XXXX年部分节假日安排的通知) to a home:
from dates typed by the clerk, or read from the text of the notice itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pipeline.config import CONFIG_NAME
from pipeline.deadlines.notice import Festival, NoticeError, law_doubts, read_notice
from pipeline.errors import ConfigError
from pipeline.normalise import InvalidValueError, halfwidth, parse_day
from pipeline.safety.files import write_config_text


@dataclass
class Schedule:
    year: int
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    festivals: list[Festival] = field(default_factory=list)  # read from a notice
    skipped: list[str] = field(default_factory=list)  # what a clerk must confirm before saving

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


def parse_notice(text: str, year: int) -> Schedule:
    """The schedule of `year` read from a State Council notice (see notice.py), with what
    was left aside; raises NoticeError when the text cannot be read without guessing."""
    reading = read_notice(text, year)
    schedule = Schedule(year, reading.holidays, reading.workdays,
                        festivals=reading.festivals, skipped=list(reading.skipped))
    try:
        schedule.check()
    except NoticeError:
        raise
    except ConfigError as exc:
        raise NoticeError(str(exc)) from exc
    schedule.skipped += law_doubts(reading)
    if reading.title_year is None:
        schedule.warnings.append(f"通知中没有写明是哪一年的安排（标题），已按注明的星期核对；"
                                 f"请确认是 {year} 年的通知。")
    return schedule


def _runs(days: set[date]) -> str:
    """'02-10至02-17（8天）、02-19' for a set of days."""
    out: list[str] = []
    ordered = sorted(days)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] - ordered[j] == timedelta(days=1):
            j += 1
        first, last = ordered[i].strftime("%m-%d"), ordered[j].strftime("%m-%d")
        out.append(first if i == j else f"{first}至{last}（{j - i + 1}天）")
        i = j + 1
    return "、".join(out)


def schedule_lines(schedule: Schedule) -> list[str]:
    """What `calendar add` shows before saving: festival by festival, the totals, the doubts."""
    lines = [f"{schedule.year} 年：共放假 {len(schedule.holidays)} 天（含与周末连休的周末），"
             f"调休上班 {len(schedule.workdays)} 天。"]
    for f in schedule.festivals:
        lines.append(f"  {f.name}：放假 {_runs(f.holidays) or '（无）'}"
                     + (f"，上班 {_runs(f.workdays)}" if f.workdays else ""))
    if not schedule.festivals:
        lines.append("  放假：" + "、".join(d.strftime("%m-%d") for d in sorted(schedule.holidays)))
        lines.append("  上班：" + ("、".join(d.strftime("%m-%d") for d in sorted(schedule.workdays))
                                 or "（无）"))
    lines += [f"  ！{warning}" for warning in schedule.warnings]
    if schedule.skipped:
        lines.append(f"以下 {len(schedule.skipped)} 处没有录入，请对照通知核对：")
        lines += [f"  ？{item}" for item in schedule.skipped]
    return lines


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
