"""Locks that die with their process: one run per home, and the store's shared lock.

A lock file alone would outlive a killed run; `fcntl.flock` (POSIX) and `msvcrt.locking`
(Windows) are released by the kernel when the holder dies, so a rerun after a kill or a
power cut is never refused.

Two lock files live in a home:
- `.hotline.lock`, exclusive: the nightly run's and `archive`'s (one at a time);
- `.hotline.store.lock`: every command that changes the store holds it shared while it
  works; `restore` holds it exclusive, so that a restore waits for (or names) whatever is
  writing, and nothing writes into the old database file while it is swapped.
Windows has no shared file lock (`msvcrt.locking` is exclusive only): there the store lock
is exclusive for everyone, and a second writer waits its short while for the first.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline import clock
from pipeline.errors import HomeBusyError, StoreReadOnlyError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

HOME_BUSY = ("工作目录正被另一个任务使用（{holder}），本次未做任何处理。"
             "请等它结束后再运行；若确认没有其他任务在运行，稍候重试即可。")
STORE_BUSY = ("数据库正在恢复或被另一个任务独占（{holder}），本次未做任何改动。"
              "请等它结束后再运行。")
HOLDER_BYTES = 400  # the holder's line, padded: shared holders overwrite it whole

# Lock files this process holds open. A forked worker closes its copies at once, so that a
# worker outliving a killed parent never keeps the home locked.
_HELD: set[int] = set()


def forget_inherited_locks() -> None:
    """Close the lock descriptors a forked child inherited (the parent keeps its lock)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


def _try_lock(fd: int, shared: bool) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
    try:  # pragma: no cover - Windows: exclusive whatever was asked
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
def _hold(lock_path: Path, what: str, *, shared: bool, wait_seconds: float,
          busy: str) -> Iterator[None]:
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:  # a read-only folder or disk: say so, never a traceback
        raise StoreReadOnlyError(
            f"工作目录 {lock_path.parent} 无法写入（{exc.strerror or exc}），本次未做任何处理。"
            "请检查文件夹权限、磁盘是否只读或已满。") from exc
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fd, shared):
            if time.monotonic() >= deadline:
                raise HomeBusyError(busy.format(holder=read_holder(lock_path)))
            time.sleep(0.1)
        _write_holder(fd, what)
        _HELD.add(fd)
        try:
            yield
        finally:
            _HELD.discard(fd)
            _unlock(fd)
    finally:
        os.close(fd)


def _write_holder(fd: int, what: str) -> None:
    """Who holds the lock, for the message of whoever is refused (informative only)."""
    stamp = f"{what}，进程 {os.getpid()}，主机 {socket.gethostname()}，" + clock.now().strftime(
        "%Y-%m-%d %H:%M:%S 开始")
    data = stamp.encode("utf-8")[:HOLDER_BYTES].ljust(HOLDER_BYTES)
    with contextlib.suppress(OSError):
        if hasattr(os, "pwrite"):
            os.pwrite(fd, data, 0)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)


@contextlib.contextmanager
def home_lock(lock_path: Path, what: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the home's run lock, or raise HomeBusyError naming who holds it."""
    with _hold(lock_path, what, shared=False, wait_seconds=wait_seconds, busy=HOME_BUSY):
        yield


@contextlib.contextmanager
def store_lock(lock_path: Path, what: str, *, exclusive: bool = False, wait_seconds: float = 10.0,
               busy: str = STORE_BUSY) -> Iterator[None]:
    """Hold the store lock: shared for a command that writes, exclusive for `restore`.

    Waits up to `wait_seconds`, then raises HomeBusyError with `busy` (its `{holder}` names
    the holder, as far as the lock file says)."""
    with _hold(lock_path, what, shared=not exclusive, wait_seconds=wait_seconds, busy=busy):
        yield


def read_holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text or "另一个 hotline 任务"
