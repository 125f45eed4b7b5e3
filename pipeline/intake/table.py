"""Rows of cells → records, by label: the header row is found below any title rows, its
labels mapped through the synonyms of spec §2, extra columns ignored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.intake.labels import field_for_label
from pipeline.normalise import clean_text, normalise_order_no

HEADER_SEARCH_ROWS = 30
MIN_HEADER_FIELDS = 3


@dataclass
class Header:
    row_number: int
    columns: dict[str, list[int]]  # field → column indexes, first preferred


@dataclass
class RawRecord:
    row_number: int
    values: dict[str, Any]


class NoHeaderError(Exception):
    """No row of the sheet looks like the header of a work-order table."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def map_header(cells: Sequence[Any]) -> dict[str, list[int]]:
    """Field → columns for one candidate header row (labels split over two cells joined)."""
    columns: dict[str, list[int]] = {}
    skip = set()
    for i, cell in enumerate(cells):
        if i in skip or _blank(cell):
            continue
        key = field_for_label(cell)
        span = [i]
        if key is None and i + 1 < len(cells) and not _blank(cells[i + 1]):
            key = field_for_label(f"{clean_text(cell)}{clean_text(cells[i + 1])}")
            if key is not None:
                span = [i, i + 1]
                skip.add(i + 1)
        if key is not None and key not in columns:
            columns[key] = span
    return columns


def find_header(rows: Sequence[tuple[int, Sequence[Any]]]) -> Header:
    """The header among the first rows: the first naming ≥3 known fields incl. 工单编号."""
    best: tuple[int, dict[str, list[int]]] | None = None
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        columns = map_header(cells)
        if len(columns) >= MIN_HEADER_FIELDS and "order_no" in columns:
            return Header(number, columns)
        if len(columns) >= MIN_HEADER_FIELDS and (best is None or len(columns) > len(best[1])):
            best = (number, columns)
    if best is not None:
        raise NoHeaderError(
            f"第{best[0]}行像是表头，但没有“工单编号”列（也没有“工单号”“编号”等同义栏目）"
        )
    raise NoHeaderError("找不到表头：前30行中没有“工单编号”“来电内容”等栏目名称")


def _looks_like_order_no(value: Any) -> bool:
    try:
        return bool(normalise_order_no(value))
    except ValueError:
        return False


def records(
    rows: Iterable[tuple[int, Sequence[Any]]], header: Header
) -> Iterable[RawRecord]:
    """Data rows below the header as field → value; blank and note rows are skipped."""
    for number, cells in rows:
        if number <= header.row_number:
            continue
        values: dict[str, Any] = {}
        for key, span in header.columns.items():
            value = None
            for col in span:
                if col < len(cells) and not _blank(cells[col]):
                    value = cells[col]
                    break
            values[key] = value
        filled = {k: v for k, v in values.items() if not _blank(v)}
        if not filled:
            continue
        if all(field_for_label(v) == k for k, v in filled.items() if isinstance(v, str)) and (
            len(filled) >= MIN_HEADER_FIELDS
        ):
            continue  # the header repeated (a page break in the export)
        if len(filled) == 1 and not _looks_like_order_no(filled.get("order_no")):
            continue  # a note or total line such as "合计：3件"
        yield RawRecord(number, values)
