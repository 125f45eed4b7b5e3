"""`hotline demo`: a new home that has lived a week of a well-run office (week.py): each
evening the district's files arrive in the inbox and the night's run reads them, each day
the office routes, contacts, handles, follows up and closes, every step dated when it
happened (the clock lives the week, see clock.living_at). The last morning's 台账, 督办日报
and 绩效考核 show what they look like in use.

Only a new folder becomes a demo: a folder that is a home, or is not empty, is refused
before anything is written, so that invented work never lands on real orders.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from itertools import cycle
from pathlib import Path

from pipeline import clock
from pipeline.batch.run import run_batch
from pipeline.batch.summary import RunSummary, summary_text
from pipeline.config import CONFIG_NAME
from pipeline.demo.samples import (
    LAYOUTS,
    _table,
    write_csv,
    write_pdf,
    write_pdf_table,
    write_xls,
    write_xlsx,
)
from pipeline.demo.week import Step, Week, plan_week
from pipeline.errors import HotlineError
from pipeline.home import Home, init_home, open_home
from pipeline.model import IncomingOrder
from pipeline.monthly.assess import monthly_assessment
from pipeline.workflow.actions import Actions

NIGHT = time(23, 30)  # when the office's scheduled run reads the day's files
# (file name, label layout, date form, format): the district's systems, night by night.
FORMATS = (
    ("区热线办导出_{}.xlsx", "a", "cell", "xlsx"),
    ("工单清单_GBK_{}.csv", "c", "slash", "gb18030"),
    ("电子工单打印件_{}.pdf", "seed", "", "pdf"),
    ("夜间工单_{}.xlsx", "seed", "chinese", "xlsx"),
    ("转办工单_{}.xls", "b", "serial", "xls"),
    ("转送单打印件_{}.pdf", "seed", "", "pdf-table"),
    ("工单清单_UTF8_{}.csv", "seed", "iso", "utf-8-sig"),
)
ACTORS = {"assign": "行政办公室 李红", "contact": "综合管理中心 王敏", "visit": "综合管理中心 王敏",
          "close": "综合管理中心 王敏"}


@dataclass
class DemoWeek:
    """What the demo did: the nights it ran, the steps it took, the last night's summary."""

    week: Week
    nights: list[date] = field(default_factory=list)
    files: int = 0
    steps: int = 0
    refused: list[str] = field(default_factory=list)  # steps the rules refused (none expected)
    summary: RunSummary | None = None
    code: int = 0
    assessments: list[Path] = field(default_factory=list)


def refuse_unless_new(folder: Path) -> None:
    """A demo is built only in a folder that does not exist or is empty."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise HotlineError(f"{folder} 是一个文件，演示需要一个新的（不存在或空的）文件夹。")
    if (folder / CONFIG_NAME).exists() or (folder / "hotline.db").exists():
        raise HotlineError(
            f"{folder} 是一个工作目录，演示不会在其中运行（会把虚构的工单和办理记录写进真实数据）。"
            "请换一个新文件夹，例如：hotline demo 演示目录。")
    if any(folder.iterdir()):
        raise HotlineError(
            f"{folder} 不是空文件夹，演示只在新的（不存在或空的）文件夹中建立。"
            "请换一个文件夹名，例如：hotline demo 演示目录。")


def run_demo(folder: Path, *, orders: int, as_of: date) -> tuple[str, int]:
    refuse_unless_new(folder)
    home = open_home(init_home(folder).home)  # the demo makes its own home
    try:
        week = plan_week(home.calendar, as_of, orders=max(orders, 8))
        lived = live_week(home, week)
    finally:
        home.close()
    return describe(home, lived, folder), lived.code


def live_week(home: Home, week: Week) -> DemoWeek:
    """Day by day: the office's steps, then the night's files and run."""
    lived = DemoWeek(week)
    rng = random.Random(7)
    formats = cycle(FORMATS)
    for day in week.days():
        steps = week.steps_on(day)
        for step in steps:
            _take(home, step, lived)
        files = _drop_files(home, week, day, formats, rng)
        last = day == week.last_day
        if not (files or steps or last):
            continue  # a quiet rest day: nothing arrived, nothing done
        lived.files += len(files)
        with clock.living_at(datetime.combine(day, NIGHT)):
            lived.summary, lived.code = run_batch(home, day, printing=last)
        lived.nights.append(day)
    months = sorted({d.strftime("%Y-%m") for d in week.arrivals})
    with clock.living_at(datetime.combine(week.last_day, NIGHT)):
        lived.assessments = [monthly_assessment(home, m, week.last_day)[1] for m in months]
    return lived


def _take(home: Home, step: Step, lived: DemoWeek) -> None:
    actor = ACTORS.get(step.verb) or step.values.get("handler", "")
    actions = Actions(home, actor=actor, source="hotline demo", now=step.at)
    v = step.values
    try:
        if step.verb == "assign":
            actions.assign(step.order_no, v["department"], "请按时办理并回复")
        elif step.verb == "contact":
            actions.contact(step.order_no, step.at, "已电话联系来电人，告知办理程序和时限")
        elif step.verb == "handle":
            actions.handle(step.order_no, v["result"], v["notes"], v["handler"],
                           "021-56001234", step.at, replied_within_day=True)
        elif step.verb == "visit":
            note = "来电人表示问题仍未解决" if v["satisfaction"] == "不满意" else "回访来电人"
            actions.visit(step.order_no, v["satisfaction"], note, step.at)
        elif step.verb == "close":
            actions.close(step.order_no, step.at)
    except HotlineError as exc:
        lived.refused.append(f"{step.order_no} {step.verb}：{exc}")
        return
    lived.steps += 1


def _drop_files(home: Home, week: Week, day: date, formats: cycle, rng: random.Random) -> list[Path]:
    """The district's files of `day` in the inbox, dated that evening."""
    inbox = home.config.inbox
    stamp = f"{day:%Y%m%d}"
    orders = week.arrivals.get(day, [])
    written = []
    if orders and day == week.bad_row_day:
        written.append(_bad_row_file(inbox / f"补充工单_{stamp}.xlsx", orders, rng))
    elif orders:
        written.append(_district_file(inbox, stamp, orders, formats, rng))
    if week.reminders.get(day):
        written.append(_reminder_file(inbox / f"催单_{stamp}.xlsx", week.reminders[day], day, rng))
    evening = datetime.combine(day, time(22, 0)).timestamp()
    for path in written:
        os.utime(path, (evening, evening))
    return written


def _district_file(inbox: Path, stamp: str, orders: list[IncomingOrder], formats: cycle,
                   rng: random.Random) -> Path:
    name, layout, dates, fmt = next(formats)
    if layout == "b" and any(o.kind != "一般" for o in orders):
        name, layout, dates, fmt = next(formats)  # that system has no 工单类型 column
    path = inbox / name.format(stamp)
    if fmt == "pdf":
        write_pdf(path, orders)
    elif fmt == "pdf-table":
        write_pdf_table(path, orders)
    else:
        table = _table(orders, layout, dates, rng, extra=fmt == "xlsx")
        if fmt == "xlsx":
            write_xlsx(path, table, titles=2 if layout == "a" else 0)
        elif fmt == "xls":
            write_xls(path, table)
        else:
            write_csv(path, table, fmt)
    return path


def _bad_row_file(path: Path, orders: list[IncomingOrder], rng: random.Random) -> Path:
    """The day's orders with one row whose 转交日期 the district left empty."""
    bad = replace(orders[0], order_no=orders[0].order_no[:8] + "999999", notes=[])
    table = _table([*orders, bad], "seed", "iso", rng, extra=False)
    table[-1][list(LAYOUTS["seed"]).index("dispatch_time")] = None
    write_xlsx(path, table)
    return path


def _reminder_file(path: Path, targets: list[IncomingOrder], day: date,
                   rng: random.Random) -> Path:
    when = datetime.combine(day, time(16, 20))
    rows = [replace(o, notes=[], is_reminder=True, dispatch_time=when.isoformat(),
                     content=f"市民再次来电催促：{o.content[:40]}") for o in targets]
    write_xlsx(path, _table(rows, "seed", "iso", rng, extra=False), titles=1)
    return path


def describe(home: Home, lived: DemoWeek, folder: Path) -> str:
    week = lived.week
    day = week.last_day.isoformat()
    out = home.config.outbox / day
    arrived = sum(len(v) for v in week.arrivals.values())
    reopened = next((n for n, f in week.fates.items() if "不满意" in f), "")
    lines = [
        f"演示工作目录：{home.path}",
        f"模拟了最近一周多（{week.first_day.isoformat()} 至 {day}）：区热线办每天派来的工单当晚读入"
        f"（{len(lived.nights)} 次夜间运行，{lived.files} 个文件，共 {arrived} 张工单，Excel、旧版 .xls、"
        "CSV、PDF 各种写法，还有一张催单；最后一晚的文件里有一行故意缺少转交日期），"
        f"白天分派、先行联系、办结、回访、结案共 {lived.steps} 步。",
        "多数工单按时联系、按时办结；少数需要关注：超时、黄灯、一张回访不满意退回重办、"
        "一张逾期办结、一张办结时未登记先行联系。",
        "",
        f"最后一晚（{day}）的运行报告：",
        "",
    ]
    if lived.summary is not None:
        lines.append(summary_text(lived.summary.to_json()))
    if lived.refused:
        lines += ["", f"！演示中有 {len(lived.refused)} 步未能登记：", *lived.refused[:5]]
    lines += [
        "",
        f"请打开 {out}：",
        f"  工单台账-{day}.xlsx（打印时只印领导要看的前十栏，其余栏目供屏幕查看和填写）",
        f"  督办日报-{day}.xlsx",
        *[f"  {p.name}" for p in lived.assessments],
        "  转送单/（每张新工单一份）",
        f"放在一边的文件及原因在 {home.config.failed}。",
        f"接着可以试试：hotline --home {folder} list　或　hotline --home {folder} show {reopened}",
    ]
    return "\n".join(lines)
