"""One task beside the batch in a forked process (POSIX, large batches only).

The 督办日报 of a night of thousands of orders is written by a forked child while the parent
writes the 台账; errors travel back and are raised in the caller's own order.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.safety.locking import forget_inherited_locks

PARALLEL_WORKBOOKS = 2000  # orders from which the 督办日报 is written beside the 台账


class Outcome:
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
def in_parallel(task: Callable[[], Any], *, large: bool) -> Iterator[Outcome]:
    """Run `task` in a forked process while the block runs (POSIX, large batches only);
    otherwise after the block. Errors travel back and are raised by `result()`."""
    if not large or "fork" not in multiprocessing.get_all_start_methods():
        outcome = Outcome(None, None)
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
    outcome = Outcome(receive, process)
    try:
        yield outcome
    finally:
        outcome.finish()
