"""Administration that cannot lose the store: explicit homes, restore, config writes, the
store lock, the store's exit statuses, doctor's cross-checks and repairs."""

from __future__ import annotations

import os
import sqlite3
import time
import tomllib
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import AS_OF, CONSOLE_ENCODING, Hotline, drop

from pipeline.cli import main
from pipeline.safety.locking import store_lock

DAY = AS_OF.isoformat()
NEXT = (AS_OF + timedelta(days=1)).isoformat()


def counts(db: Path) -> tuple[int, int]:
    """(orders, events) of a database file, read directly."""
    with closing(sqlite3.connect(db)) as conn:
        return (conn.execute("SELECT count(*) FROM orders").fetchone()[0],
                conn.execute("SELECT count(*) FROM events").fetchone()[0])


# -- homes are explicit ----------------------------------------------------------------------

def test_a_folder_that_is_not_a_home_is_refused_and_left_alone(tmp_path: Path) -> None:
    typo = tmp_path / "hotlin"
    result = Hotline(typo, init=False)("run")
    assert result.exit_code == 2
    assert str(typo) in result.output and "hotline init" in result.output
    assert not typo.exists()  # nothing made where the clerk did not mean it

    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (("list",), ("doctor",), ("assign", "X1", "城管中队")):
        refused = Hotline(empty, init=False)(*args)
        assert refused.exit_code == 2, args
        assert "不是 hotline 工作目录" in refused.output
    assert list(empty.iterdir()) == []


def test_init_makes_a_home_once_and_keeps_what_is_there(tmp_path: Path) -> None:
    runner = CliRunner(charset=CONSOLE_ENCODING)
    target = tmp_path / "街道"
    made = runner.invoke(main, ["init", str(target)])
    assert made.exit_code == 0, made.output
    assert "已新建 hotline.toml、hotline.db" in made.output
    for name in ("inbox", "outbox", "archive", "failed", "templates"):
        assert (target / name).is_dir()
    config = target / "hotline.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("keep = 14", "keep = 3"),
                      encoding="utf-8")
    again = runner.invoke(main, ["--home", str(target), "init"])
    assert again.exit_code == 0 and "已是工作目录" in again.output
    assert "keep = 3" in config.read_text(encoding="utf-8")  # the clerk's edits kept
    assert Hotline(target, init=False)("list").exit_code == 0


def test_a_missing_database_is_never_started_again_empty(
        home: Path, hotline: Hotline, seed_files: list[Path], scenario_clock: Any) -> None:
    drop(home, seed_files[0])
    assert hotline.run(AS_OF).exit_code == 0
    scenario_clock.shift(timedelta(days=1))
    assert hotline.run(AS_OF + timedelta(days=1)).exit_code == 0  # a backup with 3 orders
    for name in ("hotline.db", "hotline.db-wal", "hotline.db-shm"):
        (home / name).unlink(missing_ok=True)

    refused = hotline.run()
    assert refused.exit_code == 4
    assert "不见了" in refused.output and "hotline restore" in refused.output
    assert not (home / "hotline.db").exists()
    check = hotline("doctor")
    assert check.exit_code == 4 and "不见了" in check.output
    assert hotline("init").exit_code == 4  # init will not paper over it either
    assert not (home / "hotline.db").exists()

    newest = home / "backups" / f"hotline-{NEXT}.db"
    assert hotline("restore", str(newest), "--yes").exit_code == 0
    assert len(hotline.orders()) == 3


# -- config writes --------------------------------------------------------------------------

def test_calendar_add_keeps_the_previous_config(home: Path, hotline: Hotline) -> None:
    config = home / "hotline.toml"
    before = config.read_text(encoding="utf-8")
    result = hotline("calendar", "add", "2027", "--holidays", "2027-01-01,2027-02-05..2027-02-11")
    assert result.exit_code == 0, result.output
    assert (home / "hotline.toml.bak").read_text(encoding="utf-8") == before
    assert tomllib.loads(config.read_text(encoding="utf-8"))["calendar"]["2027"]["holidays"]
    assert not [p for p in (home / ".staging").rglob("*") if p.is_file()]


# -- the store lock -------------------------------------------------------------------------

def test_restore_waits_for_a_writer_then_refuses_naming_it(
        home: Path, hotline: Hotline, seed_files: list[Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    drop(home, seed_files[0])
    hotline.run()
    backup = home / "backups" / f"hotline-{DAY}.db"
    monkeypatch.setattr("pipeline.admin.restore.RESTORE_WAIT_SECONDS", 0.5)
    before = (home / "hotline.db").stat().st_ino
    with store_lock(home / ".hotline.store.lock", "hotline assign"):
        refused = hotline("restore", str(backup), "--yes")
    assert refused.exit_code == 3
    assert "有任务正在写入数据库" in refused.output and "hotline assign" in refused.output
    assert (home / "hotline.db").stat().st_ino == before


# -- restore --------------------------------------------------------------------------------

@pytest.fixture
def worked(home: Path, hotline: Hotline, seed_files: list[Path], scenario_clock: Any) -> Path:
    """Two nights and a day's steps after the second night's backup."""
    drop(home, seed_files[0])
    assert hotline.run(AS_OF).exit_code == 0
    scenario_clock.shift(timedelta(days=1))
    assert hotline.run(AS_OF + timedelta(days=1)).exit_code == 0  # backup: 3 orders
    assert hotline("assign", "20261103000101", "20261104000102", "城管中队").exit_code == 0
    assert hotline("contact", "20261103000101").exit_code == 0
    return home / "backups" / f"hotline-{NEXT}.db"


def test_restore_lists_what_will_be_lost_and_asks_for_yes(home: Path, hotline: Hotline,
                                                          worked: Path) -> None:
    live = home / "hotline.db"
    before = counts(live)
    asked = hotline("restore", str(worked))
    assert asked.exit_code == 2
    assert "恢复后将失去备份之后的 3 条记录" in asked.output
    assert f"{NEXT} 分派 2 条（20261103000101、20261104000102）" in asked.output
    assert f"{NEXT} 先行联系 1 条（20261103000101）" in asked.output
    assert "--yes" in asked.output and "未做任何改动" in asked.output
    assert counts(live) == before

    done = hotline("restore", str(worked), "--yes")
    assert done.exit_code == 0, done.output
    assert "原数据库（完好）另存为 hotline.db.replaced-" in done.output
    assert "损坏" not in done.output
    kept = next(home.glob("hotline.db.replaced-*"))
    assert counts(kept) == before  # the replaced store, whole, beside
    assert counts(live) == counts(worked)
    assert hotline.json("show", "20261103000101")["department"] == ""
    report = hotline("doctor")
    assert "另存的数据库" in report.output and kept.name in report.output


def test_restore_refuses_the_live_file_and_a_damaged_backup(home: Path, hotline: Hotline,
                                                            worked: Path) -> None:
    live = home / "hotline.db"
    before = counts(live)
    for own in (live, home / "." / "hotline.db"):
        refused = hotline("restore", str(own), "--yes")
        assert refused.exit_code == 2
        assert "就是正在使用的数据库文件" in refused.output
    os.link(live, home / "copy-of-live.db")
    assert hotline("restore", str(home / "copy-of-live.db"), "--yes").exit_code == 2

    damaged = home / "damaged.db"
    data = bytearray(worked.read_bytes())
    for offset in range(4096, len(data), 512):
        data[offset:offset + 64] = b"\xde\xad\xbe\xef" * 16
    damaged.write_bytes(bytes(data))
    refused = hotline("restore", str(damaged), "--yes")
    assert refused.exit_code == 2 and "完整性检查未通过" in refused.output
    not_ours = home / "notes.db"
    sqlite3.connect(not_ours).execute("CREATE TABLE t(x)").connection.commit()
    assert hotline("restore", str(not_ours), "--yes").exit_code == 2
    assert counts(live) == before
    assert not list(home.glob("hotline.db.*"))


def test_archived_originals_the_store_lacks_are_found_and_read_again(
        home: Path, hotline: Hotline, worked: Path) -> None:
    # an older backup: before the first night, no orders at all
    oldest = home / "backups" / f"hotline-{DAY}.db"
    assert hotline("restore", str(oldest), "--yes").exit_code == 0
    check = hotline("doctor")
    assert check.exit_code == 2
    assert "archive 中有 1 个原件数据库里没有记录" in check.output
    assert "hotline doctor --repair" in check.output

    repaired = hotline("doctor", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "重新读入 archive 中数据库没有记录的 1 个原件" in repaired.output
    assert len(hotline.orders()) == 3
    assert "archive 中的原件都已在数据库中" in repaired.output
    filed = [p for p in (home / "archive").rglob("*") if p.is_file()]
    assert len(filed) == 1  # read where it lies, not filed a second time
    assert hotline("doctor", "--repair").output.count("无需重新读入") == 1


def test_doctor_says_when_the_last_run_made_no_backup(
        home: Path, hotline: Hotline, seed_files: list[Path], scenario_clock: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    drop(home, seed_files[0])
    assert hotline.run().exit_code == 0
    scenario_clock.shift(timedelta(days=1))

    def full(*_: Any, **__: Any) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.safety.backup.backup_now", full)
    assert hotline.run(AS_OF + timedelta(days=1)).exit_code == 1  # said in the report
    report = hotline("doctor").output
    assert f"它早于最近一次运行（{NEXT}" in report


# -- the store's exit statuses --------------------------------------------------------------

@pytest.mark.slow  # SQLite's own wait (15 s) comes first
def test_a_database_another_program_keeps_locked_exits_6(home: Path, hotline: Hotline,
                                                         seed_files: list[Path]) -> None:
    drop(home, seed_files[0])
    hotline.run()
    holder = sqlite3.connect(home / "hotline.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        began = time.monotonic()
        result = hotline("assign", "20261103000101", "城管中队")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 6, result.output
    assert "被另一个程序锁住" in result.output and "Traceback" not in result.output
    assert time.monotonic() - began < 60


def test_exit_statuses_are_documented() -> None:
    text = CliRunner().invoke(main, ["run", "--help"]).output
    for code, words in ((0, "全部读入"), (1, "放在一边"), (2, "用法"), (3, "另一个任务"),
                        (4, "损坏"), (5, "无法写入"), (6, "锁住")):
        assert f"{code} " in text and words in text
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "SuccessExitStatus=1" in readme and "hotline init" in readme
