"""`hotline doctor --repair`: put right what doctor finds and can put right by itself.

- originals in archive/ whose orders the store lacks (a restore to an older backup, a
  write-ahead log lost in a crash) are read again through the batch, where they lie;
- what a restore killed half-way left beside the database is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeline.admin.doctor import unknown_originals
from pipeline.batch.run import run_batch
from pipeline.batch.summary import summary_text
from pipeline.errors import EXIT_OK
from pipeline.home import Home
from pipeline.safety.backup import sqlite_path, tidy_restore_leftovers


@dataclass
class Repair:
    lines: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK


def repair(home: Home, as_of: date) -> Repair:
    """Tidy a half-done restore, then read again the archived originals the store lacks."""
    done = Repair()
    live = sqlite_path(home.config.database_url)
    if live is not None:
        with home.locked_for_writing("hotline doctor --repair"):  # never beside a restore
            removed = tidy_restore_leftovers(live)
        if removed:
            done.lines.append(f"已清理恢复中断留下的文件：{'、'.join(removed)}。")
    missing = unknown_originals(home)
    if not missing:
        done.lines.append("archive 中的原件都已在数据库中，无需重新读入。")
        return done
    done.lines.append(f"重新读入 archive 中数据库没有记录的 {len(missing)} 个原件（原件留在原处）：")
    summary, code = run_batch(home, as_of, reread=missing)
    done.lines.append(summary_text(summary.to_json()))
    done.exit_code = code
    return done
