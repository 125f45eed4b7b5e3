"""Reading in worker processes: both cores at work, and a time limit per file.

Every input file is read by a worker (a long PDF in one part per worker); the parent only
collects. A worker that exceeds its time limit on a file (pdfminer can spin for a long time
over a damaged or crafted PDF) is killed, the file is set aside with its reason, and the
other files go on. A worker that dies (out of memory, killed) is replaced and its file read
again; a file whose readers die twice is set aside with that reason.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake.base import ReadResult
from pipeline.intake.pdf import PageContent, PdfReader, parse_pages, pdf_page_count, read_pdf_pages
from pipeline.safety import faults
from pipeline.safety.locking import forget_inherited_locks
from pipeline.safety.workers import WorkerLostError, Workers

Outcome = tuple[str, Any]  # ("ok", pages or ReadResult) | ("rejected", reason)

SPLIT_FROM = 40  # a PDF with more pages is read in parts, on every core


def _read_pages(path: str, limits: Limits, first: int = 0, last: int | None = None) -> Outcome:
    faults.checkpoint(f"pdf_worker:{Path(path).name}")
    try:
        return "ok", read_pdf_pages(Path(path), limits, first, last)
    except FileRejectedError as exc:
        return "rejected", exc.reason
    except Exception as exc:  # a pdfminer bug on one file must not take the pool down
        return "rejected", (f"PDF 读取出错（{type(exc).__name__}），文件未读入。"
                            "请重新从区热线系统下载后再放入收件箱。")


def _read_file(path: str, reader: Any, limits: Limits) -> Outcome:
    faults.checkpoint(f"read_worker:{Path(path).name}")
    try:
        return "ok", reader.extract(Path(path), limits)
    except FileRejectedError as exc:
        return "rejected", exc.reason


def _worker_init() -> None:
    forget_inherited_locks()
    # A worker whose parent was killed finds its result pipe broken; that is no news for
    # the clerk's cron mail. Reading errors travel back as results, never via stderr.
    sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115


LOST = ("读取这个文件时，读取进程两次意外退出（可能是电脑内存不足，或进程被强行结束），文件未读入。"
        "它留在 failed 中；内存充足时把它重新放入收件箱即可。")


class ReadWorkers:
    """Submit files with their readers, then collect each one's result in any order."""

    def __init__(self, limits: Limits, processes: int | None = None) -> None:
        self.limits = limits
        self.processes = processes or max(1, min(2, os.cpu_count() or 1))
        self._workers: Workers | None = None
        self._pending: dict[Path, tuple[Any, list[int]]] = {}

    def __enter__(self) -> ReadWorkers:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    @property
    def deaths(self) -> int:
        """Worker processes that died while reading (each file's part was read again)."""
        return self._workers.deaths if self._workers is not None else 0

    def _pool(self) -> Workers:
        if self._workers is None:
            self._workers = Workers(self.processes, initializer=_worker_init)
        return self._workers

    def submit(self, path: Path, reader: Any) -> None:
        """Start reading a file: a long PDF in one part per worker."""
        pool = self._pool()
        if not isinstance(reader, PdfReader):
            parts = [pool.submit(_read_file, str(path), reader, self.limits)]
        else:
            pages = pdf_page_count(path)
            count = self.processes if pages > SPLIT_FROM else 1
            bounds: list[Any] = (
                [round(pages * i / count) for i in range(count + 1)] if count > 1 else [0, None]
            )
            parts = [
                pool.submit(_read_pages, str(path), self.limits, bounds[i], bounds[i + 1])
                for i in range(len(bounds) - 1)
            ]
        self._pending[path] = (reader, parts)

    def result(self, path: Path) -> ReadResult:
        """The file's orders; FileRejectedError if unreadable, over the time limit, or its
        readers keep dying."""
        reader, parts = self._pending.pop(path)
        pool = self._pool()
        deadline = time.monotonic() + self.limits.pdf_seconds
        pages: list[PageContent] = []
        for n, part in enumerate(parts):
            try:
                status, value = pool.result(part, deadline)
            except TimeoutError:
                for other in parts[n:]:
                    pool.cancel(other)  # kills the stuck worker; the other files go on
                raise FileRejectedError(
                    f"读取超时（超过 {self.limits.pdf_seconds:.0f} 秒仍未读完），文件可能已损坏。"
                    "请重新从区热线系统下载后再放入收件箱。"
                ) from None
            except WorkerLostError:
                for other in parts[n + 1:]:
                    pool.cancel(other)
                raise FileRejectedError(LOST) from None
            if status == "rejected":
                raise FileRejectedError(str(value))
            if not isinstance(reader, PdfReader):
                return value  # type: ignore[no-any-return]
            pages += value
        return parse_pages(pages, path.name, reader.vocab)
