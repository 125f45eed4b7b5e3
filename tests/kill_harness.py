"""Random kills of the nightly batch, and the checks that nothing was lost or doubled.

Each episode drops a night's sample files into a fresh home and starts the batch in a
forked process, killing it (SIGKILL) after a random delay, again and again, until a run
completes; then the invariants are checked. Used by tests/test_kills.py (a bounded run) and
tools/kill_soak.py (a long one).
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import docx
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.demo.samples import generate

AS_OF = date(2026, 11, 27)


@dataclass
class Tally:
    kills: int = 0
    episodes: int = 0
    completed_runs: int = 0
    failures: list[str] = field(default_factory=list)


def _child(home: str) -> None:
    from pipeline.batch.run import run_batch  # noqa: PLC0415
    from pipeline.home import open_home  # noqa: PLC0415

    opened = open_home(Path(home))
    try:
        run_batch(opened, AS_OF)
    finally:
        opened.close()
    os._exit(0)


def _cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
    return result.stdout


def check(home: Path, sent: dict[str, bytes], truth: set[str]) -> list[str]:
    """What is wrong with a home after its last run completed ([] when all is well)."""
    return [*_check_orders(home, truth), *_check_files(home, sent), *_check_store(home)]


def _check_orders(home: Path, truth: set[str]) -> list[str]:
    listed = json.loads(_cli(home, "list", "--json", "--as-of", AS_OF.isoformat()))
    numbers = [o["order_no"] for o in listed]
    problems = []
    if len(numbers) != len(set(numbers)):
        problems.append("an order stored twice")
    if not truth <= set(numbers):
        problems.append(f"orders lost: {sorted(truth - set(numbers))}")
    return problems


def _check_files(home: Path, sent: dict[str, bytes]) -> list[str]:
    problems = []
    filed = {}
    for where in ("archive", "failed"):
        for p in (home / where).rglob("*"):
            if p.is_file() and not p.name.endswith(".原因.txt"):
                filed.setdefault(p.name, p.read_bytes())
    if filed != sent:
        problems.append(f"originals differ: {sorted(set(sent) ^ set(filed))}")
    if any(p.is_file() for p in (home / "inbox").iterdir()):
        problems.append("files left in the inbox")
    docs = [p for p in (home / "outbox").rglob("*") if p.is_file()]
    for p in docs:
        if p.suffix not in (".docx", ".xlsx", ".txt", ".pdf"):
            problems.append(f"stray file in outbox: {p.name}")
        elif p.suffix == ".docx":
            try:
                docx.Document(str(p))
            except Exception as exc:  # any failure to open is the finding
                problems.append(f"{p.name} does not open: {exc}")
    names = [p.name for p in docs if p.suffix == ".docx"]
    if len(names) != len(set(names)):
        problems.append("a document written twice")
    return problems


def _check_store(home: Path) -> list[str]:
    problems = []
    with sqlite3.connect(home / "hotline.db") as db:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("database integrity check failed")
        pending = db.execute("SELECT count(*) FROM documents WHERE written_at IS NULL").fetchone()[0]
        if pending:
            problems.append(f"{pending} documents still pending")
        twice = db.execute(
            "SELECT order_no, count(*) FROM events WHERE kind='received' GROUP BY order_no "
            "HAVING count(*) > 1").fetchall()
        if twice:
            problems.append(f"orders received twice: {twice[:3]}")
        reminders = db.execute("SELECT count(*) FROM reminders").fetchone()[0]
        counted = db.execute("SELECT coalesce(sum(reminders), 0) FROM orders").fetchone()[0]
        if reminders != counted:
            problems.append(f"reminder count {counted} != reminder rows {reminders}")
    return problems


def _run_once(home: Path) -> None:
    """One uninterrupted run in a forked process (as the killed ones are)."""
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_child, args=(str(home),))
    proc.start()
    proc.join(300)


def measure(workdir: Path, orders: int, seed: int) -> float:
    """How long one uninterrupted run of a night takes: the range of the kill delays."""
    made = generate(workdir / "made-measure", orders=orders, seed=seed, as_of=AS_OF)
    home = workdir / "measure"
    _drop(home, made.files)
    began = time.monotonic()
    _run_once(home)
    return time.monotonic() - began


def _drop(home: Path, files: list[Path]) -> dict[str, bytes]:
    from pipeline.home import init_home  # noqa: PLC0415

    init_home(home)
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    past = time.time() - 3600
    for f in files:
        target = inbox / f.name
        shutil.copyfile(f, target)
        os.utime(target, (past, past))
    return {p.name: p.read_bytes() for p in inbox.iterdir()}


def _wait_for_the_dead(home: Path, seconds: float = 30.0) -> None:
    """The next night's run starts hours after a kill; here it starts at once, so wait until
    the killed run's workers (killed with it by the OS, a moment later) let go of its locks."""
    deadline = time.monotonic() + seconds
    for name in (".hotline.lock", ".hotline.store.lock"):
        path = home / name
        if not path.exists():
            continue
        with path.open("a+b") as handle:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    if time.monotonic() > deadline:
                        return  # the run that follows will say who holds it
                    time.sleep(0.02)
                    continue
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                break


def harness(workdir: Path, *, kills: int, seconds: float, orders: int = 12,
            seed: int = 1) -> Tally:
    """Kill runs at random moments until `kills` kills or `seconds` seconds have passed."""
    rng = random.Random(seed)
    tally = Tally()
    typical = max(0.05, measure(workdir, orders, seed))
    deadline = time.monotonic() + seconds
    ctx = multiprocessing.get_context("fork")
    while tally.kills < kills and time.monotonic() < deadline:
        tally.episodes += 1
        made = generate(workdir / f"made-{tally.episodes}", orders=orders,
                        seed=seed + tally.episodes, as_of=AS_OF)
        home = workdir / f"home-{tally.episodes}"
        sent = _drop(home, made.files)
        while True:
            proc = ctx.Process(target=_child, args=(str(home),))
            proc.start()
            proc.join(rng.uniform(0, typical * 1.2))
            if proc.is_alive() and tally.kills < kills and time.monotonic() < deadline:
                os.kill(proc.pid, signal.SIGKILL)
                proc.join()
                tally.kills += 1
                _wait_for_the_dead(home)
                continue
            proc.join(300)
            tally.completed_runs += 1
            break
        problems = check(home, sent, set(made.orders))
        tally.failures += [f"episode {tally.episodes}: {p}" for p in problems]
        shutil.rmtree(workdir / f"made-{tally.episodes}", ignore_errors=True)
    return tally
