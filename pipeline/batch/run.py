"""`hotline run`: the nightly batch, stage by stage.

collect the inbox → read and normalise each file → store it (one transaction per file)
→ file the original away → deadlines and lights → documents → workbooks → report.

Originals leave the inbox only after their orders are committed; every output is written
under a temporary name and renamed into place; a run after a kill finishes the job.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from pipeline import clock
from pipeline.batch.summary import RunSummary, write_day_report
from pipeline.deadlines.state import OrderState, state_of
from pipeline.documents.printing import merged_pdf
from pipeline.documents.queue import render_pending
from pipeline.errors import EXIT_OK, EXIT_PARTIAL, FileRejectedError, HotlineError
from pipeline.home import Home, current_user
from pipeline.intake import choose_reader
from pipeline.intake.base import OrderUpdate, Problem, ReadResult
from pipeline.intake.workers import ReadWorkers
from pipeline.model import Status
from pipeline.safety import faults
from pipeline.safety.backup import daily_backup
from pipeline.safety.files import (
    clear_staging,
    file_away,
    free_name,
    is_junk,
    sha256_file,
    stable_files,
    write_text_atomic,
)
from pipeline.safety.locking import forget_inherited_locks, home_lock
from pipeline.store import schema
from pipeline.store.ingest import Ingester, IngestStats
from pipeline.text import mask_numbers
from pipeline.workbooks.ledger import ledger_rows, write_ledger
from pipeline.workbooks.supervision import write_supervision
from pipeline.workflow.actions import Stages, apply_changes

Progress = Callable[[str, int, int], None]


@dataclass
class FileOutcome:
    name: str
    status: str  # archived | partial | failed | duplicate
    orders: int = 0
    reason: str = ""
    problems: list[Problem] = field(default_factory=list)
    filed_to: str = ""  # relative to the home


@dataclass
class _Read:
    path: Path
    digest: str
    result: ReadResult | None = None
    rejected: str = ""
    duplicate_of: str = ""

    @property
    def has_reminders(self) -> bool:
        return bool(self.result and any(o.is_reminder for o in self.result.orders))


class Batch:
    """One run of the nightly batch in one home."""

    def __init__(self, home: Home, as_of: date, progress: Progress | None = None) -> None:
        self.home = home
        self.config = home.config
        self.as_of = as_of
        self.day = as_of.isoformat()
        self.progress = progress or (lambda _stage, _done, _total: None)
        self.summary = RunSummary(as_of=self.day)
        self.stats = IngestStats()
        self.timings: dict[str, float] = {}
        self._files: list[Path] = []
        self._reads: list[_Read] = []
        self._states: list[OrderState] = []

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> RunSummary:
        with home_lock(self.config.lock_path, "hotline run"):
            store = self.home.store(check=True)
            clear_staging(self.config.staging)
            run_id = store.start_run(self.day)
            self.summary.started = clock.now().strftime("%H:%M:%S")
            backup_note = daily_backup(self.home, self.day)
            if backup_note:
                self.summary.errors.append(backup_note)
            for name, step in (
                ("collect", self.collect),
                ("read", self.read),
                ("store", self.store_and_file),
                ("deadlines", self.deadlines),
                ("documents", self.documents),
                ("workbooks", self.workbooks),
                ("printing", self.printing),
            ):
                began = time.perf_counter()
                try:
                    step()
                except (OSError, SQLAlchemyError) as exc:
                    # A full disk or a folder that cannot be written: say so, keep what was
                    # done (committed orders, filed originals), and let the next run finish.
                    self.summary.errors.append(f"{STAGE_NAMES[name]}：{describe_os_error(exc)}")
                    if name in ("collect", "read", "deadlines"):
                        break  # what follows would work from nothing, or from half
                self.timings[name] = time.perf_counter() - began
            self.summary.finished = clock.now().strftime("%H:%M:%S")
            self.summary.timings = {k: round(v, 3) for k, v in self.timings.items()}
            self.summary.calendar_warnings = calendar_warnings(self.home)
            store.finish_run(run_id, "partial" if self.exit_code else "ok", self.summary.to_json())
            try:
                self.summary.report = write_day_report(self.home, self.day)
            except OSError as exc:
                self.summary.errors.append(f"运行报告：{describe_os_error(exc)}")
        return self.summary

    @property
    def exit_code(self) -> int:
        set_aside = any(f.status in ("failed", "partial") for f in self.summary.files)
        trouble = set_aside or self.summary.documents_error or self.summary.errors
        return EXIT_PARTIAL if trouble else EXIT_OK

    # -- stages -----------------------------------------------------------------------------

    def collect(self) -> None:
        """The stable, non-junk files at the top of the inbox."""
        candidates: list[Path] = []
        for entry in sorted(self.config.inbox.iterdir()):
            if entry.is_symlink():
                self._set_aside_link(entry)
            elif entry.is_dir():
                self.summary.ignored.append(f"{entry.name}（文件夹：请把其中的文件直接放在收件箱里）")
            elif is_junk(entry):
                continue
            elif entry.is_file():
                candidates.append(entry)
        stable, busy = stable_files(candidates, self.config.settle_seconds)
        self.summary.busy = [p.name for p in busy]
        self._files = stable

    def read(self) -> None:
        """Read every file in worker processes (both cores, a time limit for each file)."""
        store = self.home.store()
        limits = self.config.limits
        self._reads: list[_Read] = []
        total = len(self._files)
        with ReadWorkers(limits) as workers:
            submitted = set()
            for path in self._files:
                item = _Read(path, sha256_file(path))
                with store.read() as conn:
                    seen = store.file_record(conn, item.digest)
                if seen is not None and seen["outcome"] == "archived":
                    item.duplicate_of = seen["name"]
                else:
                    try:
                        workers.submit(path, choose_reader(path, limits))
                        submitted.add(path)
                    except FileRejectedError as exc:
                        item.rejected = exc.reason
                self._reads.append(item)
            for i, item in enumerate(self._reads, 1):
                self.progress("read", i, total)
                if item.path in submitted:
                    self._read_one(item, workers)
                faults.checkpoint("read")
        # Files without 催单 first, so that reminders find the orders they point at.
        self._reads.sort(key=lambda r: (r.has_reminders, r.path.name))

    def _read_one(self, item: _Read, workers: ReadWorkers) -> None:
        try:
            item.result = workers.result(item.path)
        except FileRejectedError as exc:
            item.rejected = exc.reason
        except Exception as exc:  # a reader bug must not hide the other files
            item.rejected = _internal_error(item.path, exc, self.home)

    def store_and_file(self) -> None:
        total = len(self._reads)
        for i, item in enumerate(self._reads, 1):
            self.progress("store", i, total)
            try:
                self._store_one(item)
            except (OSError, SQLAlchemyError) as exc:
                self.summary.errors.append(
                    f"{item.path.name}：{describe_os_error(exc)}。文件留在收件箱，下次运行再处理。"
                )
        self.summary.absorb(self.stats)

    def _store_one(self, item: _Read) -> None:
        """Store one file's orders (one transaction), then file the original away."""
        if item.duplicate_of:
            reason = (
                "上次运行已读入，本次补做归档" if item.duplicate_of == item.path.name
                else f"与已处理过的文件“{item.duplicate_of}”内容完全相同，未重复读入"
            )
            self._file(item, "duplicate", "archive", reason=reason)
        elif item.rejected:
            self._record(item, "failed", 0, item.rejected)
            self._file(item, "failed", "failed", reason=item.rejected)
        else:
            assert item.result is not None
            self._ingest(item)
            problems = item.result.problems
            taken = len(item.result.orders) + len(item.result.updates)
            self._file(item, "partial" if problems else "archived",
                       "failed" if problems else "archive", orders=taken, problems=problems)

    def deadlines(self) -> None:
        store = self.home.store()
        calc = self.home.calculator()
        month_start = self.as_of.replace(day=1).isoformat()
        closed = (Status.CLOSED, Status.ARCHIVED)
        query = select(schema.orders).where(or_(
            schema.orders.c.status.not_in(closed), schema.orders.c.closed_at >= month_start,
        )).order_by(schema.orders.c.dispatch_time, schema.orders.c.order_no)
        with store.read() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        self._states: list[OrderState] = [state_of(r, calc, self.as_of) for r in rows]
        lights: dict[str, int] = {}
        for state in self._states:
            if state.is_open:
                lights[state.light.value] = lights.get(state.light.value, 0) + 1
        self.summary.lights = lights
        self.summary.open_orders = sum(1 for s in self._states if s.is_open)

    def documents(self) -> None:
        total = 0
        with self.home.store().read() as conn:
            total = len(self.home.store().pending_documents(conn))
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

        def supervise() -> tuple[Path, int]:
            return write_supervision(
                out / f"督办日报-{self.day}.xlsx", self.config.staging, self._states, self.as_of,
                self.home.calendar,
            )

        with in_parallel(supervise, large=len(self._states) >= PARALLEL_WORKBOOKS) as other:
            ledger = write_ledger(
                out / f"工单台账-{self.day}.xlsx", self.config.staging,
                ledger_rows(self._states, month_start), self.as_of, self.config.departments,
            )
            faults.checkpoint("workbooks")
        supervision, chased = other.result()
        self.summary.workbooks = [ledger.name, supervision.name]
        self.summary.chased = chased
        for written, wanted in ((ledger, f"工单台账-{self.day}.xlsx"),
                                (supervision, f"督办日报-{self.day}.xlsx")):
            if written.name != wanted:
                self.summary.notices.append(
                    f"{wanted} 正被其他程序（如 Excel）打开，无法替换；新的一份另存为 {written.name}，"
                    "请关闭旧文件后查看新文件。")

    def printing(self) -> None:
        """Re-merge the day's printable PDF when this run issued new documents."""
        if not self.summary.documents:
            return
        with self.home.store().read() as conn:
            docs = [d["path"] for d in self.home.store().documents_on(conn, self.day)]
        self.summary.printable, self.summary.print_note = merged_pdf(self.home, self.day, docs)

    # -- helpers ----------------------------------------------------------------------------

    def _ingest(self, item: _Read) -> None:
        """One file, one transaction: its orders, its updates, and the record of the file."""
        store = self.home.store()
        result = item.result
        assert result is not None
        with store.begin() as conn:
            ingester = Ingester(store, conn, run_date=self.day, routing=self.config.routing,
                                actor=current_user())
            self.stats.merge(ingester.apply(result.orders))
            applied = [u for u in result.updates if self._apply_update(conn, item, u)]
            result.updates = applied
            outcome = "partial" if result.problems else "archived"
            store.record_file(conn, item.digest, item.path.name, outcome,
                              len(result.orders) + len(applied))
        self.summary.updates += len(applied)
        faults.checkpoint("committed")

    def _apply_update(self, conn: Any, item: _Read, update: OrderUpdate) -> bool:
        """A returned form's or an edited ledger's changes, through the stage rules."""
        assert item.result is not None
        moment = datetime.combine(self.as_of, clock.now().time())
        stages = Stages(self.home, actor=current_user(), source=item.path.name, now=moment)
        try:
            with conn.begin_nested():
                apply_changes(stages, conn, update)
        except HotlineError as exc:
            item.result.problems.append(Problem(update.location, "", f"工单 {update.order_no}：{exc}"))
            return False
        return True

    def _record(self, item: _Read, outcome: str, orders: int, note: str) -> None:
        store = self.home.store()
        with store.begin() as conn:
            store.record_file(conn, item.digest, item.path.name, outcome, orders, note)

    def _file(self, item: _Read, status: str, where: str, *, reason: str = "", orders: int = 0,
              problems: list[Problem] | None = None) -> None:
        """Move the original to archive/<date>/ or failed/<date>/ (with its reason file)."""
        problems = problems or []
        folder = (self.config.archive if where == "archive" else self.config.failed) / self.day
        folder.mkdir(parents=True, exist_ok=True)
        if where == "failed":
            target = free_name(folder, item.path.name)
            text = reason_text(item.path.name, reason, problems, orders, self.day)
            write_text_atomic(target.with_name(target.name + ".原因.txt"), text,
                              self.config.staging)
        faults.checkpoint("filing")
        filed = file_away(item.path, folder, item.digest)
        self.summary.files.append(FileOutcome(
            name=item.path.name, status=status, orders=orders, reason=reason,
            problems=problems, filed_to=self._rel_home(filed),
        ))

    def _set_aside_link(self, link: Path) -> None:
        folder = self.config.failed / self.day
        folder.mkdir(parents=True, exist_ok=True)
        target = free_name(folder, link.name)
        reason = ("这是一个快捷方式（符号链接），指向收件箱以外的位置，为安全起见不读取。"
                  "请把文件本身复制到收件箱。")
        write_text_atomic(target.with_name(target.name + ".原因.txt"),
                          reason_text(link.name, reason, [], 0, self.day), self.config.staging)
        link.rename(target)  # moves the link itself, never what it points at
        self.summary.files.append(FileOutcome(link.name, "failed", reason=reason,
                                              filed_to=self._rel_home(target)))

    def _rel_home(self, path: Path) -> str:
        try:
            return path.relative_to(self.config.home).as_posix()
        except ValueError:
            return str(path)


def reason_text(name: str, reason: str, problems: list[Problem], orders: int, day: str) -> str:
    """The reason file a clerk finds beside a set-aside original."""
    lines = [
        f"文件：{name}",
        f"处理日期：{day}",
        "",
    ]
    if problems:
        lines += [
            f"结果：文件中有 {len(problems)} 处问题；其余 {orders} 张工单已经读入。",
            "",
            "问题：",
            *[f"  {i}. {p.text()}" for i, p in enumerate(problems, 1)],
            "",
            "怎么办：在原文件中改正上面列出的行，把整个文件重新放入收件箱即可。",
            "已经读入的工单不会重复，也不会被改动。",
        ]
    else:
        lines += [
            "结果：这个文件无法读取，其中的工单都没有读入。",
            "",
            f"原因：{reason}",
        ]
    lines += ["", "原文件原样保存在本文件旁边，未作任何改动。"]
    return "\n".join(lines) + "\n"


def _internal_error(path: Path, exc: BaseException, home: Home) -> str:
    log = home.config.home / "logs"
    log.mkdir(exist_ok=True)
    with (log / "errors.log").open("a", encoding="utf-8") as fh:
        fh.write(f"--- {clock.now():%Y-%m-%d %H:%M:%S} {path.name}\n")
        fh.write(mask_numbers("".join(traceback.format_exception(exc))))
    return (f"读取时发生程序内部错误（{type(exc).__name__}），文件未读入。"
            "详细信息已记入 logs/errors.log，请联系技术人员。")


PARALLEL_WORKBOOKS = 2000  # orders from which the 督办日报 is written beside the 台账


class _Outcome:
    """What a forked helper sends back (or the error it met)."""

    def __init__(self, receive: Any, process: Any) -> None:
        self._receive = receive
        self._process = process
        self._value: Any = None

    def finish(self) -> None:
        if self._process is not None:
            self._value = self._receive.recv()
            self._process.join()

    def result(self) -> Any:
        kind, value = self._value
        if kind == "error":
            raise value
        return value


@contextlib.contextmanager
def in_parallel(task: Any, *, large: bool) -> Any:
    """Run `task` in a forked process while the block runs (POSIX, large batches only);
    otherwise after the block. Errors travel back and are raised by `result()`."""
    if not large or "fork" not in multiprocessing.get_all_start_methods():
        outcome = _Outcome(None, None)
        yield outcome
        try:
            outcome._value = ("ok", task())
        except Exception as exc:  # raised again by result(), in the caller's own order
            outcome._value = ("error", exc)
        return
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        forget_inherited_locks()
        try:
            send.send(("ok", task()))
        except Exception as exc:
            send.send(("error", exc))

    process = ctx.Process(target=child, daemon=True)
    process.start()
    outcome = _Outcome(receive, process)
    try:
        yield outcome
    finally:
        outcome.finish()


STAGE_NAMES = {
    "collect": "查看收件箱", "read": "读取文件", "store": "入库归档", "deadlines": "计算期限",
    "documents": "生成转送单", "workbooks": "生成台账和督办日报", "printing": "合并打印 PDF",
}


def describe_os_error(exc: BaseException) -> str:
    """What went wrong with the disk, in the clerk's words."""
    errno_ = getattr(exc, "errno", None) or getattr(getattr(exc, "orig", None), "errno", None)
    text = str(exc)
    if errno_ == 28 or "No space" in text or "disk is full" in text or "database or disk is full" in text:
        return "磁盘空间不足，请清理磁盘后再运行"
    if errno_ in (13, 1) or isinstance(exc, PermissionError):
        return f"没有写入权限（{getattr(exc, 'filename', '') or text}），请检查文件夹权限或关闭正在打开的文件"
    if errno_ == 30:
        return "磁盘是只读的，无法写入"
    if errno_ == 2 or isinstance(exc, FileNotFoundError):
        return f"找不到文件或文件夹（{getattr(exc, 'filename', '') or text}）"
    return f"{type(exc).__name__}: {text}"


def calendar_warnings(home: Home) -> list[str]:
    """Say which years' holiday schedules are missing and how to add them."""
    years = sorted(home.calendar.unknown_years_used)
    return [
        f"{year}年的国务院节假日安排尚未录入：涉及{year}年的期限暂按周末推算，标为“暂定”。"
        f"请在国务院办公厅公布后运行 hotline calendar add {year} --holidays … --workdays …，"
        f"或在 hotline.toml 中加入 [calendar.{year}]。"
        for year in years
    ]


def run_batch(home: Home, as_of: date, progress: Progress | None = None) -> tuple[RunSummary, int]:
    batch = Batch(home, as_of, progress)
    summary = batch.run()
    return summary, batch.exit_code
