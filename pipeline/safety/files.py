"""File moves and writes that never leave a half-written file where a clerk looks.

Every output is written into the home's staging folder, flushed to disk, then renamed into
place: on one file system a rename is atomic on POSIX and Windows alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline import clock
from pipeline.errors import ConfigError
from pipeline.safety import faults
from pipeline.text import error_text, show_name

# Files that operating systems and office programs leave behind: never work orders.
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store", "说明.txt", "readme.txt"})
JUNK_PREFIXES = ("~$", ".~lock", "._", ".~")
PARTIAL_SUFFIXES = (".part", ".crdownload", ".tmp", ".download", ".partial")


def is_junk(path: Path) -> bool:
    """True for OS and office lock/thumbnail files and unfinished downloads."""
    name = path.name.lower()
    return (
        name in JUNK_NAMES
        or path.name.startswith(JUNK_PREFIXES)
        or name.endswith(PARTIAL_SUFFIXES)
        or name.startswith(".")
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def stable_files(paths: list[Path], settle_seconds: float) -> tuple[list[Path], list[Path]]:
    """Split files into (stable, still being written).

    A file untouched for `settle_seconds` is stable at once; younger files are looked at
    twice, `settle_seconds` apart, and taken only if neither size nor mtime moved.
    """
    now = clock.timestamp()  # file times are wall-clock times too
    stable: list[Path] = []
    young: dict[Path, tuple[int, int]] = {}
    for path in paths:
        sig = _signature(path)
        if sig is None:
            continue
        if now - sig[1] / 1e9 >= settle_seconds:
            stable.append(path)
        else:
            young[path] = sig
    busy: list[Path] = []
    if young:
        time.sleep(settle_seconds)
        for path, sig in young.items():
            (stable if _signature(path) == sig else busy).append(path)
    return sorted(stable), sorted(busy)


def fsync_dir(directory: Path) -> None:
    """Make a rename durable on POSIX; Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_with(
    target: Path, staging: Path, writer: Callable[[Path], None], *, beside_if_locked: bool = False,
    durable: bool = True,
) -> Path:
    """Let `writer` fill a temporary file in `staging`, then rename it to `target`.

    On any exception the temporary file is removed and `target` is left as it was. With
    `beside_if_locked`, a target that cannot be replaced (Windows keeps a workbook open in
    Excel locked) is left alone and the new file goes beside it as `名称 (2).xlsx`; the path
    actually written is returned. Without `durable` the caller promises to call `sync_all()`
    before it relies on the file (many small files, one flush).
    """
    mine = process_staging(staging)
    _ensure_dir(mine)
    fd, tmp_name = tempfile.mkstemp(prefix="out-", suffix=target.suffix, dir=mine)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        if durable or not hasattr(os, "sync"):
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
        _ensure_dir(target.parent)
        faults.checkpoint("before_rename")
        try:
            replace_file(tmp, target, durable=durable)
        except PermissionError:
            if not beside_if_locked:
                raise
            target = free_name(target.parent, target.name)
            replace_file(tmp, target)
        return target
    finally:
        if tmp.exists():
            tmp.unlink()


_MADE: set[Path] = set()


def _ensure_dir(directory: Path) -> None:
    """mkdir -p, remembered: ten thousand documents go into a handful of folders."""
    if directory in _MADE and directory.is_dir():
        return
    directory.mkdir(parents=True, exist_ok=True)
    _MADE.add(directory)


def write_bytes_atomic(target: Path, data: bytes, staging: Path, *, durable: bool = True) -> Path:
    return write_with(target, staging, lambda tmp: tmp.write_bytes(data), durable=durable)


def sync_all() -> None:
    """Flush everything written so far to disk (POSIX); on Windows each file was synced."""
    if hasattr(os, "sync"):
        os.sync()


def write_text_atomic(target: Path, text: str, staging: Path) -> Path:
    # utf-8-sig so that Notepad on an older Windows shows the Chinese right.
    return write_bytes_atomic(target, text.encode("utf-8-sig"), staging)


def replace_file(src: Path, dst: Path, *, durable: bool = True) -> None:
    """Atomic rename, falling back to copy-then-rename across file systems."""
    try:
        src.replace(dst)
    except OSError as exc:
        if getattr(exc, "errno", None) != 18:  # EXDEV: another device
            raise
        tmp = dst.with_name(f".{dst.name}.incoming")
        shutil.copy2(src, tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(dst)
        src.unlink()
    if durable:
        fsync_dir(dst.parent)


def free_name(directory: Path, name: str) -> Path:
    """`name` in `directory`, or `stem (2).ext`, `stem (3).ext`, … if taken."""
    candidate = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while candidate.exists():
        candidate = directory / f"{stem} ({n}){suffix}"
        n += 1
    return candidate


def file_away(src: Path, directory: Path, digest: str) -> Path:
    """Move an original into `directory`, byte-identical, never overwriting another file.

    If the same bytes already lie there under that name (a rerun after a kill), the inbox
    copy is simply removed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    existing = directory / src.name
    same_size = existing.exists() and existing.stat().st_size == src.stat().st_size
    if same_size and sha256_file(existing) == digest:
        src.unlink()
        return existing
    target = free_name(directory, src.name)
    replace_file(src, target)
    if os.name == "posix":
        # Originals carry callers' names and phones: owner only, like everything we write.
        target.chmod(0o600)
    return target


def process_staging(staging: Path) -> Path:
    """This process's own folder under the home's staging folder.

    Every process (a verb, the run, each of its workers) writes its temporary files into a
    folder of its own, so that a run starting beside a verb never removes the verb's
    half-written file, and what a killed process left is recognised as such."""
    return staging / f"p{os.getpid()}"


def _owner_alive(entry: Path) -> bool:
    """True when `entry` is the staging folder of another process that still runs."""
    name = entry.name
    if not (entry.is_dir() and name.startswith("p") and name[1:].isdigit()):
        return False
    pid = int(name[1:])
    if pid == os.getpid():
        return False
    if os.name != "posix":  # pragma: no cover - Windows: no cheap, safe liveness check
        try:
            return clock.timestamp() - entry.stat().st_mtime < 12 * 3600
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_staging(staging: Path) -> int:
    """Remove what killed processes left in the staging folder (half-written outputs,
    spooled workbook sheets, LibreOffice's scratch folders); return how many entries."""
    if not staging.is_dir():
        return 0
    count = 0
    for path in staging.iterdir():
        if _owner_alive(path):
            continue
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            count += 1
    return count


@contextlib.contextmanager
def temporary_files_in(staging: Path) -> Iterator[Path]:
    """Make Python's temporary files (openpyxl spools each sheet of a write-only workbook to
    one, with every cell's text) go to this process's staging folder inside the home while
    the block runs: a killed process leaves them there, removed on the next start, never in
    the system's temporary folder."""
    folder = process_staging(staging)
    _ensure_dir(folder)
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous


def rewrite_keeping_previous(target: Path, data: bytes, staging: Path,
                             previous_suffix: str = ".bak") -> Path:
    """Replace `target` atomically, the version it replaces kept as `<name>.bak`.

    Both steps are write-temp, fsync, rename: a full disk or a kill at any moment leaves
    `target` whole (old or new) and the `.bak` whole (older or old)."""
    if target.exists():
        old = target.read_bytes()
        write_bytes_atomic(target.with_name(target.name + previous_suffix), old, staging)
        faults.checkpoint("previous_kept")
    return write_bytes_atomic(target, data, staging)


def write_config_text(target: Path, text: str) -> Path:
    """Rewrite a configuration file (hotline.toml): the new text must parse, it replaces the
    old one atomically, and the old one is kept as `hotline.toml.bak`."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # never write what every command would refuse
        raise ConfigError(f"新的配置内容有误（{exc}），{target.name} 未改动。") from exc
    return rewrite_keeping_previous(target, text.encode("utf-8"), target.parent / ".staging")


def describe_os_error(exc: BaseException) -> str:
    """What went wrong with the disk, in the clerk's words; never the error's raw text (a
    database error's carries the statement's parameters: names, addresses, phones)."""
    errno_ = getattr(exc, "errno", None) or getattr(getattr(exc, "orig", None), "errno", None)
    text = str(getattr(exc, "orig", None) or exc)
    where = show_name(str(getattr(exc, "filename", "") or ""))
    if errno_ == 28 or "No space" in text or "disk is full" in text or "database or disk is full" in text:
        return "磁盘空间不足，请清理磁盘后再运行"
    if errno_ in (13, 1) or isinstance(exc, PermissionError):
        return f"没有写入权限（{where or error_text(exc)}），请检查文件夹权限或关闭正在打开的文件"
    if errno_ == 30:
        return "磁盘是只读的，无法写入"
    if errno_ == 27:  # EFBIG: a size limit of the system or a quota
        return "文件超过了系统允许的大小（磁盘配额或系统限制），无法写入"
    if errno_ == 2 or isinstance(exc, FileNotFoundError):
        return f"找不到文件或文件夹（{where or error_text(exc)}）"
    return error_text(exc)
