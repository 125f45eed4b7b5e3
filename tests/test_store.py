"""The store: migrations build exactly schema.py, are recorded, and run once."""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby
from pathlib import Path

import pytest
from conftest import AS_OF, Hotline, drop
from sqlalchemy import create_engine, inspect, select, update

from pipeline.demo.samples import generate
from pipeline.home import open_home
from pipeline.model import Status
from pipeline.store import open_store, schema
from pipeline.store.migrations import MIGRATIONS, latest_version


@pytest.fixture
def url(tmp_path: Path, test_database: str | None) -> str:
    """The store under test: SQLite in a temporary folder, or the PG schema of this test."""
    return test_database or f"sqlite:///{tmp_path / 'h.db'}"


def columns_of(url: str) -> dict[str, dict[str, bool]]:
    engine = create_engine(url)
    insp = inspect(engine)
    out = {
        table: {c["name"]: c["nullable"] for c in insp.get_columns(table)}
        for table in insp.get_table_names()
    }
    engine.dispose()
    return out


def test_migrated_database_matches_schema(url: str) -> None:
    open_store(url).close()
    actual = columns_of(url)
    expected = {
        table.name: {c.name: bool(c.nullable) and not c.primary_key for c in table.columns}
        for table in schema.metadata.sorted_tables
    }
    for table, cols in expected.items():
        assert table in actual, f"table {table} missing"
        assert {k: v for k, v in actual[table].items()} == cols, table


def test_migrations_are_recorded_and_run_once(url: str) -> None:
    open_store(url).close()
    store = open_store(url)  # a second open applies nothing again
    with store.read() as conn:
        versions = list(conn.execute(select(schema.schema_migrations.c.version)).scalars())
    store.close()
    assert versions == [v for v, _, _ in MIGRATIONS]
    assert versions[-1] == latest_version()


def test_indexes_for_the_reports_exist(url: str) -> None:
    open_store(url).close()
    insp = inspect(create_engine(url))
    names = {i["name"] for i in insp.get_indexes("orders")}
    assert {"ix_orders_status", "ix_orders_dispatch", "ix_orders_closed"} <= names


def test_homes_opening_a_fresh_server_together_migrate_it_once(url: str,
                                                               test_database: str | None) -> None:
    """Two offices' first nights start at once against a fresh PostgreSQL: the second waits
    for the first's migrations instead of creating schema_migrations again."""
    if test_database is None:
        pytest.skip("a shared server: runs with HOTLINE_TEST_DATABASE_URL")
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    def first_night(_: int) -> None:
        open_store(url).close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(first_night, range(8)))
    store = open_store(url)
    with store.read() as conn:
        versions = list(conn.execute(select(schema.schema_migrations.c.version)).scalars())
    store.close()
    assert sorted(versions) == [v for v, _, _ in MIGRATIONS]


def test_a_server_keeps_the_lengths_schema_py_declares(url: str) -> None:
    """A server refuses text longer than its column (SQLite does not check): every
    length-limited column on the server is as long as schema.py says, so that a value the
    code writes (an event kind such as 'extension_requested') fits."""
    if url.startswith("sqlite"):
        pytest.skip("SQLite does not check lengths")
    open_store(url).close()
    engine = create_engine(url)
    insp = inspect(engine)
    for table in schema.metadata.sorted_tables:
        live = {c["name"]: getattr(c["type"], "length", None) for c in insp.get_columns(table.name)}
        for column in table.columns:
            declared = getattr(column.type, "length", None)
            if declared is not None:
                assert live[column.name] == declared, (table.name, column.name)
    engine.dispose()


def test_tracked_orders_streamed_in_chunks_are_the_list_in_its_order(
        tmp_path: Path, scenario_clock: object) -> None:
    """The night's orders read a few at a time (keyset pages) are exactly the one-query list,
    in the same order, ties on the dispatch time included; street by street for a district."""
    hotline = Hotline(tmp_path / "home")
    made = generate(tmp_path / "made", orders=30, seed=7, as_of=AS_OF, pdf_share=0,
                    variations=False)
    drop(hotline.home, *made.files)
    assert hotline.run().exit_code == 0
    store = open_home(hotline.home).store()
    with store.begin() as conn:  # ties: a third of the night dispatched at one minute
        numbers = sorted(made.orders)[::3]
        conn.execute(update(schema.orders).where(schema.orders.c.order_no.in_(numbers))
                     .values(dispatch_time="2026-11-20T09:00:00"))
    since = AS_OF.replace(day=1)
    with store.read() as conn:
        listed = store.orders_to_track(conn, closed_since=since)
    assert len(listed) == 30
    for chunk in (1, 4, 29, 30, 1000):
        streamed = list(store.iter_orders_to_track(closed_since=since, chunk=chunk))
        assert [r["order_no"] for r in streamed] == [r["order_no"] for r in listed], chunk
    # `list` and `assess` read the same way: every order, the open ones, a month's
    with store.read() as conn:
        everything = [r["order_no"] for r in store.orders(conn)]
        still_open = [r["order_no"] for r in store.orders(conn, statuses=Status.OPEN)]
        month = store.numbers_dispatched(conn, since, AS_OF - timedelta(days=10))
    assert everything == [r["order_no"] for r in listed] and month and set(month) < set(everything)
    for chunk in (1, 7, 1000):
        assert [r["order_no"] for r in store.iter_orders(chunk=chunk)] == everything
        assert [r["order_no"] for r in store.iter_orders(statuses=Status.OPEN, chunk=chunk)] == \
            still_open
        assert [r["order_no"] for r in store.iter_orders_dispatched(
            since, AS_OF - timedelta(days=10), chunk=chunk)] \
            == month == [n for n in everything if n in set(month)]
    district = open_store(store.engine.url.render_as_string(hide_password=False),
                          office=store.office, district=True)
    with district.begin() as conn:  # a second street's orders, in the district's view
        conn.execute(update(schema.orders).where(schema.orders.c.order_no.in_(numbers[:5]))
                     .values(office="芷江西路街道办事处"))
    by_street = list(district.iter_orders_to_track(closed_since=since, by_office=True, chunk=4))
    with district.read() as conn:
        listed = district.orders_to_track(conn, closed_since=since)
    offices = [r["office"] for r in by_street]
    assert len(by_street) == 30 and len([office for office, _ in groupby(offices)]) == 2
    for office in set(offices):  # each street's orders together, as dispatched
        assert [r["order_no"] for r in by_street if r["office"] == office] == \
            [r["order_no"] for r in listed if r["office"] == office]
    district.close()
