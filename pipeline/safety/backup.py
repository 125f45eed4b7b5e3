"""Backups of the store (SQLite's online backup API), kept in the order they were made, and
the file swap that puts one back.

The order of backups is written down in `backups/manifest.json` (a sequence number and the
moment each was made), never read from names or the clock: after the clock goes back, or a
run `--as-of` a day far ahead, the newest backup is still the one made last.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import clock
from pipeline.config import Config
from pipeline.safety import faults
from pipeline.safety.files import fsync_dir, write_bytes_atomic

PREFIX = "hotline-"
MANIFEST = "manifest.json"
RESTORING = ".restoring"  # the backup's copy, beside the live file, before the swap
REPLACED = ".replaced-"  # the store a restore replaced, kept beside the live file


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        return Path(url[len(prefix):])
    return None


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    sequence: int  # 0 for a backup the manifest does not know (made by an older version)
    created: str  # ISO moment it was made ("" if unknown)


def _manifest(folder: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(k): dict(v) for k, v in data.get("backups", {}).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _save_manifest(folder: Path, entries: dict[str, dict[str, object]], staging: Path) -> None:
    text = json.dumps({"backups": entries}, ensure_ascii=False, indent=1, sort_keys=True)
    write_bytes_atomic(folder / MANIFEST, text.encode("utf-8"), staging)


def backup_list(folder: Path) -> list[BackupInfo]:
    """Backups, the one made last first: by the manifest's sequence, then (for backups it
    does not know) by file time."""
    if not folder.is_dir():
        return []
    known = _manifest(folder)
    found = []
    for path in folder.glob(f"{PREFIX}*.db"):
        entry = known.get(path.name, {})
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        found.append((int(entry.get("sequence", 0) or 0), mtime,
                      BackupInfo(path, int(entry.get("sequence", 0) or 0),
                                 str(entry.get("created", "")))))
    found.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [info for _, _, info in found]


def backups(folder: Path) -> list[Path]:
    """Backups, the one made last first."""
    return [info.path for info in backup_list(folder)]


def backup_now(config: Config, name: str) -> Path:
    """Copy the live database, consistent even while it is in use, to backups/<name>.db,
    and record it in the manifest as the newest."""
    source = sqlite_path(config.database_url)
    if source is None:
        raise ValueError("not a SQLite store")
    folder = config.backups
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PREFIX}{name}.db"
    n = 2
    while target.exists():
        target = folder / f"{PREFIX}{name}-{n}.db"
        n += 1
    partial = target.with_suffix(".db.partial")
    try:
        with contextlib.closing(sqlite3.connect(str(source))) as src, \
                contextlib.closing(sqlite3.connect(str(partial))) as dst:
            src.backup(dst)
        with partial.open("rb+") as fh:
            os.fsync(fh.fileno())
        partial.replace(target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    entries = _manifest(folder)
    sequence = 1 + max((int(e.get("sequence", 0) or 0) for e in entries.values()), default=0)
    entries[target.name] = {"sequence": sequence, "created": clock.stamp()}
    _save_manifest(folder, entries, config.staging)
    return target


def daily_backup(config: Config) -> str:
    """Back up before the first run of a (real) day; keep the newest `backup.keep` by the
    order they were made. Returns "" or a note for the run report."""
    if sqlite_path(config.database_url) is None:
        return ""
    folder = config.backups
    newest = backup_list(folder)[:1]
    now = clock.stamp()
    today = now[:10]
    if newest and newest[0].created[:10] == today and newest[0].created <= now:
        return ""
    try:
        backup_now(config, today)
    except (OSError, sqlite3.Error) as exc:
        return f"数据库备份失败（{exc}），本次运行照常进行；请检查 backups 文件夹和磁盘空间。"
    _prune(config)
    return ""


def _prune(config: Config) -> None:
    folder = config.backups
    entries = _manifest(folder)
    for old in backup_list(folder)[max(1, config.backup_keep):]:
        with contextlib.suppress(OSError):
            old.path.unlink()
            entries.pop(old.path.name, None)
    with contextlib.suppress(OSError):
        _save_manifest(folder, entries, config.staging)


# -- restore: the file swap -------------------------------------------------------------------

def companions(live: Path) -> tuple[Path, Path]:
    """SQLite's write-ahead log and its index beside a database file."""
    return live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def tidy_restore_leftovers(live: Path) -> list[str]:
    """Remove what a restore killed half-way left: its copy of the backup, and a second name
    for the live file made just before the swap. Returns what was removed."""
    removed = []
    copy = live.with_name(live.name + RESTORING)
    if copy.exists():
        copy.unlink()
        removed.append(copy.name)
    for aside in live.parent.glob(f"{live.name}{REPLACED}*"):
        if not aside.name.endswith(("-wal", "-shm")) and same_file(aside, live):
            aside.unlink()  # only a second name for the live file: nothing is lost
            removed.append(aside.name)
    return removed


def _copy_durably(source: Path, target: Path) -> None:
    try:
        shutil.copyfile(source, target)
        with target.open("rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise


def _keep_aside(live: Path, aside: Path) -> None:
    """A second name for the live file (no space needed), or a copy where links fail."""
    try:
        os.link(live, aside)
    except OSError:
        _copy_durably(live, aside)


def swap_in(live: Path, backup: Path, *, wal_folded: bool,
            verify: Callable[[Path], str | None]) -> Path | None:
    """Put a copy of `backup` in place of `live` in one rename; the replaced store is kept
    as `<name>.replaced-<time>` and returned (None if there was no live file).

    At every moment `live` names a whole database, the old one or the new one: the backup
    is copied beside it and checked by `verify` first, the old file gets its second name by
    a hard link, and one rename swaps. `wal_folded` says the caller emptied the old file's
    write-ahead log; if not (a damaged store), the log is moved aside with the old file
    before the swap, so that it can never be replayed into the new one."""
    copy = live.with_name(live.name + RESTORING)
    _copy_durably(backup, copy)
    faults.checkpoint("restore_copied")
    problem = verify(copy)
    if problem is not None:
        copy.unlink()
        raise ValueError(problem)
    aside: Path | None = None
    wal, shm = companions(live)
    moved_wal: Path | None = None
    if live.exists():
        aside = live.with_name(f"{live.name}{REPLACED}{clock.now():%Y%m%d-%H%M%S}")
        _keep_aside(live, aside)
        faults.checkpoint("restore_aside")
        if wal.exists() and (not wal_folded or wal.stat().st_size):
            moved_wal = aside.with_name(aside.name + "-wal")
            wal.replace(moved_wal)
            faults.checkpoint("restore_wal_aside")
    try:
        copy.replace(live)
    except OSError:  # Windows: another program has the file open
        if moved_wal is not None:
            moved_wal.replace(wal)
        raise
    fsync_dir(live.parent)
    faults.checkpoint("restore_swapped")
    for extra in (wal, shm):
        with contextlib.suppress(FileNotFoundError):
            extra.unlink()
    return aside
