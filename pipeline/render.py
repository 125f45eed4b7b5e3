"""Documents stage: keep the promises the store made (queued 转送单 and 申请表), one file each.

A document is queued in the same transaction as the event that calls for it, and marked
written only after its file has been renamed into place; a kill in between means it is
written again, to the same name, by the next run: never lost, never two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline import faults
from pipeline.documents import (
    EXCLUDE_FORM,
    OBJECTIVE_FORM,
    TRANSFER_FORM,
    PreparedTemplate,
    prepared,
    template_path,
)
from pipeline.forms import application_context, transfer_context
from pipeline.fsutil import write_bytes_atomic
from pipeline.home import Home
from pipeline.model import FIELD_LABELS, REQUEST_KINDS
from pipeline.tracking import deadlines_for

MARKERS = {"转送单": "", "转送单-催单": "催单", "转送单-更新": "重新签发"}
TEMPLATES = {
    "转送单": TRANSFER_FORM, "转送单-催单": TRANSFER_FORM, "转送单-更新": TRANSFER_FORM,
    "申请表-不纳入测评范围": EXCLUDE_FORM, "申请表-客观件": OBJECTIVE_FORM,
}
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
        number = detail.get("number", "")
        when = str(detail.get("reminder_time", "")).replace("T", " ")
        text = str(detail.get("content") or "").strip()
        return f"第{number}次催单（{when}）" + (f"：{text}" if text else ""), ""
    if event["kind"] == "updated":
        names = "、".join(FIELD_LABELS.get(k, k) for k in detail.get("changes", {}))
        return "", f"重新签发：区热线办更改了{names}，以本单为准。"
    return "", ""


class _Renderer:
    def __init__(self, home: Home) -> None:
        self.home = home
        self.calc = home.calculator()
        self.templates: dict[str, PreparedTemplate] = {}

    def template(self, kind: str) -> PreparedTemplate:
        name = TEMPLATES[kind]
        if name not in self.templates:
            self.templates[name] = prepared(template_path(self.home.config.templates, name))
        return self.templates[name]

    def context(self, doc: dict[str, Any], order: dict[str, Any],
                event: dict[str, Any] | None) -> dict[str, Any]:
        config = self.home.config
        if doc["kind"].startswith("申请表"):
            detail = event["detail"] if event else {}
            kind = detail.get("kind", order["request_type"])
            return application_context(
                order, config, request_no=detail.get("number", order["request_no"]),
                reason=detail.get("reason", order["request_reason"]),
                kind_label=REQUEST_KINDS.get(kind, ""),
                on=(event["at"][:10] if event else doc["run_date"]),
            )
        reminder_note, update_note = _notes(event)
        return transfer_context(
            order, deadlines_for(order, self.calc), config, marker=MARKERS.get(doc["kind"], ""),
            reminder_note=reminder_note, update_note=update_note,
        )


def render_pending(home: Home, progress: Callable[[int], None] | None = None) -> RenderResult:
    """Write every queued document; a template error stops rendering, not the run."""
    store = home.store()
    result = RenderResult()
    with store.read() as conn:
        pending = store.pending_documents(conn)
        if not pending:
            return result
        events = store.events_by_id(conn, {d["event_id"] for d in pending})
        orders = store.get_orders(conn, {d["order_no"] for d in pending})
    renderer = _Renderer(home)
    done: list[int] = []
    for doc in pending:
        try:
            template = renderer.template(doc["kind"])
            context = renderer.context(doc, orders[doc["order_no"]], events.get(doc["event_id"]))
            data = template.render(context)
        except Exception as exc:  # a broken office template must not stop the night's run
            result.error = (f"{TEMPLATES.get(doc['kind'], doc['kind'])} 模板无法使用"
                            f"（{type(exc).__name__}: {exc}），请运行 hotline templates check")
            break
        faults.checkpoint("render")
        write_bytes_atomic(home.config.outbox / doc["path"], data, home.config.staging)
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
