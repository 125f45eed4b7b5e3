"""Storing what intake read: new orders, re-sends that change an order, 催单 reminders.

Everything for one input file happens in one transaction, with the documents it calls for
queued in the same transaction (the render stage keeps those promises), so that a kill at
any moment leaves either all of a file's effects or none of them. A file's work is planned
in memory first and written with one statement per table: a night of ten thousand orders
costs a few statements, not tens of thousands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from pipeline.model import (
    FIELD_LABELS,
    INTAKE_FIELDS,
    IncomingOrder,
    OrderRow,
    Status,
    json_text,
    transfer_path,
)
from pipeline.store import schema
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
    flagged: dict[str, list[str]] = field(default_factory=dict)  # FLAGS key → order numbers
    # Re-sent orders whose 派单时间 or 工单类型 moved after actions were recorded on them: the
    # batch re-checks those actions against the new clocks (workflow/policy.py).
    moved: list[str] = field(default_factory=list)

    def merge(self, other: IngestStats) -> None:
        self.moved += other.moved
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.reminders += other.reminders
        self.reminder_only += other.reminder_only
        self.notes += other.notes
        for key, numbers in other.flagged.items():
            self.flagged.setdefault(key, []).extend(numbers)


@dataclass(frozen=True)
class Routing:
    """Where the 转送单 suggests sending an order: by the export's 问题分类 first (the longest
    matching prefix of levels), then by the first routing word found in the content."""

    words: Sequence[tuple[str, str]] = ()
    paths: Sequence[tuple[str, str]] = ()  # 问题分类 prefix ("城市管理->市容环境") → department

    def suggest(self, order: IncomingOrder) -> str:
        levels = _levels(order.category_path)
        best: tuple[int, str] = (0, "")
        for prefix, department in self.paths:
            wanted = _levels(prefix)
            if wanted and levels[: len(wanted)] == wanted and len(wanted) > best[0]:
                best = (len(wanted), department)
        return best[1] or suggest_department(order.content, self.words)


def _levels(path: str) -> list[str]:
    return [p for p in re.split(r"\s*(?:->|－>|>|＞|/|／|\\|-|－|、)\s*", path.strip()) if p]


def suggest_department(content: str, routing: Sequence[tuple[str, str]]) -> str:
    """The department of the first routing word found in the content (a suggestion only)."""
    for word, department in routing:
        if word and word in content:
            return department
    return ""


def _squash(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _changes(stored: OrderRow | dict[str, Any], incoming: IncomingOrder) -> dict[str, list[Any]]:
    """Fields a re-send changes; layout-only differences in the content do not count."""
    out: dict[str, list[Any]] = {}
    for name in STORED_FIELDS:
        old, new = stored.get(name), getattr(incoming, name)
        if name == "content" and _squash(old) == _squash(new):
            continue
        if (old or "") != (new or ""):
            out[name] = [old, new]
    return out


@dataclass
class _Plan:
    """One file's writes, gathered before any is made."""

    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (event index, row)
    documents: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


CHUNK = 1000  # orders planned and written together


class Ingester:
    """Applies one file's orders to the store inside the caller's transaction."""

    def __init__(
        self, store: Store, conn: Connection, *, run_date: str,
        routing: Routing | Sequence[tuple[str, str]], actor: str,
    ) -> None:
        self.store = store
        self.conn = conn
        self.run_date = run_date
        self.routing = routing if isinstance(routing, Routing) else Routing(routing)
        self.actor = actor
        self.stamp = now_iso()

    def apply(self, orders: Sequence[IncomingOrder]) -> IngestStats:
        """Store the file's orders, `CHUNK` at a time (all in the caller's transaction): what
        is planned and written at once stays small whatever the file's size. An order met
        again in a later chunk is found stored by then, exactly as if planned together."""
        stats = IngestStats()
        # Orders before the 催单 that point at them, whatever the order of the rows.
        ordered = sorted(orders, key=lambda o: o.is_reminder)
        for start in range(0, len(ordered), CHUNK):
            self._apply_chunk(ordered[start:start + CHUNK], stats)
        return stats

    def _apply_chunk(self, orders: Sequence[IncomingOrder], stats: IngestStats) -> None:
        numbers = {o.order_no for o in orders}
        self.known = self.store.get_orders(self.conn, numbers, every_office=True)
        self.reminded = self._reminder_keys(numbers)
        self.plan = _Plan()
        for order in orders:
            if order.is_reminder:
                self._reminder(order, stats)
            else:
                self._order(order, stats)
            for note in order.notes:
                stats.notes.append(f"{order.source}{order.location}（{order.order_no}）：{note}")
        self._flush()

    # -- planning -------------------------------------------------------------------------

    def _current(self, number: str, order: IncomingOrder) -> dict[str, Any] | None:
        """The order as stored or planned; one stored for another street office is moved
        here first (the district sent it to this street: see `_move`)."""
        stored = self.plan.inserts.get(number) or self.known.get(number)
        if stored is not None and stored.get("office") not in self.store.own_offices:
            self._move(number, stored, order)
            stored = self.known[number]
        return stored

    def _move(self, number: str, stored: dict[str, Any], order: IncomingOrder) -> None:
        """An order of another street arrives in this street's inbox: the district moved it
        here. It keeps its number, clocks and every event; it becomes this office's, waiting
        for this street to assign it (the other street's department means nothing here), and
        a new 转送单 is issued. The other street no longer lists it."""
        before = stored.get("office") or "（未记录）"
        self._change(number, {"office": self.store.office, "status": Status.NEW,
                              "department": "", "instruction": ""})
        event = self._event(number, "moved",
                            f"区热线办将工单改派本街道办理（原属 {before}；{self._where(order)}）",
                            order, {"from_office": before, "to_office": self.store.office,
                                    "status_before": stored.get("status"),
                                    "department_before": stored.get("department")})
        self._document(number, event, "转送单", "")

    def _sent_back(self, number: str, stored: dict[str, Any], order: IncomingOrder,
                   stats: IngestStats) -> bool:
        """An order whose 退单 the district confirmed arrives again. With a later 派单时间 the
        district sent it back (退单不当，区里派回): it is the office's again, waiting to be
        assigned, its clocks from the new dispatch, and the update that follows issues its
        form (True). Listed again with its old 派单时间 it is not taken back (False)."""
        if order.dispatch_time <= (stored.get("dispatch_time") or ""):
            stats.notes.append(
                f"{order.source}{order.location}（{number}）：这张工单区里已确认退单，导出中再次出现"
                "而派单时间未变，未重新受理。如区里确已派回本街道，请与区热线办核实派单时间。")
            stats.unchanged += 1
            return False
        self._change(number, {"status": Status.NEW, "department": "", "instruction": "",
                              "closed_at": None})
        self._event(number, "sent_back",
                    f"区热线办将已退单的工单重新派回本街道办理（{self._where(order)}）", order,
                    {"dispatch_before": stored.get("dispatch_time"),
                     "department_before": stored.get("department")})
        return True

    def _event(self, number: str, kind: str, summary: str, order: IncomingOrder,
               detail: dict[str, Any]) -> int:
        self.plan.events.append({
            "order_no": number, "at": self.stamp, "kind": kind, "summary": summary,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
            "source": order.source, "actor": self.actor,
            "recorded_at": self.stamp, "time_source": "登记时间",
        })
        return len(self.plan.events) - 1

    def _document(self, number: str, event: int, kind: str, suffix: str) -> None:
        self.plan.documents.append((event, {
            "order_no": number, "kind": kind, "run_date": self.run_date,
            "path": transfer_path(self.run_date, number, suffix),
        }))

    def _where(self, order: IncomingOrder) -> str:
        return f"{order.source} {order.location}".strip()

    def _order(self, order: IncomingOrder, stats: IngestStats) -> None:
        number = order.order_no
        stored = self._current(number, order)
        values = {name: getattr(order, name) for name in STORED_FIELDS}
        said = _said(order)
        if stored is None:
            self.plan.inserts[number] = {
                **values, **said, "status": Status.NEW, "placeholder": False,
                "office": self.store.office,
                "suggested_department": self.routing.suggest(order),
                "source_file": order.source, "reminders": 0, "created_at": self.stamp,
                "updated_at": self.stamp,
            }
            self._flagged(order, stats)
            event = self._event(number, "received", f"受理：收到电子工单（{self._where(order)}）",
                                order, {"location": order.location})
            self._document(number, event, "转送单", "")
            stats.new.append(number)
            return
        if stored.get("placeholder"):
            self._supersede(stored, order, values, stats)
            return
        if stored.get("status") == Status.RETURNED:
            if not self._sent_back(number, stored, order, stats):
                return
            stored = self.known[number]
        changes = _changes(stored, order)
        # A printout says nothing beyond the normal form: it leaves the table's columns be.
        if order.extras and any(stored.get(k) != v for k, v in said.items()):
            if stored.get("flags") != said["flags"]:
                self._flagged(order, stats)
            self._change(number, said)  # the export's own columns: kept current, no new form
        if not changes:
            stats.unchanged += 1
            return
        self._change(number, {k: v[1] for k, v in changes.items()})
        if {"dispatch_time", "kind"} & set(changes) and any(
                stored.get(k) for k in ("first_contact_at", "handled_at", "visited_at")):
            stats.moved.append(number)
        names = "、".join(FIELD_LABELS[k] for k in changes)
        event = self._event(number, "updated",
                            f"区热线办重新发来工单，更改了{names}（{self._where(order)}）",
                            order, {"changes": changes})
        issued = self._count_documents(number, "转送单-更新")
        self._document(number, event, "转送单-更新", f"-更新{issued + 1}")
        stats.updated.append(number)

    def _change(self, number: str, values: dict[str, Any]) -> None:
        """Change an order, whether it is already stored or still only planned."""
        if number in self.plan.inserts:
            self.plan.inserts[number].update(values)
            return
        self.known[number] = {**self.known[number], **values}
        self.plan.updates.setdefault(number, {}).update({**values, "updated_at": self.stamp})

    def _count_documents(self, number: str, kind: str) -> int:
        planned = sum(1 for _, d in self.plan.documents if d["order_no"] == number
                      and d["kind"] == kind)
        if number in self.plan.inserts:
            return planned
        stored = sum(1 for d in self.store.documents_for(self.conn, number) if d["kind"] == kind)
        return stored + planned

    def _supersede(self, stored: OrderRow, order: IncomingOrder, values: dict[str, Any],
                   stats: IngestStats) -> None:
        """The order itself arrives after a 催单 had to stand in for it."""
        number = order.order_no
        self._change(number, {
            **values, **_said(order), "placeholder": False, "source_file": order.source,
            "suggested_department": stored["suggested_department"] or self.routing.suggest(order),
        })
        self._flagged(order, stats)
        event = self._event(
            number, "superseded",
            f"收到工单原件，取代此前仅凭催单建立的记录，时限改按原派单日期计算（{self._where(order)}）",
            order, {"changes": _changes(stored, order)},
        )
        self._document(number, event, "转送单", "")
        stats.updated.append(number)

    def _reminder(self, order: IncomingOrder, stats: IngestStats) -> None:
        number = order.order_no
        key = (number, order.dispatch_time)
        if key in self.reminded:
            stats.unchanged += 1
            return
        self.reminded.add(key)
        stored = self._current(number, order)
        when = order.dispatch_time
        if stored is None:
            self.plan.inserts[number] = {
                **{name: getattr(order, name) for name in STORED_FIELDS}, **_said(order),
                "status": Status.NEW, "placeholder": True, "office": self.store.office,
                "suggested_department": self.routing.suggest(order),
                "reminders": 1, "last_reminder_at": when, "source_file": order.source,
                "created_at": self.stamp, "updated_at": self.stamp,
            }
            count = 1
            self._flagged(order, stats)
            summary = ("收到催单，但系统中没有这张工单：已按催单建立记录，请向区热线办索取原工单"
                       f"（{self._where(order)}）")
            stats.reminder_only.append(number)
        else:
            count = int(stored.get("reminders") or 0) + 1
            self._change(number, {"reminders": count, "last_reminder_at": when})
            summary = f"第{count}次催单（催单时间 {when.replace('T', ' ')}，{self._where(order)}）"
            stats.reminders.append(number)
        event = self._event(number, "reminder", summary, order, {
            "reminder_time": when, "content": order.content, "number": count,
            "unknown_order": stored is None,
        })
        self.plan.reminders.append((event, {
            "order_no": number, "dispatch_time": when, "content": order.content,
            "source": order.source,
        }))
        self._document(number, event, "转送单-催单", f"-催单{count}")

    @staticmethod
    def _flagged(order: IncomingOrder, stats: IngestStats) -> None:
        for key in order.flags:
            stats.flagged.setdefault(key, []).append(order.order_no)

    def _reminder_keys(self, numbers: set[str]) -> set[tuple[str, str]]:
        keys: set[tuple[str, str]] = set()
        listed = list(numbers)
        for start in range(0, len(listed), 500):
            rows = self.conn.execute(
                select(schema.reminders.c.order_no, schema.reminders.c.dispatch_time)
                .where(schema.reminders.c.order_no.in_(listed[start:start + 500]))
            )
            keys.update((r[0], r[1]) for r in rows)
        return keys

    # -- writing --------------------------------------------------------------------------

    def _flush(self) -> None:
        plan, conn = self.plan, self.conn
        if plan.inserts:
            columns = {c.name for c in schema.orders.columns}
            rows = [{c: row.get(c, _default(c)) for c in columns} for row in plan.inserts.values()]
            conn.execute(insert(schema.orders), rows)
        for number, values in plan.updates.items():
            self.store.update_order(conn, number, values)
        if not plan.events:
            return
        ids = [r[0] for r in conn.execute(
            insert(schema.events).returning(schema.events.c.id, sort_by_parameter_order=True),
            plan.events,
        )]
        if plan.reminders:
            conn.execute(insert(schema.reminders),
                         [{**row, "event_id": ids[i]} for i, row in plan.reminders])
        if plan.documents:
            conn.execute(insert(schema.documents),
                         [{**row, "event_id": ids[i]} for i, row in plan.documents])


def _said(order: IncomingOrder) -> dict[str, str]:
    """The export's own columns and the flags they raise, as stored (JSON)."""
    return {"extras": json_text(order.extras), "flags": json_text(order.flags)}


def _default(column: str) -> Any:
    """What a planned order carries for a column it did not set (the schema's default)."""
    default = schema.orders.c[column].default
    if default is not None and not callable(default.arg):
        return default.arg
    return None
