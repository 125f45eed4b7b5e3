"""Reading orders back: `list` and `show`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pipeline.deadlines.clocks import NO_HANDLING
from pipeline.deadlines.state import ClockView, OrderState, state_of
from pipeline.errors import OrderNotFoundError
from pipeline.home import Home
from pipeline.model import Status, order_extras
from pipeline.normalise import InvalidValueError, normalise_order_no
from pipeline.text import show_time


def order_states(home: Home, as_of: date, *, only_open: bool = False) -> Iterator[OrderState]:
    """Every order this home sees (or the open ones), in dispatch order, with its clocks as
    of `as_of`: read from the store a page at a time, so that a district's list of a hundred
    thousand orders is printed as it is read, never held whole."""
    store = home.store()
    calc = home.calculator()
    for row in store.iter_orders(statuses=Status.OPEN if only_open else None):
        yield state_of(row, calc, as_of)


def find_order_no(text: str) -> str:
    """An order number as typed by a clerk (full-width, spaces) in normal form."""
    try:
        number = normalise_order_no(text)
    except InvalidValueError as exc:
        raise OrderNotFoundError(f"{exc}。") from exc
    if not number:
        raise OrderNotFoundError("请给出工单编号。")
    return number


def order_detail(home: Home, order_text: str, as_of: date) -> dict[str, Any]:
    store = home.store()
    number = find_order_no(order_text)
    with store.read() as conn:
        row = store.get_order(conn, number)
        if row is None:
            raise OrderNotFoundError(f"没有编号为 {number} 的工单。请用 hotline list 查看全部工单。")
        events = store.events_for(conn, number)
        documents = store.documents_for(conn, number)
    state = state_of(row, home.calculator(), as_of)
    data = state.as_json()
    data["as_of"] = as_of.isoformat()
    data["handling"] = {
        "notes": row["handling_notes"], "handler": row["handler"],
        "handler_phone": row["handler_phone"], "replied_within_day": row["replied_within_day"],
    }
    data["instruction"] = row["instruction"]
    data["extras"] = order_extras(row)
    data["clocks"] = [_clock_json("first_contact", state.first_contact),
                      _clock_json("handling", state.handling, home.rules.no_handling_label)]
    data["history"] = [
        {"at": e["at"], "kind": e["kind"], "summary": e["summary"], "source": e["source"],
         "by": e["actor"], "recorded_at": e.get("recorded_at"),
         "time_source": e.get("time_source") or ""}
        for e in events
    ]
    data["documents"] = [
        {"kind": d["kind"], "path": f"outbox/{d['path']}", "written": d["written_at"] is not None}
        for d in documents
    ]
    return data


def _clock_json(name: str, view: ClockView, absent_label: str = "") -> dict[str, Any]:
    """One clock of `show --json`; a handling clock the order does not have says so."""
    clock = view.clock
    if clock is None:
        return {"name": name, "label": absent_label, "limit": NO_HANDLING, "warning": None,
                "yellow": None, "red": None, "light": None, "running": False,
                "outcome": view.outcome, "closed_on": None}
    out: dict[str, Any] = {"name": name, "label": clock.label}
    if name == "handling":
        out["limit"] = clock.limit_text
        out["warning"] = clock.warning.isoformat() if clock.warning else None
        out["yellow"] = clock.yellow.isoformat() if clock.yellow else None
    return {**out, "red": clock.red.isoformat(), "light": view.light.value,
            "running": view.running, "outcome": view.outcome,
            "closed_on": view.closed_on.isoformat() if view.closed_on else None}


def render_detail(d: dict[str, Any]) -> str:
    """`show` for a person: the order, its clocks, its history."""
    lines = [
        f"工单 {d['order_no']}　{d['kind']}工单" + (f"·{d['category']}" if d["category"] else "")
        + f"　{d['priority']}　状态：{d['status']}",
        f"来电人：{d['caller']}　电话：{d['phone']}　来电：{show_time(d['call_time'])}",
        f"地址：{d['address']}",
        f"派单：{show_time(d['dispatch_time'])}　{d['from_unit']}"
        + (f"　{d['doc_no']}" if d["doc_no"] else ""),
        f"内容：{d['content']}",
        "",
        f"承办部门：{d['department'] or '（未分派）'}"
        + (f"　建议：{d['suggested_department']}"
           if d["suggested_department"] and not d["department"] else ""),
    ]
    if d["instruction"]:
        lines.append(f"领导批示：{d['instruction']}")
    h = d["handling"]
    if d["result"] or h["notes"]:
        lines.append(f"办理结果：{d['result'] or '—'}　经办人：{h['handler'] or '—'} {h['handler_phone']}")
        if h["notes"]:
            lines.append(f"处理情况：{h['notes']}")
    if d["satisfaction"]:
        visited = f"（{show_time(d['visited_at'])[:16]}）" if d.get("visited_at") else ""
        lines.append(f"回访满意度：{d['satisfaction']}{visited}")
    if d["request"]:
        r = d["request"]
        kind = "不纳入测评范围" if r["type"] == "exclude" else "客观件"
        lines.append(f"{kind}申请（{r['number']}）：{r['status']}，理由：{r['reason']}")
    lines += ["", f"时限（截至 {d['as_of']}；在办的显示灯，已完成的显示结果）："]
    for c in d["clocks"]:
        lines.append(_clock_line(c))
    for flag in d["flags"]:
        lines.append(f"  ！{flag}")
    if d.get("extras"):
        lines += ["", "区热线办导出中的其他栏目："]
        lines += [f"  {label}：{value}" for label, value in d["extras"].items()]
    lines += ["", "经过："]
    for e in d["history"]:
        by = f"（{e['by']}）" if e["by"] else ""
        lines.append(f"  {show_time(e['at'])}　{e['summary']}{by}")
    if d["documents"]:
        lines += ["", "文书："]
        lines += [f"  {doc['path']}" + ("" if doc["written"] else "（待生成）") for doc in d["documents"]]
    return "\n".join(lines)


def _clock_line(c: dict[str, Any]) -> str:
    """先行联系：2026-11-04 前　已联系 2026-11-04，按时 / 办理（…）：… 红灯 2026-11-24　黄灯"""
    if c["red"] is None:
        return f"  办理：{c['outcome']}（{c['label']}）"
    if c["running"]:
        state = c["light"]
    elif c["closed_on"]:
        verb = "已联系" if c["name"] == "first_contact" else "已办结"
        state = f"{verb} {c['closed_on']}，{c['outcome']}"
    else:
        state = "已办结，未登记先行联系时间（请补登）"
    if c["name"] == "first_contact":
        return f"  先行联系：{c['red']} 前　{state}"
    steps = "　".join(f"{n} {c[k]}" for n, k in (("预警", "warning"), ("黄灯", "yellow")) if c[k])
    return (f"  办理（{c['label']}，{c['limit']}）：{steps + '　' if steps else ''}"
            f"红灯 {c['red']}　{state}")
