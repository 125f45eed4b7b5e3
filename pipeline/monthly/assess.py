"""`hotline assess`: the month's figures from the store, and their workbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.deadlines.state import state_of
from pipeline.home import Home
from pipeline.monthly.figures import Assessment, assess, month_bounds
from pipeline.monthly.scoring import Scoring
from pipeline.monthly.workbook import write_assessment
from pipeline.store.told import event_counts


def monthly_assessment(home: Home, month: str, as_of: date) -> tuple[Assessment, Path]:
    start, end = month_bounds(month)
    store = home.store()
    calc = home.calculator()
    scoring = Scoring.from_config(home.config.assessment)
    with store.read() as conn:
        rows = store.orders_dispatched(conn, start, end)
        asked = event_counts(conn, [r["order_no"] for r in rows], ("returned", "extension_requested"))
    result = assess([state_of(r, calc, as_of) for r in rows], month, as_of, scoring, asked,
                    by_street=home.config.district)
    target = home.config.outbox / as_of.isoformat() / f"绩效考核-{month}.xlsx"
    path = write_assessment(target, home.config.staging, result)
    return result, path
