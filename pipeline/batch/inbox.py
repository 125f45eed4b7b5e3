"""The inbox as the batch sees it: which files are ready, and where each original goes.

Originals leave the inbox only after their orders are committed: to `archive/<date>/` when
read, to `failed/<date>/` with a reason file beside them when not, byte-identical both ways.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline import clock
from pipeline.config import Config
from pipeline.intake.base import Problem, ReadResult
from pipeline.safety import faults
from pipeline.safety.files import (
    file_away,
    free_name,
    is_junk,
    stable_files,
    write_text_atomic,
)
from pipeline.text import mask_numbers


@dataclass
class FileOutcome:
    """What became of one inbox file, for the report."""

    name: str
    status: str  # archived | partial | failed | duplicate
    orders: int = 0
    reason: str = ""
    problems: list[Problem] = field(default_factory=list)
    filed_to: str = ""  # relative to the home


@dataclass
class InboxFile:
    """One stable inbox file on its way through the batch."""

    path: Path
    digest: str
    result: ReadResult | None = None
    rejected: str = ""
    duplicate_of: str = ""
    duplicate_office: str = ""  # the other street office that read it (a shared store)
    stored: bool = False  # stored and filed (or left in the inbox after a failure)

    @property
    def saved_at(self) -> datetime | None:
        """When the file was last saved (its modification time), to the second."""
        try:
            return datetime.fromtimestamp(self.path.stat().st_mtime).replace(microsecond=0)
        except OSError:
            return None

    @property
    def has_reminders(self) -> bool:
        return bool(self.result and any(o.is_reminder for o in self.result.orders))


@dataclass
class Collected:
    files: list[Path] = field(default_factory=list)  # stable, ready to read
    busy: list[str] = field(default_factory=list)  # still being written: next run
    ignored: list[str] = field(default_factory=list)  # folders, with what to do
    set_aside: list[FileOutcome] = field(default_factory=list)  # links, moved to failed/


class Inbox:
    """The inbox and the folders its originals are filed into, for one run date."""

    def __init__(self, config: Config, day: str) -> None:
        self.config = config
        self.day = day

    def collect(self) -> Collected:
        """The stable, non-junk files at the top of the inbox."""
        collected = Collected()
        candidates: list[Path] = []
        for entry in sorted(self.config.inbox.iterdir()):
            if entry.is_symlink():
                collected.set_aside.append(self._set_aside_link(entry))
            elif entry.is_dir():
                collected.ignored.append(f"{entry.name}（文件夹：请把其中的文件直接放在收件箱里）")
            elif is_junk(entry):
                continue
            elif entry.is_file():
                candidates.append(entry)
        stable, busy = stable_files(candidates, self.config.settle_seconds)
        collected.files = stable
        collected.busy = [p.name for p in busy]
        return collected

    def file(self, item: InboxFile, status: str, where: str, *, reason: str = "",
             orders: int = 0, problems: list[Problem] | None = None,
             result: str = "") -> FileOutcome:
        """Move the original to archive/<date>/ or failed/<date>/ (with its reason file)."""
        problems = problems or []
        if item.path.is_relative_to(self.config.archive):  # read again (doctor --repair)
            return FileOutcome(name=item.path.name, status=status, orders=orders, reason=reason,
                               problems=problems, filed_to=self._relative(item.path))
        folder = (self.config.archive if where == "archive" else self.config.failed) / self.day
        folder.mkdir(parents=True, exist_ok=True)
        if where == "failed":
            target = free_name(folder, item.path.name)
            text = reason_text(item.path.name, reason, problems, orders, self.day, result)
            write_text_atomic(target.with_name(target.name + ".原因.txt"), text,
                              self.config.staging)
        faults.checkpoint("filing")
        filed = file_away(item.path, folder, item.digest)
        return FileOutcome(name=item.path.name, status=status, orders=orders, reason=reason,
                           problems=problems, filed_to=self._relative(filed))

    def _set_aside_link(self, link: Path) -> FileOutcome:
        folder = self.config.failed / self.day
        folder.mkdir(parents=True, exist_ok=True)
        target = free_name(folder, link.name)
        reason = ("这是一个快捷方式（符号链接），指向收件箱以外的位置，为安全起见不读取。"
                  "请把文件本身复制到收件箱。")
        write_text_atomic(target.with_name(target.name + ".原因.txt"),
                          reason_text(link.name, reason, [], 0, self.day), self.config.staging)
        link.rename(target)  # moves the link itself, never what it points at
        return FileOutcome(link.name, "failed", reason=reason, filed_to=self._relative(target))

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.config.home).as_posix()
        except ValueError:
            return str(path)


def reason_text(name: str, reason: str, problems: list[Problem], orders: int, day: str,
                result: str = "") -> str:
    """The reason file a clerk finds beside a set-aside original (`result`: its 结果 line
    when that is not "could not be read")."""
    lines = [
        f"文件：{name}",
        f"处理日期：{day}",
        "",
    ]
    if problems:
        lines += [
            f"结果：文件中有 {len(problems)} 处问题；其余 {orders} 张工单已经读入。",
            "",
            "问题：",
            *[f"  {i}. {p.text()}" for i, p in enumerate(problems, 1)],
            "",
            "怎么办：在原文件中改正上面列出的行，把整个文件重新放入收件箱即可。",
            "已经读入的工单不会重复，也不会被改动。",
        ]
    else:
        lines += [
            result or "结果：这个文件无法读取，其中的工单都没有读入。",
            "",
            f"原因：{reason}",
        ]
    lines += ["", "原文件原样保存在本文件旁边，未作任何改动。"]
    return "\n".join(lines) + "\n"


def log_internal_error(path: Path, exc: BaseException, home: Path) -> str:
    """Record a reader's bug in logs/errors.log (numbers masked); the clerk's reason."""
    log = home / "logs"
    log.mkdir(exist_ok=True)
    with (log / "errors.log").open("a", encoding="utf-8") as fh:
        fh.write(f"--- {clock.now():%Y-%m-%d %H:%M:%S} {path.name}\n")
        fh.write(mask_numbers("".join(traceback.format_exception(exc))))
    return (f"读取时发生程序内部错误（{type(exc).__name__}），文件未读入。"
            "详细信息已记入 logs/errors.log，请联系技术人员。")
