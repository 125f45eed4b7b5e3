"""Ordered, recorded schema migrations (`schema_migrations` holds what was applied).

Each migration runs once, in order, inside a transaction. Migration 1 builds the version-1
tables frozen below; every later change to `schema.py` comes with a new migration appended
here: `tests/test_store.py` fails until a fresh database matches `schema.py` exactly.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)

from pipeline import clock
from pipeline.store import schema

# The tables as they stood at version 1, frozen: later versions change them by migrations.
_V1 = MetaData()
_orders_v1 = Table(
    "orders",
    _V1,
    Column("order_no", String(40), primary_key=True),
    Column("caller", Text, nullable=False, default=""),
    Column("call_time", String(19)),
    Column("address", Text, nullable=False, default=""),
    Column("phone", String(32), nullable=False, default=""),
    Column("dispatch_time", String(19), nullable=False),
    Column("from_unit", Text, nullable=False, default=""),
    Column("doc_no", Text, nullable=False, default=""),
    Column("priority", String(8), nullable=False, default="普通"),
    Column("kind", String(8), nullable=False),
    Column("category", String(8), nullable=False, default=""),
    Column("content", Text, nullable=False),
    Column("placeholder", Boolean, nullable=False, default=False),
    Column("status", String(8), nullable=False),
    Column("suggested_department", Text, nullable=False, default=""),
    Column("department", Text, nullable=False, default=""),
    Column("instruction", Text, nullable=False, default=""),
    Column("first_contact_at", String(19)),
    Column("first_contact_note", Text, nullable=False, default=""),
    Column("handled_at", String(19)),
    Column("result", String(8), nullable=False, default=""),
    Column("handling_notes", Text, nullable=False, default=""),
    Column("handler", Text, nullable=False, default=""),
    Column("handler_phone", String(32), nullable=False, default=""),
    Column("replied_within_day", Boolean),
    Column("visited_at", String(19)),
    Column("satisfaction", String(8), nullable=False, default=""),
    Column("closed_at", String(19)),
    Column("archived_at", String(19)),
    Column("extension_days", Integer, nullable=False, default=0),
    Column("reopened_on", String(10)),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("reminders", Integer, nullable=False, default=0),
    Column("last_reminder_at", String(19)),
    Column("request_type", String(12), nullable=False, default=""),
    Column("request_reason", Text, nullable=False, default=""),
    Column("request_status", String(8), nullable=False, default=""),
    Column("request_no", String(32), nullable=False, default=""),
    Column("source_file", Text, nullable=False, default=""),
    Column("created_at", String(19), nullable=False),
    Column("updated_at", String(19), nullable=False),
)
Index("ix_orders_status", _orders_v1.c.status)
Index("ix_orders_dispatch", _orders_v1.c.dispatch_time)
Index("ix_orders_closed", _orders_v1.c.closed_at)

_events_v1 = Table(
    "events",
    _V1,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(40), nullable=False),
    Column("at", String(19), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("summary", Text, nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    Column("source", Text, nullable=False, default=""),
    Column("actor", Text, nullable=False, default=""),
)
Index("ix_events_order", _events_v1.c.order_no)

_reminders_v1 = Table(
    "reminders",
    _V1,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(40), nullable=False),
    Column("dispatch_time", String(19), nullable=False),
    Column("content", Text, nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),
    Column("event_id", Integer, nullable=False),
    UniqueConstraint("order_no", "dispatch_time", name="uq_reminder"),
)

_files_v1 = Table(
    "files",
    _V1,
    Column("sha256", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("seen_at", String(19), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("orders", Integer, nullable=False, default=0),
    Column("note", Text, nullable=False, default=""),
)

_documents_v1 = Table(
    "documents",
    _V1,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("run_date", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("written_at", String(19)),
    UniqueConstraint("event_id", "kind", name="uq_document_event"),
)
Index("ix_documents_pending", _documents_v1.c.written_at)

_runs_v1 = Table(
    "runs",
    _V1,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", String(10), nullable=False),
    Column("started_at", String(19), nullable=False),
    Column("finished_at", String(19)),
    Column("status", String(12), nullable=False),
    Column("summary", Text, nullable=False, default="{}"),
)


# Version 3's table as it was made, frozen like version 1's.
_V3 = MetaData()
_feedback_v3 = Table(
    "feedback_items",
    _V3,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, nullable=False),
    Column("order_no", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("listed_on", String(10), nullable=False),
    Column("line", Integer, nullable=False, default=0),
    Column("correction", Boolean, nullable=False, default=False),
    Column("listed_row", Text, nullable=False, default="{}"),
    UniqueConstraint("event_id", name="uq_feedback_event"),
)
Index("ix_feedback_listed", _feedback_v3.c.listed_on)


def _initial(conn: Connection) -> None:
    _V1.create_all(conn)


def _extras(conn: Connection) -> None:
    """Orders keep what other districts' exports say beyond the normal form, and its flags."""
    for name in ("extras", "flags"):
        conn.execute(text(f"ALTER TABLE orders ADD COLUMN {name} TEXT NOT NULL DEFAULT '{{}}'"))


def _offices(conn: Connection) -> None:
    """Orders and runs carry their street office: one store can serve a district."""
    for table in ("orders", "runs"):
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN office TEXT NOT NULL DEFAULT ''"))
    conn.execute(text("CREATE INDEX ix_orders_office ON orders (office)"))


def _stage_record(conn: Connection) -> None:
    """Events say when the tool learned of them and where their time came from; inputs are
    applied once; numbers come from sequences (seeded from the numbers already given)."""
    conn.execute(text("ALTER TABLE events ADD COLUMN recorded_at VARCHAR(19)"))
    conn.execute(text("ALTER TABLE events ADD COLUMN time_source VARCHAR(8) NOT NULL DEFAULT ''"))
    conn.execute(text("UPDATE events SET recorded_at = at, time_source = '登记时间'"))
    _frozen = MetaData()
    Table("applied_inputs", _frozen,
          Column("input_key", String(160), primary_key=True),
          Column("order_no", String(40), nullable=False),
          Column("source", Text, nullable=False, default=""),
          Column("event_id", Integer),
          Column("applied_at", String(19), nullable=False))
    Table("sequences", _frozen,
          Column("name", String(40), primary_key=True),
          Column("value", Integer, nullable=False))
    _frozen.create_all(conn)
    shared = conn.dialect.name != "sqlite"  # a server's sequences are per street office
    numbers = conn.execute(text("SELECT office, request_no FROM orders WHERE request_no <> ''"))
    last: dict[str, int] = {}
    for office, number in numbers:
        prefix, _, tail = str(number).rpartition("-")
        if tail.isdigit():
            prefix = f"{office}:{prefix}" if shared and office else prefix
            last[prefix] = max(last.get(prefix, 0), int(tail))
    for prefix, value in last.items():
        conn.execute(text("INSERT INTO sequences (name, value) VALUES (:n, :v)"),
                     {"n": prefix, "v": value})


def _feedback(conn: Connection) -> None:
    """What the district has been told (feedback_items), and the office's 重要/难办 mark.

    Events recorded before this version were reported by hand: they are entered as listed
    before the tool kept the record (listed_on ''), so the first list holds only news."""
    conn.execute(text("ALTER TABLE orders ADD COLUMN importance TEXT NOT NULL DEFAULT ''"))
    _feedback_v3.create(conn)
    conn.execute(text(
        "INSERT INTO feedback_items (event_id, order_no, kind, listed_on, line, correction, listed_row) "
        "SELECT id, order_no, kind, '', 0, FALSE, '{}' FROM events "
        "WHERE kind IN ('contacted', 'handled', 'corrected', 'extension_requested', 'returned')"
    ))


def _feedback_offices(conn: Connection) -> None:
    """Each line told belongs to the street office that told it: on a shared store one
    street's list never holds, nor marks as told, another street's events. Lines told
    before this version belong to their order's office. `written`: the day's list holding
    the line was put in the outbox (a run killed between marking and writing leaves it
    false, and the next run writes that list)."""
    conn.execute(text("ALTER TABLE feedback_items ADD COLUMN office TEXT NOT NULL DEFAULT ''"))
    conn.execute(text("ALTER TABLE feedback_items ADD COLUMN written BOOLEAN NOT NULL DEFAULT TRUE"))
    conn.execute(text(
        "UPDATE feedback_items SET office = COALESCE((SELECT orders.office FROM orders "
        "WHERE orders.order_no = feedback_items.order_no), '')"
    ))
    conn.execute(text("CREATE INDEX ix_feedback_office ON feedback_items (office, listed_on)"))
    # 'extension_requested' is longer than the 16 characters version 5 allowed: a server
    # refuses it (SQLite does not check lengths)
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE feedback_items ALTER COLUMN kind TYPE VARCHAR(24)"))


def _files_office(conn: Connection) -> None:
    """Each input file read names the street office whose run read it, so that another
    street dropping the same bytes on a shared store is told whose file it is."""
    conn.execute(text("ALTER TABLE files ADD COLUMN office TEXT NOT NULL DEFAULT ''"))


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema: orders, events, reminders, files, documents, runs", _initial),
    (2, "orders: extras and flags of other districts' exports", _extras),
    (3, "orders and runs: the street office they belong to", _offices),
    (4, "events: recorded_at and time_source; applied_inputs; sequences", _stage_record),
    (5, "feedback to the district: feedback_items; orders: importance", _feedback),
    (6, "feedback_items: the street office that told each line; written; kind 24", _feedback_offices),
    (7, "files: the street office whose run read each", _files_office),
]


def applied_versions(conn: Connection) -> set[int]:
    if not inspect(conn).has_table("schema_migrations"):
        return set()
    return set(conn.execute(select(schema.schema_migrations.c.version)).scalars())


# Key of the PostgreSQL advisory lock held while migrating ("hotline" in ASCII): two homes
# opening a fresh shared database at once would otherwise both create schema_migrations.
MIGRATION_LOCK_KEY = 0x686F746C696E65


def migrate(conn: Connection) -> list[int]:
    """Apply what is missing; return the versions applied now.

    On PostgreSQL the whole check-and-apply holds a transaction-level advisory lock: a second
    home starting at the same moment waits, then finds every version applied."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    schema.schema_migrations.create(conn, checkfirst=True)
    done = applied_versions(conn)
    newly: list[int] = []
    for version, name, apply in MIGRATIONS:
        if version in done:
            continue
        apply(conn)
        conn.execute(
            schema.schema_migrations.insert().values(
                version=version,
                name=name,
                applied_at=clock.stamp(),
            )
        )
        newly.append(version)
    return newly


def latest_version() -> int:
    return MIGRATIONS[-1][0]
