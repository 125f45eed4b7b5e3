"""Documents stage: keep the promises the store made (queued 转送单 and 申请表), one file each.

A document is queued in the same transaction as the event that calls for it, and marked
written only after its file has been renamed into place and flushed to disk; a kill in
between means it is written again, to the same name, by the next run: never lost, never two.
Large batches are rendered on both cores.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from pipeline.deadlines.state import deadlines_for
from pipeline.documents.contexts import application_context, transfer_context
from pipeline.documents.engine import (
    EXCLUDE_FORM,
    OBJECTIVE_FORM,
    TRANSFER_FORM,
    PreparedTemplate,
    prepared,
    template_path,
)
from pipeline.home import Home, open_home
from pipeline.model import FIELD_LABELS, REQUEST_KINDS, DocumentRow, EventRow, OrderRow
from pipeline.safety import faults
from pipeline.safety.files import sync_all, write_bytes_atomic
from pipeline.safety.locking import forget_inherited_locks
from pipeline.safety.workers import WorkerLostError, Workers

MARKERS = {"转送单": "", "转送单-催单": "催单", "转送单-更新": "重新签发"}
TEMPLATES = {
    "转送单": TRANSFER_FORM, "转送单-催单": TRANSFER_FORM, "转送单-更新": TRANSFER_FORM,
    "申请表-不纳入测评范围": EXCLUDE_FORM, "申请表-客观件": OBJECTIVE_FORM,
}
CHUNK = 250  # documents per flush to disk and per commit of their "written" marks
PARALLEL_FROM = 600  # below this, starting workers costs more than it saves

Job = tuple[DocumentRow, OrderRow, EventRow | None]


@dataclass
class RenderResult:
    written: int = 0  # documents written (their paths are in the store)
    error: str = ""


def _notes(event: EventRow | None) -> tuple[str, str]:
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

    def context(self, doc: DocumentRow, order: OrderRow,
                event: EventRow | None) -> dict[str, Any]:
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
        rules = self.calc.rules
        return transfer_context(
            order, deadlines_for(order, self.calc), config, marker=MARKERS.get(doc["kind"], ""),
            reminder_note=reminder_note, update_note=update_note,
            basis=rules.petition.basis if rules.is_petition(order["kind"]) else "",
        )

    def jobs(self, docs: list[DocumentRow]) -> list[Job]:
        """The documents with their orders and events, read when their chunk is due: a night
        of twenty thousand forms never holds every order in memory at once."""
        store = self.home.store()
        with store.read() as conn:
            events = store.events_by_id(conn, {d["event_id"] for d in docs})
            orders = store.get_orders(conn, {d["order_no"] for d in docs})
        return [(d, orders[d["order_no"]], events.get(d["event_id"])) for d in docs]

    def write(self, docs: list[DocumentRow]) -> tuple[list[tuple[int, str]], str]:
        """Render and write one chunk: the (id, path) written, and the error that stopped it."""
        done: list[tuple[int, str]] = []
        for doc, order, event in self.jobs(docs):
            try:
                data = self.template(doc["kind"]).render(self.context(doc, order, event))
            except Exception as exc:  # a broken office template must not stop the night's run
                return done, (f"{TEMPLATES.get(doc['kind'], doc['kind'])} 模板无法使用"
                              f"（{type(exc).__name__}: {exc}），请运行 hotline templates check")
            faults.checkpoint("render")
            config = self.home.config
            write_bytes_atomic(config.outbox / doc["path"], data, config.staging, durable=False)
            done.append((doc["id"], doc["path"]))
        return done, ""


# A worker's renderer, made once per worker process.
_WORKER: _Renderer | None = None


def _worker_init(home_path: str) -> None:
    global _WORKER  # noqa: PLW0603 - one per worker process
    forget_inherited_locks()
    _WORKER = _Renderer(open_home(Path(home_path)))


def _worker_write(docs: list[DocumentRow]) -> tuple[list[tuple[int, str]], str]:
    assert _WORKER is not None
    try:
        return _WORKER.write(docs)
    finally:
        _WORKER.home.close()  # no connection held open between chunks


def _chunks(home: Home) -> Iterator[list[DocumentRow]]:
    """The queued documents, `CHUNK` at a time, read from the store as they are due."""
    store = home.store()
    after = 0
    while True:
        with store.read() as conn:
            chunk = store.pending_documents(conn, after=after, limit=CHUNK)
        if not chunk:
            return
        yield chunk
        after = chunk[-1]["id"]


def render_pending(home: Home, progress: Callable[[int], None] | None = None) -> RenderResult:
    """Write every queued document; a template error stops rendering, not the run."""
    store = home.store()
    result = RenderResult()
    with store.read() as conn:
        pending = store.count_pending_documents(conn)
    if not pending:
        return result
    for done, error in _render(home, pending):
        sync_all()  # on disk before the store says so
        _mark(home, [i for i, _ in done])
        result.written += len(done)
        if progress:
            progress(len(done))
        if error:
            result.error = error
            break
    return result


LOST = ("生成文书的进程两次意外退出（可能是电脑内存不足，或进程被强行结束），其余文书未生成；"
        "下次运行 hotline run 会补上。")
IN_FLIGHT = 2  # chunks handed to each worker ahead: it never waits for the parent


def _render(home: Home, pending: int) -> Iterator[tuple[list[tuple[int, str]], str]]:
    cores = os.cpu_count() or 1
    if pending < PARALLEL_FROM or cores < 2:
        renderer = _Renderer(home)
        for chunk in _chunks(home):
            yield renderer.write(chunk)
        return
    # Workers are handed the chunks' document rows (small) and read the orders themselves;
    # the chunks are read from the store as workers take them, never all at once.
    # A worker that dies is seen at once and its chunk rendered again by a fresh one (its
    # documents are written to the same names: never two); a chunk lost twice ends the stage.
    processes = min(2, cores)
    chunks = _chunks(home)
    with Workers(processes, initializer=_worker_init, initargs=(str(home.path),),
                 depth=IN_FLIGHT) as pool:
        tickets = deque(pool.submit(_worker_write, chunk)
                        for chunk in islice(chunks, processes * (IN_FLIGHT + 1)))
        while tickets:
            outcome = _next_result(pool, tickets)
            following = next(chunks, None)
            if following is not None:
                tickets.append(pool.submit(_worker_write, following))
            yield outcome
            if outcome[1] == LOST:
                return


def _next_result(pool: Workers, tickets: deque[int]) -> tuple[list[tuple[int, str]], str]:
    try:
        return pool.result(tickets.popleft())  # type: ignore[no-any-return]
    except WorkerLostError:
        return [], LOST


def _mark(home: Home, done: list[int]) -> None:
    if not done:
        return
    store = home.store()
    with store.begin() as conn:
        store.mark_documents_written(conn, done)
