"""One task beside the batch in a forked process (POSIX, large batches only).

The 督办日报 of a night of thousands of orders is written by a forked child while the parent
writes the 台账; errors travel back and are raised in the caller's own order. A child that
dies is not waited for: the parent writes the 督办日报 itself. The child dies with its parent.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.safety.locking import forget_inherited_locks
from pipeline.safety.workers import die_with_parent, frozen_heap

PARALLEL_WORKBOOKS = 2000  # orders from which the 督办日报 is written beside the 台账


def _attempt(task: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", task()
    except Exception as exc:  # raised again by result(), in the caller's own order
        return "error", exc


class Outcome:
    """What a forked helper sends back (or the error it met)."""

    def __init__(self, receive: Any, process: Any, task: Callable[[], Any] | None = None) -> None:
        self._receive = receive
        self._process = process
        self._task = task
        self._value: Any = None

    def finish(self) -> None:
        if self._process is None:
            return
        try:
            self._value = self._receive.recv()
        except (EOFError, OSError):
            # The helper died (out of memory, killed) before answering: do its work here.
            self._value = _attempt(self._task) if self._task is not None else (
                "error", ChildProcessError("helper process lost"))
        finally:
            self._process.join()

    def result(self) -> Any:
        kind, value = self._value
        if kind == "error":
            raise value
        return value


@contextlib.contextmanager
def in_parallel(task: Callable[[], Any], *, large: bool) -> Iterator[Outcome]:
    """Run `task` in a forked process while the block runs (POSIX, large batches only);
    otherwise after the block. Errors travel back and are raised by `result()`."""
    if not large or "fork" not in multiprocessing.get_all_start_methods():
        outcome = Outcome(None, None)
        yield outcome
        outcome._value = _attempt(task)
        return
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    parent = os.getpid()

    def child() -> None:
        forget_inherited_locks()
        die_with_parent(parent)  # never publish after a killed parent, without its lock
        send.send(_attempt(task))

    process = ctx.Process(target=child, daemon=True)
    with frozen_heap():
        process.start()
    send.close()  # the child's death then ends the parent's wait (EOF), never hangs it
    outcome = Outcome(receive, process, task)
    try:
        yield outcome
    finally:
        outcome.finish()
