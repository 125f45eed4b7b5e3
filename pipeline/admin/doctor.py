"""`hotline doctor`: look the home over and say, for each thing, what to do."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pipeline import clock
from pipeline.documents.templates import check_templates
from pipeline.errors import HomeBusyError, HotlineError, StoreError, StoreReadOnlyError
from pipeline.home import Home
from pipeline.safety.backup import REPLACED, RESTORING, backup_list, backups, same_file, sqlite_path
from pipeline.safety.files import is_junk, sha256_file
from pipeline.safety.locking import home_lock
from pipeline.store.migrations import latest_version
from pipeline.store.upkeep import known_digests, probe_write

OK, WARN, FAIL = "✓", "！", "✗"


@dataclass
class Finding:
    mark: str
    topic: str
    text: str


@dataclass
class Checkup:
    findings: list[Finding] = field(default_factory=list)
    store_exit: int = 0  # the exit status of what is wrong with the database (4, 5, 6)

    def add(self, mark: str, topic: str, text: str) -> None:
        self.findings.append(Finding(mark, topic, text))

    @property
    def failed(self) -> bool:
        return any(f.mark == FAIL for f in self.findings)

    def text(self) -> str:
        return "\n".join(f"{f.mark} {f.topic}：{f.text}" for f in self.findings)


def examine(home: Home, today: date | None = None) -> Checkup:
    today = today or clock.today()
    report = Checkup()
    _folders(home, report)
    store_ok = _store(home, report)
    _beside_store(home, report)
    _backups(home, report, store_ok)
    if store_ok:
        _originals(home, report)
        _work_left(home, report, today)
    _inbox(home, report)
    _templates(home, report)
    _calendar(home, report, today)
    _disk(home, report)
    _lock(home, report)
    return report


def _folders(home: Home, report: Checkup) -> None:
    c = home.config
    missing = []
    for name, path in (("inbox", c.inbox), ("outbox", c.outbox), ("archive", c.archive),
                       ("failed", c.failed)):
        if not path.is_dir() or not os.access(path, os.W_OK):
            missing.append(f"{name}（{path}）")
    if missing:
        report.add(FAIL, "文件夹",
                   "无法写入：" + "、".join(missing) + "。请检查文件夹是否存在、权限是否正确。")
    else:
        report.add(OK, "文件夹", "收件箱、发件箱、归档、待处理文件夹都可写入。")
    leftovers = [p for p in c.staging.rglob("*") if p.is_file()] if c.staging.is_dir() else []
    if leftovers:
        report.add(WARN, "临时文件", f"有 {len(leftovers)} 个上次中断留下的临时文件（在 .staging），"
                                    "下次运行会自动清理，不影响使用。")


def _store(home: Home, report: Checkup) -> bool:
    live = sqlite_path(home.config.database_url)
    try:
        store = home.store(check=True)
    except StoreReadOnlyError as exc:
        report.add(FAIL, "数据库", str(exc))
        report.store_exit = exc.exit_code
        return False
    except HotlineError as exc:
        report.store_exit = exc.exit_code
        latest = backups(home.config.backups)
        hint = (f"最近的备份是 {latest[0]}（{_age(latest[0])}）。恢复方法：hotline restore "
                f"\"{latest[0]}\" --yes（原数据库另存备查），再运行 hotline doctor --repair 补读"
                "备份之后已归档的原件。" if latest else "没有找到备份，请联系技术人员。")
        missing = live is not None and not live.exists()
        report.add(FAIL, "数据库", str(exc) if missing else f"{exc} {hint}")
        return False
    with store.read() as conn:
        total = store.count_orders(conn)
        version = store.schema_version(conn)
    try:
        probe_write(store)
    except StoreError as exc:
        report.add(FAIL, "数据库", f"可以读取（共 {total} 张工单），但{exc}")
        report.store_exit = exc.exit_code
        return False
    where = live or home.config.database_url
    report.add(OK, "数据库", f"完好，可以写入（{where}），共 {total} 张工单，"
                           f"结构版本 {version}/{latest_version()}。")
    return True


def _beside_store(home: Home, report: Checkup) -> None:
    """Stores a restore kept aside, and what a restore killed half-way left."""
    live = sqlite_path(home.config.database_url)
    if live is None:
        return
    leftovers = [p.name for p in live.parent.glob(f"{live.name}{RESTORING}")]
    leftovers += [p.name for p in live.parent.glob(f"{live.name}{REPLACED}*") if same_file(p, live)]
    if leftovers:
        report.add(WARN, "恢复", f"上次恢复数据库时中断，留下了 {'、'.join(leftovers)}（数据库本身完整）。"
                               "运行 hotline doctor --repair 清理。")
    kept = sorted(p.name for p in live.parent.glob(f"{live.name}{REPLACED}*")
                  if not p.name.endswith(("-wal", "-shm")) and not same_file(p, live))
    if kept:
        report.add(WARN, "另存的数据库", f"{'、'.join(kept)} 是恢复备份时另存的原数据库，备查；"
                                       "确认恢复后的数据无误、不再需要时可以删除。")


def _originals(home: Home, report: Checkup) -> None:
    """archive/ against the store: originals filed away whose orders the store lacks."""
    unknown = unknown_originals(home)
    if unknown:
        report.add(FAIL, "归档原件", f"archive 中有 {len(unknown)} 个原件数据库里没有记录（如 "
                   f"{unknown[0].relative_to(home.config.archive).as_posix()}）：数据库可能恢复到了较早的"
                   "备份，或中断时丢失了最近的记录。运行 hotline doctor --repair 重新读入这些原件。")
    else:
        report.add(OK, "归档原件", "archive 中的原件都已在数据库中。")


def unknown_originals(home: Home) -> list[Path]:
    """Originals in archive/<date>/ whose content the store has no record of, oldest first."""
    known = known_digests(home.store())
    found = []
    for folder in sorted(home.config.archive.glob("????-??-??")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not is_junk(path) and sha256_file(path) not in known:
                found.append(path)
    return found


def _backups(home: Home, report: Checkup, store_ok: bool) -> None:
    if sqlite_path(home.config.database_url) is None:
        report.add(WARN, "备份", "使用数据库服务器，本软件不做备份，请由服务器管理员备份。")
        return
    found = backup_list(home.config.backups)
    if not found:
        report.add(WARN if store_ok else FAIL, "备份", "还没有备份：第一次运行 hotline run 时会自动备份。")
        return
    newest = found[0]
    made = newest.created.replace("T", " ") or _age(newest.path)
    age_days = (clock.timestamp() - newest.path.stat().st_mtime) / 86400
    text = f"共 {len(found)} 份，最近做的一份是 {newest.path.name}（{made}）。"
    mark = OK if age_days < 3 else WARN
    if mark == WARN:
        text += "已多日没有备份：是否没有每晚运行？"
    last_run = _last_run_start(home) if store_ok else ""
    if newest.created and last_run and newest.created[:10] < last_run[:10]:
        mark = WARN
        text += (f"它早于最近一次运行（{last_run.replace('T', ' ')}）：那次运行没能备份，"
                 "请查看那天的运行报告，检查 backups 文件夹和磁盘空间。")
    report.add(mark, "备份", text)


def _last_run_start(home: Home) -> str:
    store = home.store()
    with store.read() as conn:
        last = store.last_run(conn)
    return str(last["started_at"]) if last else ""


def _age(path: Path) -> str:
    days = (clock.timestamp() - path.stat().st_mtime) / 86400
    return "今天" if days < 1 else f"{int(days)} 天前"


def _work_left(home: Home, report: Checkup, today: date) -> None:
    store = home.store()
    with store.read() as conn:
        pending = store.pending_documents(conn)
        last_run = store.last_run(conn)
    if pending:
        report.add(WARN, "文书", f"{len(pending)} 份文书尚未生成（上次运行中断或模板出错），"
                               "运行 hotline run 即可补上；如仍不行，运行 hotline templates check。")
    if last_run is None:
        report.add(WARN, "运行", "还没有运行过 hotline run。")
        return
    started, status = last_run["started_at"], last_run["status"]
    last = datetime.fromisoformat(started).date()
    gap = (today - last).days
    mark = OK if gap <= 2 else WARN
    status = {"ok": "正常", "partial": "有文件被放在一边", "running": "未正常结束（被中断）"}.get(
        status, status)
    report.add(mark, "运行", f"最近一次运行 {started.replace('T', ' ')}，{status}。"
               + ("" if gap <= 2 else f"已 {gap} 天没有运行，请检查定时任务。"))


def _inbox(home: Home, report: Checkup) -> None:
    inbox = home.config.inbox
    stale = [p for p in inbox.iterdir() if p.is_file()
             and clock.timestamp() - p.stat().st_mtime > 86400 and p.name != "说明.txt"] \
        if inbox.is_dir() else []
    if stale:
        report.add(WARN, "收件箱", f"有 {len(stale)} 个文件放入已超过一天仍未处理"
                                  f"（如 {stale[0].name}），请运行 hotline run。")
    failed = home.config.failed
    recent = [p for p in failed.rglob("*.原因.txt") if clock.timestamp() - p.stat().st_mtime < 7 * 86400] \
        if failed.is_dir() else []
    if recent:
        report.add(WARN, "待处理文件", f"最近 7 天有 {len(recent)} 个文件被放在 failed 中，"
                                     "请按旁边的“原因”说明处理后重新放入收件箱。")


def _templates(home: Home, report: Checkup) -> None:
    problems = [r for r in check_templates(home.config.templates) if r.errors]
    if problems:
        names = "、".join(r.name for r in problems)
        report.add(FAIL, "模板", f"{names} 有错误，转送单或申请表将无法生成。"
                                 "请运行 hotline templates check 查看。")
    else:
        report.add(OK, "模板", "转送单和申请表模板可用。")


def _calendar(home: Home, report: Checkup, today: date) -> None:
    calendar = home.calendar
    horizon, _ = calendar.nth_workday_after(today, 30)
    # 信访 periods run 60 calendar days (90 with an extension): look that far too.
    far = max(horizon, date.fromordinal(today.toordinal() + 90))
    unknown = [y for y in range(today.year, far.year + 1) if not calendar.is_known(y)]
    if unknown:
        years = "、".join(map(str, unknown))
        report.add(WARN, "节假日安排", f"{years}年的国务院节假日安排尚未录入，涉及的期限为暂定。"
                                     f"公布后请运行 hotline calendar add {unknown[0]} --notice 通知.txt。")
    else:
        report.add(OK, "节假日安排", f"今后 30 个工作日（至 {horizon}）和信访期限所涉年份的安排都已具备。")


def _disk(home: Home, report: Checkup) -> None:
    free = shutil.disk_usage(home.path).free
    if free < 500 * 1024 * 1024:
        report.add(WARN, "磁盘", f"剩余空间只有 {free / 1024 / 1024:.0f} MB，请尽快清理。")
    else:
        report.add(OK, "磁盘", f"剩余空间 {free / 1024 / 1024 / 1024:.1f} GB。")


def _lock(home: Home, report: Checkup) -> None:
    try:
        with home_lock(home.config.lock_path, "hotline doctor"):
            pass
    except HomeBusyError as exc:
        report.add(WARN, "运行锁", str(exc))
