"""`hotline deadline`: every milestone of a hypothetical order, with its rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.deadlines.clocks import NO_HANDLING, DeadlineCalculator


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
    missing = sorted(cal.unknown_years_used)
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
    }


SOURCES = {"library": "国务院通知（软件自带）", "configured": "hotline.toml 中录入",
           "weekends": "未录入，暂按周末推算"}


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
    for year in data["missing_years"]:
        lines.append(f"  ！{year}年的节假日安排尚未录入，相关日期为暂定。国务院办公厅公布后请运行 "
                     f"hotline calendar add {year} 录入。")
    return "\n".join(lines)
