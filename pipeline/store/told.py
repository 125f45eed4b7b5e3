"""Queries for what the district office has been told (反馈区热线办) and the events behind it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from pipeline.model import EventRow
from pipeline.store import schema


def _decoded_events(rows: Iterable[Any]) -> list[EventRow]:
    out = []
    for row in rows:
        item = dict(row)
        item["detail"] = json.loads(item["detail"] or "{}")
        out.append(item)
    return out  # type: ignore[return-value]


def unlisted_events(conn: Connection, kinds: Sequence[str],
                    offices: Sequence[str]) -> list[EventRow]:
    """Events of `kinds` of the orders of `offices` never listed for the district, oldest
    first (on a shared store each street tells only its own)."""
    listed = select(schema.feedback_items.c.event_id)
    theirs = select(schema.orders.c.order_no).where(schema.orders.c.office.in_(list(offices)))
    rows = conn.execute(
        select(schema.events)
        .where(schema.events.c.kind.in_(list(kinds)), schema.events.c.id.not_in(listed),
               schema.events.c.order_no.in_(theirs))
        .order_by(schema.events.c.id)
    ).mappings()
    return _decoded_events(rows)


def events_of_orders(conn: Connection, numbers: Sequence[str]) -> dict[str, list[EventRow]]:
    """Every event of each order, in the order recorded."""
    out: dict[str, list[EventRow]] = {n: [] for n in numbers}
    numbers = list(numbers)
    for start in range(0, len(numbers), 500):
        rows = conn.execute(
            select(schema.events)
            .where(schema.events.c.order_no.in_(numbers[start : start + 500]))
            .order_by(schema.events.c.id)
        ).mappings()
        for event in _decoded_events(rows):
            out[event["order_no"]].append(event)
    return out


def listed_event_ids(conn: Connection, numbers: Sequence[str]) -> set[int]:
    """The ids of the events already listed for the district, of these orders."""
    found: set[int] = set()
    numbers = list(numbers)
    for start in range(0, len(numbers), 500):
        found.update(conn.execute(
            select(schema.feedback_items.c.event_id)
            .where(schema.feedback_items.c.order_no.in_(numbers[start : start + 500]))
        ).scalars())
    return found


def record_listed(conn: Connection, office: str, items: Sequence[dict[str, Any]]) -> None:
    """Mark events as listed by `office`, their list not yet written: each dict has
    event_id order_no kind listed_on line correction and `row` (what the line said)."""
    for item in items:
        conn.execute(insert(schema.feedback_items).values(
            event_id=item["event_id"], order_no=item["order_no"], kind=item["kind"],
            listed_on=item["listed_on"], line=item["line"], correction=item["correction"],
            listed_row=json.dumps(item["row"], ensure_ascii=False, sort_keys=True),
            office=office, written=False,
        ))


def mark_written(conn: Connection, offices: Sequence[str], day: str) -> None:
    """The list of `day` is in the outbox."""
    items = schema.feedback_items.c
    conn.execute(update(schema.feedback_items)
                 .where(items.office.in_(list(offices)), items.listed_on == day,
                        items.written.is_(False))
                 .values(written=True))


def days_unwritten(conn: Connection, offices: Sequence[str]) -> list[str]:
    """Days whose list was marked but never written (a run ended between the two)."""
    items = schema.feedback_items.c
    return list(conn.execute(
        select(items.listed_on).distinct()
        .where(items.office.in_(list(offices)), items.written.is_(False))
        .order_by(items.listed_on)
    ).scalars())


def next_line(conn: Connection, offices: Sequence[str], day: str) -> int:
    """The next free line number of a day's list."""
    items = schema.feedback_items.c
    top = conn.execute(select(func.max(items.line))
                       .where(items.listed_on == day, items.office.in_(list(offices)))).scalar()
    return int(top or 0) + 1


def lines_listed_on(conn: Connection, offices: Sequence[str], day: str) -> list[dict[str, Any]]:
    """A day's list as it was made: one dict per line (its row), in line order."""
    items = schema.feedback_items.c
    rows = conn.execute(
        select(items.line, items.listed_row)
        .where(items.listed_on == day, items.office.in_(list(offices)))
        .order_by(items.line, items.id)
    ).all()
    seen: dict[int, dict[str, Any]] = {}
    for line, text in rows:
        seen.setdefault(int(line), json.loads(text or "{}"))
    return [seen[k] for k in sorted(seen)]


def days_listed_since(conn: Connection, offices: Sequence[str], since: str) -> list[str]:
    """The days on which something was listed, from `since` on."""
    items = schema.feedback_items.c
    return list(conn.execute(
        select(items.listed_on).distinct()
        .where(items.listed_on >= since, items.listed_on != "", items.office.in_(list(offices)))
        .order_by(items.listed_on)
    ).scalars())


def event_counts(conn: Connection, numbers: Sequence[str], kinds: Sequence[str]) -> dict[str, set[str]]:
    """For each event kind, the orders (of `numbers`) that have one."""
    out: dict[str, set[str]] = {k: set() for k in kinds}
    numbers = list(numbers)
    for start in range(0, len(numbers), 500):
        rows = conn.execute(
            select(schema.events.c.kind, schema.events.c.order_no).distinct()
            .where(schema.events.c.order_no.in_(numbers[start : start + 500]),
                   schema.events.c.kind.in_(list(kinds)))
        ).all()
        for kind, order_no in rows:
            out[kind].add(order_no)
    return out
