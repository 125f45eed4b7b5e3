"""The regulation's order and time rules for every stage action, in one place.

Every path that records an action (a clerk's verb, a --from-file row, a returned 转送单, an
edited 台账) asks here whether the action may happen now and at what time; a refusal is a
StageError whose text says why, in the clerk's words. The order of 《工作细则》: 受理 (the
order arrives) → 处置 (assign) → 先行联系 → 办理 (handle) → 回访 (visit) → 结案 (close).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from pipeline.deadlines.clocks import DeadlineCalculator
from pipeline.deadlines.state import deadlines_for
from pipeline.errors import StageError
from pipeline.model import (
    TIME_COMMAND,
    TIME_EXPLICIT,
    TIME_FILE,
    OrderRow,
    Status,
)
from pipeline.text import show_time as _show_time

FINISHED = (Status.CLOSED, Status.ARCHIVED)
DIRECT_REPLY = "街道直接答复"  # handled by the street itself: the department column says so

# What each action is called in a refusal.
WHAT = {"assign": "分派", "contact": "先行联系", "handle": "办结", "note": "记录处理情况",
        "visit": "回访", "close": "结案", "extend": "延期", "request": "申请",
        "decide": "登记审批结果"}


@dataclass(frozen=True)
class Timing:
    """When an action happened, and where that time came from (model.TIME_SOURCES)."""

    at: datetime
    source: str

    @property
    def stamp(self) -> str:
        return self.at.replace(microsecond=0).isoformat()


def show_time(value: str | None) -> str:
    """A stored time as the clerk typed it: to the minute."""
    return _show_time(value)[:16]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def not_finished(row: OrderRow, action: str) -> None:
    still_open(row, WHAT[action])


def still_open(row: OrderRow, what: str) -> None:
    """Refuse `what` on an order closed, archived or returned to the district."""
    if row["status"] == Status.RETURNED:
        raise StageError(f"工单 {row['order_no']} 已退回区热线办（区里已确认退单），"
                         f"不再由本街道办理，不能再{what}。")
    if row["status"] in FINISHED:
        raise StageError(f"工单 {row['order_no']} 已{row['status'][1:]}，不能再{what}。")


def may_assign(row: OrderRow) -> None:
    """处置 before 办理: once handled, the credit stays with who handled it, unless the
    order came back (回访不满意 reopens it, and then it may go elsewhere)."""
    not_finished(row, "assign")
    if row["status"] in (Status.HANDLED, Status.VISITED):
        raise StageError(
            f"工单 {row['order_no']} 已由{row['department'] or '承办部门'}办结"
            f"（{row['result']}，{show_time(row['handled_at'])}），不能再改派。"
            "来电人不满意的，回访时登记“不满意”，工单退回重新办理后可以改派。")


def may_handle(row: OrderRow, direct_by: str = "") -> None:
    """办理 after 处置: an order nobody was given cannot have been handled, unless the
    street answered it directly and says who did."""
    if row["status"] == Status.RETURNED:
        still_open(row, "记录办理结果")
    if row["status"] in (Status.VISITED, *FINISHED):
        raise StageError(f"工单 {row['order_no']} 已{row['status'][1:]}，不能再记录办理结果。"
                         + _after_visit_advice(row))
    if not row["department"] and not direct_by:
        raise StageError(
            f"工单 {row['order_no']} 还没有分派（状态：{row['status']}），不能登记办理结果。"
            "请先用 hotline assign 分派给承办部门；由街道直接答复的，用 --direct 写明答复人。")


def _after_visit_advice(row: OrderRow) -> str:
    """What the clerk can do instead (advice the rules then accept, never a refused verb)."""
    if row["status"] == Status.VISITED:
        return (f"回访已登记为“{row['satisfaction']}”：来电人不满意的，应在回访时登记“不满意”，"
                "工单会退回重新办理；回访登记后结果不再更改。")
    return "已结案的工单不再更改；市民如仍有诉求，由区热线办重新派单，作为新工单办理。"


def may_visit(row: OrderRow) -> None:
    not_finished(row, "visit")
    if row["status"] != Status.HANDLED:
        raise StageError(f"工单 {row['order_no']} 还没有办结（状态：{row['status']}），"
                         "请先记录办理结果（hotline handle）再回访。")


def may_close(row: OrderRow) -> None:
    not_finished(row, "close")
    if not row["result"] or row["status"] not in (Status.HANDLED, Status.VISITED):
        raise StageError(f"工单 {row['order_no']} 还没有办理结果，不能结案。"
                         "请先用 hotline handle 记录办理结果。")


def earliest(action: str, row: OrderRow) -> datetime:
    """The earliest time `action` can have happened on this order: nothing before dispatch,
    a handling of a reopened order not before the visit that reopened it, a visit or a close
    not before 办结 (and a close not before the visit)."""
    bounds = [_moment(row["dispatch_time"])]
    if action == "handle" and row.get("reopened_on"):
        bounds.append(_moment(row.get("visited_at")) or _moment(row["reopened_on"]))
    if action in ("visit", "close"):
        bounds.append(_moment(row.get("handled_at")))
    if action == "close":
        bounds.append(_moment(row.get("visited_at")))
    return max(b for b in bounds if b is not None)


def _after_what(action: str, row: OrderRow, bound: datetime) -> str:
    if action in ("visit", "close") and row.get("handled_at") and bound == _moment(
            row["handled_at"]):
        return f"办结时间 {show_time(row['handled_at'])}"
    if action == "close" and row.get("visited_at") and bound == _moment(row["visited_at"]):
        return f"回访时间 {show_time(row['visited_at'])}"
    if action == "handle" and row.get("reopened_on") and bound != _moment(row["dispatch_time"]):
        return f"退回重新办理的时间 {show_time(bound.isoformat())}"
    return f"派单时间 {show_time(row['dispatch_time'])}"


def timing(action: str, row: OrderRow, now: datetime, *, explicit: datetime | None = None,
           file_time: datetime | None = None) -> Timing:
    """When `action` happened: the explicit time if one was given (refused when impossible),
    else the reporting file's modification time (clamped between the previous action and
    now), else the moment of the command. Never later than now, never before `earliest`."""
    now = now.replace(microsecond=0)
    bound = earliest(action, row)
    what = WHAT[action]
    if explicit is not None:
        at = explicit.replace(microsecond=0)
        if at.time() == time(0) and at.date() == bound.date():
            at = bound  # only the day was given: that day, after what came before
        if at > now:
            raise StageError(f"{what}时间 {show_time(at.isoformat())} 还没有到，请核对。")
        if at < bound:
            raise StageError(f"{what}时间 {show_time(at.isoformat())} 早于"
                             f"{_after_what(action, row, bound)}，请核对。")
        return Timing(at, TIME_EXPLICIT)
    if file_time is not None:
        at = min(max(file_time.replace(microsecond=0), bound), now)
        return Timing(at, TIME_FILE)
    if now < bound:
        raise StageError(f"现在（{show_time(now.isoformat())}）早于"
                         f"{_after_what(action, row, bound)}，不能{what}，请核对。")
    return Timing(now, TIME_COMMAND)


def recheck(row: OrderRow, calc: DeadlineCalculator) -> list[str]:
    """A re-sent order whose 派单时间 or 工单类型 moved: what was recorded, against the new
    clocks (the clerk's sentences, for the run report; empty when all still holds)."""
    dispatched = _moment(row["dispatch_time"])
    assert dispatched is not None
    notes = []
    for field, label in (("first_contact_at", "先行联系"), ("handled_at", "办结"),
                         ("visited_at", "回访"), ("closed_at", "结案")):
        at = _moment(row.get(field))
        if at is not None and at < dispatched:
            notes.append(f"已登记的{label}时间 {show_time(row[field])} 早于新的派单时间 "
                         f"{show_time(row['dispatch_time'])}，请核实后更正")
    deadlines = deadlines_for(row, calc)
    contact = _moment(row.get("first_contact_at"))
    if contact is not None and contact.date() > deadlines.first_contact.red:
        notes.append(f"按新的时限，先行联系（{show_time(row['first_contact_at'])}）已超过期限 "
                     f"{deadlines.first_contact.red.isoformat()}")
    handled = _moment(row.get("handled_at"))
    if handled is not None and deadlines.handling and handled.date() > deadlines.handling.red:
        notes.append(f"按新的时限，办结（{show_time(row['handled_at'])}）已超过期限 "
                     f"{deadlines.handling.red.isoformat()}")
    return notes
