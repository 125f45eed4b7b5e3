"""`hotline run`: the nightly batch, stage by stage.

collect the inbox → read and normalise each file → store it (one transaction per file)
→ file the original away → deadlines and lights → documents → workbooks → report.

Originals leave the inbox only after their orders are committed; every output is written
under a temporary name and renamed into place; a run after a kill finishes the job.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from pipeline import clock
from pipeline.batch.inbox import Inbox, InboxFile, log_internal_error
from pipeline.batch.parallel import PARALLEL_WORKBOOKS, in_parallel
from pipeline.batch.summary import SET_ASIDE, RunSummary, calendar_warnings, write_day_report
from pipeline.deadlines.state import OrderState, state_of
from pipeline.deadlines.tally import Tally
from pipeline.documents.printing import merged_pdf
from pipeline.documents.queue import render_pending
from pipeline.errors import EXIT_OK, EXIT_PARTIAL, FileRejectedError, HotlineError, StoreError
from pipeline.feedback.publish import publish_feedback
from pipeline.home import Home, current_user
from pipeline.intake import choose_reader
from pipeline.intake.base import OrderUpdate, Problem
from pipeline.intake.workers import ReadWorkers
from pipeline.leadership.rules import deputy_of, needs_signature
from pipeline.safety import faults
from pipeline.safety.backup import daily_backup
from pipeline.safety.files import clear_staging, describe_os_error, sha256_file
from pipeline.safety.locking import home_lock
from pipeline.store.ingest import Ingester, IngestStats, Routing
from pipeline.store.runlock import office_run_lock
from pipeline.store.trouble import is_store_fault, store_trouble
from pipeline.workbooks.ledger import ledger_rows, write_ledger
from pipeline.workbooks.supervision import Unsigned, Watch, write_supervision
from pipeline.workflow import policy
from pipeline.workflow.actions import Actions
from pipeline.workflow.inputs import ALREADY, apply_update
from pipeline.workflow.leaders import unsigned_results

Progress = Callable[[str, int, int], None]

STAGE_NAMES = {
    "collect": "查看收件箱", "read": "读取文件", "store": "入库归档", "deadlines": "计算期限",
    "documents": "生成转送单", "workbooks": "生成台账和督办日报", "feedback": "生成反馈清单",
    "printing": "合并打印 PDF",
}
# After a failure here, what follows would work from nothing, or from half: stop.
STOP_AFTER_FAILURE = ("collect", "read", "deadlines")


class Batch:
    """One run of the nightly batch in one home."""

    def __init__(self, home: Home, as_of: date, progress: Progress | None = None) -> None:
        self.home = home
        self.config = home.config
        self.as_of = as_of
        self.day = as_of.isoformat()
        self.progress = progress or (lambda _stage, _done, _total: None)
        self.summary = RunSummary(as_of=self.day)
        self.inbox = Inbox(self.config, self.day)
        self.stats = IngestStats()
        self.timings: dict[str, float] = {}
        self._files: list[Path] = []
        self._items: list[InboxFile] = []
        self._storing = 0.0  # seconds spent storing files (some while the others are read)
        self._watch = Watch()  # what the 督办日报 needs of the night's orders
        self._signing: list[OrderState] = []  # results that may wait for a signature
        self._tracked = 0  # how many orders the night's workbooks follow
        self._tally = Tally(self.day)
        self.merge_pdf = True
        self.store_failure: StoreError | None = None
        self.reread: list[Path] | None = None  # originals read again from archive/ (doctor --repair)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> RunSummary:
        with home_lock(self.config.lock_path, "hotline run"), \
                self.home.writing("hotline run", check=True) as store, \
                office_run_lock(store, "hotline run"):
            clear_staging(self.config.staging)
            run_id = store.start_run(self.day)
            self.summary.started = clock.now().strftime("%H:%M:%S")
            backup_note = daily_backup(self.config)
            if backup_note:
                self.summary.errors.append(backup_note)
            self._steps()
            self.summary.finished = clock.now().strftime("%H:%M:%S")
            self.summary.timings = {k: round(v, 3) for k, v in self.timings.items()}
            self.summary.calendar_warnings = calendar_warnings(self.home.calendar)
            store.finish_run(run_id, "partial" if self.exit_code else "ok", self.summary.to_json())
            try:
                self.summary.report = write_day_report(self.home, self.day)
            except OSError as exc:
                self.summary.errors.append(f"运行报告：{describe_os_error(exc)}")
        return self.summary

    def _steps(self) -> None:
        for name, step in (
            ("collect", self.collect),
            ("read", self.read),
            ("store", self.store_and_file),
            ("deadlines", self.deadlines),
            ("documents", self.documents),
            ("workbooks", self.workbooks),
            ("feedback", self.feedback),
            ("printing", self.printing),
        ):
            began = time.perf_counter()
            try:
                step()
            except (OSError, SQLAlchemyError) as exc:
                # A full disk or a folder that cannot be written: say so, keep what was
                # done (committed orders, filed originals), and let the next run finish.
                self.summary.errors.append(f"{STAGE_NAMES[name]}：{self._trouble(exc)}")
                if name in STOP_AFTER_FAILURE:
                    break
            self.timings[name] = time.perf_counter() - began
        if "read" in self.timings:  # files stored while others were read: the store's time
            self.timings["read"] -= self._storing
            self.timings["store"] = self.timings.get("store", 0.0) + self._storing

    def _trouble(self, exc: BaseException) -> str:
        """The clerk's words for a failure; the first database failure sets the exit status."""
        if not isinstance(exc, SQLAlchemyError) or not is_store_fault(exc):
            return describe_os_error(exc)
        trouble = store_trouble(exc)
        self.store_failure = self.store_failure or trouble
        return str(trouble)

    @property
    def exit_code(self) -> int:
        if self.store_failure is not None:  # 4, 5 or 6: never counted as a night's success
            return self.store_failure.exit_code
        set_aside = any(f.status in SET_ASIDE for f in self.summary.files)
        trouble = set_aside or self.summary.documents_error or self.summary.errors
        return EXIT_PARTIAL if trouble else EXIT_OK

    # -- stages -----------------------------------------------------------------------------

    def collect(self) -> None:
        """The stable, non-junk files at the top of the inbox."""
        if self.reread is not None:
            self._files = list(self.reread)
            return
        collected = self.inbox.collect()
        self.summary.files += collected.set_aside
        self.summary.ignored += collected.ignored
        self.summary.busy = collected.busy
        self._files = collected.files

    def read(self) -> None:
        """Read every file in worker processes (both cores, a time limit for each file), one
        file ahead of the one being stored: the orders of at most two files are held at once,
        however many files the night has."""
        store = self.home.store()
        limits = self.config.limits
        total = len(self._files)
        readers: dict[Path, Any] = {}
        for path in self._files:
            item = InboxFile(path, sha256_file(path))
            with store.read() as conn:
                seen = store.file_record(conn, item.digest)
            if seen is not None and seen["outcome"] == "archived":
                item.duplicate_of = seen["name"]
                if seen["office"] not in store.own_offices:
                    item.duplicate_office = seen["office"]
            else:
                try:
                    readers[path] = choose_reader(path, limits, self.home.vocabulary)
                except FileRejectedError as exc:
                    item.rejected = exc.reason
            self._items.append(item)
        # Files without 催单 first, so that reminders find the orders they point at.
        # (Originals read again come from several day folders: older days first.)
        self._items.sort(key=lambda r: (r.path.parent.name, r.path.name))
        waiting = deque(item for item in self._items if item.path in readers)
        with ReadWorkers(limits) as workers:
            submitted: set[Path] = set()
            for i, item in enumerate(self._items, 1):
                # this file and the next being read (a long PDF in parts on both workers)
                while waiting and len(submitted) < 2:
                    ahead = waiting.popleft()
                    try:
                        workers.submit(ahead.path, readers.pop(ahead.path))
                        submitted.add(ahead.path)
                    except FileRejectedError as exc:  # a PDF whose pages cannot be counted
                        ahead.rejected = exc.reason
                self.progress("read", i, total)
                if item.path in submitted:
                    self._read_one(item, workers)
                    submitted.discard(item.path)
                if not item.has_reminders:  # its place is now: stored, and its orders let go
                    self._store_timed(item)
                faults.checkpoint("read")
        self._items = [item for item in self._items if not item.stored]

    def _read_one(self, item: InboxFile, workers: ReadWorkers) -> None:
        try:
            item.result = workers.result(item.path)
        except FileRejectedError as exc:
            item.rejected = exc.reason
        except Exception as exc:  # a reader bug must not hide the other files
            item.rejected = log_internal_error(item.path, exc, self.config.home)

    def store_and_file(self) -> None:
        """The files with 催单, after every other (the others were stored as they were read:
        a night's files never sit in memory together)."""
        total = len(self._items)
        for i, item in enumerate(self._items, 1):
            self.progress("store", i, total)
            self._store_timed(item)
        self.summary.absorb(self.stats)

    def _store_timed(self, item: InboxFile) -> None:
        """One file stored and filed (its time counted as the store stage's)."""
        began = time.perf_counter()
        try:
            self._store_one(item)
        except (OSError, SQLAlchemyError) as exc:
            self.summary.errors.append(
                f"{item.path.name}：{self._trouble(exc)}。文件留在收件箱，下次运行再处理。"
            )
        item.result = None  # stored (or left for the next run): its orders can go
        item.stored = True
        self._storing += time.perf_counter() - began

    def _store_one(self, item: InboxFile) -> None:
        """Store one file's orders (one transaction), then file the original away."""
        if item.duplicate_office:  # another street's (a shared store): its record stays its own
            outcome = self.inbox.file(item, "elsewhere", "failed", reason=_elsewhere(item),
                                      result="结果：这个文件没有读入本街道。")
        elif item.duplicate_of:
            reason = (
                "上次运行已读入，本次补做归档" if item.duplicate_of == item.path.name
                else f"与已处理过的文件“{item.duplicate_of}”内容完全相同，未重复读入"
            )
            outcome = self.inbox.file(item, "duplicate", "archive", reason=reason)
        elif item.rejected:
            self._record(item, "failed", 0, item.rejected)
            outcome = self.inbox.file(item, "failed", "failed", reason=item.rejected)
        else:
            assert item.result is not None
            self._ingest(item)
            problems = item.result.problems
            taken = len(item.result.orders) + len(item.result.updates)
            outcome = self.inbox.file(item, "partial" if problems else "archived",
                                      "failed" if problems else "archive", orders=taken,
                                      problems=problems)
        self.summary.files.append(outcome)

    def deadlines(self) -> None:
        """The night's tally, read from the store a chunk at a time; kept of each order only
        what the 督办日报 needs to find it again (see `Watch`)."""
        self._watch, self._signing, self._tracked = Watch(by_street=self.config.district), [], 0
        self._tally = tally = Tally.of(self._noted(self._tracked_states()), self.as_of)
        self.summary.tally = tally.to_json()
        self.summary.lights = dict(tally.handling)
        self.summary.open_orders = tally.in_hand
        self.summary.chased = tally.chased

    def _tracked_states(self, *, by_office: bool = False) -> Iterator[OrderState]:
        """Every order the night's workbooks follow, with its clocks, streamed from the store
        (`by_office`: street by street)."""
        calc = self.home.calculator()
        rows = self.home.store().iter_orders_to_track(closed_since=self.as_of.replace(day=1),
                                                      by_office=by_office)
        return (state_of(r, calc, self.as_of) for r in rows)

    def _noted(self, states: Iterator[OrderState]) -> Iterator[OrderState]:
        """`states` passed on, counted, and noted for the 督办日报."""
        for state in states:
            self._tracked += 1
            self._watch.note(state)
            row = state.row
            if row["result"] and needs_signature(row, self.config):
                self._signing.append(state)
            yield state

    def _states_of(self, numbers: Sequence[str]) -> list[OrderState]:
        """These orders, read again, with their clocks, in the order of `numbers`."""
        store = self.home.store()
        calc = self.home.calculator()
        with store.read() as conn:
            rows = store.get_orders(conn, numbers)
        return [state_of(rows[n], calc, self.as_of) for n in numbers if n in rows]

    def documents(self) -> None:
        with self.home.store().read() as conn:
            total = self.home.store().count_pending_documents(conn)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            self.progress("documents", done, total)

        result = render_pending(self.home, tick)
        self.summary.documents = result.written
        self.summary.documents_error = result.error

    def workbooks(self) -> None:
        out = self.config.outbox / self.day
        month_start = self.as_of.replace(day=1)
        district = self.config.district
        unsigned = self._unsigned()

        owner = os.getpid()

        def supervise() -> tuple[Path, int]:
            if os.getpid() != owner:  # a forked helper: its own connections, not the parent's
                self.home.store().engine.dispose(close=False)
            return write_supervision(
                out / f"督办日报-{self.day}.xlsx", self.config.staging, self._watch,
                self._states_of, self.as_of, self.home.calendar, self._tally, unsigned,
            )

        with in_parallel(supervise, large=self._tracked >= PARALLEL_WORKBOOKS) as other:
            ledger = write_ledger(
                out / f"工单台账-{self.day}.xlsx", self.config.staging,
                lambda: ledger_rows(self._tracked_states(by_office=district), month_start),
                self.as_of, self.config.departments, by_street=district,
            )
            faults.checkpoint("workbooks")
        supervision, _ = other.result()  # the tally counted them already
        self.summary.workbooks = [ledger.name, supervision.name]
        for written, wanted in ((ledger, f"工单台账-{self.day}.xlsx"),
                                (supervision, f"督办日报-{self.day}.xlsx")):
            if written.name != wanted:
                self.summary.notices.append(
                    f"{wanted} 正被其他程序（如 Excel）打开，无法替换；新的一份另存为 {written.name}，"
                    "请关闭旧文件后查看新文件。")

    def _unsigned(self) -> list[Unsigned]:
        """待分管领导签字: the tracked orders whose result waits for a signature."""
        waiting = unsigned_results(self.home.store(), [s.row for s in self._signing], self.config)
        return [Unsigned(s, deputy_of(s.row["department"], self.config), waiting[s.row["order_no"]])
                for s in self._signing if s.row["order_no"] in waiting]

    def feedback(self) -> None:
        """反馈区热线办: what the district has not been told yet, listed once."""
        result = publish_feedback(self.home, self.as_of)
        if result.path is not None:
            self.summary.workbooks.append(result.path.name)
        if result.district:
            return
        self.summary.feedback = {"listed": len(result.listed), "held": len(result.held),
                                 "lines_today": result.lines_today,
                                 "rewritten": [p.parent.name for p in result.rewritten]}

    def printing(self) -> None:
        """Re-merge the day's printable PDF when this run issued new documents."""
        if not self.summary.documents or not self.merge_pdf:
            return
        with self.home.store().read() as conn:
            docs = self.home.store().document_paths_on(conn, self.day)
        self.summary.printable, self.summary.print_note = merged_pdf(self.home, self.day, docs)

    # -- helpers ----------------------------------------------------------------------------

    def _ingest(self, item: InboxFile) -> None:
        """One file, one transaction: its orders, its updates, and the record of the file."""
        store = self.home.store()
        result = item.result
        assert result is not None
        with store.write() as conn:
            routing = Routing(self.config.routing, self.config.routing_paths)
            ingester = Ingester(store, conn, run_date=self.day, routing=routing,
                                actor=current_user())
            stats = ingester.apply(result.orders)
            self._recheck(conn, stats)
            self.stats.merge(stats)
            applied = [u for u in result.updates if self._apply_update(conn, item, u)]
            result.updates = applied
            outcome = "partial" if result.problems else "archived"
            store.record_file(conn, item.digest, item.path.name, outcome,
                              len(result.orders) + len(applied))
        self.summary.updates += len(applied)
        faults.checkpoint("committed")

    def _recheck(self, conn: Any, stats: IngestStats) -> None:
        """Re-sent orders whose dispatch or kind moved: what was recorded, against the new
        clocks, said in the report and in the order's history."""
        store = self.home.store()
        calc = self.home.calculator()
        for number in stats.moved:
            row = store.get_order(conn, number)
            if row is None:
                continue
            notes = policy.recheck(row, calc)
            if notes:
                stats.notes += [f"工单 {number} 重新发来后：{note}" for note in notes]
                store.add_event(conn, number, "rechecked",
                                "区热线办重新发来的工单改了派单时间或类型：" + "；".join(notes),
                                detail={"notes": notes}, source="hotline run", actor="")

    def _apply_update(self, conn: Any, item: InboxFile, update: OrderUpdate) -> bool:
        """A returned form's or an edited ledger's changes, through the stage rules, once."""
        assert item.result is not None
        # What the file reports happened when it says, else when the file was saved
        # (a form saved on the red day and read the next night was on time): never the run's.
        actions = Actions(self.home, actor=current_user(), source=item.path.name,
                          file_time=item.saved_at)
        try:
            with conn.begin_nested():
                applied = apply_update(actions, conn, update)
        except HotlineError as exc:
            item.result.problems.append(Problem(update.location, "", f"工单 {update.order_no}：{exc}"))
            return False
        if not applied:
            self.summary.notices.append(
                f"{item.path.name}{update.location}（工单 {update.order_no}）：{ALREADY}，未重复登记。")
        return applied

    def _record(self, item: InboxFile, outcome: str, orders: int, note: str) -> None:
        store = self.home.store()
        with store.begin() as conn:
            store.record_file(conn, item.digest, item.path.name, outcome, orders, note)


def _elsewhere(item: InboxFile) -> str:
    """Why a file another street office has read already is not read again here."""
    office = item.duplicate_office
    which = ("这个文件" if item.duplicate_of == item.path.name
             else f"文件“{item.duplicate_of}”")
    return (f"{office}已读入过{which}（内容完全相同），其中的工单算{office}的，本街道未重复读入。"
            "如果这些工单确实派给了本街道，请与区热线办核实，由区里改派或重新导出发来。")


def run_batch(home: Home, as_of: date, progress: Progress | None = None, *,
              printing: bool = True, reread: list[Path] | None = None) -> tuple[RunSummary, int]:
    """One night's run; `printing=False` leaves out the merged print PDF (the demo's earlier
    nights: LibreOffice takes seconds a night); with `reread`, those archived originals are
    read instead of the inbox (doctor --repair)."""
    batch = Batch(home, as_of, progress)
    batch.merge_pdf = printing
    batch.reread = reread
    summary = batch.run()
    return summary, batch.exit_code
