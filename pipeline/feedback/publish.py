"""The night's feedback list: what is new is listed, marked told, and written with what was
listed earlier the same day; `hotline feedback --since` makes earlier days' lists again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.feedback.collect import Line, Pending, pending
from pipeline.feedback.workbook import write_feedback
from pipeline.home import Home
from pipeline.store.told import days_listed_since, lines_listed_on, next_line, record_listed


@dataclass
class FeedbackResult:
    path: Path | None
    listed: list[Line] = field(default_factory=list)  # new lines of this run
    held: list[Line] = field(default_factory=list)
    lines_today: int = 0  # every line of the day's list (earlier runs of the day included)


def list_name(day: date) -> str:
    return f"反馈区热线办-{day.isoformat()}.xlsx"


def preview(home: Home) -> Pending:
    """What the next list would hold (nothing is marked)."""
    store = home.store()
    with store.read() as conn:
        return pending(store, conn, home.config)


def publish_feedback(home: Home, day: date) -> FeedbackResult:
    """List what is new, mark it told and write the day's list, in one transaction: a list
    that cannot be written leaves its lines untold for the next run."""
    store = home.store()
    target = home.config.outbox / day.isoformat() / list_name(day)
    with store.begin() as conn:
        found = pending(store, conn, home.config)
        number = next_line(conn, day.isoformat())
        items = []
        for line in found.lines:
            line.row["序号"] = number
            items += [{"event_id": e["id"], "order_no": line.order_no, "kind": line.kind,
                       "listed_on": day.isoformat(), "line": number, "correction": line.correction,
                       "row": line.row} for e in line.events]
            number += 1
        record_listed(conn, items)
        lines = lines_listed_on(conn, day.isoformat())
        path = write_feedback(target, home.config.staging, day, lines, found.held)
    return FeedbackResult(path, found.lines, found.held, len(lines))


def remake_since(home: Home, since: date) -> list[tuple[date, Path, int]]:
    """Each day's list from `since` on, made again from what was recorded as listed."""
    store = home.store()
    made = []
    with store.read() as conn:
        days = days_listed_since(conn, since.isoformat())
        for text in days:
            day = date.fromisoformat(text)
            lines = lines_listed_on(conn, text)
            target = home.config.outbox / text / list_name(day)
            made.append((day, write_feedback(target, home.config.staging, day, lines, remade=True),
                         len(lines)))
    return made
