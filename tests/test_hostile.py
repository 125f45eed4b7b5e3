"""Hostile and broken inputs: each is set aside with its reason, quickly, with memory
bounded; nothing else is disturbed."""

from __future__ import annotations

import io
import os
import struct
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF, SEED_ORDERS, Hotline, age, drop
from tests_support import valid_xlsx

from pipeline.demo.samples import write_pdf

DAY = AS_OF.isoformat()


def set_config(home: Path, old: str, new: str) -> None:
    Hotline(home)("list")  # writes the default hotline.toml
    path = home / "hotline.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def reason_of(home: Path, name: str) -> str:
    return (home / "failed" / DAY / f"{name}.原因.txt").read_text(encoding="utf-8-sig")


def lying_zip(path: Path, member_names: list[str], claimed: int) -> Path:
    """A tiny zip whose headers claim members of `claimed` bytes each."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in member_names:
            zf.writestr(name, b"<x/>")
    data = bytearray(buf.getvalue())
    # patch the uncompressed size in every local header (offset 22) and central entry (24)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            struct.pack_into("<I", data, start + offset, claimed)
            start += 4
    path.write_bytes(bytes(data))
    return path


XLSX_MEMBERS = ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]


# Hang guards: far above any loaded machine's time, far below the pauses they cut off.
HANG = 120


def test_a_1kb_xlsx_claiming_gigabytes_is_set_aside_fast(tmp_path: Path) -> None:
    bomb = lying_zip(tmp_path / "炸弹.xlsx", XLSX_MEMBERS, 0xFFF00000)
    assert bomb.stat().st_size < 1024
    home = tmp_path / "home"
    drop(home, bomb)
    tracemalloc.start()
    result = Hotline(home).run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.exit_code == 1
    assert "压缩炸弹" in reason_of(home, "炸弹.xlsx")
    assert peak < 64 * 1024 * 1024


def test_a_real_compression_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "真炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros: a few hundred KB on disk
                member.write(block)
    home = tmp_path / "home"
    drop(home, path)
    Hotline(home).run()
    assert "压缩炸弹" in reason_of(home, "真炸弹.xlsx")  # refused by its declared sizes


def test_a_docx_bomb_is_refused(tmp_path: Path) -> None:
    members = ["[Content_Types].xml", "word/document.xml", "docProps/custom.xml"]
    bomb = lying_zip(tmp_path / "回复.docx", members, 0xFFF00000)
    home = tmp_path / "home"
    drop(home, bomb)
    assert Hotline(home).run().exit_code == 1
    assert (home / "failed" / DAY / "回复.docx").exists()


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    home = tmp_path / "home"
    set_config(home, "max_file_mb = 50", "max_file_mb = 0.01")
    big = valid_xlsx(tmp_path / "大文件.xlsx")
    with zipfile.ZipFile(big, "a") as zf:
        zf.writestr("padding.bin", os.urandom(20000))
    drop(home, big)
    assert Hotline(home).run().exit_code == 1
    assert "文件太大" in reason_of(home, "大文件.xlsx")


def patched_sheet(tmp_path: Path, name: str, sheet_xml: bytes) -> Path:
    source = valid_xlsx(tmp_path / "base.xlsx")
    target = tmp_path / name
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            zout.writestr(item, data)
    source.unlink()
    return target


def test_billion_laughs_in_a_sheet(tmp_path: Path) -> None:
    entities = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">'
                       for i in range(1, 12))
    xml = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "ha">{entities}]>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l11;</t></is></c></row>'
           "</sheetData></worksheet>").encode()
    home = tmp_path / "home"
    drop(home, patched_sheet(tmp_path, "笑声.xlsx", xml))
    began = time.perf_counter()
    result = Hotline(home).run()
    assert time.perf_counter() - began < HANG  # a hang guard, not a speed claim
    assert result.exit_code == 1
    assert (home / "failed" / DAY / "笑声.xlsx").exists()


def test_deeply_nested_and_malformed_xml(tmp_path: Path) -> None:
    deep = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>" + "<row>" * 100000 + "</row>" * 100000 + "</sheetData></worksheet>")
    broken = b"<worksheet><sheetData><row><c r='A1'><v>1</v></row></worksheet"
    home = tmp_path / "home"
    drop(home, patched_sheet(tmp_path, "深.xlsx", deep.encode()),
         patched_sheet(tmp_path, "坏.xlsx", broken))
    result = Hotline(home).run()
    assert result.exit_code == 1
    for name in ("深.xlsx", "坏.xlsx"):
        assert (home / "failed" / DAY / name).exists()
        assert reason_of(home, name)


def test_a_pdf_that_takes_too_long_is_set_aside_and_others_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    set_config(home, "pdf_seconds = 120", "pdf_seconds = 1")
    folder = tmp_path / "in"
    folder.mkdir()
    write_pdf(folder / "慢.pdf", SEED_ORDERS[:1])
    write_pdf(folder / "快.pdf", SEED_ORDERS[1:])
    drop(home, folder / "慢.pdf", folder / "快.pdf")
    monkeypatch.setenv("HOTLINE_PAUSE_AT", "pdf_worker:慢.pdf:300")
    began = time.perf_counter()
    result = Hotline(home).run()
    assert time.perf_counter() - began < HANG  # the 300 s pause was cut off by the 1 s limit
    assert result.exit_code == 1
    assert "读取超时" in reason_of(home, "慢.pdf")
    listed = [o["order_no"] for o in Hotline(home).orders()]
    assert listed == ["20261104000102", "20261106000103"]


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32",
                    reason="symbolic links need privileges on Windows")
def test_a_symlink_to_outside_the_home_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xlsx"
    valid_xlsx(secret)
    before = secret.read_bytes()
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    os.symlink(secret, home / "inbox" / "链接.xlsx")
    result = Hotline(home).run()
    assert result.exit_code == 1
    assert "快捷方式" in reason_of(home, "链接.xlsx")
    assert (home / "failed" / DAY / "链接.xlsx").is_symlink()
    assert secret.read_bytes() == before
    assert Hotline(home).orders() == []


ODD_NAMES = ["工单 (1).xlsx", "-rf.xlsx", "😀表情.xlsx", "名" * 80 + ".xlsx", "a;b&c|d.xlsx",
             "..hidden-ish.xlsx"[2:], "CON.xlsx"]


def test_odd_file_names_are_read_and_filed_under_their_names(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    for i, name in enumerate(ODD_NAMES):
        wb = openpyxl.Workbook()
        wb.active.append(["工单编号", "转交日期", "来电内容"])
        wb.active.append([f"ODD{i:04d}", "2026-11-20 09:00", f"第{i}个"])
        path = home / "inbox" / name
        wb.save(path)
        age(path)
    result = Hotline(home).run()
    assert result.exit_code == 0, result.output
    archived = sorted(p.name for p in (home / "archive" / DAY).iterdir())
    assert archived == sorted(ODD_NAMES)
    assert len(Hotline(home).orders()) == len(ODD_NAMES)


def test_order_numbers_that_look_like_paths_or_devices(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "转交日期", "来电内容"])
    for number in ("../../etc/passwd", "..\\..\\windows", "/abs/path", "a/b", "COM1", "nul0"):
        ws.append([number, "2026-11-20 09:00", "内容"])
    path = home / "inbox" / "路径.xlsx"
    wb.save(path)
    age(path)
    result = Hotline(home).run()
    assert result.exit_code == 1
    reason = reason_of(home, "路径.xlsx")
    for row in (2, 3, 4, 5):
        assert f"第{row}行“工单编号”" in reason
    assert [o["order_no"] for o in Hotline(home).orders()] == ["COM1", "NUL0"]
    written = {p.name for p in (home / "outbox").rglob("*.docx")}
    assert written == {"工单COM1.docx", "NUL0.docx"}
    assert all(p.resolve().is_relative_to(home.resolve()) for p in home.rglob("*"))


def test_the_run_summary_masks_phone_numbers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.append(["工单编号", "转交日期", "来电内容", "联系电话"])
    wb.active.append(["GD0001", "", "内容", "13812345678"])
    path = home / "inbox" / "缺日期.xlsx"
    wb.save(path)
    age(path)
    result = Hotline(home).run()
    report = (home / "outbox" / DAY / "运行报告.txt").read_text(encoding="utf-8-sig")
    assert "13812345678" not in result.output and "13812345678" not in report


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_home_files_are_readable_by_the_owner_only(home: Path, hotline: Hotline,
                                                   seed_files: list[Path]) -> None:
    previous = os.umask(0o022)  # as a clerk's session would have it
    try:
        for path in drop(home, *seed_files):
            path.chmod(0o644)
        hotline.run()
        hotline("list")
    finally:
        os.umask(previous)
    for path in (home / "hotline.db", *(home / "outbox").rglob("*"), *(home / "archive").rglob("*")):
        mode = path.stat().st_mode & 0o777
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
