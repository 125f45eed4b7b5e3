"""The layout stays the picture in README: stage packages over a small base, all SQL in the
store, short functions. (The layers themselves are import-linter's contract in pyproject.toml,
checked by `lint-imports` in CI.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
BASE = {"__init__.py", "__main__.py", "clock.py", "config.py", "errors.py", "home.py",
        "model.py", "normalise.py", "text.py"}
SQL_CALL = re.compile(r"(?<![.\w])(?<!def )(select|insert|update|delete|text)\(|exec_driver_sql")


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts)


def test_only_the_base_sits_at_the_top() -> None:
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == BASE


def test_sql_is_written_only_in_the_store() -> None:
    offenders = []
    for path in modules():
        if path.parent.name == "store":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL_CALL.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_function_is_longer_than_fifty_lines() -> None:
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 50:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length})")
    assert long == []
