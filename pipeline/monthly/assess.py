"""Report commands over the store: the monthly assessment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from pipeline.deadlines.state import state_of
from pipeline.home import Home
from pipeline.monthly.figures import Assessment, assess, month_bounds
from pipeline.monthly.workbook import write_assessment
from pipeline.store import schema


def monthly_assessment(home: Home, month: str, as_of: date) -> tuple[Assessment, Path]:
    start, end = month_bounds(month)
    store = home.store()
    calc = home.calculator()
    query = select(schema.orders).where(
        schema.orders.c.dispatch_time >= start.isoformat(),
        schema.orders.c.dispatch_time < end.isoformat(),
    ).order_by(schema.orders.c.dispatch_time)
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    result = assess([state_of(r, calc, as_of) for r in rows], month, as_of)
    target = home.config.outbox / as_of.isoformat() / f"绩效考核-{month}.xlsx"
    path = write_assessment(target, home.config.staging, result)
    return result, path
