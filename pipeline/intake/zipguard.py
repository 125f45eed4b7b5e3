"""Look inside an Office file (a zip) before any parser does: refuse zip bombs."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.config import Limits
from pipeline.errors import FileRejectedError

MAX_MEMBERS = 5000


def check_zip(path: Path, limits: Limits, what: str) -> zipfile.ZipFile:
    """Open `path` as a zip after checking its declared sizes; the caller closes it.

    zipfile never inflates a member past its declared size, so bounding the declared
    sizes bounds what any parser can be made to read.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejectedError(
            f"文件已损坏，无法作为{what}打开（{exc}）。请重新从区热线系统导出后再放入收件箱。"
        ) from exc
    try:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise FileRejectedError(f"文件内部结构异常（含 {len(infos)} 个部件），已拒收。")
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > limits.max_unzipped_bytes or total / packed > limits.max_zip_ratio:
            raise FileRejectedError(
                f"文件解压后将达 {total / 1024 / 1024:.0f} MB（压缩前 {packed / 1024:.0f} KB），"
                "疑似“压缩炸弹”或异常文件，已拒收。如确为正常的工单文件，请联系技术人员。"
            )
    except FileRejectedError:
        archive.close()
        raise
    return archive
