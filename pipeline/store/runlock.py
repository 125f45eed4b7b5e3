"""One nightly run per street office at a time, wherever that office's homes are.

The home's own lock (`.hotline.lock`) keeps two runs in one folder apart; two machines whose
homes share one store are kept apart here, by the store:
- PostgreSQL: a session advisory lock keyed by the schema and the office, held on a
  connection of its own for the whole run; the server drops it if the holder dies or its
  connection is cut. The holder names itself in `application_name`, so that whoever is
  refused is told which machine and process has it.
- SQLite: a `flock` lock file beside the database file, `.hotline-run-<office key>.lock`
  (the kernel drops it with its holder).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text

from pipeline.errors import HomeBusyError
from pipeline.safety.locking import store_lock
from pipeline.store.db import Store

LOCK_SPACE = 0x686F74  # the first key of hotline's advisory locks ("hot")
OFFICE_BUSY = ("{office}的夜间运行正在进行（{holder}），本次未做任何处理。几个工作目录共用一个"
               "数据库时，同一街道一次只能有一个夜间运行；请等它结束后再运行。")
_HOLDER_SQL = text(
    "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = :space "
    "AND l.objid::bigint = :key AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")


def office_key(scope: str, office: str) -> int:
    """A stable 31-bit key for an office within a store (schema or file)."""
    digest = hashlib.sha256(f"{scope}\0{office}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def holder_label(what: str) -> str:
    """How a holder names itself (ASCII: application_name keeps 63 bytes)."""
    return f"{what} host {socket.gethostname()} pid {os.getpid()}"[:63]


@contextmanager
def office_run_lock(store: Store, what: str, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the run lock of the store's office, or raise HomeBusyError naming the holder."""
    office = store.office or "本街道"
    if store.is_sqlite:
        name = store.engine.url.database
        database = Path(name) if name and name != ":memory:" else None
        if database is None:  # an in-memory store is nobody else's
            yield
            return
        lock = lock_file_of(database, office)
        busy = OFFICE_BUSY.replace("{office}", office.replace("{", "{{").replace("}", "}}"))
        with store_lock(lock, f"{what}（{office}）", exclusive=True,
                        wait_seconds=wait_seconds, busy=busy):
            yield
        return
    with _advisory(store, what, office, wait_seconds):
        yield


@contextmanager
def _advisory(store: Store, what: str, office: str, wait_seconds: float) -> Iterator[None]:
    conn = store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        scope = str(conn.execute(text("SELECT current_schema()")).scalar() or "")
        params = {"space": LOCK_SPACE, "key": office_key(scope, office)}
        conn.execute(text("SELECT set_config('application_name', :name, false)"),
                     {"name": holder_label(what)})
        deadline = time.monotonic() + wait_seconds
        while not conn.execute(text("SELECT pg_try_advisory_lock(:space, :key)"),
                               params).scalar():
            if time.monotonic() >= deadline:
                raise HomeBusyError(OFFICE_BUSY.format(office=office, holder=_holder(conn, params)))
            time.sleep(0.5)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:space, :key)"), params)
    finally:
        conn.close()


def _holder(conn: Connection, params: dict[str, int]) -> str:
    row = conn.execute(_HOLDER_SQL, params).first()
    if row is None:  # it has just let go
        return "另一个 hotline 任务，刚刚结束"
    name, address, since = row
    where = f"，地址 {address}" if address else ""
    started = f"，{since:%Y-%m-%d %H:%M:%S} 连接" if since else ""
    return f"{name or '另一个 hotline 任务'}{where}{started}"


def lock_file_of(database: Path, office: str) -> Path:
    """The SQLite run lock of `office` beside `database` (for doctor and the tests)."""
    return database.parent / f".{database.stem}-run-{office_key('', office):08x}.lock"
