"""The reader protocol: `identify` a file, then `extract` orders or updates from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pipeline.config import Limits
from pipeline.intake.record import FieldProblem
from pipeline.model import IncomingOrder


@dataclass
class Problem:
    """One thing wrong in a file: where, which field, what, and what to do."""

    location: str  # "第5行", "第2页", "" for the whole file
    field: str  # the clerk's label, "" if none
    message: str

    def text(self) -> str:
        where = f"{self.location}" if self.location else ""
        what = f"“{self.field}”" if self.field else ""
        return f"{where}{what}{self.message}"


@dataclass
class OrderUpdate:
    """Changes to a known order from a returned 转送单 or an edited 台账."""

    order_no: str
    location: str
    changes: dict[str, Any]
    # What the source says the order is (a form's 来电人 and 联系电话): checked against the
    # store before anything is applied, so that A's form with B's number closes nothing.
    identity: dict[str, str] = field(default_factory=dict)
    # What the 台账 said when it was written, per edited field: a field changed in the store
    # since then is refused, both values shown.
    originals: dict[str, str] = field(default_factory=dict)
    key: str = ""  # the input's key: applied once, ever (workflow/inputs.py)


@dataclass
class ReadResult:
    orders: list[IncomingOrder] = field(default_factory=list)
    updates: list[OrderUpdate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0


@dataclass(frozen=True)
class FileInfo:
    """What identification needs: the path, its suffix and the first bytes."""

    path: Path
    head: bytes
    members: frozenset[str] = frozenset()  # zip member names, for .xlsx/.docx

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def member(self, name: str, max_bytes: int = 1 << 20) -> bytes:
        """The first bytes of one zip member ("" if absent): for cheap identification."""
        if name not in self.members:
            return b""
        import zipfile  # noqa: PLC0415

        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(name) as fh:
                return fh.read(max_bytes)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
            return b""

    def has_marker(self, marker: bytes) -> bool:
        """Whether the Office file carries our custom document property `marker`."""
        return marker in self.member("docProps/custom.xml")


class Reader(Protocol):
    """One source format. `identify` must be cheap; `extract` may raise FileRejectedError."""

    name: ClassVar[str]  # the clerk's name for the format

    def identify(self, info: FileInfo) -> bool: ...

    def extract(self, path: Path, limits: Limits) -> ReadResult: ...


def field_problems(location: str, problems: list[FieldProblem]) -> list[Problem]:
    return [Problem(location, p.label, p.message) for p in problems]
