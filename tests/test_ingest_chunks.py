"""Bounded memory without changed results: intake stores a file a chunk of orders at a time,
and a night stored in chunks of 3 orders gives exactly what one chunk gives. The memory itself
is measured by bench/run.py, never asserted here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import AS_OF, Hotline, drop

from pipeline.demo.samples import generate
from pipeline.store import ingest

pytestmark = pytest.mark.usefixtures("scenario_clock")


def night_in(home: Path, made: Path) -> Hotline:
    hotline = Hotline(home)
    drop(home, *sorted(made.iterdir()))
    assert hotline.run().exit_code in (0, 1)  # the generated night holds a bad row on purpose
    return hotline


def workbook_cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path)
    return {name: [tuple(c.value for c in row) for row in book[name].iter_rows()]
            for name in book.sheetnames}


def history(hotline: Hotline) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for order in hotline.orders():
        shown = hotline.json("show", order["order_no"])
        out[order["order_no"]] = [(e["kind"], e["summary"]) for e in shown["history"]]
    return out


def test_a_night_stored_in_small_chunks_is_the_same_night(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders, 催单 pointing at orders of earlier chunks, a re-sent order and a duplicate row:
    the same store, the same histories, the same 台账 and 督办日报 with chunks of 3."""
    made = generate(tmp_path / "made", orders=24, seed=7, as_of=AS_OF, pdf_share=0.1).files[0].parent
    whole = night_in(tmp_path / "whole", made)

    monkeypatch.setattr(ingest, "CHUNK", 3)
    pages = night_in(tmp_path / "pages", made)

    assert pages.orders() == whole.orders()
    told = history(whole)
    assert history(pages) == told
    # the night has what crosses pages: 催单 stored after the orders they point at
    assert sum(kind == "reminder" for events in told.values() for kind, _ in events) >= 2
    for name in (f"工单台账-{AS_OF}.xlsx", f"督办日报-{AS_OF}.xlsx"):
        assert workbook_cells(pages.home / "outbox" / AS_OF.isoformat() / name) == \
            workbook_cells(whole.home / "outbox" / AS_OF.isoformat() / name), name
