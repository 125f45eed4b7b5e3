"""The current tables, for queries. The migrations in `migrations.py` build exactly these
(a test compares them); change both together, never one alone."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

orders = Table(
    "orders",
    metadata,
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
    # What the export said beyond the normal form (label as written → text), and what the
    # office must look at (model.FLAGS key → the clerk's sentence): JSON objects.
    Column("extras", Text, nullable=False, default="{}", server_default="{}"),
    Column("flags", Text, nullable=False, default="{}", server_default="{}"),
    # The street office the order belongs to ([office] name of the home that stored it; ""
    # for orders stored before offices existed): a shared store keeps every office's orders.
    Column("office", Text, nullable=False, default="", server_default=""),
    # 重要 / 难办 set by the office (hotline flag): the order is the 分管领导's.
    Column("importance", Text, nullable=False, default="", server_default=""),
)
Index("ix_orders_status", orders.c.status)
Index("ix_orders_office", orders.c.office)
Index("ix_orders_dispatch", orders.c.dispatch_time)
Index("ix_orders_closed", orders.c.closed_at)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(40), nullable=False),
    Column("at", String(19), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("summary", Text, nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    Column("source", Text, nullable=False, default=""),
    Column("actor", Text, nullable=False, default=""),
    # When the tool learned of the action (`at` is when it happened), and where `at` came
    # from: one of model.TIME_SOURCES (显式, 文件时间, 命令时间, 登记时间).
    Column("recorded_at", String(19)),
    Column("time_source", String(8), nullable=False, default="", server_default=""),
)
Index("ix_events_order", events.c.order_no)

# Each input applied once, ever: a 台账 cell (file sha256 + sheet/row/field), a --from-file row
# (file sha256 + row), a returned 转送单 (its sha256).
applied_inputs = Table(
    "applied_inputs",
    metadata,
    Column("input_key", String(160), primary_key=True),
    Column("order_no", String(40), nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("event_id", Integer),
    Column("applied_at", String(19), nullable=False),
)

# Numbers handed out once (Annex 3/4 申请表编号): name → last value given.
sequences = Table(
    "sequences",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(40), nullable=False),
    Column("dispatch_time", String(19), nullable=False),
    Column("content", Text, nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),
    Column("event_id", Integer, nullable=False),
    UniqueConstraint("order_no", "dispatch_time", name="uq_reminder"),
)

files = Table(
    "files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("seen_at", String(19), nullable=False),
    Column("outcome", String(12), nullable=False),
    Column("orders", Integer, nullable=False, default=0),
    Column("note", Text, nullable=False, default=""),
    # The street office whose run read it ("" before offices were recorded): on a shared
    # store another street dropping the same bytes is told whose file it is.
    Column("office", Text, nullable=False, default="", server_default=""),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("run_date", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("written_at", String(19)),
    UniqueConstraint("event_id", "kind", name="uq_document_event"),
)
Index("ix_documents_pending", documents.c.written_at)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", String(10), nullable=False),
    Column("started_at", String(19), nullable=False),
    Column("finished_at", String(19)),
    Column("status", String(12), nullable=False),
    Column("summary", Text, nullable=False, default="{}"),
    Column("office", Text, nullable=False, default="", server_default=""),
)

# What the district office has been told (反馈区热线办): one row per event listed, on the day
# it was listed; the events of one order and kind listed together share a `line`, and `row`
# keeps what that line said (listed_row, JSON) so that a day's list can be made again exactly.
feedback_items = Table(
    "feedback_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, nullable=False),
    Column("order_no", String(40), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("listed_on", String(10), nullable=False),
    Column("line", Integer, nullable=False, default=0),
    Column("correction", Boolean, nullable=False, default=False),
    Column("listed_row", Text, nullable=False, default="{}"),
    Column("office", Text, nullable=False, default="", server_default=""),
    Column("written", Boolean, nullable=False, default=True, server_default=text("TRUE")),
    UniqueConstraint("event_id", name="uq_feedback_event"),
)
Index("ix_feedback_listed", feedback_items.c.listed_on)
Index("ix_feedback_office", feedback_items.c.office, feedback_items.c.listed_on)

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("applied_at", String(19), nullable=False),
)
