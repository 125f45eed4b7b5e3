"""`hotline deadline`: every milestone of a hypothetical order, with its rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pipeline.deadlines.clocks import NO_HANDLING, DeadlineCalculator
from pipeline.deadlines.law import law_name, statutory_festivals
from pipeline.deadlines.workdays import WorkCalendar


def explain_deadlines(calc: DeadlineCalculator, dispatched: datetime, kind: str,
                      category: str) -> dict[str, Any]:
    """Every milestone of a hypothetical order, with the rule and the calendar behind it."""
    d = calc.compute(kind, category, dispatched.date())
    fc, h = d.first_contact, d.handling
    cal = calc.calendar

    def milestone(name: str, label: str, day: Any, rule: str) -> dict[str, Any]:
        return {"name": name, "label": label, "date": day.isoformat() if day else None,
                "rule": rule, "provisional": bool(day) and not cal.is_known(day.year)}

    milestones = [milestone("first_contact", "先行联系", fc.red,
                            f"派单后第{fc.limit}个工作日（附件1：所有工单）")]
    if h is None:
        milestones.append(milestone("red", "办理", None, calc.rules.no_handling_label))
    elif h.calendar_days:
        p = calc.rules.petition
        milestones.append(milestone("notify", "告知是否受理", d.petition_notify,
                                    f"受理之日起{p.notify}日，末日逢休息日顺延（信访工作条例）"))
        milestones.append(milestone("red", "办结（红灯）", h.red,
                                    f"受理之日起{p.red}日，末日逢休息日顺延（信访工作条例）"))
    else:
        rule = calc.rules.handling_for(kind, category)[0]
        for name, label, day, n in (("warning", "预警", h.warning, rule.warning),
                                    ("yellow", "黄灯", h.yellow, rule.yellow),
                                    ("red", "红灯", h.red, rule.red)):
            if day is not None:
                milestones.append(milestone(name, label, day,
                                            f"派单后第{n}个工作日（附件1：{rule.label}）"))
    missing = list(d.unknown_years)
    return {
        "dispatched": dispatched.isoformat(),
        "kind": kind,
        "category": category,
        "rule": h.label if h else calc.rules.no_handling_label,
        "limit": h.limit_text if h else NO_HANDLING,
        "category_assumed": bool(h and h.category_assumed),
        "due": d.due(),
        "provisional": d.provisional,
        "milestones": milestones,
        "calendar": {str(y): cal.source(y)
                     for y in range(dispatched.year, (h or fc).red.year + 1)},
        "missing_years": missing,
        "assumed": [assumed_year(cal, y, dispatched.date(), d.latest()) for y in missing],
        "petition": h is not None and h.calendar_days,
        "max_extension": (calc.rules.petition.max_extension if h is not None and h.calendar_days
                          else calc.rules.max_extension),
    }


def assumed_year(cal: WorkCalendar, year: int, after: date, upto: date) -> dict[str, Any]:
    """What a year without a notice is taken to be (the law's holidays, or weekends alone),
    and which of those holidays fall inside the clocks (after, upto]."""
    festivals = statutory_festivals(year) if cal.source(year) == "law" else ()
    return {
        "year": year,
        "law": law_name(year) if festivals else None,
        "holidays": {f.name: [d.isoformat() for d in f.days] for f in festivals},
        "within": [f"{d.isoformat()}（{f.name}）" for f in festivals for d in f.days
                   if after < d <= upto],
    }


SOURCES = {"library": "国务院通知（软件自带）", "configured": "hotline.toml 中录入",
           "law": "尚未公布，暂按法定节假日和周末推算",
           "weekends": "未录入，暂按周末推算"}

# How the clocks are read, said once in `deadline` (and in annex1.toml's comments).
OVERDUE_RULE = "超时：红灯日（办结期限）当天仍是红灯，红灯日的下一个自然日起为超时（休息日也算）。"
PETITION_EXTENSION = ("信访件延期：延长的日数从原第60日（未顺延的那一天）起加，"
                      "加完后末日逢休息日再顺延到下一个工作日。")


def render_explanation(data: dict[str, Any]) -> str:
    lines = [
        f"派单时间：{data['dispatched'].replace('T', ' ')}　{data['kind']}工单"
        + (f"·{data['category']}" if data["category"] else ""),
        f"适用规则：{data['rule']}，办理时限 {data['limit']}",
        "（第一个工作日是指派单后的下一个工作日，派单当天不算，时刻不计）",
        "",
    ]
    for m in data["milestones"]:
        mark = "（暂定）" if m["provisional"] else ""
        lines.append(f"  {m['label']:<6}{m['date'] or '—'}{mark}　{m['rule']}")
    if data["category_assumed"]:
        lines.append("  ！未给出诉求类别，按较短时限（咨询、建议）计算。")
    lines.append("")
    lines.append("节假日安排：" + "；".join(f"{y}年 {SOURCES[s]}" for y, s in data["calendar"].items()))
    lines.append(OVERDUE_RULE)
    if data["petition"]:
        lines.append(PETITION_EXTENSION + f"延期累计不超过{data['max_extension']}日。")
    else:
        lines.append(f"延期：经批准可推后红灯日，累计不超过{data['max_extension']}个工作日。")
    for year in data["assumed"]:
        lines.extend(_assumed_lines(year, data["petition"]))
    return "\n".join(lines)


def _assumed_lines(year: dict[str, Any], petition: bool) -> list[str]:
    y = year["year"]
    lines = [f"  ！{y}年的节假日安排国务院办公厅尚未公布（或尚未录入），涉及{y}年的日期为暂定。"]
    if year["law"]:
        lines.append(f"    暂按{year['law']}规定的法定节假日放假，其余周六、周日休息：")
        for name, days in year["holidays"].items():
            lines.append(f"      {name}：" + "、".join(d[5:] for d in days))
        if year["within"] and not petition:
            lines.append("    本工单期限内按法定节假日不计的：" + "、".join(year["within"]) + "。")
        lines.append("    法定节假日是法律规定的，不会变；调休上班日和节假日逢周末的补假要等通知，"
                     "所以暂未计入，公布后期限可能前后相差几天。")
    else:
        lines.append("    暂按周六、周日休息推算（该年的法定节假日无法推算）。")
    lines.append(f"    公布后请运行 hotline calendar add {y} --notice 通知.txt 录入。")
    return lines
