"""What the clerk reads after a run: a closing summary in Chinese, also saved in the outbox
(运行报告.txt, one section per run of the day) with the day's print list (打印清单.txt).

The report goes to cron mail and the outbox: phones are masked in every written form, file
names and reasons are shown with hidden characters escaped (a newline in a name cannot forge
a line, an RLO cannot turn a name around), and its numbers come from the one tally
(deadlines/tally.py) that the 督办日报 and `list` print too, adding up on the page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.deadlines.clocks import Light
from pipeline.deadlines.tally import CHASE_LIGHTS, CONTACT_LIGHTS, LIGHTS
from pipeline.deadlines.workdays import WorkCalendar
from pipeline.home import Home
from pipeline.model import FLAGS
from pipeline.safety.files import write_text_atomic
from pipeline.store.ingest import IngestStats
from pipeline.text import mask_numbers, mask_phones, one_line, show_name

STATUS_TEXT = {
    "archived": "已读入",
    "partial": "部分读入，有问题的行见原因说明",
    "failed": "无法读取，已放在一边",
    "duplicate": "重复文件",
    "elsewhere": "别的街道已读入过，已放在一边",
}
# Outcomes that leave the original in failed/ with its reason file.
SET_ASIDE = ("failed", "partial", "elsewhere")


@dataclass
class RunSummary:
    as_of: str
    started: str = ""
    finished: str = ""
    files: list[Any] = field(default_factory=list)  # batch.FileOutcome
    busy: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    reminders: int = 0
    updates: int = 0  # returned 转送单 and 台账 edits applied
    reminder_only: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flagged: dict[str, list[str]] = field(default_factory=dict)  # model.FLAGS key → orders
    lights: dict[str, int] = field(default_factory=dict)
    open_orders: int = 0
    documents: int = 0  # documents written by the run (a count: a city's night is 100,000)
    documents_error: str = ""
    workbooks: list[str] = field(default_factory=list)
    feedback: dict[str, int] = field(default_factory=dict)  # 反馈区热线办: listed, held, lines_today
    printable: str = ""  # the merged PDF of the day's forms
    print_note: str = ""
    chased: int = 0
    tally: dict[str, Any] = field(default_factory=dict)  # deadlines.tally.Tally, as JSON
    calendar_warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # disk and permission trouble
    notices: list[str] = field(default_factory=list)  # worth knowing, nothing failed
    timings: dict[str, float] = field(default_factory=dict)
    report: str = ""

    def absorb(self, stats: IngestStats) -> None:
        self.new += len(stats.new)
        self.updated += len(stats.updated)
        self.unchanged += stats.unchanged
        self.reminders += len(stats.reminders)
        self.reminder_only += stats.reminder_only
        self.notes += stats.notes
        for key, numbers in stats.flagged.items():
            self.flagged.setdefault(key, []).extend(numbers)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = [
            {**asdict(f), "problems": [p.text() for p in f.problems]} for f in self.files
        ]
        return data

    @property
    def set_aside(self) -> list[Any]:
        return [f for f in self.files if f.status in SET_ASIDE]


def summary_text(s: dict[str, Any]) -> str:
    """The closing summary of one run (from its JSON form, as stored), section by section."""
    lines = [f"运行日期 {s['as_of']}（灯按此日期计算），{s['started']} 开始，{s['finished']} 结束。", ""]
    lines += _intake_section(s)
    lines += ["", *_deadlines_section(s), "", *_outputs_section(s)]
    notes = [*s.get("errors", []), *s.get("notices", []), *s["calendar_warnings"]]
    if notes:
        lines += ["", "四、提醒："] + [f"  ！{one_line(w)}" for w in notes]
    return mask_phones("\n".join(lines))


def _intake_section(s: dict[str, Any]) -> list[str]:
    """一、收件: each file, the counts, what was set aside and why."""
    files = s["files"]
    lines = [f"一、收件：处理文件 {len(files)} 个。"]
    for f in files:
        count = f"，{f['orders']} 条记录" if f["orders"] else ""
        why = f"（{one_line(f['reason'])}）" if f["status"] == "duplicate" and f["reason"] else ""
        lines.append(f"  · {show_name(f['name'])}：{STATUS_TEXT[f['status']]}{why}{count}")
    if not files:
        lines.append("  · 收件箱中没有新文件。")
    lines.append(
        f"  新工单 {s['new']} 张，更新 {s['updated']} 张，催单 {s['reminders']} 次，"
        f"内容未变 {s['unchanged']} 条。"
    )
    if s.get("updates"):
        lines.append(f"  退回的转送单、台账中填写的办理情况：{s['updates']} 项已登记。")
    for no in s["reminder_only"]:
        lines.append(f"  ！收到催单但没有原工单：{no}（已按催单建立记录，请向区热线办索取原工单）")
    lines += _flag_lines(s)
    lines += _set_aside_lines(s)
    lines += [f"  · {show_name(name)}：仍在写入（复制未完成），留待下次处理" for name in s["busy"]]
    lines += [f"  · 未处理：{one_line(item)}" for item in s["ignored"]]
    lines += [f"  注意：{one_line(note)}" for note in s["notes"]]
    return lines


def _flag_lines(s: dict[str, Any]) -> list[str]:
    """Orders whose export asks for a look: another street (退单?), a supporting role …"""
    flagged = s.get("flagged") or {}
    lines = []
    for key, text in FLAGS.items():
        numbers = list(dict.fromkeys(flagged.get(key, [])))
        if numbers:
            shown = "、".join(numbers[:8]) + ("等" if len(numbers) > 8 else "")
            lines.append(f"  ！{text} {len(numbers)} 张：{shown}（见台账“备注”栏，或 hotline show 工单编号）")
    return lines


def _set_aside_lines(s: dict[str, Any]) -> list[str]:
    aside = [f for f in s["files"] if f["status"] in SET_ASIDE]
    if not aside:
        return []
    lines = [f"  放在一边的文件 {len(aside)} 个（在 failed/{s['as_of']}/，旁边有“原因”说明）："]
    for f in aside:
        reason = f["reason"] or "；".join(f["problems"][:3])
        if "\n" in reason:  # a recipe: its first line here, the whole in the reason file
            reason = reason.split("\n", 1)[0] + "（怎么办见原因说明）"
        more = "等" if len(f["problems"]) > 3 else ""
        lines.append(f"    - {show_name(f['name'])}：{mask_numbers(one_line(reason))}{more}")
    return lines


def _deadlines_section(s: dict[str, Any]) -> list[str]:
    """二、期限与督办: both clocks of the orders in hand, the 督办 count and how it is made up,
    the month's handled orders by outcome, the data-quality items. Every line adds up."""
    t = s.get("tally")
    if not t:  # a run stored before the tally: its lights line as it was
        lights = s["lights"]
        return [f"二、灯（截至 {s['as_of']}，在办工单 {s['open_orders']} 张）：" + "，".join(
            f"{light.value} {lights.get(light.value, 0)}" for light in Light)]

    def counts(values: dict[str, int], keys: tuple[str, ...]) -> str:
        return "，".join(f"{k} {values.get(k, 0)}" for k in keys)

    lines = [
        f"二、期限与督办（截至 {s['as_of']}）：",
        f"  办理：在办 {t['in_hand']} 张 ＝ {counts(t['handling'], LIGHTS)}。",
        f"  先行联系：尚未联系 {t['awaiting_contact']} 张 ＝ {counts(t['contact'], CONTACT_LIGHTS)}。",
        f"  需督办 {t['chased']} 件 ＝ {counts(t['chased_by_light'], CHASE_LIGHTS)}（按最严重的灯）"
        f" ＝ 办理到黄灯及以上 {t['chased_handling']} ＋ 先行联系到红灯及以上 {t['chased_contact']}"
        f" － 两者都有 {t['chased_both']}。",
        f"  本月办结 {t['handled_this_month']} 张 ＝ 按时 {t['handled_on_time']}，"
        f"逾期 {t['handled_late']}（已办结的不再亮灯）。",
    ]
    gaps = t["unrecorded_contact"]
    if gaps:
        shown = "、".join(gaps[:5]) + ("等" if len(gaps) > 5 else "")
        lines.append(f"  ！未登记先行联系 {len(gaps)} 张（已办结，没有联系时间）：{shown}。"
                     "请核实后补登，见督办日报“待补登”。")
    return lines


def _outputs_section(s: dict[str, Any]) -> list[str]:
    """三、输出: the documents and workbooks of the day, and the orders to chase."""
    written = s["documents"]  # runs stored before it was a count kept the list of paths
    written = written if isinstance(written, int) else len(written)
    lines = [
        f"三、输出（outbox/{s['as_of']}/）：",
        f"  转送单 {written} 份" + ("（转送单/）" if written else ""),
    ]
    if s["documents_error"]:
        lines.append(f"  ！{s['documents_error']}（未生成的转送单会在下次运行时补上）")
    lines += [f"  {book}" for book in s["workbooks"]]
    told = s.get("feedback") or {}
    if told:
        held = f"；{told['held']} 项办理结果待分管领导签字，暂不反馈" if told.get("held") else ""
        lines.append(f"  反馈区热线办：本次新列 {told['listed']} 项"
                     f"（当天共 {told['lines_today']} 项）{held}。")
        for day in told.get("rewritten", []):
            lines.append(f"  ！上次运行在记下反馈事项后、写出 {day} 的反馈清单前中断，已补写"
                         f" outbox/{day}/反馈区热线办-{day}.xlsx（这些事项没有列入今天的清单）。")
    if s.get("printable"):
        lines.append(f"  {s['printable'].split('/', 1)[-1]}（当天全部新文书合并，可一次打印）")
    if s.get("print_note"):
        lines.append(f"  {s['print_note']}")
    lines.append(f"  需督办 {s['chased']} 件（黄灯、红灯、超时），见督办日报。")
    return lines


def write_day_report(home: Home, day: str) -> str:
    """Rewrite 运行报告.txt and 打印清单.txt of a day from the stored runs and documents."""
    store = home.store()
    with store.read() as conn:
        runs = store.runs_on(conn, day)
        docs = store.document_paths_on(conn, day)
    out = home.config.outbox / day
    parts = ["北站街道“12345”市民服务热线 工单处理运行报告", ""]
    for i, run in enumerate(runs, 1):
        parts += [f"—— 第 {i} 次运行 ——", summary_text(run["summary"]), ""]
    report = out / "运行报告.txt"
    write_text_atomic(report, "\n".join(parts), home.config.staging)
    if docs:
        listing = [f"{day} 需打印的文件（共 {len(docs)} 份，在 outbox/{day}/ 中）", ""]
        listing += [f"{i}. {show_name(d.split('/', 1)[1])}" for i, d in enumerate(docs, 1)]
        write_text_atomic(out / "打印清单.txt", "\n".join(listing) + "\n", home.config.staging)
    return report.relative_to(home.config.outbox).as_posix()


def calendar_warnings(calendar: WorkCalendar) -> list[str]:
    """Say which years' holiday schedules are missing and how to add them."""
    years = sorted(calendar.unknown_years_used)
    return [
        f"{year}年的国务院节假日安排尚未录入：涉及{year}年的期限暂按法定节假日（《全国年节及纪念日放假办法》）和周末推算，调休未计，标为“暂定”。"
        f"请在国务院办公厅公布后运行 hotline calendar add {year} --holidays … --workdays …，"
        f"或在 hotline.toml 中加入 [calendar.{year}]。"
        for year in years
    ]
