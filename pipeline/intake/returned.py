"""A 转送单 a department filled in and returned (承办单位处理情况, the 是否解决 tick, 经办人 and
phone): read back with python-docx into an update of its order."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake.base import FileInfo, OrderUpdate, Problem, ReadResult
from pipeline.intake.excel import FORM_MARKER, ZIP_MAGIC
from pipeline.intake.zipguard import check_zip
from pipeline.model import RESULTS
from pipeline.normalise import InvalidValueError, clean_text, normalise_order_no, parse_datetime

TICKS = "☑☒■√✓✔▣◼●⊠⬛🗹✅■xX×"
BOX = "□☐"
LABEL_END = "：:"


def _cells(document: Any) -> list[str]:
    """The text of every table cell once (python-docx repeats merged cells)."""
    out: list[str] = []
    for table in document.tables:
        for row in table.rows:
            seen: list[Any] = []
            for cell in row.cells:
                if any(cell._tc is s for s in seen):
                    continue
                seen.append(cell._tc)
                out.append(cell.text)
    return out


def form_fields(document: Any) -> dict[str, str]:
    """Label → text of a 转送单: label cells paired with the next cell, and 标签：内容 cells."""
    fields: dict[str, str] = {}
    cells = _cells(document)
    i = 0
    while i < len(cells):
        text = cells[i].strip()
        head, sep, rest = _split_label(text)
        if sep:
            fields[head] = rest.strip()
        elif text and i + 1 < len(cells) and not _split_label(cells[i + 1].strip())[1] and (
            text not in fields
        ):
            fields[text] = cells[i + 1].strip()
            i += 1
        i += 1
    return fields


def _split_label(text: str) -> tuple[str, str, str]:
    first_line, _, others = text.partition("\n")
    for mark in LABEL_END:
        head, sep, tail = first_line.partition(mark)
        if sep and 1 < len(head) <= 12 and "\n" not in head:
            rest = tail + ("\n" + others if others else "")
            return head.strip(), sep, rest
    return text, "", ""


def ticked(text: str, options: tuple[str, ...]) -> list[str]:
    """The options marked in a tick-box cell: a tick beside the word, or the only word left."""
    marked = []
    for option in options:
        for line in text.splitlines():
            if option not in line:
                continue
            around = line.replace(option, " ")
            if any(t in around for t in TICKS):
                marked.append(option)
                break
    if marked:
        return marked
    present = [o for o in options if o in text]
    if len(present) == 1 and not any(b in text for b in BOX):
        return present
    return []


_HANDLER = re.compile(r"经办人[：:\s]*([^\s，,；;。：:（(电]{1,12})")
_PHONE = re.compile(r"(?:联系)?电话[：:\s]*([0-9０-９()（）\-\s]{5,20})")


class ReturnedFormReader:
    """A returned 转送单 (.docx) carrying the form marker of our templates."""

    name: ClassVar[str] = "退回的转送单（.docx）"
    suffixes: ClassVar[tuple[str, ...]] = (".docx",)

    def identify(self, info: FileInfo) -> bool:
        return (
            info.head.startswith(ZIP_MAGIC)
            and "word/document.xml" in info.members
            and info.has_marker(FORM_MARKER)
            and "转送单".encode() in info.member("docProps/custom.xml")
        )

    def extract(self, path: Path, limits: Limits) -> ReadResult:
        import docx  # noqa: PLC0415

        check_zip(path, limits, "Word 文件").close()
        try:
            document = docx.Document(str(path))
        except Exception as exc:
            raise FileRejectedError(
                f"转送单无法打开（{type(exc).__name__}）。请用 Word 或 WPS 打开确认后另存为 .docx。"
            ) from exc
        return read_returned(form_fields(document))


def read_returned(fields: dict[str, str]) -> ReadResult:
    """The update a returned 转送单 asks for, or the problem with it."""
    result = ReadResult()
    where = "转送单"
    try:
        number = normalise_order_no(fields.get("工单编号", ""))
    except ValueError as exc:
        result.problems.append(Problem(where, "工单编号", f"{exc}"))
        return result
    if not number:
        result.problems.append(Problem(where, "工单编号", "为空，无法确定是哪张工单"))
        return result
    notes = clean_text(fields.get("承办单位处理情况", ""))
    feedback = clean_text(fields.get("办理情况反馈", ""))
    results = ticked(fields.get("是否解决", ""), RESULTS)
    replied = ticked(fields.get("一个工作日内答复市民", ""), ("是", "否"))
    if len(results) > 1:
        result.problems.append(Problem(where, "是否解决", f"勾选了多项（{'、'.join(results)}），"
                                       "请只勾选一项后重新放入收件箱"))
        return result
    if not notes and not results:
        result.problems.append(Problem(where, "承办单位处理情况",
                                       "没有填写处理情况，也没有勾选是否解决，请承办部门填写后再退回"))
        return result
    try:
        handled_at = _handled_at(fields.get("办结时间", ""))
    except InvalidValueError as exc:
        result.problems.append(Problem(where, "办结时间", f"“{fields['办结时间']}”{exc}，"
                                       "请写成 2026-11-20 15:30 这样后重新放入收件箱"))
        return result
    changes: dict[str, Any] = {"handling_notes": notes + (f"\n办理情况反馈：{feedback}" if feedback else "")}
    if handled_at is not None:
        changes["handled_at"] = handled_at
    if results:
        changes["result"] = results[0]
    if len(replied) == 1:
        changes["replied_within_day"] = replied[0] == "是"
    handler = _HANDLER.search(notes)
    phone = _PHONE.search(notes)
    if handler:
        changes["handler"] = handler.group(1)
    if phone:
        changes["handler_phone"] = phone.group(1)
    identity = {k: clean_text(fields.get(label, ""), multiline=False)
                for k, label in (("caller", "来电人"), ("phone", "联系电话"))}
    key = content_key_of(number, changes)
    result.updates.append(OrderUpdate(number, where, changes, identity=identity, key=key))
    return result


def content_key_of(number: str, changes: dict[str, Any]) -> str:
    """A returned form is known by what it reports: the same report re-saved or re-sent
    is the same input (applied once)."""
    text = json.dumps([number, changes], ensure_ascii=False, sort_keys=True, default=str)
    return "form:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _handled_at(text: str) -> datetime | None:
    """The 办结时间 the department wrote over the blanks (None when left blank)."""
    filled = re.sub(r"[＿_]|（承办单位填写）|\(承办单位填写\)", "", text)
    filled = " ".join(filled.split())
    if not re.search(r"\d", filled):
        return None
    moment = parse_datetime(filled)
    if moment is None:
        raise InvalidValueError("无法识别")
    return moment
