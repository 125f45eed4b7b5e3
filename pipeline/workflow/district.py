"""What the office asks of the district office: 退单 (return an order that is not the
street's) and 延期申请 (ask for more time). Both are listed in the next feedback to the
district; the district's answer is recorded here too: a 退单 it confirms takes the order off
the office's lists (status 已退单), one it refuses leaves the order in hand; an extension
it grants is recorded with `hotline extend` as before."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection

from pipeline.errors import StageError
from pipeline.model import EventRow, OrderRow, Status
from pipeline.normalise import clean_text
from pipeline.workflow.actions import FINISHED, Actions, Outcome, stamp
from pipeline.workflow.policy import show_time

CAUTION = "谨慎退单：确属非本街道职责的才退，退单不当的区里仍会派回并计入考核。"


def _latest_open(events: list[EventRow], asked: str, answered: tuple[str, ...]) -> EventRow | None:
    """The latest event of kind `asked` not followed by one of `answered`, if any."""
    pending = None
    for event in events:
        if event["kind"] == asked:
            pending = event
        elif event["kind"] in answered:
            pending = None
    return pending


def pending_return(events: list[EventRow]) -> EventRow | None:
    """The 退单 asked for and not yet answered by the district, if any."""
    return _latest_open(events, "returned", ("return_confirmed", "return_refused"))


def pending_extension(events: list[EventRow]) -> EventRow | None:
    """The latest 延期申请 not yet followed by a granted extension (`extend`), if any."""
    return _latest_open(events, "extension_requested", ("extended", "reopened"))


class DistrictActions(Actions):
    """`return` (退单), its answer, and `ask-extension` (延期申请)."""

    def return_limit(self, row: OrderRow) -> date:
        """The last day a 退单 may be asked for: `[district] return_days` working days after
        the dispatch (default 1)."""
        dispatched = datetime.fromisoformat(row["dispatch_time"]).date()
        days = self.home.config.return_days
        if days == 0:
            return dispatched
        return self.home.calendar.nth_workday_after(dispatched, days)[0]

    def return_order(self, order_text: str, reason: str,
                     conn: Connection | None = None) -> Outcome:
        reason = clean_text(reason)
        if not reason:
            raise StageError("请用 --reason 写明退单理由（如：诉求地址不在本街道辖区）。")
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            self._returnable(c, row)
            limit = self.return_limit(row)
            if self.now.date() > limit:
                raise StageError(
                    f"工单 {row['order_no']} 的退单期限是 {limit.isoformat()}（派单后"
                    f"{self.home.config.return_days}个工作日内），已过，不能退单，请照常办理。"
                )
            self._event(c, row, "returned", f"申请退单：{reason}",
                        {"reason": reason, "limit": limit.isoformat()})
        return Outcome(row["order_no"], f"已记录退单申请，待区里确认。{CAUTION}")

    def _returnable(self, c: Connection, row: OrderRow) -> None:
        self._not_finished(row, "退单")
        if row["status"] == Status.RETURNED:
            raise StageError(f"工单 {row['order_no']} 已退单。")
        if row["result"]:
            raise StageError(f"工单 {row['order_no']} 已有办理结果，不能再退单。")
        if pending_return(self.store.events_for(c, row["order_no"])) is not None:
            raise StageError(f"工单 {row['order_no']} 已申请退单，正等区里确认。")

    def decide_return(self, order_text: str, confirmed: bool, note: str = "",
                      conn: Connection | None = None) -> Outcome:
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            asked = pending_return(self.store.events_for(c, row["order_no"]))
            if asked is None:
                raise StageError(f"工单 {row['order_no']} 没有待确认的退单申请。")
            extra = f"：{clean_text(note)}" if note else ""
            if confirmed:
                self._still_returnable(row)
                self._update(c, row, {"status": Status.RETURNED, "closed_at": stamp(self.now)})
                self._event(c, row, "return_confirmed", f"区里确认退单{extra}",
                            {"asked": asked["id"], "note": clean_text(note)})
                return Outcome(row["order_no"], "区里已确认退单，工单不再列入在办清单")
            self._event(c, row, "return_refused", f"区里不同意退单，照常办理{extra}",
                        {"asked": asked["id"], "note": clean_text(note)})
        return Outcome(row["order_no"], "区里不同意退单，工单照常办理")

    @staticmethod
    def _still_returnable(row: OrderRow) -> None:
        """A confirmation never undoes what the office did while it waited: an order handled
        (or closed) meanwhile keeps its result and its 结案时间."""
        if row["result"] or row["status"] in FINISHED:
            result = f"；{row['result']}，办结于 {show_time(row['handled_at'])}" if row["result"] else ""
            raise StageError(
                f"工单 {row['order_no']} 在等区里答复期间已由本街道办理（状态：{row['status']}{result}），"
                "不能再登记确认退单。请与区热线办核对：同意由本街道办结的，用 --refused 登记；"
                "仍要收回的，由区热线办重新派单。")

    def ask_extension(self, order_text: str, days: int, reason: str,
                      conn: Connection | None = None) -> Outcome:
        if days < 1:
            raise StageError("申请延期的天数应为正整数。")
        reason = clean_text(reason)
        if not reason:
            raise StageError("请用 --reason 写明申请延期的理由。")
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            self._not_finished(row, "申请延期")
            if row["status"] not in Status.OPEN:
                raise StageError(f"工单 {row['order_no']} 已办结，无需申请延期。")
            unit = "日" if self.home.rules.is_petition(row["kind"]) else "个工作日"
            asked = pending_extension(self.store.events_for(c, row["order_no"]))
            if asked is not None and (asked["detail"].get("days"), asked["detail"].get("reason")) \
                    == (days, reason):
                return Outcome(row["order_no"], f"延期申请（{days}{unit}）已记录，尚未批准，无需重复")
            self._event(c, row, "extension_requested", f"向区热线办申请延期{days}{unit}：{reason}",
                        {"days": days, "unit": unit, "reason": reason})
        return Outcome(row["order_no"], f"已记录延期申请（{days}{unit}），区里批准后用 hotline extend 登记")
