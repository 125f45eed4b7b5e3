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
        numbers = store.numbers_dispatched(conn, start, end)
        asked = event_counts(conn, numbers, ("returned", "extension_requested"))
    del numbers
    rows = store.iter_orders_dispatched(start, end)  # a page at a time: a city's month fits
    result = assess((state_of(r, calc, as_of) for r in rows), month, as_of, scoring, asked,
                    by_street=home.config.district)
    target = home.config.outbox / as_of.isoformat() / f"绩效考核-{month}.xlsx"
    path = write_assessment(target, home.config.staging, result)
    return result, path
