"""The night's feedback list: what is new is listed, marked told, and written with what was
listed earlier the same day; `hotline feedback --since` makes earlier days' lists again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.feedback.collect import Line, Pending, pending
from pipeline.feedback.workbook import write_feedback
from pipeline.home import Home
from pipeline.safety import faults
from pipeline.store.runlock import office_run_lock
from pipeline.store.told import (
    days_listed_since,
    days_unwritten,
    lines_listed_on,
    mark_written,
    next_line,
    record_listed,
)


@dataclass
class FeedbackResult:
    path: Path | None
    listed: list[Line] = field(default_factory=list)  # new lines of this run
    held: list[Line] = field(default_factory=list)
    lines_today: int = 0  # every line of the day's list (earlier runs of the day included)
    rewritten: list[Path] = field(default_factory=list)  # lists an ended run had not written
    district: bool = False  # a district home tells nobody: no list


def list_name(day: date) -> str:
    return f"反馈区热线办-{day.isoformat()}.xlsx"


def preview(home: Home) -> Pending:
    """What the next list would hold (nothing is marked)."""
    store = home.store()
    with store.read() as conn:
        return pending(store, conn, home.config)


def publish_feedback(home: Home, day: date) -> FeedbackResult:
    """List what is new and mark it told (one transaction), then write the day's list.

    A run ended between the two (a kill, a full disk) leaves the lines told and their list
    unwritten: this run writes every such list first, so nothing told is ever missing from
    the outbox, and nothing is listed on two days. The district's own home tells nobody."""
    store = home.store()
    if store.district:
        return FeedbackResult(None, district=True)
    offices = store.own_offices
    rewritten = [_write_day(home, date.fromisoformat(text)) for text in _unwritten(home)]
    with store.begin() as conn:
        found = pending(store, conn, home.config)
        number = next_line(conn, offices, day.isoformat())
        items = []
        for line in found.lines:
            line.row["序号"] = number
            items += [{"event_id": e["id"], "order_no": line.order_no, "kind": line.kind,
                       "listed_on": day.isoformat(), "line": number, "correction": line.correction,
                       "row": line.row} for e in line.events]
            number += 1
        record_listed(conn, store.office, items)
    faults.checkpoint("feedback_marked")
    path = _write_day(home, day, found.held)
    with store.read() as conn:
        count = len(lines_listed_on(conn, offices, day.isoformat()))
    return FeedbackResult(path, found.lines, found.held, count,
                          [p for p in rewritten if p.parent.name != day.isoformat()])


def _unwritten(home: Home) -> list[str]:
    store = home.store()
    with store.read() as conn:
        return days_unwritten(conn, store.own_offices)


def _write_day(home: Home, day: date, held: Sequence[Line] = (), *, remade: bool = False) -> Path:
    """Write the list of `day` from what was recorded as listed, then mark it written."""
    store = home.store()
    with store.read() as conn:
        lines = lines_listed_on(conn, store.own_offices, day.isoformat())
    target = home.config.outbox / day.isoformat() / list_name(day)
    path = write_feedback(target, home.config.staging, day, lines, held, remade=remade)
    with store.begin() as conn:
        mark_written(conn, store.own_offices, day.isoformat())
    return path


def remake_since(home: Home, since: date) -> list[tuple[date, Path, int]]:
    """Each day's list from `since` on, made again from what was recorded as listed.

    Never while a run of the office lists: a list read before the run added its lines and
    renamed over the run's would leave those lines marked told and in no list."""
    store = home.store()
    with office_run_lock(store, "hotline feedback --since"):
        with store.read() as conn:
            days = days_listed_since(conn, store.own_offices, since.isoformat())
            counts = {text: len(lines_listed_on(conn, store.own_offices, text)) for text in days}
        return [(date.fromisoformat(text), _write_day(home, date.fromisoformat(text), remade=True),
                 counts[text]) for text in days]
