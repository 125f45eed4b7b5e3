"""A progress line for a clerk at a terminal; silence under cron or in a pipe."""

from __future__ import annotations

import sys
from types import TracebackType

from pipeline.cli.console import fit

STAGES = {"read": "读取文件", "store": "入库归档", "documents": "生成转送单"}


class TerminalProgress:
    def __init__(self, stream: object = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = ""

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.enabled and self._last:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        line = f"\r{STAGES.get(stage, stage)} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if line != self._last:
            self.stream.write(fit(line, self.stream))
            self.stream.flush()
            self._last = line
