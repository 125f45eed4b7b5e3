"""A damaged store, a full disk, a folder that cannot be written, a workbook open in Excel:
the run says what happened, loses nothing, and the next run finishes the job."""

from __future__ import annotations

import errno
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, SCENARIO_NOW, Hotline, drop, shown

from pipeline.safety import files as fsutil

DAY = AS_OF.isoformat()


def corrupt(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for offset in range(4096, len(data), 512):  # every page after the first, scribbled on
        data[offset:offset + 64] = b"\xde\xad\xbe\xef" * 16
    db.write_bytes(bytes(data))


@pytest.mark.sqlite_file
def test_a_corrupted_database_is_refused_and_doctor_points_to_the_backup(
        home: Path, hotline: Hotline, seed_files: list[Path]) -> None:
    drop(home, seed_files[0])
    assert hotline.run().exit_code == 0
    backup = home / "backups" / f"hotline-{DAY}.db"
    assert backup.exists()
    corrupt(home / "hotline.db")
    waiting = drop(home, seed_files[1])[0]
    before = waiting.read_bytes()

    refused = hotline.run()

    assert refused.exit_code == 4
    assert "损坏" in refused.output or "无法打开数据库" in refused.output
    assert "hotline doctor" in refused.output
    assert waiting.exists() and waiting.read_bytes() == before  # nothing moved
    assert not (home / "outbox" / DAY / "运行报告.txt").read_text(encoding="utf-8-sig").count(
        "第 2 次运行")

    check = hotline("doctor")
    assert check.exit_code == 4
    assert str(backup) in check.output and "hotline restore" in check.output

    asked = hotline("restore", str(backup))
    assert asked.exit_code == 2 and "--yes" in asked.output  # nothing done without --yes
    assert "当前数据库无法读取" in asked.output
    restored = hotline("restore", str(backup), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "原数据库（已损坏）另存为 hotline.db.replaced-" in restored.output
    again = hotline.run()
    assert again.exit_code == 0, again.output
    assert len(hotline.orders()) == 3
    assert not waiting.exists()
    assert len(list(home.glob("hotline.db.replaced-*"))) == 1


@pytest.mark.sqlite_file
def test_backups_are_kept_in_the_order_they_were_made(home: Path, hotline: Hotline,
                                                       scenario_clock: Any) -> None:
    config = home / "hotline.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("keep = 14", "keep = 2"),
                      encoding="utf-8")
    for i in range(3):
        scenario_clock.move_to(SCENARIO_NOW + timedelta(days=i))
        assert hotline.run(AS_OF + timedelta(days=i)).exit_code == 0
        hotline.run(AS_OF + timedelta(days=i))  # a second run the same day: no new backup
    made = [f"hotline-{(AS_OF + timedelta(days=i)).isoformat()}.db" for i in range(3)]
    assert sorted(p.name for p in (home / "backups").glob("*.db")) == made[1:]

    # The PC's clock goes back two days, and the clerk looks far ahead with --as-of: the
    # backup made now is the newest, and it is kept (by the old code, named by date, it was
    # deleted at once).
    scenario_clock.move_to(SCENARIO_NOW - timedelta(days=2))
    assert hotline.run(AS_OF + timedelta(days=400)).exit_code == 0
    now_made = f"hotline-{(AS_OF - timedelta(days=2)).isoformat()}.db"
    assert sorted(p.name for p in (home / "backups").glob("*.db")) == sorted([made[2], now_made])
    report = hotline("doctor").output
    assert f"最近做的一份是 {now_made}" in report
def enospc(*_: Any, **__: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_writing_documents(home: Path, hotline: Hotline, seed_files: list[Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    drop(home, *seed_files)
    monkeypatch.setattr("pipeline.documents.queue.write_bytes_atomic", enospc)

    full = hotline.run()

    assert full.exit_code == 1
    assert "磁盘空间不足" in full.output
    assert len(hotline.orders()) == 3  # the orders are in
    assert not any((home / "inbox").iterdir())  # and the originals filed
    assert not list((home / "outbox").rglob("*.docx"))
    monkeypatch.undo()

    after = hotline.run()

    assert after.exit_code == 0, after.output
    assert len(list((home / "outbox" / DAY / "转送单").glob("*.docx"))) == 3


def test_a_full_disk_while_filing_an_original(home: Path, hotline: Hotline,
                                              seed_files: list[Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    drop(home, *seed_files)
    monkeypatch.setattr("pipeline.batch.inbox.file_away", enospc)

    full = hotline.run()

    assert full.exit_code == 1
    assert "文件留在收件箱，下次运行再处理" in full.output
    assert sorted(p.name for p in (home / "inbox").iterdir()) == sorted(p.name for p in seed_files)
    monkeypatch.undo()

    after = hotline.run()

    assert "上次运行已读入，本次补做归档" in after.output
    assert not any((home / "inbox").iterdir())
    numbers = [o["order_no"] for o in hotline.orders()]
    assert len(numbers) == len(set(numbers)) == 3


def test_an_outbox_that_cannot_be_written(home: Path, hotline: Hotline, seed_files: list[Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    drop(home, *seed_files)
    real = fsutil.write_with

    def refuse_outbox(target: Path, *args: Any, **kwargs: Any) -> Path:
        if "outbox" in target.parts:
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real(target, *args, **kwargs)

    monkeypatch.setattr("pipeline.safety.files.write_with", refuse_outbox)
    monkeypatch.setattr("pipeline.workbooks.common.write_with", refuse_outbox)

    result = hotline.run()

    assert result.exit_code == 1
    assert "没有写入权限" in result.output
    assert len(hotline.orders()) == 3


def test_a_ledger_open_in_excel_is_written_beside(home: Path, hotline: Hotline,
                                                  seed_files: list[Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    drop(home, *seed_files)
    hotline.run()
    ledger = home / "outbox" / DAY / f"工单台账-{DAY}.xlsx"
    real = fsutil.replace_file

    def locked(src: Path, dst: Path, **kwargs: Any) -> None:  # Windows: an open file stays
        if dst == ledger:
            raise PermissionError(errno.EACCES, "being used by another process", str(dst))
        real(src, dst, **kwargs)

    monkeypatch.setattr("pipeline.safety.files.replace_file", locked)

    result = hotline.run()

    assert result.exit_code == 0, result.output
    beside = ledger.with_name(f"工单台账-{DAY} (2).xlsx")
    assert beside.exists()
    assert "正被其他程序（如 Excel）打开" in result.output and beside.name in result.output


def test_missing_folders_are_made_again(home: Path, hotline: Hotline,
                                        seed_files: list[Path]) -> None:
    import shutil  # noqa: PLC0415

    drop(home, *seed_files)
    hotline.run()
    for folder in ("outbox", "archive", "failed"):
        shutil.rmtree(home / folder)
    drop(home, seed_files[0])
    result = hotline.run(AS_OF + timedelta(days=1))
    assert result.exit_code == 0
    assert (home / "outbox" / (AS_OF + timedelta(days=1)).isoformat()).is_dir()


def test_doctor_on_a_healthy_home(home: Path, hotline: Hotline, seed_files: list[Path]) -> None:
    drop(home, *seed_files)
    hotline.run()
    result = hotline("doctor")
    assert result.exit_code == 0, result.output
    for topic in ("文件夹", "数据库", "备份", "模板", "节假日安排", "磁盘"):
        assert shown(f"✓ {topic}") in result.output or f"！ {topic}" in result.output
    assert "共 3 张工单" in result.output
