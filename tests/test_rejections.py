"""Files that cannot be read are set aside untouched with a reason; the rest is still taken.
Files with some bad rows: the good rows are taken, the file set aside with the bad rows named;
fixed and dropped again, the good rows change nothing."""

from __future__ import annotations

import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF, Hotline, drop
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas
from tests_support import valid_xlsx

from pipeline.demo.samples import LAYOUTS, _table, write_pdf, write_xlsx

DAY = AS_OF.isoformat()


def empty(folder: Path) -> Path:
    path = folder / "空文件.xlsx"
    path.write_bytes(b"")
    return path


def garbage_xlsx(folder: Path) -> Path:
    path = folder / "乱码.xlsx"
    path.write_bytes(random.Random(1).randbytes(3000))
    return path


def truncated_xlsx(folder: Path) -> Path:
    whole = valid_xlsx(folder / "whole.xlsx").read_bytes()
    path = folder / "下载中断.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    (folder / "whole.xlsx").unlink()
    return path


def encrypted_pdf(folder: Path) -> Path:
    path = folder / "加密.pdf"
    c = canvas.Canvas(str(path), encrypt=StandardEncryption("secret"))
    c.drawString(100, 700, "order")
    c.save()
    return path


def scanned_pdf(folder: Path) -> Path:
    path = folder / "扫描件.pdf"
    c = canvas.Canvas(str(path))
    c.rect(100, 100, 300, 300, fill=1)
    c.save()
    return path


def word_97(folder: Path) -> Path:
    path = folder / "通知.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    return path


def picture(folder: Path) -> Path:
    path = folder / "照片.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    return path


def no_order_column(folder: Path) -> Path:
    path = folder / "无编号.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["来电人", "转交日期", "来电内容"])
    wb.active.append(["李先生", "2026-11-20", "噪声"])
    wb.save(path)
    return path


def pdf_named_xlsx(folder: Path) -> Path:
    path = folder / "其实是PDF.xlsx"
    write_pdf(path, [])
    return path


def html_as_xls(folder: Path) -> Path:
    path = folder / "网页导出.xls"
    path.write_text("<html><body><table><tr><td>工单编号</td></tr></table></body></html>",
                    encoding="utf-8")
    return path


def encrypted_xlsx(folder: Path) -> Path:
    path = folder / "有密码.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    return path


def odd_docx(folder: Path) -> Path:
    path = folder / "会议纪要.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return path


UNREADABLE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty": (empty, "空的"),
    "garbage": (garbage_xlsx, "损坏"),
    "truncated": (truncated_xlsx, "损坏"),
    "encrypted pdf": (encrypted_pdf, "密码"),
    "scanned pdf": (scanned_pdf, "扫描件"),
    "word 97": (word_97, "不支持的文件类型"),
    "picture": (picture, "不支持的文件类型"),
    "no order column": (no_order_column, "工单编号"),
    "pdf named xlsx": (pdf_named_xlsx, "扩展名"),
    "html as xls": (html_as_xls, "网页格式"),
    "encrypted xlsx": (encrypted_xlsx, "密码"),
    "other docx": (odd_docx, "不是本街道的转送单"),
}


@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_unreadable_file_is_set_aside_and_others_taken(
    tmp_path: Path, seed_files: list[Path], kind: str
) -> None:
    make, words = UNREADABLE[kind]
    folder = tmp_path / "drop"
    folder.mkdir()
    bad = make(folder)
    original = bad.read_bytes()
    home = tmp_path / "home"
    drop(home, bad, *seed_files)
    hotline = Hotline(home)

    result = hotline.run()

    assert result.exit_code == 1, result.output
    aside = home / "failed" / DAY / bad.name
    assert aside.read_bytes() == original
    reason = (aside.parent / f"{bad.name}.原因.txt").read_text(encoding="utf-8-sig")
    assert bad.name in reason
    assert words in reason
    assert words in result.output
    assert len(hotline.orders()) == 3
    assert not [p for p in (home / "inbox").iterdir() if p.is_file()]


def bad_rows_file(folder: Path, *, fixed: bool) -> Path:
    from conftest import SEED_ORDERS  # noqa: PLC0415

    rows = _table(SEED_ORDERS, "seed", "iso", random.Random(0), extra=False)
    keys = list(LAYOUTS["seed"])
    if not fixed:
        rows[2][keys.index("dispatch_time")] = "2026-13-45"
        rows[3][keys.index("content")] = None
    path = folder / "部分有误.xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(path, rows, titles=1)
    return path


def test_partial_file_takes_good_rows_names_bad_ones_and_is_idempotent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    drop(home, bad_rows_file(tmp_path / "v1", fixed=False))

    first = hotline.run()

    assert first.exit_code == 1
    assert [o["order_no"] for o in hotline.orders()] == ["20261103000101"]
    reason = (home / "failed" / DAY / "部分有误.xlsx.原因.txt").read_text(encoding="utf-8-sig")
    assert "第4行“转交日期”日期“2026-13-45”不存在" in reason
    assert "第5行“来电内容”为空，此项必填" in reason
    assert "其余 1 张工单已经读入" in reason
    assert "已经读入的工单不会重复" in reason
    history = hotline.json("show", "20261103000101")["history"]

    drop(home, bad_rows_file(tmp_path / "v2", fixed=True))
    second = hotline.run()

    assert second.exit_code == 0, second.output
    assert len(hotline.orders()) == 3
    assert hotline.json("show", "20261103000101")["history"] == history
    docs = sorted(p.name for p in (home / "outbox").rglob("*.docx"))
    assert docs == ["20261103000101.docx", "20261104000102.docx", "20261106000103.docx"]


def test_resend_with_changed_fields_updates_and_reissues(tmp_path: Path, seed_files: list[Path]) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    drop(home, seed_files[0])
    hotline.run()
    wb = openpyxl.load_workbook(seed_files[0])
    ws = wb.active
    keys = list(LAYOUTS["seed"])
    ws.cell(row=2, column=keys.index("phone") + 1, value="13911112222")
    ws.cell(row=2, column=keys.index("content") + 1, value="来电人反映：夜间卸货噪声扰民，已持续一周。")
    changed = tmp_path / "resend" / "sample_export.xlsx"
    changed.parent.mkdir()
    wb.save(changed)
    drop(home, changed)

    result = hotline.run()

    assert result.exit_code == 0
    assert "更新 1 张" in result.output
    order = hotline.json("show", "20261103000101")
    assert order["phone"] == "13911112222"
    updates = [e for e in order["history"] if e["kind"] == "updated"]
    assert len(updates) == 1 and "联系电话" in updates[0]["summary"]
    assert "来电内容" in updates[0]["summary"]
    assert (home / "outbox" / DAY / "转送单" / "20261103000101-更新1.docx").exists()
    # the archive keeps both versions, neither overwritten
    kept = sorted(p.name for p in (home / "archive" / DAY).iterdir())
    assert kept == ["sample_export (2).xlsx", "sample_export.xlsx"]


def test_layout_only_content_difference_is_not_an_update(tmp_path: Path,
                                                         seed_files: list[Path]) -> None:
    home = tmp_path / "home"
    hotline = Hotline(home)
    drop(home, *seed_files)
    hotline.run()
    wb = openpyxl.load_workbook(seed_files[0])
    keys = list(LAYOUTS["seed"])
    cell = wb.active.cell(row=2, column=keys.index("content") + 1)
    cell.value = cell.value.replace("，", "，\n")
    again = tmp_path / "again" / "sample_export.xlsx"
    again.parent.mkdir()
    wb.save(again)
    drop(home, again)
    assert "更新 0 张" in hotline.run().output
