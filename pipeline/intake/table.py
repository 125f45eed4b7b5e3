"""Rows of cells → records, by label: the header row is found below any title rows, its
labels mapped through the vocabulary (labels.toml and the home's [labels]). A label that
means different things in different systems is settled by the values in its column. Every
column the normal form does not use is kept, verbatim and by its label, in the extras."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline.intake.labels import Vocabulary, normalise_label, shipped_vocabulary
from pipeline.model import INTAKE_FIELDS, REQUIRED_FIELDS
from pipeline.normalise import clean_text, normalise_order_no

HEADER_SEARCH_ROWS = 30
MIN_HEADER_FIELDS = 3


@dataclass
class Column:
    """One labelled column (or a label split over two cells) of a header."""

    span: list[int]
    label: str  # as written, cleaned
    candidates: tuple[str, ...]  # fields it may be (several for an ambiguous label)
    key: str | None = None  # the field settled on


@dataclass
class Header:
    row_number: int
    columns: dict[str, list[int]]  # intake field → column indexes, first preferred
    labelled: list[Column] = field(default_factory=list)  # every non-blank header cell
    kept: dict[str, list[Column]] = field(default_factory=dict)  # kept role → columns
    stand_in: str = ""  # the label standing in for a missing dispatch time ([intake])

    @property
    def used(self) -> set[int]:
        """Columns whose values fill an intake field (the rest go to the extras)."""
        out: set[int] = set()
        for col in self.labelled:
            if col.key in INTAKE_FIELDS and self.columns.get(col.key, [None])[0] == col.span[0]:
                out.update(col.span)
        return out

    def missing(self) -> list[str]:
        return [k for k in REQUIRED_FIELDS if k not in self.columns]


@dataclass
class RawRecord:
    row_number: int
    values: dict[str, Any]
    extras: dict[str, str] = field(default_factory=dict)  # label as written → text
    kept: dict[str, list[str]] = field(default_factory=dict)  # role → its columns' texts


class NoHeaderError(Exception):
    """No row of the sheet looks like the header of a work-order table."""

    def __init__(self, reason: str, best: Header | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.best = best


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def cell_text(value: Any) -> str:
    """A cell as text for the extras: what the export shows."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def _labels_of(cells: Sequence[Any], vocab: Vocabulary) -> list[Column]:
    """Each non-blank cell's label and what it may be; a label split over two cells joined."""
    present = {normalise_label(c) for c in cells if not _blank(c)}
    out: list[Column] = []
    skip: set[int] = set()
    for i, cell in enumerate(cells):
        if i in skip or _blank(cell):
            continue
        label = clean_text(cell, multiline=False)
        found = vocab.candidates(label)
        span = [i]
        if not found and i + 1 < len(cells) and not _blank(cells[i + 1]):
            joined = f"{label}{clean_text(cells[i + 1], multiline=False)}"
            if vocab.candidates(joined):
                found, span, label = vocab.candidates(joined), [i, i + 1], joined
                skip.add(i + 1)
        if not found:
            found = _without_prefix(label, present, vocab)
        out.append(Column(span, label, found))
    return out


def _without_prefix(label: str, present: set[str], vocab: Vocabulary) -> tuple[str, ...]:
    """12345工单来源 → 工单来源, unless the same header also has the shorter label."""
    norm = normalise_label(label)
    for prefix in vocab.strip_prefixes:
        short = norm[len(prefix):]
        if norm.startswith(prefix) and short and short not in present:
            return vocab.candidates(short)
    return ()


def map_header(cells: Sequence[Any], vocab: Vocabulary | None = None) -> dict[str, list[int]]:
    """Field → columns for one candidate header row (ambiguous labels as their first reading)."""
    return _header(0, cells, vocab or shipped_vocabulary()).columns


def _header(number: int, cells: Sequence[Any], vocab: Vocabulary) -> Header:
    labelled = _labels_of(cells, vocab)
    for col in labelled:
        col.key = col.candidates[0] if col.candidates else None
    return _assign(Header(number, {}, labelled), vocab)


def _assign(header: Header, vocab: Vocabulary) -> Header:
    """Each field's columns, best label first (the rest are fall-backs, and extras)."""
    header.columns, header.kept = {}, {}
    chosen = sorted((c for c in header.labelled if c.key), key=lambda c: vocab.rank(c.label))
    for col in chosen:
        assert col.key is not None
        if col.key in INTAKE_FIELDS:
            header.columns.setdefault(col.key, []).extend(col.span)
        else:
            header.kept.setdefault(col.key, []).append(col)
    return header


def find_header(rows: Sequence[tuple[int, Sequence[Any]]],
                vocab: Vocabulary | None = None) -> Header:
    """The header among the first rows: the first naming ≥3 known columns incl. 工单编号,
    its ambiguous labels settled by the values below it."""
    vocab = vocab or shipped_vocabulary()
    best: Header | None = None
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        header = _header(number, cells, vocab)
        known = sum(1 for c in header.labelled if c.candidates)
        if known >= MIN_HEADER_FIELDS and "order_no" in header.columns:
            return settle(header, rows, vocab)
        if known >= MIN_HEADER_FIELDS and (
                best is None or known > sum(1 for c in best.labelled if c.candidates)):
            best = header
    if best is not None:
        raise NoHeaderError(
            f"第{best.row_number}行像是表头，但没有“工单编号”列（也没有“工单号”“编号”等同义栏目）", best)
    raise NoHeaderError("找不到表头：前30行中没有“工单编号”“来电内容”等栏目名称")


def settle(header: Header, rows: Sequence[tuple[int, Sequence[Any]]],
           vocab: Vocabulary) -> Header:
    """Decide each ambiguous label by its column's values: the first reading whose value
    table knows every value, and that no plainly named column already holds."""
    plain = {c.key for c in header.labelled if len(c.candidates) == 1}
    for col in header.labelled:
        if len(col.candidates) < 2:
            continue
        values = [cells[i] for number, cells in rows if number > header.row_number
                  for i in col.span[:1] if i < len(cells) and not _blank(cells[i])]
        free = [k for k in col.candidates if k not in plain] or list(col.candidates)
        col.key = next((k for k in free if vocab.fits(k, values)), free[0])
    _assign(header, vocab)
    return _stand_in(header, vocab)


def _stand_in(header: Header, vocab: Vocabulary) -> Header:
    """No dispatch column: the column the home named in [intake] dispatch_from, if present."""
    if "dispatch_time" in header.columns or not vocab.dispatch_from:
        return header
    for wanted in vocab.dispatch_from:
        for col in header.labelled:
            if normalise_label(col.label) == wanted:
                header.columns["dispatch_time"] = list(col.span)
                header.stand_in = col.label
                return header
    return header


def _looks_like_order_no(value: Any) -> bool:
    try:
        return bool(normalise_order_no(value))
    except ValueError:
        return False


def _repeats_header(filled: dict[str, Any], vocab: Vocabulary) -> bool:
    return len(filled) >= MIN_HEADER_FIELDS and all(
        vocab.field_for(v) == k for k, v in filled.items() if isinstance(v, str))


def _first(cells: Sequence[Any], columns: list[int]) -> Any:
    for col in columns:
        if col < len(cells) and not _blank(cells[col]):
            return cells[col]
    return None


def records(
    rows: Iterable[tuple[int, Sequence[Any]]], header: Header, vocab: Vocabulary | None = None,
) -> Iterable[RawRecord]:
    """Data rows below the header as field → value, with the other columns as extras;
    blank rows, note rows and the header repeated are skipped."""
    vocab = vocab or shipped_vocabulary()
    used = header.used
    extra_columns = _extra_columns(header, used)
    for number, cells in rows:
        if number <= header.row_number:
            continue
        values = {key: _first(cells, span) for key, span in header.columns.items()}
        filled = {k: v for k, v in values.items() if not _blank(v)}
        if not filled or _repeats_header(filled, vocab):
            continue
        if len(filled) == 1 and not _looks_like_order_no(filled.get("order_no")):
            continue  # a note or total line such as "合计：3件"
        extras = {name: cell_text(cells[i]) if i < len(cells) else "" for name, i in extra_columns}
        kept = {role: [cell_text(_first(cells, c.span)) for c in cols]
                for role, cols in header.kept.items()}
        yield RawRecord(number, values, extras, kept)


def _extra_columns(header: Header, used: set[int]) -> list[tuple[str, int]]:
    """(name, column) of every labelled column outside the normal form, in header order;
    a label written twice gets its place added (标签（2）)."""
    out: list[tuple[str, int]] = []
    names: set[str] = set()
    for col in header.labelled:
        if col.span[0] in used:
            continue
        name, n = col.label, 1
        while name in names:
            n += 1
            name = f"{col.label}（{n}）"
        names.add(name)
        out.append((name, col.span[0]))
    return out
