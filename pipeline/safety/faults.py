"""Named points where the fault-injection tests stop the batch.

HOTLINE_KILL_AT=name[:n] kills the process with SIGKILL (no cleanup, no finally blocks:
what a power cut or `kill -9` does) the n-th time the named point is reached (counted in
each process: a worker's count starts again in its replacement).
HOTLINE_PAUSE_AT=name:seconds sleeps there, so that a test can act while a run is busy
(a name may itself hold a colon: `pdf_worker:慢.pdf:5`).
Unset, a checkpoint costs two dictionary lookups.
"""

from __future__ import annotations

import os
import signal
import time

_counts: dict[str, int] = {}


def checkpoint(name: str) -> None:
    kill = os.environ.get("HOTLINE_KILL_AT")
    if kill:
        target, _, nth = kill.rpartition(":")
        if not nth.isdigit():  # a name that itself holds a colon: `read_worker:a.xlsx`
            target, nth = kill, "1"
        if target == name:
            _counts[name] = _counts.get(name, 0) + 1
            if _counts[name] >= int(nth or 1):
                if hasattr(signal, "SIGKILL"):
                    os.kill(os.getpid(), signal.SIGKILL)
                os._exit(137)  # pragma: no cover - Windows
    pause = os.environ.get("HOTLINE_PAUSE_AT")
    if pause:
        target, _, seconds = pause.rpartition(":")
        if target == name:
            time.sleep(float(seconds or 1))
