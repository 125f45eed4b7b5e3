"""PDF reading in worker processes: both cores at work, and a time limit per file.

pdfminer can take a very long time over a damaged or crafted PDF; a worker that exceeds
`limits.pdf_seconds` on one file is killed, the file is set aside with its reason, and the
other files are read by fresh workers.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from types import TracebackType

from pipeline import faults
from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake.base import ReadResult
from pipeline.intake.pdf import PageContent, parse_pages, read_pdf_pages
from pipeline.locking import forget_inherited_locks

Outcome = tuple[str, list[PageContent] | str]


def _work(path: str, limits: Limits) -> Outcome:
    faults.checkpoint(f"pdf_worker:{Path(path).name}")
    try:
        return "ok", read_pdf_pages(Path(path), limits)
    except FileRejectedError as exc:
        return "rejected", exc.reason
    except Exception as exc:  # a pdfminer bug on one file must not take the pool down
        return "rejected", (f"PDF 读取出错（{type(exc).__name__}），文件未读入。"
                            "请重新从区热线系统下载后再放入收件箱。")


def _worker_init() -> None:
    forget_inherited_locks()
    # A worker whose parent was killed finds its result pipe broken; that is no news for
    # the clerk's cron mail. Reading errors travel back as results, never via stderr.
    sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115


def _context() -> multiprocessing.context.BaseContext:
    # fork is instant on POSIX (the parent has no threads here); Windows can only spawn.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


class PdfWorkers:
    """Submit PDFs, then collect each one's orders (or its rejection) in any order."""

    def __init__(self, limits: Limits, processes: int | None = None) -> None:
        self.limits = limits
        self.processes = processes or max(1, min(2, os.cpu_count() or 1))
        self._pool: Pool | None = None
        self._pending: dict[Path, AsyncResult[Outcome]] = {}

    def __enter__(self) -> PdfWorkers:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _ensure_pool(self) -> Pool:
        if self._pool is None:
            self._pool = _context().Pool(self.processes, initializer=_worker_init)
        return self._pool

    def submit(self, path: Path) -> None:
        self._pending[path] = self._ensure_pool().apply_async(_work, (str(path), self.limits))

    def result(self, path: Path) -> ReadResult:
        """The file's orders; FileRejectedError if unreadable or over the time limit."""
        try:
            status, value = self._pending.pop(path).get(timeout=self.limits.pdf_seconds)
        except multiprocessing.TimeoutError:
            self._restart(path)
            raise FileRejectedError(
                f"PDF 读取超时（超过 {self.limits.pdf_seconds:.0f} 秒仍未读完），文件可能已损坏。"
                "请重新从区热线系统下载后再放入收件箱。"
            ) from None
        if status == "rejected":
            raise FileRejectedError(str(value))
        assert isinstance(value, list)
        return parse_pages(value, path.name)

    def _restart(self, stuck: Path) -> None:
        """Kill the workers (one is stuck) and hand the other files to fresh ones."""
        assert self._pool is not None
        self._pool.terminate()
        self._pool.join()
        self._pool = None
        waiting = [p for p in self._pending if p != stuck]
        self._pending.clear()
        for path in waiting:
            self.submit(path)
