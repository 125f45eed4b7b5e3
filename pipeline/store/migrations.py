"""Ordered, recorded schema migrations (`schema_migrations` holds what was applied).

Each migration runs once, in order, inside a transaction. Migration 1 builds the tables of
`schema.py` as they stand at version 1. Any later change to `schema.py` comes with a new
migration here, and migration 1 must then be frozen by copying the version-1 tables into
it: `tests/test_store.py` fails until a fresh database and an upgraded one match
`schema.py` exactly.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select

from pipeline import clock
from pipeline.store import schema


def _initial(conn: Connection) -> None:
    tables = [t for t in schema.metadata.sorted_tables if t.name != "schema_migrations"]
    schema.metadata.create_all(conn, tables=tables)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema: orders, events, reminders, files, documents, runs", _initial),
]


def applied_versions(conn: Connection) -> set[int]:
    if not inspect(conn).has_table("schema_migrations"):
        return set()
    return set(conn.execute(select(schema.schema_migrations.c.version)).scalars())


def migrate(conn: Connection) -> list[int]:
    """Apply what is missing; return the versions applied now."""
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
