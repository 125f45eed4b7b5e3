"""受理 intake: which reader takes a file, and reading it.

Every file is claimed by exactly one reader, by its content and its name; a file no reader
claims, or two readers claim, is set aside with its reason, never guessed at.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake.base import FileInfo, Reader, ReadResult
from pipeline.intake.excel import OLE_MAGIC, ZIP_MAGIC, CsvReader, XlsReader, XlsxReader
from pipeline.intake.labels import Vocabulary
from pipeline.intake.pdf import PdfReader

# suffixes each reader accepts: a content/name mismatch is set aside, not guessed at
_SUFFIXES: dict[type, set[str]] = {
    XlsxReader: {".xlsx", ".xlsm", ".xls"},  # systems often name an .xlsx ".xls"
    XlsReader: {".xls"},
    CsvReader: {".csv", ".tsv"},
    PdfReader: {".pdf"},
}

SUPPORTED = "PDF（.pdf）、Excel（.xlsx、.xls）、CSV（.csv）、退回的转送单（.docx）和台账（.xlsx）"


def readers(vocab: Vocabulary | None = None) -> list[Reader]:
    """One of each reader; the district-export readers know `vocab` (the home's labels and
    values; the shipped ones when None)."""
    from pipeline.intake.ledger import LedgerReader  # noqa: PLC0415
    from pipeline.intake.returned import ReturnedFormReader  # noqa: PLC0415

    return [XlsxReader(vocab), XlsReader(vocab), CsvReader(vocab), PdfReader(vocab),
            ReturnedFormReader(), LedgerReader()]


def suffixes_of(reader: Reader) -> set[str]:
    return _SUFFIXES.get(type(reader), set(getattr(reader, "suffixes", ())))


def file_info(path: Path) -> FileInfo:
    with path.open("rb") as fh:
        head = fh.read(4096)
    members: frozenset[str] = frozenset()
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                members = frozenset(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            members = frozenset()
    return FileInfo(path=path, head=head, members=members)


def choose_reader(path: Path, limits: Limits, vocab: Vocabulary | None = None) -> Reader:
    """The one reader for `path`, or FileRejectedError saying why none can be used."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejectedError("文件是空的（0 字节），可能没有下载完整。请重新下载后再放入收件箱。")
    if size > limits.max_file_bytes:
        raise FileRejectedError(
            f"文件太大（{size / 1024 / 1024:.1f} MB，上限 {limits.max_file_bytes / 1024 / 1024:.0f} MB）。"
            "请确认文件无误；如确需处理，可在 hotline.toml 的 [limits] 中调大 max_file_mb。"
        )
    info = file_info(path)
    claims = [r for r in readers(vocab) if r.identify(info)]
    if len(claims) > 1:
        names = "、".join(r.name for r in claims)
        raise FileRejectedError(
            f"文件同时符合多种格式（{names}），无法确定如何读取，为免读错已放在一边。请联系技术人员。"
        )
    if not claims:
        raise FileRejectedError(_unclaimed_reason(info))
    reader = claims[0]
    if info.suffix not in suffixes_of(reader):
        raise FileRejectedError(
            f"文件扩展名是“{info.suffix or '（无）'}”，但内容是{reader.name}。"
            "请核实文件来源，改正扩展名后再放入收件箱。"
        )
    return reader


def _unclaimed_reason(info: FileInfo) -> str:
    if info.head.startswith(OLE_MAGIC) and info.suffix in {".xlsx", ".docx", ".xlsm"}:
        return "文件设置了打开密码（已加密），无法读取。请取消密码后另存，再放入收件箱。"
    if info.head.startswith(ZIP_MAGIC) and not info.members:
        return "文件已损坏（压缩结构不完整），无法打开。请重新下载或导出后再放入收件箱。"
    if info.suffix in {".xlsx", ".xls", ".xlsm"}:
        if info.head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
            return (
                "这个 Excel 文件实际上是网页格式（HTML/XML），无法直接读取。"
                "请用 Excel 或 WPS 打开，“另存为” .xlsx 后再放入收件箱。"
            )
        return "文件已损坏或不是 Excel 文件，无法打开。请用 Excel 打开确认，另存为 .xlsx 后再放入收件箱。"
    if info.suffix == ".pdf":
        return "文件已损坏或不是 PDF 文件，无法打开。请重新从区热线系统下载后再放入收件箱。"
    if info.suffix == ".docx":
        return "这个 Word 文件不是本街道的转送单，无法读取。退回的转送单请保持原有表格格式。"
    return f"不支持的文件类型（{info.suffix or '无扩展名'}）。收件箱只接受 {SUPPORTED}。"


def read_file(path: Path, limits: Limits, vocab: Vocabulary | None = None) -> ReadResult:
    """Read one inbox file with its reader; FileRejectedError if it cannot be read."""
    reader = choose_reader(path, limits, vocab)
    return reader.extract(path, limits)


__all__ = ["FileRejectedError", "ReadResult", "choose_reader", "read_file", "readers"]
