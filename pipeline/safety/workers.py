"""Worker processes that cannot hang a run: a death is seen at once, its task done again.

multiprocessing's Pool replaces a worker that dies (the OOM killer, Task Manager) and then
waits for the lost task for ever, the home's lock held: every later night is refused. Here
each worker has its own pipe and the parent waits on the pipes *and* the processes
(`multiprocessing.connection.wait`): a worker's death wakes the parent, which gives the task
to a fresh worker once (`retries`), then reports it lost (`WorkerLostError`).

Workers die with their parent: on Linux the kernel kills them when the parent dies
(PR_SET_PDEATHSIG); everywhere an idle worker ends when its pipe closes. A killed run thus
never leaves a worker writing after it without the lock.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

WAIT_SLICE = 0.2  # seconds: select's relative timeout, safe under a moved wall clock
PR_SET_PDEATHSIG = 1


class WorkerLostError(Exception):
    """The worker doing a task died (killed, out of memory), and so did its replacement."""


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); if the parent is
    already gone, end now."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes  # noqa: PLC0415 - only where it is used

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(0)


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Fork with the parent's objects out of the garbage collector's sight: a child's
    collections then never touch (and so never copy) the pages it shares with its parent,
    which keeps a forked worker's own memory small."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _serve(conn: Connection, parent_pid: int, initializer: Callable[..., None] | None,
           initargs: tuple[Any, ...]) -> None:
    """A worker's life: run tasks from the pipe until it closes."""
    die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        ticket, fn, args = message
        try:
            conn.send((ticket, "started", None))  # from now on, a death costs an attempt
        except (EOFError, OSError):
            return
        try:
            reply: tuple[Any, ...] = (ticket, "ok", fn(*args))
        except Exception as exc:  # travels back and is raised in the parent
            reply = (ticket, "error", exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # the value or error does not pickle
            conn.send((ticket, "error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def context() -> multiprocessing.context.BaseContext:
    # fork is instant on POSIX (the parent has no threads here); Windows can only spawn.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    tickets: deque[int] = field(default_factory=deque)  # sent to it, in order; the first runs


@dataclass
class _Task:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    attempts: int = 0  # times a worker started it
    sent: int = 0  # times it was handed to a worker (one may die before it starts)


class Workers:
    """A few worker processes; `submit` a task, then `result` it (in any order).

    With `depth` 2 each worker is handed its next task while it works on the current one,
    so that it never waits for a parent busy elsewhere; only for small tasks (the parent
    must never block sending to a worker that is itself sending a large result)."""

    def __init__(self, processes: int, *, initializer: Callable[..., None] | None = None,
                 initargs: tuple[Any, ...] = (), retries: int = 1, depth: int = 1) -> None:
        self.processes = max(1, processes)
        self.retries = retries
        self.depth = max(1, depth)
        self._initializer = initializer
        self._initargs = initargs
        self._ctx = context()
        self._workers: list[_Worker] = []
        self._queue: deque[int] = deque()
        self._tasks: dict[int, _Task] = {}
        self._done: dict[int, tuple[str, Any]] = {}
        self._next = 0
        self.deaths = 0  # workers lost so far, for the run report

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        ticket = self._next
        self._next += 1
        self._tasks[ticket] = _Task(fn, args)
        self._queue.append(ticket)
        self._dispatch()
        return ticket

    def result(self, ticket: int, deadline: float | None = None) -> Any:
        """The task's value (its exception raised); TimeoutError after `deadline` (monotonic),
        WorkerLostError if its workers kept dying."""
        while ticket not in self._done:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError
            self._pump(WAIT_SLICE if deadline is None else
                       max(0.0, min(WAIT_SLICE, deadline - time.monotonic())))
        status, value = self._done.pop(ticket)
        self._tasks.pop(ticket, None)
        if status == "error":
            raise value
        if status == "lost":
            raise WorkerLostError
        return value

    def cancel(self, ticket: int) -> None:
        """Give up a task: a worker stuck on it is killed (a fresh one takes its place, and
        the tasks queued behind it go to another worker)."""
        self._tasks.pop(ticket, None)
        self._done.pop(ticket, None)
        with contextlib.suppress(ValueError):
            self._queue.remove(ticket)
        for worker in list(self._workers):
            if ticket in worker.tickets:
                self._end(worker, kill=True)
                self._queue.extendleft(reversed([t for t in worker.tickets if t in self._tasks]))
        self._dispatch()

    def close(self) -> None:
        for worker in list(self._workers):
            self._end(worker, kill=True)

    # -- inside ---------------------------------------------------------------------------

    def _start(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_serve, args=(child_end, os.getpid(), self._initializer, self._initargs),
            daemon=True)
        with frozen_heap():
            process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def _free(self) -> _Worker | None:
        """The worker with the fewest tasks, if it can take one more (a new one if room)."""
        for worker in [w for w in self._workers if not w.tickets]:
            if not worker.process.is_alive():
                self._end(worker, kill=False)  # died while idle: nothing of ours lost
                self.deaths += 1
        least = min(self._workers, key=lambda w: len(w.tickets), default=None)
        if least is not None and not least.tickets:
            return least
        if len(self._workers) < self.processes:
            return self._start()
        return least if least is not None and len(least.tickets) < self.depth else None

    def _dispatch(self) -> None:
        while self._queue:
            worker = self._free()
            if worker is None:
                return
            ticket = self._queue.popleft()
            task = self._tasks.get(ticket)
            if task is None:
                continue
            task.sent += 1
            worker.tickets.append(ticket)
            try:
                worker.conn.send((ticket, task.fn, task.args))
            except (OSError, EOFError):
                self._lost(worker)

    def _pump(self, timeout: float) -> None:
        busy = [w for w in self._workers if w.tickets]
        if not busy:
            self._dispatch()
            return
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        for worker in busy:
            if worker.conn in ready:
                try:
                    ticket, status, value = worker.conn.recv()
                except (EOFError, OSError):
                    self._lost(worker)
                    continue
                if status == "started":
                    if ticket in self._tasks:
                        self._tasks[ticket].attempts += 1
                    continue
                with contextlib.suppress(ValueError):
                    worker.tickets.remove(ticket)
                if ticket in self._tasks:
                    self._done[ticket] = (status, value)
            elif worker.process.sentinel in ready:
                self._lost(worker)
        self._dispatch()

    def _lost(self, worker: _Worker) -> None:
        """A worker died: its tasks go to a fresh worker, or (the one it had started, after
        `retries` such deaths) are reported lost."""
        self._end(worker, kill=True)
        self.deaths += 1
        again = []
        for ticket in worker.tickets:
            task = self._tasks.get(ticket)
            if task is None:
                continue
            # A task the worker had not started costs no attempt; one whose workers keep
            # dying before they start it is given up all the same.
            if task.attempts <= self.retries and task.sent <= self.retries + 2:
                again.append(ticket)
            else:
                self._done[ticket] = ("lost", None)
        self._queue.extendleft(reversed(again))

    def _end(self, worker: _Worker, *, kill: bool) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        if kill and worker.process.is_alive():
            with contextlib.suppress(OSError, AttributeError):
                worker.process.kill()
        worker.process.join(5)
        with contextlib.suppress(OSError):
            worker.conn.close()
