"""`hotline restore`: put a backup back, in one atomic swap, after saying what will be lost.

Under the store lock held exclusive (every writing command holds it shared), so a restore
waits for what is writing, and nothing writes into the old file while it is swapped.
Refused: the live file itself, a backup that fails SQLite's integrity check, anything that
is not a hotline database. The replaced store stays beside the live one, named for what it
is (`hotline.db.replaced-<time>`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import HotlineError, StoreReadOnlyError
from pipeline.home import Home
from pipeline.safety.backup import (
    RESTORING,
    companions,
    same_file,
    sqlite_path,
    swap_in,
    tidy_restore_leftovers,
)
from pipeline.safety.files import describe_os_error
from pipeline.safety.locking import store_lock
from pipeline.store.upkeep import (
    LostEvent,
    LostFile,
    StoreFacts,
    events_missing_from,
    file_facts,
    files_missing_from,
    fold_wal,
    integrity_problem,
)

RESTORE_BUSY = ("现在不能恢复：有任务正在写入数据库（{holder}）。数据库未做任何改动；"
                "请等它结束后再运行 hotline restore。")
RESTORE_WAIT_SECONDS = 15.0

# What each kind of event is, in the clerk's words; the batch's own can be read again.
KIND_LABELS = {
    "received": "收件入库", "updated": "内容更新", "reminder": "催单", "assigned": "分派",
    "contacted": "先行联系", "handled": "办理", "progress": "办理情况", "visited": "回访",
    "reopened": "退回重办", "extended": "延期", "requested": "申请", "decided": "审批",
    "closed": "结案", "archived": "归档",
}
FROM_ORIGINALS = {"received", "updated", "reminder"}


@dataclass
class RestorePlan:
    backup: Path
    live: Path
    facts: StoreFacts  # the backup's
    live_problem: str | None = None  # why the current store cannot be read, if it cannot
    live_facts: StoreFacts | None = None
    lost: list[LostEvent] = field(default_factory=list)
    lost_files: list[LostFile] = field(default_factory=list)

    @property
    def live_healthy(self) -> bool:
        return self.live.exists() and self.live_problem is None

    def text(self) -> str:
        """What the restore will do and what will be lost, for the clerk to confirm."""
        lines = [f"备份 {self.backup.name}：{self.facts.orders} 张工单，最后一条记录 "
                 f"{self.facts.last_event.replace('T', ' ') or '（无）'}。"]
        if not self.live.exists():
            lines.append("当前没有数据库文件：恢复后即以备份为准。")
            return "\n".join(lines)
        if self.live_problem is not None or self.live_facts is None:
            lines.append(f"当前数据库无法读取（{self.live_problem}），无法列出恢复后会失去的记录。")
            return "\n".join(lines)
        lines.append(f"当前数据库：{self.live_facts.orders} 张工单，最后一条记录 "
                     f"{self.live_facts.last_event.replace('T', ' ') or '（无）'}。")
        lines += self._lost_lines()
        return "\n".join(lines)

    def _lost_lines(self) -> list[str]:
        if not self.lost:
            return ["当前数据库中没有备份之后的新记录：恢复不会失去任何登记。"]
        steps = [e for e in self.lost if e.kind not in FROM_ORIGINALS]
        lines = [f"恢复后将失去备份之后的 {len(self.lost)} 条记录："]
        tally = Counter((e.at[:10], KIND_LABELS.get(e.kind, e.kind)) for e in self.lost)
        for (day, label), count in sorted(tally.items()):
            numbers = sorted({e.order_no for e in self.lost
                              if e.at[:10] == day and KIND_LABELS.get(e.kind, e.kind) == label})
            shown = "、".join(numbers[:5]) + ("等" if len(numbers) > 5 else "")
            lines.append(f"  {day} {label} {count} 条（{shown}）")
        if self.lost_files:
            orders = sum(f.orders for f in self.lost_files)
            lines.append(f"其中收件入库、催单、内容更新来自 {len(self.lost_files)} 个已归档的文件"
                         f"（{orders} 张工单）：恢复后运行 hotline doctor --repair"
                         " 即可从 archive/ 重新读入。")
        if steps:
            lines.append(f"分派、联系、办理、回访等 {len(steps)} 条登记无法自动补回，恢复后请按上表重新登记"
                         "（原数据库另存备查，可请技术人员从中查找）。")
        return lines


@dataclass
class RestoreResult:
    aside: Path | None
    old_was_healthy: bool
    removed_leftovers: list[str]


def _refuse_live(live: Path, backup: Path) -> None:
    wal, shm = companions(live)
    own = (live, wal, shm, live.with_name(live.name + RESTORING))
    if any(backup == p or same_file(backup, p) for p in own):
        raise HotlineError(
            f"{backup} 就是正在使用的数据库文件（或它的附属文件），不能用它恢复自己。"
            "请给出 backups 文件夹中的一份备份，例如运行 hotline doctor 查看最近的备份。")


def plan_restore(home: Home, backup: Path) -> RestorePlan:
    """Check the backup and say what a restore would lose; refuse what cannot be used."""
    live = sqlite_path(home.config.database_url)
    if live is None:
        raise HotlineError("数据库在服务器上，请由服务器管理员用服务器的备份恢复。")
    backup = backup.resolve()
    _refuse_live(live, backup)
    problem = integrity_problem(backup)
    if problem is not None:
        raise HotlineError(f"备份文件 {backup} 本身无法使用（完整性检查未通过：{problem}），"
                           "数据库未做任何改动。请换一份较早的备份；hotline doctor 会列出最近的备份。")
    plan = RestorePlan(backup=backup, live=live, facts=file_facts(backup))
    if live.exists():
        plan.live_problem = integrity_problem_live(live)
        if plan.live_problem is None:
            try:
                plan.live_facts = file_facts(live)
                plan.lost = events_missing_from(live, backup)
                plan.lost_files = files_missing_from(live, backup)
            except sqlite3.Error as exc:
                plan.live_problem = str(exc)
    return plan


def integrity_problem_live(live: Path) -> str | None:
    """The live file's integrity, its write-ahead log folded in first when it can be."""
    fold_wal(live)
    return integrity_problem(live)


def restore(home: Home, backup: Path, *, confirmed: bool,
            show: Callable[[str], None]) -> RestoreResult | None:
    """Plan under the exclusive store lock, show the plan, and swap only when `confirmed`."""
    with store_lock(home.config.store_lock_path, "hotline restore", exclusive=True,
                    wait_seconds=RESTORE_WAIT_SECONDS, busy=RESTORE_BUSY):
        home.close()
        plan = plan_restore(home, backup)
        show(plan.text())
        if not confirmed:
            return None
        removed = tidy_restore_leftovers(plan.live)
        folded = plan.live.exists() and plan.live_healthy and fold_wal(plan.live)
        try:
            aside = swap_in(plan.live, plan.backup, wal_folded=folded, verify=integrity_problem)
        except ValueError as exc:
            raise HotlineError(f"备份的副本未通过完整性检查（{exc}），数据库未做任何改动。") from exc
        except OSError as exc:
            tidy_restore_leftovers(plan.live)
            raise StoreReadOnlyError(
                f"恢复未完成：{describe_os_error(exc)}。数据库仍是原来的，未做任何改动。") from exc
    return RestoreResult(aside=aside, old_was_healthy=plan.live_healthy, removed_leftovers=removed)
