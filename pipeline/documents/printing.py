"""One merged PDF of the day's new forms, for one-click printing, where LibreOffice is
installed (soffice converts, pypdf merges); skipped with a note where it is not."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.home import Home
from pipeline.safety.files import process_staging, write_with

SOFFICE_ENV = "HOTLINE_SOFFICE"  # a path to soffice, or empty to switch printing off
CONVERT_SECONDS = 600


def find_soffice() -> str | None:
    configured = os.environ.get(SOFFICE_ENV)
    if configured is not None:
        return configured or None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (r"C:\Program Files\LibreOffice\program\soffice.exe",
                      r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"):
        if Path(candidate).is_file():
            return candidate
    return None


def merged_pdf(home: Home, day: str, documents: list[str]) -> tuple[str, str]:
    """(outbox-relative path of the merged PDF or "", a note for the report)."""
    if not documents:
        return "", ""
    soffice = find_soffice()
    if soffice is None:
        return "", "未安装 LibreOffice，未生成合并打印的 PDF；请直接打印转送单文件夹中的文件。"
    out = home.config.outbox / day / f"今日打印-{day}.pdf"
    staging = home.config.staging
    scratch = process_staging(staging)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as work:
        pdfs = _convert(soffice, [home.config.outbox / d for d in documents], Path(work))
        if len(pdfs) != len(documents):
            return "", (f"LibreOffice 只转换了 {len(pdfs)}/{len(documents)} 份文书，"
                        "未生成合并打印的 PDF；请直接打印转送单文件夹中的文件。")
        write_with(out, staging, lambda tmp: _merge(pdfs, tmp), beside_if_locked=True)
    return out.relative_to(home.config.outbox).as_posix(), ""


def _convert(soffice: str, documents: list[Path], work: Path) -> list[Path]:
    # A private profile: a LibreOffice the clerk has open must not swallow the job.
    profile = (work / "profile").resolve().as_uri()
    outdir = work / "pdf"
    outdir.mkdir()
    # Copies under ASCII names: the order of the merged PDF is the order of `documents`.
    inputs = []
    for i, doc in enumerate(documents):
        copy = work / f"{i:05d}.docx"
        shutil.copyfile(doc, copy)
        inputs.append(copy)
    # Everything LibreOffice writes (its profile, its caches, its temporary copies of the
    # forms, which carry callers' names and phones) stays in this folder inside the home.
    private = str(work.resolve())
    env = {**os.environ, "HOME": private, "XDG_CONFIG_HOME": private, "XDG_CACHE_HOME": private,
           "TMPDIR": private, "TMP": private, "TEMP": private}
    try:
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(outdir), *map(str, inputs)],
            check=False, capture_output=True, timeout=CONVERT_SECONDS, env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [p for p in (outdir / f"{i.stem}.pdf" for i in inputs) if p.exists()]


def _merge(pdfs: list[Path], target: Path) -> None:
    from pypdf import PdfWriter  # noqa: PLC0415

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(str(pdf))
    with target.open("wb") as fh:
        writer.write(fh)
