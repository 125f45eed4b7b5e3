"""Documents stage: keep the promises the store made (queued 转送单), one file each.

A document is queued in the same transaction as the event that calls for it, and marked
written only after its file has been renamed into place; a kill in between means it is
written again, to the same name, by the next run: never lost, never two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline import faults
from pipeline.documents import TRANSFER_FORM, prepared, template_path
from pipeline.forms import transfer_context
from pipeline.fsutil import write_bytes_atomic
from pipeline.home import Home
from pipeline.model import FIELD_LABELS
from pipeline.tracking import deadlines_for

MARKERS = {"转送单": "", "转送单-催单": "催单", "转送单-更新": "重新签发"}
COMMIT_EVERY = 200


@dataclass
class RenderResult:
    written: list[str] = field(default_factory=list)  # paths relative to the outbox
    error: str = ""


def _notes(event: dict[str, Any] | None) -> tuple[str, str]:
    """What a re-issued 转送单 says about why: the 催单, or the fields the district changed."""
    if event is None:
        return "", ""
    detail = event["detail"]
    if event["kind"] == "reminder":
        reminders = detail.get("number", "")
        when = str(detail.get("reminder_time", "")).replace("T", " ")
        text = str(detail.get("content") or "").strip()
        note = f"第{reminders}次催单（{when}）" + (f"：{text}" if text else "")
        return note, ""
    if event["kind"] == "updated":
        names = "、".join(FIELD_LABELS.get(k, k) for k in detail.get("changes", {}))
        return "", f"重新签发：区热线办更改了{names}，以本单为准。"
    return "", ""


def render_pending(home: Home, progress: Callable[[int], None] | None = None) -> RenderResult:
    """Write every queued document; a template error stops rendering, not the run."""
    store = home.store()
    config = home.config
    calc = home.calculator()
    result = RenderResult()
    with store.read() as conn:
        pending = store.pending_documents(conn)
    if not pending:
        return result
    try:
        template = prepared(template_path(config.templates, TRANSFER_FORM))
    except Exception as exc:  # a broken office template must not stop the night's run
        result.error = f"转送单模板无法使用：{exc}"
        return result
    done: list[int] = []
    with store.read() as conn:
        events = store.events_by_id(conn, {d["event_id"] for d in pending})
        orders = store.get_orders(conn, {d["order_no"] for d in pending})
    for doc in pending:
        order = orders[doc["order_no"]]
        event = events.get(doc["event_id"])
        reminder_note, update_note = _notes(event)
        context = transfer_context(
            order, deadlines_for(order, calc), config, marker=MARKERS.get(doc["kind"], ""),
            reminder_note=reminder_note, update_note=update_note,
        )
        try:
            data = template.render(context)
        except Exception as exc:
            result.error = (f"转送单模板填写出错（{type(exc).__name__}: {exc}），"
                            "请运行 hotline templates check")
            break
        faults.checkpoint("render")
        write_bytes_atomic(config.outbox / doc["path"], data, config.staging)
        done.append(doc["id"])
        result.written.append(doc["path"])
        if progress:
            progress(1)
        if len(done) >= COMMIT_EVERY:
            _mark(home, done)
    _mark(home, done)
    return result


def _mark(home: Home, done: list[int]) -> None:
    if not done:
        return
    store = home.store()
    with store.begin() as conn:
        store.mark_documents_written(conn, done)
    done.clear()
