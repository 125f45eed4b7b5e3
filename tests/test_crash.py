"""A kill at any stage, then a rerun: every order once, every original kept, no half-written
file where a clerk looks. Two runs at once: one works, the other says the home is busy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AS_OF, CONSOLE_ENCODING, drop, make_home

from pipeline.demo.samples import generate

KILL_POINTS = ["read:1", "read:3", "committed:1", "committed:4", "filing:2", "render:1",
               "render:7", "workbooks:1"]
VISIBLE = ("inbox", "outbox", "archive", "failed")

pytestmark = pytest.mark.slow  # CI's extra runs (other days, GBK console) skip these


def hotline(home: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--home", str(home), *args],
        check=False, capture_output=True, text=True, encoding=CONSOLE_ENCODING, errors="replace",
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def originals(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def filed(home: Path) -> dict[str, bytes]:
    out = {}
    for where in ("archive", "failed"):
        for p in (home / where).rglob("*"):
            if p.is_file() and not p.name.endswith(".原因.txt"):
                out[p.name] = p.read_bytes()
    return out


def check_invariants(home: Path, sent: dict[str, bytes], truth: set[str]) -> None:
    listed = json.loads(hotline(home, "list", "--json", "--as-of", AS_OF.isoformat()).stdout)
    numbers = [o["order_no"] for o in listed]
    assert len(numbers) == len(set(numbers)), "an order was stored twice"
    assert truth <= set(numbers), f"orders lost: {truth - set(numbers)}"
    assert filed(home) == sent, "an original was lost or altered"
    assert not [p for p in (home / "inbox").iterdir() if p.is_file()]
    for path in (home / "outbox").rglob("*"):
        if path.is_file():
            assert path.suffix in (".docx", ".xlsx", ".txt"), f"stray file {path}"
            if path.suffix == ".docx":
                import docx  # noqa: PLC0415
                docx.Document(str(path))  # opens: not half-written
    docs = list((home / "outbox").rglob("*.docx"))
    names = [p.name for p in docs]
    assert len(names) == len(set(names)), "a document was written twice"
    shown = [json.loads(hotline(home, "show", n, "--json").stdout) for n in sorted(truth)[:3]]
    for order in shown:
        kinds = [e["kind"] for e in order["history"]]
        assert kinds.count("received") <= 1


@pytest.fixture
def sample_inbox(tmp_path: Path) -> tuple[Path, dict[str, bytes], set[str]]:
    made = generate(tmp_path / "made", orders=16, seed=7, as_of=AS_OF)
    home = make_home(tmp_path / "home")
    drop(home, *made.files)
    sent = originals(home / "inbox")
    return home, sent, set(made.orders)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_then_rerun_loses_and_doubles_nothing(
    sample_inbox: tuple[Path, dict[str, bytes], set[str]], point: str
) -> None:
    home, sent, truth = sample_inbox
    killed = hotline(home, "run", "--as-of", AS_OF.isoformat(), env={"HOTLINE_KILL_AT": point})
    assert killed.returncode in (-9, 137), killed.stderr

    again = hotline(home, "run", "--as-of", AS_OF.isoformat())

    assert again.returncode in (0, 1), again.stderr
    check_invariants(home, sent, truth)
    expected_docs = {p.name for p in (home / "outbox").rglob("*.docx")}
    for number in truth:
        assert f"{number}.docx" in expected_docs, f"no 转送单 for {number}"


def test_two_runs_at_once(sample_inbox: tuple[Path, dict[str, bytes], set[str]]) -> None:
    home, sent, truth = sample_inbox
    hotline(home, "list")  # set the home up before the race
    first = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--home", str(home), "run", "--as-of", AS_OF.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding=CONSOLE_ENCODING,
        env={**os.environ, "HOTLINE_PAUSE_AT": "read:4"},
    )
    try:
        lock = home / ".hotline.lock"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if lock.exists() and "hotline run" in lock.read_text(encoding="utf-8", errors="replace"):
                break
            time.sleep(0.05)
        second = hotline(home, "run", "--as-of", AS_OF.isoformat())
        assert second.returncode == 3
        assert "工作目录正被另一个任务使用" in second.stderr
        assert "hotline run" in second.stderr
    finally:
        _, err = first.communicate(timeout=120)
    assert first.returncode in (0, 1), err
    check_invariants(home, sent, truth)
