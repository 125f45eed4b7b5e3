"""The nightly batch end to end, through the CLI (issue: the spine)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import openpyxl
from conftest import AS_OF, Hotline, drop
from sqlalchemy import select, update

from pipeline.batch.summary import write_day_report
from pipeline.home import open_home
from pipeline.store import schema


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def workbook_values(path: Path) -> str:
    """A workbook's cell values (its zip bytes carry the time of writing)."""
    book = openpyxl.load_workbook(path)
    return repr([[list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets])


def snapshot(home: Path) -> dict[str, str]:
    """Every file a clerk can see (outbox, archive, failed, inbox) with its content."""
    out = {}
    for folder in ("inbox", "outbox", "archive", "failed"):
        for path in sorted((home / folder).rglob("*")):
            if path.is_file() and path.name != "运行报告.txt":
                key = path.relative_to(home).as_posix()
                out[key] = workbook_values(path) if key.startswith("outbox") and (
                    path.suffix == ".xlsx") else digest(path)
    return out


def test_seed_samples_run_end_to_end(home: Path, hotline: Hotline, seed_files: list[Path]) -> None:
    originals = {p.name: digest(p) for p in seed_files}
    drop(home, *seed_files)

    result = hotline.run()

    assert result.exit_code == 0, result.output
    orders = hotline.orders()
    assert [o["order_no"] for o in orders] == [
        "20261103000101", "20261104000102", "20261106000103"]
    day = home / "outbox" / AS_OF.isoformat()
    assert len(list(day.rglob("*.docx"))) >= 3
    assert list(day.glob("*.xlsx"))
    assert not any((home / "inbox").iterdir())
    archived = {p.name: digest(p) for p in (home / "archive").rglob("*") if p.is_file()}
    assert archived == originals
    assert "新工单 3 张" in result.output


def test_second_run_changes_nothing(home: Path, hotline: Hotline, seed_files: list[Path]) -> None:
    drop(home, *seed_files)
    assert hotline.run().exit_code == 0
    before_orders = hotline.orders()
    before_files = snapshot(home)
    history = hotline.json("show", "20261103000101", "--as-of", AS_OF.isoformat())["history"]

    again = hotline.run()

    assert again.exit_code == 0, again.output
    assert hotline.orders() == before_orders
    assert snapshot(home) == before_files
    assert hotline.json("show", "20261103000101")["history"] == history


def test_same_files_dropped_again_change_nothing(home: Path, hotline: Hotline,
                                                 seed_files: list[Path]) -> None:
    drop(home, *seed_files)
    hotline.run()
    before = hotline.orders()
    drop(home, *seed_files)

    result = hotline.run()

    assert result.exit_code == 0
    assert hotline.orders() == before
    assert "重复文件" in result.output
    assert not any((home / "inbox").iterdir())


def test_unreadable_file_is_set_aside_with_reason(home: Path, hotline: Hotline,
                                                  seed_files: list[Path], tmp_path: Path) -> None:
    broken = tmp_path / "损坏的导出.xlsx"
    broken.write_bytes(b"this is not a spreadsheet at all")
    drop(home, broken, *seed_files)

    result = hotline.run()

    assert result.exit_code == 1
    aside = home / "failed" / AS_OF.isoformat() / "损坏的导出.xlsx"
    assert aside.read_bytes() == b"this is not a spreadsheet at all"
    reason = (aside.parent / "损坏的导出.xlsx.原因.txt").read_text(encoding="utf-8-sig")
    assert "损坏的导出.xlsx" in reason and "无法" in reason
    assert len(hotline.orders()) == 3  # the other files were still taken in


def test_junk_and_unsettled_files_are_left_alone(home: Path, hotline: Hotline,
                                                 seed_files: list[Path]) -> None:
    drop(home, *seed_files)
    inbox = home / "inbox"
    for junk in ("~$sample_export.xlsx", "Thumbs.db", ".DS_Store", ".~lock.x.xlsx#"):
        (inbox / junk).write_bytes(b"junk")
    fresh = inbox / "still_copying.xlsx"
    fresh.write_bytes(b"PK\x03\x04 partial")
    stop = threading.Event()

    def keep_writing() -> None:  # a copy still under way while the run starts
        while not stop.is_set():
            with fresh.open("ab") as fh:
                fh.write(b"more")
            time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = hotline.run()
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    left = sorted(p.name for p in inbox.iterdir())
    assert left == sorted(["~$sample_export.xlsx", "Thumbs.db", ".DS_Store", ".~lock.x.xlsx#",
                           "still_copying.xlsx"])
    assert "仍在写入" in result.output


def test_run_report_is_saved_in_outbox(home: Path, hotline: Hotline, seed_files: list[Path]) -> None:
    drop(home, *seed_files)
    hotline.run()
    report = (home / "outbox" / AS_OF.isoformat() / "运行报告.txt").read_text(encoding="utf-8-sig")
    assert "sample_export.xlsx：已读入" in report
    assert "超时 3" in report
    assert "转送单 3 份（转送单/）" in report
    printing = (home / "outbox" / AS_OF.isoformat() / "打印清单.txt").read_text(encoding="utf-8-sig")
    assert "转送单/20261103000101.docx" in printing


def test_a_run_stored_by_an_earlier_version_still_reads(home: Path, hotline: Hotline,
                                                        seed_files: list[Path]) -> None:
    """Runs stored before the summary counted its documents kept their paths: the day's
    report still says how many."""
    drop(home, *seed_files)
    hotline.run()
    store = open_home(home).store()
    with store.begin() as conn:
        summary = json.loads(conn.execute(select(schema.runs.c.summary)).scalar_one())
        summary["documents"] = ["转送单/a.docx", "转送单/b.docx"]
        conn.execute(update(schema.runs).values(summary=json.dumps(summary, ensure_ascii=False)))
    store.close()
    write_day_report(open_home(home), AS_OF.isoformat())
    report = (home / "outbox" / AS_OF.isoformat() / "运行报告.txt").read_text(encoding="utf-8-sig")
    assert "转送单 2 份（转送单/）" in report


def test_home_is_set_up_on_first_use(home: Path, hotline: Hotline) -> None:
    result = hotline("list")
    assert result.exit_code == 0
    for folder in ("inbox", "outbox", "archive", "failed", "templates"):
        assert (home / folder).is_dir()
    config = (home / "hotline.toml").read_text(encoding="utf-8")
    assert "[database]" in config and "# " in config
    assert "没有工单" in result.output


def test_demo_makes_a_home_and_runs_it(tmp_path: Path) -> None:
    folder = tmp_path / "演示"
    result = Hotline(tmp_path / "unused")("demo", str(folder), "--orders", "12",
                                          "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert "新工单" in result.output and "模拟了最近一周多" in result.output
    day = folder / "outbox" / AS_OF.isoformat()
    assert len(list(folder.glob("outbox/*/转送单/*.docx"))) >= 12
    assert (day / f"工单台账-{AS_OF.isoformat()}.xlsx").exists()
    assert any((folder / "failed" / AS_OF.isoformat()).iterdir())  # the file with a bad row
    statuses = {o["status"] for o in Hotline(folder).orders()}
    assert {"办理中", "待分派"} <= statuses
