"""Named points where the fault-injection tests kill the batch (HOTLINE_KILL_AT=name[:n]).

Unset, a checkpoint costs one dictionary lookup. Set, the process kills itself with
SIGKILL (no cleanup, no finally blocks: what a power cut or `kill -9` does) the n-th time
the named point is reached.
"""

from __future__ import annotations

import os
import signal

_ENV = "HOTLINE_KILL_AT"
_counts: dict[str, int] = {}


def checkpoint(name: str) -> None:
    spec = os.environ.get(_ENV)
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= int(nth or 1):
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)  # pragma: no cover - Windows
