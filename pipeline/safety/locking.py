"""One run per home: an operating-system lock that dies with its process.

A lock file alone would outlive a killed run; `fcntl.flock` (POSIX) and `msvcrt.locking`
(Windows) are released by the kernel when the holder dies, so a rerun after a kill or a
power cut is never refused.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline import clock
from pipeline.errors import HomeBusyError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]


# Lock files this process holds open. A forked worker closes its copies at once, so that a
# worker outliving a killed parent never keeps the home locked.
_HELD: set[int] = set()


def forget_inherited_locks() -> None:
    """Close the lock descriptors a forked child inherited (the parent keeps its lock)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


def _try_lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
    try:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return
    with contextlib.suppress(OSError):  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def home_lock(lock_path: Path, what: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the home's lock, or raise HomeBusyError naming who holds it."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = _read_holder(lock_path)
                raise HomeBusyError(
                    f"工作目录正被另一个任务使用（{holder}），本次未做任何处理。"
                    "请等它结束后再运行；若确认没有其他任务在运行，稍候重试即可。"
                )
            time.sleep(0.2)
        stamp = f"{what}，进程 {os.getpid()}，主机 {socket.gethostname()}，" + clock.now().strftime(
            "%Y-%m-%d %H:%M:%S 开始"
        )
        # Write past the locked first byte's meaning: the text is only informative.
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, stamp.encode("utf-8"))
        _HELD.add(fd)
        try:
            yield
        finally:
            _HELD.discard(fd)
            _unlock(fd)
    finally:
        os.close(fd)


def _read_holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text or "另一个 hotline 任务"
