"""Storing what intake read: new orders, re-sends that change an order, 催单 reminders.

Everything for one input file happens in one transaction, with the documents it calls for
queued in the same transaction (the render stage keeps those promises), so that a kill at
any moment leaves either all of a file's effects or none of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from pipeline.model import FIELD_LABELS, INTAKE_FIELDS, IncomingOrder, Status
from pipeline.store.db import Store, now_iso

STORED_FIELDS = tuple(f for f in INTAKE_FIELDS if f != "is_reminder")


@dataclass
class IngestStats:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    reminders: list[str] = field(default_factory=list)
    reminder_only: list[str] = field(default_factory=list)  # 催单 for an unknown order
    notes: list[str] = field(default_factory=list)

    def merge(self, other: IngestStats) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.reminders += other.reminders
        self.reminder_only += other.reminder_only
        self.notes += other.notes


def suggest_department(content: str, routing: Sequence[tuple[str, str]]) -> str:
    """The department of the first routing word found in the content (a suggestion only)."""
    for word, department in routing:
        if word and word in content:
            return department
    return ""


def _squash(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _changes(stored: dict[str, Any], incoming: IncomingOrder) -> dict[str, list[Any]]:
    """Fields a re-send changes; layout-only differences in the content do not count."""
    out: dict[str, list[Any]] = {}
    for name in STORED_FIELDS:
        old, new = stored.get(name), getattr(incoming, name)
        if name == "content" and _squash(old) == _squash(new):
            continue
        if (old or "") != (new or ""):
            out[name] = [old, new]
    return out


# Names Windows reserves for devices, whatever the extension: never a file name.
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$")


def file_stem(order_no: str) -> str:
    """The order number as a file name: it is already ASCII letters and digits only."""
    return f"工单{order_no}" if _RESERVED.match(order_no) else order_no


def transfer_path(run_date: str, order_no: str, suffix: str = "") -> str:
    """Where a 转送单 goes, relative to the outbox; the order number names the file."""
    return f"{run_date}/转送单/{file_stem(order_no)}{suffix}.docx"


class Ingester:
    """Applies one file's orders to the store inside the caller's transaction."""

    def __init__(
        self, store: Store, conn: Connection, *, run_date: str, routing: Sequence[tuple[str, str]],
        actor: str,
    ) -> None:
        self.store = store
        self.conn = conn
        self.run_date = run_date
        self.routing = routing
        self.actor = actor

    def apply(self, orders: Sequence[IncomingOrder]) -> IngestStats:
        stats = IngestStats()
        # Orders before the 催单 that point at them, whatever the order of the rows.
        for order in sorted(orders, key=lambda o: o.is_reminder):
            if order.is_reminder:
                self._reminder(order, stats)
            else:
                self._order(order, stats)
            for note in order.notes:
                stats.notes.append(f"{order.source}{order.location}（{order.order_no}）：{note}")
        return stats

    def _source(self, order: IncomingOrder) -> str:
        return f"{order.source} {order.location}".strip()

    def _order(self, order: IncomingOrder, stats: IngestStats) -> None:
        stored = self.store.get_order(self.conn, order.order_no)
        values = {name: getattr(order, name) for name in STORED_FIELDS}
        stamp = now_iso()
        if stored is None:
            self.store.insert_order(self.conn, {
                **values,
                "status": Status.NEW,
                "placeholder": False,
                "suggested_department": suggest_department(order.content, self.routing),
                "source_file": order.source,
                "created_at": stamp,
                "updated_at": stamp,
            })
            event = self.store.add_event(
                self.conn, order.order_no, "received",
                f"受理：收到电子工单（{self._source(order)}）",
                source=order.source, actor=self.actor, detail={"location": order.location},
            )
            self._queue(order.order_no, event, "转送单", "")
            stats.new.append(order.order_no)
            return
        if stored["placeholder"]:
            self._supersede(stored, order, values, stats)
            return
        changes = _changes(stored, order)
        if not changes:
            stats.unchanged += 1
            return
        self.store.update_order(self.conn, order.order_no, {
            **{k: v[1] for k, v in changes.items()}, "updated_at": stamp,
        })
        names = "、".join(FIELD_LABELS[k] for k in changes)
        event = self.store.add_event(
            self.conn, order.order_no, "updated",
            f"区热线办重新发来工单，更改了{names}（{self._source(order)}）",
            source=order.source, actor=self.actor, detail={"changes": changes},
        )
        count = sum(1 for d in self.store.documents_for(self.conn, order.order_no)
                    if d["kind"] == "转送单-更新")
        self._queue(order.order_no, event, "转送单-更新", f"-更新{count + 1}")
        stats.updated.append(order.order_no)

    def _supersede(
        self, stored: dict[str, Any], order: IncomingOrder, values: dict[str, Any],
        stats: IngestStats,
    ) -> None:
        """The order itself arrives after a 催单 had to stand in for it."""
        self.store.update_order(self.conn, order.order_no, {
            **values,
            "placeholder": False,
            "suggested_department": stored["suggested_department"]
            or suggest_department(order.content, self.routing),
            "source_file": order.source,
            "updated_at": now_iso(),
        })
        event = self.store.add_event(
            self.conn, order.order_no, "superseded",
            f"收到工单原件，取代此前仅凭催单建立的记录，时限改按原派单日期计算（{self._source(order)}）",
            source=order.source, actor=self.actor,
            detail={"changes": _changes(stored, order)},
        )
        self._queue(order.order_no, event, "转送单", "")
        stats.updated.append(order.order_no)

    def _reminder(self, order: IncomingOrder, stats: IngestStats) -> None:
        if self.store.reminder_known(self.conn, order.order_no, order.dispatch_time):
            stats.unchanged += 1
            return
        stored = self.store.get_order(self.conn, order.order_no)
        stamp = now_iso()
        if stored is None:
            values = {name: getattr(order, name) for name in STORED_FIELDS}
            self.store.insert_order(self.conn, {
                **values,
                "status": Status.NEW,
                "placeholder": True,
                "suggested_department": suggest_department(order.content, self.routing),
                "reminders": 1,
                "last_reminder_at": order.dispatch_time,
                "source_file": order.source,
                "created_at": stamp,
                "updated_at": stamp,
            })
            event = self.store.add_event(
                self.conn, order.order_no, "reminder",
                f"收到催单，但系统中没有这张工单：已按催单建立记录，请向区热线办索取原工单"
                f"（{self._source(order)}）",
                source=order.source, actor=self.actor,
                detail={"reminder_time": order.dispatch_time, "unknown_order": True, "number": 1,
                        "content": order.content},
            )
            self.store.add_reminder(self.conn, order.order_no, order.dispatch_time,
                                    order.content, order.source, event)
            self._queue(order.order_no, event, "转送单-催单", "-催单1")
            stats.reminder_only.append(order.order_no)
            return
        count = int(stored["reminders"] or 0) + 1
        self.store.update_order(self.conn, order.order_no, {
            "reminders": count, "last_reminder_at": order.dispatch_time, "updated_at": stamp,
        })
        event = self.store.add_event(
            self.conn, order.order_no, "reminder",
            f"第{count}次催单（催单时间 {order.dispatch_time.replace('T', ' ')}，{self._source(order)}）",
            source=order.source, actor=self.actor,
            detail={"reminder_time": order.dispatch_time, "content": order.content, "number": count},
        )
        self.store.add_reminder(self.conn, order.order_no, order.dispatch_time, order.content,
                                order.source, event)
        self._queue(order.order_no, event, "转送单-催单", f"-催单{count}")
        stats.reminders.append(order.order_no)

    def _queue(self, order_no: str, event_id: int, kind: str, suffix: str) -> None:
        self.store.queue_document(
            self.conn, order_no, kind, event_id, self.run_date,
            transfer_path(self.run_date, order_no, suffix),
        )
