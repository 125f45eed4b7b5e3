"""PDF printouts of electronic work orders: label–value text or a ruled Annex 2 table, one
or more orders per file, content running on across pages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake.base import FileInfo, ReadResult, field_problems
from pipeline.intake.labels import (
    Vocabulary,
    label_data,
    normalise_label,
    other_labels,
    page_lines,
    shipped_vocabulary,
)
from pipeline.intake.record import normalise_record
from pipeline.normalise import clean_text

OTHER = "__other__"


@dataclass
class Token:
    key: str | None  # a field key, OTHER for a label we do not read, None for more text
    text: str
    page: int


@lru_cache(maxsize=8)
def _label_regex(labels: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so 联系电话 wins over 电话; spaces between characters tolerated.
    parts = [r"\s*".join(map(re.escape, lab)) for lab in sorted(set(labels), key=len, reverse=True)]
    return re.compile(r"(?P<label>" + "|".join(parts) + r")\s*[:：]")


class Labels:
    """A printout's labels: the intake fields' (from the vocabulary) and the form's others."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or shipped_vocabulary()
        known = {*self.vocab.core_labels, *label_data()["other"]["labels"]}
        self.regex = _label_regex(tuple(sorted(known)))

    def key_of(self, label: str) -> str | None:
        key = self.vocab.core_field(label)
        if key is not None:
            return key
        return OTHER if normalise_label(label) in other_labels() else None


def _is_page_furniture(line: str) -> bool:
    label = normalise_label(line)
    return (
        label in page_lines()
        or re.fullmatch(r"(第\d+页(共\d+页)?|共\d+页第\d+页|-?\d+-?|\d+/\d+|page\d+(of\d+)?)",
                        label, flags=re.IGNORECASE) is not None
    )


@dataclass
class LineState:
    """Carried from page to page: the fields of the current order and the open field."""

    seen: set[str] = field(default_factory=set)
    current: str | None = None


def tokens_from_lines(lines: Iterable[str], page: int, state: LineState,
                      labels: Labels | None = None) -> Iterator[Token]:
    """Label–value tokens from text lines."""
    labels = labels or Labels()
    regex, key_of = labels.regex, labels.key_of
    seen = state.seen
    for raw in lines:
        current = state.current
        line = raw.strip()
        if not line or _is_page_furniture(line):
            continue
        matches = list(regex.finditer(line))
        if current == "content":
            # Inside the citizen's words only a fresh label at the start of a line counts.
            m = matches[0] if matches and matches[0].start() == 0 else None
            key = key_of(m.group("label")) if m else None
            if m is None or (key not in (OTHER, "order_no") and key in seen):
                yield Token(None, line, page)
                continue
            matches = matches[:1] + [x for x in matches[1:] if key_of(x.group("label")) != key]
        if not matches:
            yield Token(None, line, page)
            continue
        if matches[0].start() > 0:
            yield Token(None, line[: matches[0].start()], page)
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            key = key_of(m.group("label"))
            state.current = key
            if key not in (None, OTHER):
                if key in seen:
                    seen.clear()
                seen.add(key)
            yield Token(key, line[m.end() : end].strip(), page)


def tokens_from_table(rows: list[list[str | None]], page: int,
                      labels: Labels | None = None) -> Iterator[Token]:
    """Tokens from a ruled table: a label cell followed by its value cell, or 标签：值 in one."""
    labels = labels or Labels()
    regex, key_of = labels.regex, labels.key_of
    for row in rows:
        cells = [c for c in row if c is not None]
        i = 0
        while i < len(cells):
            text = cells[i].strip()
            key = key_of(text) if text else None
            joined = None
            if key is None and i + 1 < len(cells) and text:
                joined = key_of(text + cells[i + 1].strip())  # a label split over two cells
            if key is None and joined is not None:
                key, i = joined, i + 1
            if key is not None and i + 1 < len(cells) and key_of(cells[i + 1].strip()) is None:
                yield Token(key, _join_lines(cells[i + 1].splitlines()), page)
                i += 2
                continue
            if key is not None:
                yield Token(key, "", page)
                i += 1
                continue
            m = regex.match(text)
            if m is not None:
                value = text[m.end() :]
                yield Token(key_of(m.group("label")), _join_lines(value.splitlines()), page)
            elif text and not _is_page_furniture(text):
                yield Token(None, _join_lines(text.splitlines()), page)
            i += 1


def _join_lines(lines: Iterable[str]) -> str:
    """Join a printout's layout line breaks. Chinese printouts wrap anywhere, inside numbers
    too ("第1" / "7点"), so nothing is put between the pieces."""
    return "".join(x.strip() for x in lines)


@dataclass
class _Draft:
    page: int
    values: dict[str, list[str]] = field(default_factory=dict)


def assemble(tokens: Iterable[Token]) -> list[_Draft]:
    """Group tokens into orders: a field seen twice starts the next order."""
    drafts: list[_Draft] = []
    current: _Draft | None = None
    key: str | None = None
    for token in tokens:
        if token.key == OTHER:
            key = OTHER
            continue
        if token.key is None:
            if current is not None and key not in (None, OTHER) and token.text:
                current.values[key].append(token.text)
            continue
        if current is None or token.key in current.values:
            current = _Draft(token.page)
            drafts.append(current)
        key = token.key
        current.values[key] = [token.text] if token.text else []
    return drafts


def _draft_record(draft: _Draft) -> dict[str, Any]:
    return {k: _join_lines(v) if v else None for k, v in draft.values.items()}


class PdfReader:
    """PDF with a text layer (pdfplumber)."""

    name: ClassVar[str] = "PDF 电子工单"

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or shipped_vocabulary()

    def identify(self, info: FileInfo) -> bool:
        return info.head.startswith(b"%PDF") or (
            info.suffix == ".pdf" and b"%PDF" in info.head[:1024]
        )

    def extract(self, path: Path, limits: Limits) -> ReadResult:
        pages = read_pdf_pages(path, limits)
        return parse_pages(pages, path.name, self.vocab)


@dataclass
class PageContent:
    number: int
    text: str
    tables: list[list[list[str | None]]]


def read_pdf_pages(path: Path, limits: Limits, first: int = 0,
                   last: int | None = None) -> list[PageContent]:
    """Text (and, on ruled pages, tables) of pages [first, last); unreadable PDFs rejected.

    The text comes from the fast extractor of `pdftext` (pdfplumber's text, exactly, at a
    fraction of the cost); a page drawn as a ruled form is read with pdfplumber, whose
    table finder keeps its cells apart.
    """
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager  # noqa: PLC0415
    from pdfminer.pdfpage import PDFPage  # noqa: PLC0415

    from pipeline.intake.pdftext import RULINGS_FOR_TABLE, CharCollector, page_text  # noqa: PLC0415

    out: list[PageContent] = []
    with path.open("rb") as fh:
        document = _open_document(fh)
        count = page_count(document)
        if count > limits.pdf_max_pages:
            raise FileRejectedError(
                f"PDF 有 {count} 页，超过上限 {limits.pdf_max_pages} 页。请分成几个文件，"
                "或在 hotline.toml 的 [limits] 中调大 pdf_max_pages。"
            )
        resources = PDFResourceManager(caching=True)
        device = CharCollector(resources)
        interpreter = PDFPageInterpreter(resources, device)
        tables = _TablePages(path)
        try:
            for index, page in enumerate(PDFPage.create_pages(document)):
                if index < first:
                    continue
                if last is not None and index >= last:
                    break
                try:
                    interpreter.process_page(page)
                    if device.rulings >= RULINGS_FOR_TABLE:
                        out.append(tables.page(index))
                    else:
                        out.append(PageContent(index + 1, page_text(device.chars), []))
                except FileRejectedError:
                    raise
                except Exception as exc:
                    raise FileRejectedError(
                        f"PDF 第{index + 1}页无法读取（{type(exc).__name__}）。"
                        "请重新从区热线系统下载后再放入收件箱。"
                    ) from exc
        finally:
            tables.close()
    return out


def _open_document(fh: Any) -> Any:
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect  # noqa: PLC0415
    from pdfminer.pdfparser import PDFParser  # noqa: PLC0415

    try:
        return PDFDocument(PDFParser(fh))
    except PDFPasswordIncorrect as exc:
        raise FileRejectedError(_ENCRYPTED) from exc
    except Exception as exc:
        if "password" in repr(exc).lower() or "encrypt" in repr(exc).lower():
            raise FileRejectedError(_ENCRYPTED) from exc
        raise FileRejectedError(
            f"PDF 文件已损坏，无法打开（{type(exc).__name__}）。请重新从区热线系统下载后再放入收件箱。"
        ) from exc


def page_count(document: Any) -> int:
    from pdfminer.pdftypes import resolve1  # noqa: PLC0415

    try:
        pages = resolve1(document.catalog["Pages"])
        return int(resolve1(pages.get("Count", 0)))
    except Exception:  # a damaged page tree: let the interpreter find out
        return 0


def pdf_page_count(path: Path) -> int:
    """How many pages a PDF says it has (0 if it cannot tell)."""
    with path.open("rb") as fh:
        try:
            return page_count(_open_document(fh))
        except FileRejectedError:
            return 0


class _TablePages:
    """pdfplumber, opened once per file and only if a page is a ruled form."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pdf: Any = None

    def page(self, index: int) -> PageContent:
        import pdfplumber  # noqa: PLC0415

        if self.pdf is None:
            self.pdf = pdfplumber.open(self.path)
        page = self.pdf.pages[index]
        tables = [t.extract() for t in page.find_tables()]
        return PageContent(index + 1, page.extract_text() or "", tables)

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()


_ENCRYPTED = "PDF 文件设置了打开密码，无法读取。请向区热线办索取未加密的文件，或取消密码后再放入收件箱。"


def parse_pages(pages: list[PageContent], source: str,
                vocab: Vocabulary | None = None) -> ReadResult:
    """Orders from the pages' text and tables, in page order."""
    labels = Labels(vocab)
    if not any(p.text.strip() for p in pages):
        raise FileRejectedError(
            "PDF 中没有可读取的文字（可能是扫描件或图片）。请向区热线办索取电子版工单，"
            "或由人工录入。"
        )
    if any("(cid:" in p.text for p in pages):
        raise FileRejectedError(
            "PDF 使用了无法识别的字体编码，文字读出来是乱码。请向区热线办索取 Excel 导出文件。"
        )

    def all_tokens() -> Iterator[Token]:
        state = LineState()
        for page in pages:
            labelled = [t for t in page.tables if _table_has_labels(t, labels)]
            if labelled:
                for table in labelled:
                    yield from tokens_from_table(table, page.number, labels)
            else:
                yield from tokens_from_lines(page.text.splitlines(), page.number, state, labels)

    drafts = assemble(all_tokens())
    drafts = [d for d in drafts if any(k != OTHER for k in d.values)]
    if not any("order_no" in d.values for d in drafts):
        raise FileRejectedError(
            "PDF 中没有找到“工单编号”。请确认这是区热线系统打印的电子工单。"
        )
    result = ReadResult(pages=len(pages))
    for draft in drafts:
        where = f"第{draft.page}页"
        record = _draft_record(draft)
        order, problems = normalise_record(record, source=source, location=where,
                                           vocab=labels.vocab)
        if order is not None:
            result.orders.append(order)
        result.problems.extend(field_problems(where, problems))
    return result


def _table_has_labels(table: list[list[str | None]], known: Labels) -> bool:
    labels = 0
    for row in table:
        for cell in row:
            if cell and known.key_of(clean_text(cell).split("：")[0].split(":")[0]) not in (None, OTHER):
                labels += 1
    return labels >= 3


