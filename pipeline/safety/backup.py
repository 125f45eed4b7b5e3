"""Daily backups of the store with SQLite's online backup API; the last N kept."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from pipeline import clock
from pipeline.config import Config

PREFIX = "hotline-"


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        return Path(url[len(prefix):])
    return None


def backups(folder: Path) -> list[Path]:
    """Backups, newest first."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{PREFIX}*.db"), reverse=True)


def backup_now(config: Config, name: str) -> Path:
    """Copy the live database, consistent even while it is in use, to backups/<name>.db."""
    source = sqlite_path(config.database_url)
    if source is None:
        raise ValueError("not a SQLite store")
    folder = config.backups
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PREFIX}{name}.db"
    partial = target.with_suffix(".db.partial")
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(partial))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    return target


def daily_backup(config: Config, day: str) -> str:
    """Back up before the first run of a day; keep the newest `backup.keep`. "" or a note."""
    if sqlite_path(config.database_url) is None:
        return ""
    folder = config.backups
    if (folder / f"{PREFIX}{day}.db").exists():
        return ""
    try:
        backup_now(config, day)
    except (OSError, sqlite3.Error) as exc:
        return f"数据库备份失败（{exc}），本次运行照常进行；请检查 backups 文件夹和磁盘空间。"
    for old in backups(folder)[max(1, config.backup_keep):]:
        with contextlib.suppress(OSError):
            old.unlink()
    return ""


def restore(config: Config, backup: Path) -> Path:
    """Put a backup in place of the live database; the damaged one is kept aside."""
    live = sqlite_path(config.database_url)
    if live is None:
        raise ValueError("not a SQLite store")
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    aside = live.with_name(f"{live.name}.damaged-{stamp}")
    if live.exists():
        live.replace(aside)
    for extra in ("-wal", "-shm"):
        companion = live.with_name(live.name + extra)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + extra))
    copy = live.with_name(live.name + ".restoring")
    copy.write_bytes(backup.read_bytes())
    copy.replace(live)
    return aside
