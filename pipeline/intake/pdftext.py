"""Fast, exact page text for PDF printouts.

pdfplumber builds an object per character and per word before it gives a page's text
(≈44 ms a page). Here pdfminer interprets the page (its content streams, fonts and CMaps,
exactly as pdfplumber's own pdfminer does) but characters are only collected as tuples and
put into lines the way pdfplumber's `extract_text` puts them: words split at gaps wider
than 3 points and at spaces, lines clustered by their top within 3 points, words joined by
one space. Pages with ruled tables are left to pdfplumber, whose table finder they need.
tests/test_pdf_fast.py checks the text against pdfplumber's on every sample page.
"""

from __future__ import annotations

from typing import Any

from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.utils import apply_matrix_pt

X_TOLERANCE = 3.0
Y_TOLERANCE = 3.0
RULINGS_FOR_TABLE = 4  # stroked or filled paths on a page that make it a ruled form

Char = tuple[float, float, float, str]  # top, x0, x1, text


class CharCollector(PDFTextDevice):  # type: ignore[misc]
    """A pdfminer device that keeps only what line text needs."""

    def __init__(self, rsrcmgr: Any) -> None:
        super().__init__(rsrcmgr)
        self.chars: list[Char] = []
        self.rulings = 0
        self.height = 0.0

    def begin_page(self, page: Any, ctm: Any) -> None:
        super().begin_page(page, ctm)
        _, y0, _, y1 = page.cropbox
        self.height = abs(y1 - y0)
        self.origin_y = min(y0, y1)
        self.chars = []
        self.rulings = 0

    def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool,
                   path: Any) -> None:
        if stroke or fill:
            self.rulings += 1

    def render_char(self, matrix: Any, font: Any, fontsize: float, scaling: float,
                    rise: float, cid: int, ncs: Any, graphicstate: Any) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"
        width = font.char_width(cid)
        adv = width * fontsize * scaling
        descent = font.get_descent() * fontsize
        size = fontsize
        # the character's box, as pdfminer's LTChar computes it (horizontal writing)
        x0, y0 = apply_matrix_pt(matrix, (0, descent + rise))
        x1, y1 = apply_matrix_pt(matrix, (adv, descent + rise + size))
        top = self.height - (max(y0, y1) - self.origin_y)
        self.chars.append((top, min(x0, x1), max(x0, x1), text))
        return float(adv)


def _words(chars: list[Char]) -> list[tuple[float, float, str]]:
    """(top, x0, text) of each word: runs of characters without a space or a wide gap."""
    words: list[tuple[float, float, str]] = []
    current: list[Char] = []

    def close() -> None:
        if current:
            words.append((current[0][0], current[0][1], "".join(c[3] for c in current)))
            current.clear()

    for char in sorted(chars, key=lambda c: (round(c[0], 1), c[1])):
        if char[3].isspace():
            close()
            continue
        if current:
            last = current[-1]
            if abs(char[0] - last[0]) > Y_TOLERANCE or char[1] > last[2] + X_TOLERANCE or (
                char[1] < last[1]
            ):
                close()
        current.append(char)
    close()
    return words


def page_text(chars: list[Char]) -> str:
    """The page's text, line by line, top to bottom."""
    words = sorted(_words(chars), key=lambda w: w[0])
    lines: list[list[tuple[float, float, str]]] = []
    last_top: float | None = None
    for word in words:
        if last_top is None or word[0] - last_top > Y_TOLERANCE:
            lines.append([])
        lines[-1].append(word)
        last_top = word[0]
    return "\n".join(" ".join(w[2] for w in sorted(line, key=lambda w: w[1])) for line in lines)
