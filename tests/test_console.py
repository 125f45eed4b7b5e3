"""Every command on a console that cannot show every character (Windows code page 936, or a
Task Scheduler job whose output goes to a file): no traceback, the usual exit codes, JSON
that still carries every character, and files byte-identical to a UTF-8 console's."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import docx
import pytest
import time_machine
from click.testing import CliRunner
from conftest import drop, make_home

from pipeline.cli import main
from pipeline.demo.samples import _table, write_xlsx
from pipeline.model import IncomingOrder

# Outside GBK: an emoji, a CJK Extension B character and an Extension A one.
ODD = "😡𠮷䶮"
NUMBER = "GD20261102001"
ORDERS = [
    IncomingOrder(order_no=NUMBER, caller=f"张{ODD}", phone="13800001111",
                  dispatch_time="2026-11-02T09:00:00", kind="一般", category="投诉",
                  address=f"天目西路{ODD}弄", content=f"来电人反映：楼下噪声扰民{ODD}，要求处理。"),
    IncomingOrder(order_no="GD20261102002", caller="李先生", phone="13800002222",
                  dispatch_time="2026-11-02T10:00:00", kind="一般", category="咨询",
                  content=f"来电人咨询：社区食堂{ODD}开放时间。"),
]
# Each step: the arguments and the exit status it must end with.
SCRIPT: list[tuple[tuple[str, ...], int]] = [
    (("run", "--as-of", "2026-11-02"), 0),
    (("list",), 0),
    (("show", NUMBER), 0),
    (("assign", NUMBER, "GD20261102002", "城管中队", "--instruction", f"请处理{ODD}"), 0),
    (("contact", NUMBER, "--at", "2026-11-03 09:00", "--note", f"已联系{ODD}"), 0),
    (("extend", "GD20261102002", "--days", "2", "--reason", f"经批准{ODD}"), 0),
    (("handle", NUMBER, "--result", "实际解决", "--notes", f"已处理{ODD}", "--handler", f"王{ODD}",
      "--at", "2026-11-05 10:00"), 0),
    (("visit", NUMBER, "--satisfaction", "满意", "--note", f"满意{ODD}", "--at", "2026-11-06 10:00"), 0),
    (("close", NUMBER, "--at", "2026-11-06 11:00"), 0),
    (("exclude", "GD20261102002", "--reason", f"涉诉{ODD}"), 0),
    (("decide", "GD20261102002", "--rejected", "--note", f"不同意{ODD}"), 0),
    (("objective", "GD20261102002", "--reason", f"诉求过高{ODD}"), 0),
    (("show", NUMBER), 0),
    (("contact", f"GD{ODD}"), 2),  # an order number the clerk mistyped, echoed back
    (("assign", NUMBER, f"部门{ODD}"), 2),  # a department not on the list, echoed back
    (("run", "--as-of", "2026-11-06"), 0),
    (("deadline", "--dispatched", "2026-11-02 09:00", "--kind", "一般", "--category", "投诉"), 0),
    (("calendar", "show", "2026"), 0),
    (("templates", "check"), 0),
    (("assess", "--month", "2026-11", "--as-of", "2026-11-06"), 0),
    (("archive", "--month", "2026-11"), 0),
    (("doctor",), 0),
]


def export(folder: Path) -> Path:
    source = folder / "工单.xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(source, _table(ORDERS, "seed", "iso", random.Random(0), extra=False))
    return source


def play(root: Path, encoding: str, source: Path) -> tuple[Path, list[str]]:
    """The script in a fresh home on a console of `encoding`; the clock stands still so that
    both consoles' runs write the same times."""
    home = make_home(root / "home")
    drop(home, source)
    runner = CliRunner(charset=encoding)
    outputs = []
    with time_machine.travel(datetime(2026, 11, 6, 18, 0), tick=False):
        for args, status in SCRIPT:
            result = runner.invoke(main, ["--home", str(home), *args], catch_exceptions=False)
            assert result.exit_code == status, (encoding, args, result.output)
            outputs.append(result.output)
    return home, outputs


def files_of(home: Path) -> dict[str, bytes]:
    return {p.relative_to(home).as_posix(): p.read_bytes()
            for folder in ("outbox", "archive", "failed") for p in (home / folder).rglob("*")
            if p.is_file()}


def test_every_command_on_a_gbk_console(tmp_path: Path) -> None:
    source = export(tmp_path / "district")
    gbk_home, shown = play(tmp_path / "gbk", "gbk", source)
    utf_home, _ = play(tmp_path / "utf8", "utf-8", source)

    text = "\n".join(shown)
    assert "张???" in text  # what GBK cannot show is replaced, the rest is as it was
    assert "√ " + NUMBER in text  # our own marks by the nearest sign GBK has
    assert "× GD???" in text
    written = files_of(gbk_home)
    assert written == files_of(utf_home)
    form = docx.Document(str(gbk_home / "outbox" / "2026-11-02" / "转送单" / f"{NUMBER}.docx"))
    assert any(ODD in cell.text for table in form.tables for row in table.rows
               for cell in row.cells)


def test_json_keeps_every_character_on_a_gbk_console(tmp_path: Path) -> None:
    home, _ = play(tmp_path, "gbk", export(tmp_path / "district"))
    runner = CliRunner(charset="gbk")
    result = runner.invoke(main, ["--home", str(home), "show", NUMBER, "--json"],
                           catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.output)["caller"] == f"张{ODD}"
    listed = runner.invoke(main, ["--home", str(home), "list", "--json"], catch_exceptions=False)
    assert {o["caller"] for o in json.loads(listed.output)} == {f"张{ODD}", "李先生"}


@pytest.mark.parametrize("encoding", ["gbk", "cp936", "ascii"])
def test_a_real_process_on_a_narrow_console(tmp_path: Path, encoding: str) -> None:
    home, _ = play(tmp_path, "utf-8", export(tmp_path / "district"))
    for args in (("show", NUMBER), ("list",), ("doctor",), ("contact", f"X{ODD}")):
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "--home", str(home), *args],
            capture_output=True, check=False, timeout=120,
            env={**os.environ, "PYTHONIOENCODING": encoding},
        )
        assert b"Traceback" not in done.stderr, done.stderr.decode(encoding, "replace")
        assert done.returncode == (2 if args[0] == "contact" else 0), args
        assert done.stdout.decode(encoding) or done.stderr.decode(encoding)
