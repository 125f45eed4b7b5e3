"""Looking after the store file itself: what an error means for the clerk, whether the file
can be written, a full integrity check, a backup compared with the live store.

Backups are opened `immutable` and read-only: checking one never writes beside it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from pipeline.store import schema
from pipeline.store.db import Store
from pipeline.store.trouble import store_trouble


def probe_write(store: Store) -> None:
    """Raise the clerk's StoreError unless the database can be written now.

    SQLite lets a read-only file begin a write transaction; only a write fails. Rewriting
    the header's user_version with its own value is a write that changes nothing, and it is
    rolled back anyway."""
    if not store.is_sqlite:
        return
    try:
        with store.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("BEGIN IMMEDIATE")
            try:
                version = raw.execute("PRAGMA user_version").fetchone()[0]
                raw.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                raw.rollback()
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise store_trouble(exc) from exc


@contextmanager
def _frozen(path: Path) -> Iterator[sqlite3.Connection]:
    """A backup file opened read-only and immutable: nothing is written beside it."""
    uri = f"{path.resolve().as_uri()}?immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        yield conn


@dataclass(frozen=True)
class StoreFacts:
    """What a database file holds, for the clerk to recognise it."""

    orders: int
    events: int
    last_event: str  # the latest event's time, "" if none


def integrity_problem(path: Path) -> str | None:
    """None when the file passes SQLite's full integrity check, else what failed."""
    try:
        with _frozen(path) as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            conn.execute("SELECT count(*) FROM orders").fetchone()
    except sqlite3.Error as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(rows[:5])


def file_facts(path: Path) -> StoreFacts:
    with _frozen(path) as conn:
        orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        events, last = conn.execute("SELECT count(*), coalesce(max(at), '') FROM events").fetchone()
    return StoreFacts(int(orders), int(events), str(last))


@dataclass(frozen=True)
class LostEvent:
    """A step recorded in the live store that a backup does not have."""

    at: str
    kind: str
    order_no: str
    source: str


def events_missing_from(live: Path, backup: Path) -> list[LostEvent]:
    """Events of the live store that the backup lacks (same id, order, kind and time), in
    the order they were recorded. Raises sqlite3.Error when the live store cannot be read."""
    uri = f"{live.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        conn.execute("ATTACH DATABASE ? AS old", (f"{backup.resolve().as_uri()}?immutable=1",))
        rows = conn.execute(
            "SELECT e.at, e.kind, e.order_no, e.source FROM main.events e WHERE NOT EXISTS ("
            " SELECT 1 FROM old.events b WHERE b.id = e.id AND b.order_no = e.order_no"
            " AND b.kind = e.kind AND b.at = e.at) ORDER BY e.id").fetchall()
    return [LostEvent(*row) for row in rows]


def known_digests(store: Store) -> set[str]:
    """The sha256 of every input file the store has a record of."""
    with store.read() as conn:
        return set(conn.execute(select(schema.files.c.sha256)).scalars())


@dataclass(frozen=True)
class LostFile:
    """An input file the live store has read that a backup does not know."""

    name: str
    seen_at: str
    orders: int


def files_missing_from(live: Path, backup: Path) -> list[LostFile]:
    """Input files recorded in the live store and not in the backup, oldest first."""
    uri = f"{live.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        conn.execute("ATTACH DATABASE ? AS old", (f"{backup.resolve().as_uri()}?immutable=1",))
        rows = conn.execute(
            "SELECT f.name, f.seen_at, f.orders FROM main.files f WHERE NOT EXISTS ("
            " SELECT 1 FROM old.files b WHERE b.sha256 = f.sha256) ORDER BY f.seen_at").fetchall()
    return [LostFile(*row) for row in rows]


def fold_wal(live: Path) -> bool:
    """Fold a database file's write-ahead log into it and empty the log; True when done
    (False for a file SQLite cannot read, or a log another connection keeps busy)."""
    try:
        with closing(sqlite3.connect(str(live), timeout=5)) as conn:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:
        return False
    return busy == 0
