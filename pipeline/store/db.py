"""Opening the store, checking it, and the queries the stages share."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Select,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from pipeline import clock
from pipeline.errors import StoreError
from pipeline.model import DocumentRow, EventRow, OrderRow, Status
from pipeline.store import schema
from pipeline.store.migrations import migrate
from pipeline.store.trouble import store_trouble


def _decoded(rows: Iterable[Any], key: str) -> list[dict[str, Any]]:
    """Rows as dicts, with the JSON text column `key` decoded."""
    out = []
    for row in rows:
        item = dict(row)
        item[key] = json.loads(item[key] or "{}")
        out.append(item)
    return out


def _order_rows(result: Any) -> list[OrderRow]:
    return [cast(OrderRow, dict(r)) for r in result.mappings()]


def now_iso() -> str:
    return clock.stamp()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL keeps readers going while the batch writes; FULL sync because an original leaves
    # the inbox right after its commit: that commit must survive a power cut.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


class Store:
    """The database of one home, as its office sees it.

    A store may be shared by a district's street offices (one PostgreSQL server): a street's
    home (`office`, its [office] name) sees only its own orders; a district home
    (`district=True`) sees every office's. What a home writes of its own (documents to render,
    runs) stays its own either way. On SQLite, orders stored before offices existed (office "")
    belong to the home's office."""

    def __init__(self, engine: Engine, *, office: str = "", district: bool = False) -> None:
        self.engine = engine
        self.office = office
        self.district = district

    @property
    def own_offices(self) -> tuple[str, ...]:
        """The office values that are this home's own."""
        return (self.office, "") if self.is_sqlite else (self.office,)

    def visible(self, query: Any) -> Any:
        """`query` on orders narrowed to what this home sees (every office for the district)."""
        return query if self.district else self.own(query)

    def own(self, query: Any) -> Any:
        """`query` on orders narrowed to this home's own office."""
        return query.where(schema.orders.c.office.in_(self.own_offices))

    def _own_orders(self) -> Any:
        return select(schema.orders.c.order_no).where(
            schema.orders.c.office.in_(self.own_offices))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends, rolled back on an exception."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """The write transaction of one verb or one imported file: read and write inside it.

        On SQLite it starts with BEGIN IMMEDIATE, so that two writers queue (busy timeout)
        instead of both reading the same state and the second one's write losing the first's;
        on a server database the rows a writer reads for update are locked
        (`get_order(..., lock=True)`, SELECT … FOR UPDATE). Committed when the block ends,
        rolled back on any exception (a kill leaves nothing half done)."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # -- checks ---------------------------------------------------------------------------

    def quick_check(self) -> str | None:
        """None when SQLite's own check passes, else what it found."""
        if not self.is_sqlite:
            return None
        try:
            with self.engine.connect() as conn:
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
        except (DBAPIError, SQLAlchemyError) as exc:
            if store_trouble(exc).exit_code != StoreError.exit_code:
                raise  # read-only or locked: not damage
            return str(exc.orig if isinstance(exc, DBAPIError) else exc)
        return None if rows == ["ok"] else "; ".join(rows[:5])

    # -- orders ---------------------------------------------------------------------------

    def get_order(self, conn: Connection, order_no: str, *, lock: bool = False) -> OrderRow | None:
        """One order this home sees; with `lock`, its row stays locked until the transaction
        ends (server databases; SQLite's whole-database write lock already covers it)."""
        query = self.visible(select(schema.orders).where(schema.orders.c.order_no == order_no))
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).mappings().first()
        return cast(OrderRow, dict(row)) if row else None

    def get_orders(self, conn: Connection, numbers: Iterable[str], *,
                   every_office: bool = False) -> dict[str, OrderRow]:
        """The orders with these numbers this home sees (`every_office`: whichever office's,
        for intake to notice an order the district moved here from another street)."""
        numbers = list(numbers)
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            query = select(schema.orders).where(schema.orders.c.order_no.in_(chunk))
            rows = conn.execute(query if every_office else self.visible(query)).mappings()
            found.update({r["order_no"]: cast(OrderRow, dict(r)) for r in rows})
        return found

    def update_order(self, conn: Connection, order_no: str, values: dict[str, Any]) -> None:
        conn.execute(
            update(schema.orders).where(schema.orders.c.order_no == order_no).values(**values)
        )

    def orders(
        self,
        conn: Connection,
        *,
        statuses: Sequence[str] | None = None,
        numbers: Sequence[str] | None = None,
    ) -> list[OrderRow]:
        query = select(schema.orders).order_by(
            schema.orders.c.dispatch_time, schema.orders.c.order_no
        )
        if statuses is not None:
            query = query.where(schema.orders.c.status.in_(list(statuses)))
        if numbers is not None:
            query = query.where(schema.orders.c.order_no.in_(list(numbers)))
        return _order_rows(conn.execute(self.visible(query)))

    def count_orders(self, conn: Connection) -> int:
        query = self.visible(select(func.count()).select_from(schema.orders))
        return int(conn.execute(query).scalar_one())

    def orders_to_track(self, conn: Connection, *, closed_since: date) -> list[OrderRow]:
        """The orders the night's workbooks follow: every order not yet closed, and those
        closed on or after `closed_since` (the run's month); never one the district took back
        (退单 confirmed)."""
        closed = (Status.CLOSED, Status.ARCHIVED)
        query = select(schema.orders).where(or_(
            schema.orders.c.status.not_in(closed),
            schema.orders.c.closed_at >= closed_since.isoformat(),
        ), schema.orders.c.status != Status.RETURNED).order_by(
            schema.orders.c.dispatch_time, schema.orders.c.order_no)
        return _order_rows(conn.execute(self.visible(query)))

    def iter_orders_to_track(self, *, closed_since: date, by_office: bool = False,
                             chunk: int = 1000) -> Iterator[OrderRow]:
        """The rows of `orders_to_track`, in the same order, read `chunk` at a time: a night of
        a hundred thousand orders never sits in memory at once. `by_office`: the district's
        order, street by street."""
        o = schema.orders.c
        keys = (o.office, o.dispatch_time, o.order_no) if by_office else (o.dispatch_time, o.order_no)
        closed = (Status.CLOSED, Status.ARCHIVED)
        query = select(o.order_no).where(or_(
            o.status.not_in(closed), o.closed_at >= closed_since.isoformat(),
        ), o.status != Status.RETURNED).order_by(*keys)
        return self._paged(query, chunk)

    def iter_orders(self, *, statuses: Sequence[str] | None = None,
                    chunk: int = 1000) -> Iterator[OrderRow]:
        """The rows of `orders` (every order this home sees, or those in `statuses`), in
        dispatch order, read `chunk` at a time."""
        o = schema.orders.c
        query = select(o.order_no).order_by(o.dispatch_time, o.order_no)
        if statuses is not None:
            query = query.where(o.status.in_(list(statuses)))
        return self._paged(query, chunk)

    def numbers_dispatched(self, conn: Connection, start: date, end: date) -> list[str]:
        """The numbers of the orders dispatched on days in [start, end), in dispatch order."""
        o = schema.orders.c
        return list(conn.execute(self.visible(self._dispatched(select(o.order_no), start, end)))
                    .scalars())

    def iter_orders_dispatched(self, start: date, end: date, *,
                               chunk: int = 1000) -> Iterator[OrderRow]:
        """The rows of `orders_dispatched`, read `chunk` at a time."""
        return self._paged(self._dispatched(select(schema.orders.c.order_no), start, end), chunk)

    @staticmethod
    def _dispatched(query: Select[Any], start: date, end: date) -> Select[Any]:
        o = schema.orders.c
        return query.where(o.dispatch_time >= start.isoformat(),
                           o.dispatch_time < end.isoformat()).order_by(o.dispatch_time, o.order_no)

    def _paged(self, numbers: Select[Any], chunk: int) -> Iterator[OrderRow]:
        """The orders whose numbers `numbers` selects, in its order, a page at a time. The
        order is settled once, on the numbers alone (one sort of narrow keys; a page query
        that sorted what is left would sort everything again for every page), then each page
        is read by number in its own short read."""
        o = schema.orders.c
        with self.read() as conn:
            found = list(conn.execute(self.visible(numbers)).scalars())
        for start in range(0, len(found), chunk):
            page = found[start:start + chunk]
            with self.read() as conn:
                rows = {r["order_no"]: r for r in _order_rows(conn.execute(
                    select(schema.orders).where(o.order_no.in_(page))))}
            # a row gone meanwhile (another street's move) is simply not listed
            yield from (rows[n] for n in page if n in rows)

    def orders_closed(self, conn: Connection, start: date, end: date) -> list[OrderRow]:
        """Orders closed (or already archived) on days in [start, end), in closing order."""
        query = select(schema.orders).where(
            schema.orders.c.status.in_((Status.CLOSED, Status.ARCHIVED)),
            schema.orders.c.closed_at >= start.isoformat(),
            schema.orders.c.closed_at < end.isoformat(),
        ).order_by(schema.orders.c.closed_at, schema.orders.c.order_no)
        return _order_rows(conn.execute(self.visible(query)))

    def count_open_dispatched(self, conn: Connection, start: date, end: date) -> int:
        """Orders dispatched in [start, end) that are not closed yet."""
        query = select(func.count()).select_from(schema.orders).where(
            schema.orders.c.status.not_in((Status.CLOSED, Status.ARCHIVED)),
            schema.orders.c.dispatch_time >= start.isoformat(),
            schema.orders.c.dispatch_time < end.isoformat(),
        )
        return int(conn.execute(self.visible(query)).scalar_one())

    def next_in_sequence(self, conn: Connection, name: str) -> int:
        """The next number of sequence `name` (1 for a new one), never given twice: the
        increment is one UPDATE, serialised by the write transaction (SQLite) or the row
        lock it takes (server databases)."""
        seq = schema.sequences
        if self.office and not self.is_sqlite:  # a server's store: each street its own numbers
            name = f"{self.office}:{name}"
        bumped = conn.execute(
            update(seq).where(seq.c.name == name).values(value=seq.c.value + 1))
        if bumped.rowcount == 0:
            try:
                with conn.begin_nested():
                    conn.execute(insert(seq).values(name=name, value=1))
            except IntegrityError:  # another writer created it first: take the next one
                conn.execute(update(seq).where(seq.c.name == name).values(value=seq.c.value + 1))
            else:
                return 1
        return int(conn.execute(select(seq.c.value).where(seq.c.name == name)).scalar_one())

    # -- inputs applied once --------------------------------------------------------------

    def applied_input(self, conn: Connection, key: str) -> dict[str, Any] | None:
        """The record of an input already applied (a 台账 cell, a file row, a form)."""
        row = conn.execute(select(schema.applied_inputs).where(
            schema.applied_inputs.c.input_key == key)).mappings().first()
        return dict(row) if row else None

    def record_input(self, conn: Connection, key: str, order_no: str, source: str,
                     event_id: int | None) -> None:
        conn.execute(insert(schema.applied_inputs).values(
            input_key=key, order_no=order_no, source=source, event_id=event_id,
            applied_at=now_iso()))

    def applied_inputs(self, conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(schema.applied_inputs).order_by(
            schema.applied_inputs.c.applied_at, schema.applied_inputs.c.input_key)).mappings()
        return [dict(r) for r in rows]

    def schema_version(self, conn: Connection) -> int | None:
        return conn.execute(select(func.max(schema.schema_migrations.c.version))).scalar()

    def last_run(self, conn: Connection) -> dict[str, Any] | None:
        """The most recent run started, finished or not."""
        row = conn.execute(
            select(schema.runs.c.started_at, schema.runs.c.status)
            .where(schema.runs.c.office.in_(self.own_offices))
            .order_by(schema.runs.c.id.desc()).limit(1)
        ).mappings().first()
        return dict(row) if row else None

    # -- events ---------------------------------------------------------------------------

    def add_event(
        self,
        conn: Connection,
        order_no: str,
        kind: str,
        summary: str,
        *,
        source: str = "",
        actor: str = "",
        detail: dict[str, Any] | None = None,
        at: str | None = None,
        time_source: str = "",
    ) -> int:
        """Record an event: `at` when it happened (now if not given), `time_source` where
        that time came from; `recorded_at` is always now."""
        recorded = now_iso()
        result = conn.execute(
            insert(schema.events).values(
                order_no=order_no,
                at=at or recorded,
                recorded_at=recorded,
                time_source=time_source or "登记时间",
                kind=kind,
                summary=summary,
                detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
                source=source,
                actor=actor,
            )
        )
        return int(result.inserted_primary_key[0])

    def last_event_id(self, conn: Connection) -> int:
        """The id of the newest event (0 when none)."""
        return int(conn.execute(select(func.max(schema.events.c.id))).scalar() or 0)

    def events_for(self, conn: Connection, order_no: str) -> list[EventRow]:
        rows = conn.execute(
            select(schema.events)
            .where(schema.events.c.order_no == order_no)
            .order_by(schema.events.c.id)
        ).mappings()
        return _decoded(rows, "detail")

    def events_by_id(self, conn: Connection, ids: Iterable[int]) -> dict[int, EventRow]:
        ids = list(ids)
        out: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(schema.events).where(schema.events.c.id.in_(ids[start : start + 500]))
            ).mappings()
            out.update((item["id"], item) for item in _decoded(rows, "detail"))
        return out

    # -- files ----------------------------------------------------------------------------

    def file_record(self, conn: Connection, digest: str) -> dict[str, Any] | None:
        row = conn.execute(
            select(schema.files).where(schema.files.c.sha256 == digest)
        ).mappings().first()
        return dict(row) if row else None

    def record_file(
        self, conn: Connection, digest: str, name: str, outcome: str, orders: int, note: str = ""
    ) -> None:
        if self.file_record(conn, digest) is None:
            conn.execute(
                insert(schema.files).values(
                    sha256=digest, name=name, seen_at=now_iso(), outcome=outcome,
                    orders=orders, note=note, office=self.office,
                )
            )
        else:
            conn.execute(
                update(schema.files)
                .where(schema.files.c.sha256 == digest)
                .values(outcome=outcome, orders=orders, note=note, office=self.office)
            )

    # -- documents ------------------------------------------------------------------------

    def queue_document(
        self, conn: Connection, order_no: str, kind: str, event_id: int, run_date: str, path: str
    ) -> None:
        """Promise a document for an event; the render stage keeps the promise."""
        exists = conn.execute(
            select(schema.documents.c.id).where(
                schema.documents.c.event_id == event_id, schema.documents.c.kind == kind
            )
        ).first()
        if exists is None:
            conn.execute(
                insert(schema.documents).values(
                    order_no=order_no, kind=kind, event_id=event_id, run_date=run_date,
                    path=path,
                )
            )

    def _pending(self, query: Any) -> Any:
        return query.where(schema.documents.c.written_at.is_(None),
                           schema.documents.c.order_no.in_(self._own_orders()))

    def pending_documents(self, conn: Connection, *, after: int = 0,
                          limit: int | None = None) -> list[DocumentRow]:
        """Documents queued and not yet written, by id; `after`/`limit`: one page of them."""
        query = self._pending(select(schema.documents)).where(schema.documents.c.id > after)
        rows = conn.execute(query.order_by(schema.documents.c.id).limit(limit)).mappings()
        return [dict(r) for r in rows]

    def count_pending_documents(self, conn: Connection) -> int:
        query = self._pending(select(func.count()).select_from(schema.documents))
        return int(conn.execute(query).scalar_one())

    def documents_for(self, conn: Connection, order_no: str) -> list[DocumentRow]:
        rows = conn.execute(
            select(schema.documents)
            .where(schema.documents.c.order_no == order_no)
            .order_by(schema.documents.c.id)
        ).mappings()
        return [dict(r) for r in rows]

    def document_paths_on(self, conn: Connection, run_date: str) -> list[str]:
        """The paths (relative to the outbox) of the documents written for a day, in the
        order they were issued: only the paths, a city's day of them is a few megabytes."""
        return list(conn.execute(
            select(schema.documents.c.path)
            .where(schema.documents.c.run_date == run_date,
                   schema.documents.c.written_at.is_not(None),
                   schema.documents.c.order_no.in_(self._own_orders()))
            .order_by(schema.documents.c.id)
        ).scalars())

    def mark_documents_written(self, conn: Connection, ids: Sequence[int]) -> None:
        stamp = now_iso()
        for start in range(0, len(ids), 500):
            conn.execute(
                update(schema.documents)
                .where(schema.documents.c.id.in_(list(ids[start : start + 500])))
                .values(written_at=stamp)
            )

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, as_of: str) -> int:
        with self.begin() as conn:
            result = conn.execute(
                insert(schema.runs).values(as_of=as_of, started_at=now_iso(), status="running",
                                           office=self.office)
            )
            return int(result.inserted_primary_key[0])

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        with self.begin() as conn:
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.id == run_id)
                .values(
                    finished_at=now_iso(),
                    status=status,
                    summary=json.dumps(summary, ensure_ascii=False, sort_keys=True),
                )
            )

    def runs_on(self, conn: Connection, as_of: str) -> list[dict[str, Any]]:
        rows = conn.execute(
            select(schema.runs)
            .where(schema.runs.c.as_of == as_of, schema.runs.c.finished_at.is_not(None),
                   schema.runs.c.office.in_(self.own_offices))
            .order_by(schema.runs.c.id)
        ).mappings()
        return _decoded(rows, "summary")


def open_store(url: str, *, check: bool = False, office: str = "",
               district: bool = False) -> Store:
    """Open (creating and migrating as needed) the store at `url`, as `office` sees it
    (every office's orders with `district`).

    With `check`, SQLite's quick_check runs first and a damaged file is refused with
    guidance instead of being written to.
    """
    try:
        engine = create_engine(url, future=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = Store(engine, office=office, district=district)
        if check:
            problem = store.quick_check()
            if problem is not None:
                engine.dispose()
                raise StoreError(
                    f"数据库文件已损坏（{problem}）。本次没有处理任何文件，收件箱原样保留。"
                    "请运行 hotline doctor 查看最近的备份，并按提示恢复。"
                )
        with engine.begin() as conn:
            migrate(conn)
            conn.execute(text("SELECT 1"))
    except StoreError:
        raise
    except (DBAPIError, SQLAlchemyError) as exc:
        raise store_trouble(exc) from exc
    return store
