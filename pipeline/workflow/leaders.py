"""领导负责制 verbs: mark an order 重要 / 难办 (`hotline flag`), and the 分管领导's signature on
its result (`hotline sign`). A signature covers the result recorded before it: a later
result (a correction, a second handling) waits for a new one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from pipeline.config import Config
from pipeline.errors import StageError
from pipeline.leadership.rules import (
    DEPUTY,
    IMPORTANCE,
    SECTION_LEADER,
    deputy_of,
    flag_reasons,
    needs_signature,
    responsible,
)
from pipeline.model import EventRow, OrderRow, Status
from pipeline.normalise import clean_text
from pipeline.store import Store
from pipeline.store.told import events_of_orders
from pipeline.workflow import policy
from pipeline.workflow.actions import Actions, Outcome


def signed_result(events: list[EventRow]) -> EventRow | None:
    """The signature covering the order's latest result, if there is one."""
    last_result = max((e["id"] for e in events if e["kind"] in ("handled", "corrected")), default=None)
    if last_result is None:
        return None
    signatures = [e for e in events if e["kind"] == "signed" and e["id"] > last_result]
    return signatures[-1] if signatures else None


def unsigned_results(store: Store, rows: Sequence[OrderRow], config: Config) -> dict[str, str]:
    """Orders among `rows` whose result waits for the 分管领导's signature → why it needs one."""
    wanting = [r for r in rows if r["result"] and needs_signature(r, config)]
    if not wanting:
        return {}
    with store.read() as conn:
        history = events_of_orders(conn, [r["order_no"] for r in wanting])
    return {r["order_no"]: "、".join(flag_reasons(r, config)) or "本街道规定所有结果均须签字"
            for r in wanting if signed_result(history[r["order_no"]]) is None}


class LeaderActions(Actions):
    """`flag` and `sign`, recorded like every stage verb (one transaction, one event)."""

    def flag(self, order_text: str, level: str, reason: str = "",
             conn: Connection | None = None) -> Outcome:
        if level and level not in IMPORTANCE:
            raise StageError(f"标记“{level}”无法识别，应为：{'、'.join(IMPORTANCE)}。")
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            if row["status"] == Status.RETURNED:
                policy.still_open(row, "标记")
            if row.get("importance", "") == level:
                return Outcome(row["order_no"], "标记未变，无需重复")
            self._update(c, row, {"importance": level})
            text = f"标记为{level}件" if level else "取消重要/难办标记"
            note = f"：{clean_text(reason)}" if reason else ""
            self._event(c, row, "flagged", text + note,
                        {"importance": level, "before": row.get("importance", ""),
                         "reason": clean_text(reason)})
            who = responsible({**row, "importance": level}, self.home.config)
        return Outcome(row["order_no"], f"{text}，由{who.text}负责")

    def sign(self, order_text: str, by: str, conn: Connection | None = None) -> Outcome:
        name = clean_text(by, multiline=False)
        if not name:
            raise StageError("请用 --by 写明签字的分管领导姓名。")
        with self._tx(conn) as c:
            row = self._order(c, order_text)
            self._check_signer(row, name)
            events = self.store.events_for(c, row["order_no"])
            handled = [e for e in events if e["kind"] == "handled"]
            if not row["result"] or not handled:
                raise StageError(f"工单 {row['order_no']} 还没有办理结果，办结后再请分管领导签字。")
            done = signed_result(events)
            if done is not None:
                return Outcome(row["order_no"], f"办理结果已由{done['detail'].get('by', '')}签字，无需重复")
            self._event(c, row, "signed", f"分管领导{name}签字：{row['result']}",
                        {"by": name, "result": row["result"], "handled_event": handled[-1]["id"]})
        return Outcome(row["order_no"], f"分管领导{name}已签字（{row['result']}）")

    def _check_signer(self, row: OrderRow, name: str) -> None:
        if name in (DEPUTY, SECTION_LEADER, "姓名"):
            raise StageError(f"--by 要写签字的分管领导的姓名，而不是“{name}”。")
        deputy = deputy_of(row["department"], self.home.config)
        if deputy and deputy != name:
            raise StageError(
                f"{row['department']}的分管领导是{deputy}（hotline.toml 的 [leaders]），"
                f"不是{name}。如已更换分管领导，请先修改配置文件。"
            )
