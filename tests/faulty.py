"""Real faults for the administration tests: a small disk (tmpfs), a file-size limit, a
read-only file (a read-only bind mount), the CLI in its own process (to be killed)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CONSOLE_ENCODING


def hotline(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
            fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    """`hotline --home HOME …` in a process of its own; `fsize` caps the size of any file it
    writes (RLIMIT_FSIZE: writes past it fail with EFBIG, as on a full disk)."""

    def limit() -> None:  # runs in the child, before Python starts
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--home", str(home), *args],
        check=False, capture_output=True, text=True, encoding=CONSOLE_ENCODING, errors="replace",
        timeout=timeout, env={**os.environ, "HOTLINE_SOFFICE": "", **(env or {})},
        preexec_fn=limit if fsize is not None else None,
    )


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], check=False, capture_output=True).returncode == 0


def _umount(target: Path) -> None:
    for _ in range(50):
        if subprocess.run(["umount", str(target)], check=False,
                          capture_output=True).returncode == 0:
            return
        time.sleep(0.1)  # a process of the test may still be closing its files
    # never leave a mount behind: detach it now, the kernel frees it when unused
    subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A real, small file system (tmpfs) at `folder`: writes past `size` fail with ENOSPC.
    Needs root (CI runs as root); skipped otherwise."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root on Linux")
    folder.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)):
        pytest.skip("mount -t tmpfs is not permitted here")
    try:
        yield folder
    finally:
        _umount(folder)


def grow(folder: Path, size: str) -> None:
    """Give the small disk more room (the clerk cleared some space)."""
    assert _mount("-o", f"remount,size={size}", str(folder))


def fill(folder: Path, leave_bytes: int) -> Path:
    """Fill a small disk, leaving about `leave_bytes` free."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    ballast = folder / "ballast.bin"
    with ballast.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))
    return ballast


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make one file read-only for real: a read-only bind mount over it (root), or its
    permission bits (anyone else)."""
    if sys.platform == "linux" and os.geteuid() == 0:
        if not (_mount("--bind", str(path), str(path))
                and _mount("-o", "remount,bind,ro", str(path))):
            _umount(path)
            pytest.skip("bind mounts are not permitted here")
        try:
            yield
        finally:
            _umount(path)
        return
    mode = path.stat().st_mode
    path.chmod(0o444)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("this user can write read-only files")
        yield
    finally:
        path.chmod(mode)


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):  # a zombie is dead for our purposes
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True
