"""The fast PDF text is pdfplumber's text, page for page, on every kind of sample printout;
long PDFs are read in parts on both cores with the same result."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from conftest import SEED_ORDERS

from pipeline.config import Limits
from pipeline.demo.samples import OrderMaker, generate, write_pdf, write_pdf_table
from pipeline.intake import read_file
from pipeline.intake.pdf import PdfReader, parse_pages, read_pdf_pages
from pipeline.intake.workers import ReadWorkers

AS_OF = date(2026, 11, 27)


def sample_pdfs(folder: Path) -> list[Path]:
    made = generate(folder / "made", orders=40, seed=17, as_of=AS_OF, pdf_share=0.3)
    pdfs = [p for p in made.files if p.suffix == ".pdf"]
    hostile = folder / "hostile.pdf"
    orders = [o for o in made.orders.values()][:3]
    orders[0].content = "Latin words wrap here and there, 100弄 & <b> “引号” {{ x }} 😀 tab\tend"
    write_pdf(hostile, orders)
    return [*pdfs, hostile]


def test_fast_text_is_pdfplumbers_text(tmp_path: Path) -> None:
    checked = 0
    for pdf in sample_pdfs(tmp_path):
        ours = read_pdf_pages(pdf, Limits())
        with pdfplumber.open(pdf) as opened:
            for page, theirs in zip(ours, opened.pages, strict=True):
                assert page.text == (theirs.extract_text() or ""), (pdf.name, page.number)
                checked += 1
    assert checked >= 12


def test_ruled_pages_are_read_as_tables(tmp_path: Path) -> None:
    path = tmp_path / "转送单.pdf"
    write_pdf_table(path, SEED_ORDERS)
    pages = read_pdf_pages(path, Limits())
    assert all(p.tables for p in pages)
    assert [o.order_no for o in parse_pages(pages, path.name).orders] == [
        o.order_no for o in SEED_ORDERS]


def test_a_long_pdf_read_in_parts_gives_the_same_orders(tmp_path: Path) -> None:
    maker = OrderMaker(5, AS_OF)
    orders = [maker.order() for _ in range(90)]
    path = tmp_path / "长.pdf"
    write_pdf(path, orders)
    whole = read_file(path, Limits())
    with ReadWorkers(Limits(), processes=2) as workers:
        workers.submit(path, PdfReader())
        parted = workers.result(path)
    assert [o.fields() for o in parted.orders] == [o.fields() for o in whole.orders]
    assert [o.location for o in parted.orders] == [o.location for o in whole.orders]
    assert len(parted.orders) == 90


@pytest.mark.parametrize("first,last", [(0, 1), (1, 3), (2, None)])
def test_page_ranges(tmp_path: Path, first: int, last: int | None) -> None:
    path = tmp_path / "x.pdf"
    write_pdf(path, SEED_ORDERS)
    pages = read_pdf_pages(path, Limits(), first, last)
    assert [p.number for p in pages] == list(range(first + 1, (last or 3) + 1))
