"""The stage verbs: 处置 assign, 受理 contact, 办理 handle, 回访 visit, extend, the Annex 3/4
requests and their decision, close. Each refuses what makes no sense for the order's state,
changes the order, and records an event, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from pipeline import clock
from pipeline.errors import OrderNotFoundError, StageError
from pipeline.home import Home, current_user
from pipeline.model import (
    REQUEST_APPROVED,
    REQUEST_KINDS,
    REQUEST_PENDING,
    REQUEST_REJECTED,
    RESULTS,
    SATISFACTION,
    OrderRow,
    Status,
    file_stem,
)
from pipeline.normalise import clean_text, normalise_phone
from pipeline.text import show_time
from pipeline.workflow import policy
from pipeline.workflow.lookup import find_order_no
from pipeline.workflow.policy import Timing

FINISHED = (Status.CLOSED, Status.ARCHIVED)
APPLICATION_DOCS = {"exclude": "申请表-不纳入测评范围", "objective": "申请表-客观件"}


def stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


@dataclass
class Outcome:
    order_no: str
    summary: str
    document: str = ""  # outbox-relative path of a form this step queued


class Actions:
    """Stage commands for one home, by one person (`actor`), from one source.

    Whether an action may happen, and when it happened, is decided by `policy` (the one
    place for the regulation's order and time rules). A source file's modification time
    (`file_time`) stands in for the time of what it reports when it gives none."""

    def __init__(self, home: Home, *, actor: str | None = None, source: str = "命令行",
                 now: datetime | None = None, file_time: datetime | None = None) -> None:
        self.home = home
        self.store = home.store()
        self.actor = actor or current_user()
        self.source = source
        self.now = (now or clock.now()).replace(microsecond=0)
        self.file_time = file_time
        self._bound: Connection | None = None

    # -- plumbing -------------------------------------------------------------------------

    @contextmanager
    def bound(self, conn: Connection) -> Iterator[None]:
        """Inside the block, every step works in `conn` (the caller's transaction)."""
        before, self._bound = self._bound, conn
        try:
            yield
        finally:
            self._bound = before

    @contextmanager
    def _tx(self, conn: Connection | None) -> Iterator[Connection]:
        conn = conn or self._bound
        if conn is not None:
            yield conn
            return
        with self.store.write() as fresh:
            yield fresh

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction for several steps (a whole --from-file, a whole file)."""
        with self.store.write() as conn:
            yield conn

    def _order(self, conn: Connection, order_text: str) -> OrderRow:
        number = find_order_no(order_text)
        row = self.store.get_order(conn, number, lock=True)
        if row is None:
            raise OrderNotFoundError(f"没有编号为 {number} 的工单。请用 hotline list 查看全部工单。")
        return row

    def _when(self, action: str, row: OrderRow, at: datetime | None = None) -> Timing:
        return policy.timing(action, row, self.now, explicit=at, file_time=self.file_time)

    def _event(self, conn: Connection, row: OrderRow, kind: str, summary: str,
               detail: dict[str, Any] | None = None, when: Timing | None = None) -> int:
        when = when or self._when("assign", row)
        return self.store.add_event(conn, row["order_no"], kind, summary, source=self.source,
                                    actor=self.actor, detail=detail, at=when.stamp,
                                    time_source=when.source)

    def _update(self, conn: Connection, row: OrderRow, values: dict[str, Any]) -> None:
        self.store.update_order(conn, row["order_no"], {**values, "updated_at": stamp(self.now)})

    @staticmethod
    def _not_finished(row: OrderRow, what: str) -> None:
        policy.still_open(row, what)

    # -- 处置 -------------------------------------------------------------------------------

    def assign(self, order_text: str, department: str, instruction: str = "",
               conn: Connection | None = None) -> Outcome:
        department = clean_text(department, multiline=False)
        known = self.home.config.departments
        if known and department not in known:
            raise StageError(
                f"“{department}”不在承办部门名单中。名单：{'、'.join(known)}。"
                "如需新增部门，请在 hotline.toml 的 [departments] 中加入。"
            )
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            if row["department"] == department and not instruction:
                return Outcome(row["order_no"], f"已分派给{department}，无需重复")
            policy.may_assign(row)
            before = row["department"]
            values: dict[str, Any] = {"department": department}
            if instruction:
                values["instruction"] = clean_text(instruction)
            if row["status"] == Status.NEW:
                values["status"] = Status.IN_HAND
            self._update(c, row, values)
            verb = f"改派：{before} → {department}" if before else f"分派给{department}"
            note = f"；领导批示：{clean_text(instruction)}" if instruction else ""
            self._event(c, row, "assigned", f"处置：{verb}{note}",
                        {"department": department, "before": before, "instruction": instruction})
        return Outcome(row["order_no"], verb)

    # -- 受理：先行联系 --------------------------------------------------------------------

    def contact(self, order_text: str, at: datetime | None = None, note: str = "",
                conn: Connection | None = None) -> Outcome:
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            self._not_finished(row, "记录先行联系")
            if row["first_contact_at"] and (at is None or row["first_contact_at"] == stamp(at)):
                return Outcome(row["order_no"], "先行联系已记录，无需重复")
            when = self._when("contact", row, at)
            if row["first_contact_at"]:
                raise StageError(
                    f"工单 {row['order_no']} 已于 {show_time(row['first_contact_at'])} 记录先行联系，"
                    "不能再记一次。"
                )
            self._update(c, row, {"first_contact_at": when.stamp,
                                  "first_contact_note": clean_text(note)})
            extra = f"：{clean_text(note)}" if note else ""
            self._event(c, row, "contacted", f"先行联系来电人（{show_time(when.stamp)}）{extra}",
                        {"at": when.stamp}, when)
        return Outcome(row["order_no"], f"先行联系 {show_time(when.stamp)}")

    # -- 办理 -------------------------------------------------------------------------------

    def handle(self, order_text: str, result: str, notes: str = "", handler: str = "",
               handler_phone: str = "", at: datetime | None = None,
               replied_within_day: bool | None = None, direct_by: str = "",
               conn: Connection | None = None) -> Outcome:
        """办结: the result, when it was reached. A different result on an order already
        handled is a correction (both values kept), never a second handling."""
        if result not in RESULTS:
            raise StageError(f"办理结果“{result}”无法识别，应为：{'、'.join(RESULTS)}。")
        phone = normalise_phone(handler_phone) if handler_phone else ""
        direct_by = clean_text(direct_by, multiline=False)
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            # What is not given keeps what an earlier report said (a 台账 edit gives only
            # the result).
            values = {
                "result": result,
                "handling_notes": clean_text(notes) or row["handling_notes"],
                "handler": clean_text(handler, multiline=False) or direct_by or row["handler"],
                "handler_phone": phone or row["handler_phone"],
            }
            if replied_within_day is not None:
                values["replied_within_day"] = replied_within_day
            same = all(row.get(k) == v for k, v in values.items())
            if row["status"] in (Status.HANDLED, Status.VISITED, *FINISHED) and same and (
                    at is None or stamp(at) == row["handled_at"]):
                return Outcome(row["order_no"], "办理结果已记录，无需重复")
            policy.may_handle(row, direct_by)
            if row["status"] == Status.HANDLED:
                return self._correct(c, row, values, at)
            when = self._when("handle", row, at)
            values["handled_at"] = when.stamp
            values["status"] = Status.HANDLED
            if not row["department"]:
                values["department"] = policy.DIRECT_REPLY
            self._update(c, row, values)
            who = f"，经办人 {values['handler']}" if values["handler"] else ""
            self._event(c, row, "handled", f"办理：{result}{who}（{show_time(when.stamp)}）",
                        {"result": result, "notes": values["handling_notes"],
                         "handler": values["handler"], "at": when.stamp,
                         "direct": bool(direct_by and not row["department"])}, when)
        return Outcome(row["order_no"], f"办结：{result}")

    def _correct(self, c: Connection, row: OrderRow, values: dict[str, Any],
                 at: datetime | None) -> Outcome:
        """更正办理结果: the order stays handled when it was; the event keeps both values."""
        if at is not None:
            values["handled_at"] = self._when("handle", row, at).stamp
        changed = {k: v for k, v in values.items() if row.get(k) != v}
        before = {k: row.get(k) for k in changed}
        self._update(c, row, changed)
        labels = {"result": "办理结果", "handling_notes": "处理情况", "handler": "经办人",
                  "handler_phone": "经办人电话", "replied_within_day": "一个工作日内答复",
                  "handled_at": "办结时间"}
        shown = "；".join(f"{labels[k]}：{_shown(before[k])} → {_shown(v)}"
                         for k, v in changed.items() if k != "handling_notes")
        self._event(c, row, "corrected", f"更正办理情况：{shown or '处理情况'}",
                    {"before": before, "after": changed})
        return Outcome(row["order_no"], f"已更正：{shown or '处理情况'}（办结时间不变）"
                       if "handled_at" not in changed else f"已更正：{shown}")

    def correct_handled_at(self, order_text: str, at: datetime,
                           conn: Connection | None = None) -> Outcome:
        """办结时间 given alone (a 台账 cell): a correction of the time, both values kept."""
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            if row["handled_at"] == stamp(at):
                return Outcome(row["order_no"], "办结时间已记录，无需重复")
            if row["status"] != Status.HANDLED:
                raise StageError(
                    f"工单 {row['order_no']} 的状态是{row['status']}，只填办结时间无法登记："
                    + ("尚未办结的，请同时填写办理结果。" if row["status"] in Status.OPEN
                       else "回访或结案后办结时间不再更改。"))
            return self._correct(c, row, {}, at)

    def note_handling(self, order_text: str, notes: str, handler: str = "",
                      handler_phone: str = "", conn: Connection | None = None) -> Outcome:
        """处理情况 reported without a result yet: recorded, the clock keeps running."""
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            self._not_finished(row, "记录处理情况")
            text = clean_text(notes)
            if text == row["handling_notes"]:
                return Outcome(row["order_no"], "处理情况已记录，无需重复")
            values = {"handling_notes": text}
            if handler:
                values["handler"] = clean_text(handler, multiline=False)
            if handler_phone:
                values["handler_phone"] = normalise_phone(handler_phone)
            self._update(c, row, values)
            self._event(c, row, "progress", "承办部门反馈处理情况（尚未勾选是否解决）",
                        {"notes": text})
        return Outcome(row["order_no"], "已记录处理情况，尚未办结")

    # -- 回访 -------------------------------------------------------------------------------

    def visit(self, order_text: str, satisfaction: str, note: str = "",
              at: datetime | None = None, conn: Connection | None = None) -> Outcome:
        if satisfaction not in SATISFACTION:
            raise StageError(f"满意度“{satisfaction}”无法识别，应为：{'、'.join(SATISFACTION)}。")
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            policy.may_visit(row)
            when = self._when("visit", row, at)
            extra = f"：{clean_text(note)}" if note else ""
            if satisfaction == "不满意":
                return self._reopen(c, row, when, extra)
            self._update(c, row, {"satisfaction": satisfaction, "visited_at": when.stamp,
                                  "status": Status.VISITED})
            self._event(c, row, "visited", f"回访：{satisfaction}{extra}",
                        {"satisfaction": satisfaction, "at": when.stamp}, when)
        return Outcome(row["order_no"], f"回访：{satisfaction}")

    def _reopen(self, c: Connection, row: OrderRow, when: Timing, extra: str) -> Outcome:
        """不满意: back to handling, with the second-handling clock from the visit date."""
        rules = self.home.rules
        day = when.at.date().isoformat()
        self._update(c, row, {
            "satisfaction": "不满意", "visited_at": when.stamp, "status": Status.IN_HAND,
            "handled_at": None, "result": "", "reopened_on": day,
            "reopen_count": int(row["reopen_count"] or 0) + 1, "extension_days": 0,
        })
        self._event(c, row, "reopened",
                    f"回访不满意{extra}，重新办理：{rules.second_handling_label}时限"
                    f"{rules.second_handling_red}个工作日（自{day}起算）",
                    {"satisfaction": "不满意", "previous_result": row["result"],
                     "previous_handled_at": row["handled_at"], "at": when.stamp}, when)
        return Outcome(row["order_no"], "回访不满意，已退回重新办理")

    # -- 延期 -------------------------------------------------------------------------------

    def extend(self, order_text: str, days: int, reason: str,
               conn: Connection | None = None) -> Outcome:
        if days < 1:
            raise StageError("延期天数应为正整数。")
        if not clean_text(reason):
            raise StageError("请用 --reason 写明延期理由（经谁批准）。")
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            self._not_finished(row, "延期")
            if row["status"] != Status.NEW and row["status"] != Status.IN_HAND:
                raise StageError(f"工单 {row['order_no']} 已办结，无需延期。")
            total = int(row["extension_days"] or 0) + days
            petition = self.home.rules.is_petition(row["kind"])
            cap = self.home.rules.petition.max_extension
            if petition and total > cap:
                raise StageError(
                    f"信访件延期累计不得超过{cap}日（《信访工作条例》），"
                    f"已延期{row['extension_days']}日，本次最多再延{cap - int(row['extension_days'])}日。"
                )
            ordinary_cap = self.home.rules.max_extension
            if not petition and total > ordinary_cap:
                done = int(row["extension_days"] or 0)
                raise StageError(
                    f"工单延期累计不得超过{ordinary_cap}个工作日（时限规则 [extension]），"
                    f"已延期{done}个工作日，本次最多再延{ordinary_cap - done}个工作日。"
                )
            self._update(c, row, {"extension_days": total})
            unit = "日" if petition else "个工作日"
            self._event(c, row, "extended", f"延期{days}{unit}（累计{total}{unit}）：{clean_text(reason)}",
                        {"days": days, "total": total, "reason": clean_text(reason)})
        return Outcome(row["order_no"], f"延期{days}{unit}")

    # -- 附件3、4 申请 -----------------------------------------------------------------------

    def request(self, order_text: str, kind: str, reason: str, run_date: date | None = None,
                conn: Connection | None = None) -> Outcome:
        """Record an Annex 3 (exclude) or Annex 4 (objective) request and queue its form."""
        label = REQUEST_KINDS[kind]
        reason = clean_text(reason)
        if not reason:
            raise StageError("请用 --reason 写明申请理由，申请表上要填写。")
        day = (run_date or self.now.date()).isoformat()
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            if row["status"] == Status.RETURNED:
                policy.still_open(row, f"申请{label}")
            if row["request_status"] in (REQUEST_PENDING, REQUEST_APPROVED):
                raise StageError(
                    f"工单 {row['order_no']} 已有{REQUEST_KINDS.get(row['request_type'], '')}申请"
                    f"（{row['request_status']}），不能重复申请。"
                )
            number = self._next_request_no(c, kind)
            self._update(c, row, {"request_type": kind, "request_reason": reason,
                                  "request_status": REQUEST_PENDING, "request_no": number})
            event = self._event(c, row, "requested", f"申请{label}（{number}）：{reason}",
                                {"kind": kind, "reason": reason, "number": number})
            # the number in the name: a second request for the order never overwrites the first
            path = f"{day}/申请表/{file_stem(row['order_no'])}-{label}-{number.rsplit('-', 1)[-1]}.docx"
            self.store.queue_document(c, row["order_no"], APPLICATION_DOCS[kind], event, day, path)
        return Outcome(row["order_no"], f"已申请{label}（{number}），在审批前照常考核", path)

    def _next_request_no(self, conn: Connection, kind: str) -> str:
        year = self.now.year
        prefix = f"{REQUEST_KINDS[kind][:3]}-{year}-"
        return f"{prefix}{self.store.next_in_sequence(conn, prefix):03d}"

    def decide(self, order_text: str, approved: bool, note: str = "",
               conn: Connection | None = None) -> Outcome:
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            if row["request_status"] != REQUEST_PENDING:
                raise StageError(f"工单 {row['order_no']} 没有待审批的申请。")
            status = REQUEST_APPROVED if approved else REQUEST_REJECTED
            label = REQUEST_KINDS[row["request_type"]]
            self._update(c, row, {"request_status": status})
            extra = f"：{clean_text(note)}" if note else ""
            effect = "，不计入考核" if approved else "，照常考核"
            self._event(c, row, "decided",
                        f"区里审批{label}申请（{row['request_no']}）：{status}{effect}{extra}",
                        {"approved": approved, "number": row["request_no"]})
        return Outcome(row["order_no"], f"{label}申请{status}")

    # -- 结案 -------------------------------------------------------------------------------

    def close(self, order_text: str, at: datetime | None = None,
              conn: Connection | None = None) -> Outcome:
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            policy.may_close(row)
            when = self._when("close", row, at)
            self._update(c, row, {"status": Status.CLOSED, "closed_at": when.stamp})
            unvisited = "（未回访）" if row["status"] != Status.VISITED else ""
            self._event(c, row, "closed", f"结案{unvisited}", {"at": when.stamp}, when)
        return Outcome(row["order_no"], "已结案" + unvisited)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return show_time(value) if isinstance(value, str) and value[:2] == "20" and "T" in value \
        else str(value)


def apply_changes(actions: Actions, conn: Connection, update: Any) -> None:
    """Changes from a returned 转送单 or an edited 台账, in stage order."""
    changes = update.changes
    number = update.order_no
    if changes.get("department"):
        actions.assign(number, changes["department"], conn=conn)
    if changes.get("first_contact_at"):
        actions.contact(number, changes["first_contact_at"], conn=conn)
    if changes.get("result"):
        actions.handle(number, changes["result"], changes.get("handling_notes", ""),
                      changes.get("handler", ""), changes.get("handler_phone", ""),
                      at=changes.get("handled_at"),
                      replied_within_day=changes.get("replied_within_day"), conn=conn)
    elif changes.get("handled_at"):
        actions.correct_handled_at(number, changes["handled_at"], conn=conn)
    elif changes.get("handling_notes"):
        actions.note_handling(number, changes["handling_notes"], changes.get("handler", ""),
                             changes.get("handler_phone", ""), conn=conn)
    if changes.get("satisfaction"):
        actions.visit(number, changes["satisfaction"], conn=conn)
