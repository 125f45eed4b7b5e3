"""`hotline migrate --to URL`: a street's own store copied into the district's shared server.

Idempotent: an order already in the target (same number, same office) is not copied again;
only the missing ones are, with their events, 催单 and documents, in chunks, each chunk one
transaction (a cut connection loses nothing: the next attempt copies what is still missing).
Event ids are the target's own: reminders and documents follow their events to the new ids.
Verified afterwards by counts per table and by a digest of every order with its history,
computed the same way on both sides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select

from pipeline.store import schema
from pipeline.store.db import Store

CHUNK = 500
# What an order's digest leaves out: where it lives, not what it says.
_NOT_DIGESTED = {"office"}
_EVENT_FIELDS = ("at", "kind", "summary", "detail", "source", "actor")


@dataclass
class Verification:
    """What the copy did and what the check found, per table: (source, target)."""

    copied: int = 0
    present: int = 0  # already in the target before this run
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    same: int = 0
    different: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # the number belongs to another office

    @property
    def ok(self) -> bool:
        return (not self.different and not self.elsewhere
                and all(a == b for a, b in self.counts.values()))


def own_numbers(store: Store, conn: Connection) -> list[str]:
    """Every order number this home owns, in order."""
    query = store.own(select(schema.orders.c.order_no)).order_by(schema.orders.c.order_no)
    return list(conn.execute(query).scalars())


def chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start:start + CHUNK])


def events_of(conn: Connection, numbers: Iterable[str]) -> list[dict[str, Any]]:
    """The events of these orders, oldest first."""
    rows = conn.execute(select(schema.events).where(schema.events.c.order_no.in_(list(numbers)))
                        .order_by(schema.events.c.id)).mappings()
    return [dict(r) for r in rows]


def _rows_of(conn: Connection, table: Any, numbers: Iterable[str]) -> list[dict[str, Any]]:
    rows = conn.execute(select(table).where(table.c.order_no.in_(list(numbers)))
                        .order_by(table.c.id)).mappings()
    return [dict(r) for r in rows]


def copy_store(source: Store, target: Store) -> Verification:
    """Copy `source`'s own orders into `target` (as `target.office`), then verify."""
    result = Verification()
    with source.read() as src:
        numbers = own_numbers(source, src)
        for chunk in chunks(numbers):
            with target.begin() as dst:
                found = target.get_orders(dst, chunk, every_office=True)
                result.elsewhere += [n for n, row in found.items()
                                     if row["office"] != target.office]
                missing = [n for n in chunk if n not in found]
                result.present += len(chunk) - len(missing)
                if missing:
                    _copy_orders(src, dst, missing, target.office)
                    result.copied += len(missing)
        with target.begin() as dst:
            _copy_files(src, dst, target.office)
    _verify(source, target, numbers, result)
    return result


def _copy_orders(src: Connection, dst: Connection, numbers: list[str], office: str) -> None:
    orders = [{**dict(r), "office": office} for r in src.execute(
        select(schema.orders).where(schema.orders.c.order_no.in_(numbers))).mappings()]
    dst.execute(insert(schema.orders), orders)
    events = events_of(src, numbers)
    if not events:
        return
    new_ids = [r[0] for r in dst.execute(
        insert(schema.events).returning(schema.events.c.id, sort_by_parameter_order=True),
        [{k: v for k, v in e.items() if k != "id"} for e in events])]
    moved = {e["id"]: new for e, new in zip(events, new_ids, strict=True)}
    for table in (schema.reminders, schema.documents):
        rows = [{**{k: v for k, v in r.items() if k != "id"}, "event_id": moved[r["event_id"]]}
                for r in _rows_of(src, table, numbers) if r["event_id"] in moved]
        if rows:
            dst.execute(insert(table), rows)


def _copy_files(src: Connection, dst: Connection, office: str) -> None:
    """The originals already read (by digest), as read by the target's office: the server
    will not read them again."""
    known = set(dst.execute(select(schema.files.c.sha256)).scalars())
    rows = [{**dict(r), "office": office} for r in src.execute(select(schema.files)).mappings()
            if r["sha256"] not in known]
    for start in range(0, len(rows), CHUNK):
        dst.execute(insert(schema.files), rows[start:start + CHUNK])


def order_digest(order: dict[str, Any], events: Sequence[dict[str, Any]],
                 reminders: int, documents: Sequence[tuple[str, str]]) -> str:
    """One order with its history, as a hash both sides compute alike."""
    body = {
        "order": {k: v for k, v in sorted(order.items()) if k not in _NOT_DIGESTED},
        "events": [[e[f] for f in _EVENT_FIELDS] for e in events],
        "reminders": reminders,
        "documents": sorted(documents),
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digests(store: Store, conn: Connection, numbers: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in chunks(numbers):
        orders = store.get_orders(conn, chunk, every_office=True)
        events: dict[str, list[dict[str, Any]]] = {}
        for e in events_of(conn, chunk):
            events.setdefault(e["order_no"], []).append(e)
        reminders: dict[str, int] = {}
        for r in _rows_of(conn, schema.reminders, chunk):
            reminders[r["order_no"]] = reminders.get(r["order_no"], 0) + 1
        documents: dict[str, list[tuple[str, str]]] = {}
        for d in _rows_of(conn, schema.documents, chunk):
            documents.setdefault(d["order_no"], []).append((d["kind"], d["path"]))
        for number, order in orders.items():
            out[number] = order_digest(dict(order), events.get(number, []),
                                       reminders.get(number, 0), documents.get(number, []))
    return out


def _count(conn: Connection, table: Any, numbers: list[str]) -> int:
    total = 0
    for chunk in chunks(numbers):
        total += int(conn.execute(select(func.count()).select_from(table)
                                  .where(table.c.order_no.in_(chunk))).scalar_one())
    return total


def _verify(source: Store, target: Store, numbers: list[str], result: Verification) -> None:
    with source.read() as src, target.read() as dst:
        for name, table in (("orders", schema.orders), ("events", schema.events),
                            ("reminders", schema.reminders), ("documents", schema.documents)):
            result.counts[name] = (_count(src, table, numbers), _count(dst, table, numbers))
        ours, theirs = digests(source, src, numbers), digests(target, dst, numbers)
    result.different = sorted(n for n in ours if theirs.get(n) != ours[n])
    result.same = len(ours) - len(result.different)
