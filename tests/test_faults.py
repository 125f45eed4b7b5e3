"""The faults of issue 16, made real: a full disk (a small tmpfs, a file-size limit), SIGKILL
at each step of `restore` and `calendar add`, killed read and render workers, a read-only
store, a verb during a restore, a write-ahead log lost in a crash. Afterwards the store is
the old one or the new one, never missing; hotline.toml parses; the run ends by itself and
the next one succeeds; nothing with a phone number is left outside the home."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from contextlib import closing
from pathlib import Path

import pytest
from conftest import AS_OF, CONSOLE_ENCODING, age, make_home, shown
from faulty import alive, children, fill, grow, hotline, read_only, small_disk

from pipeline.demo.samples import generate

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals, mounts and rlimits"),
]

DAY = AS_OF.isoformat()
HOLIDAYS = "2027-01-01,2027-02-05..2027-02-11"


def counts(db: Path) -> tuple[int, int]:
    with closing(sqlite3.connect(db)) as conn:
        return (conn.execute("SELECT count(*) FROM orders").fetchone()[0],
                conn.execute("SELECT count(*) FROM events").fetchone()[0])


def listed(home: Path) -> list[str]:
    result = hotline(home, "list", "--json", "--as-of", DAY)
    assert result.returncode == 0, result.stderr
    return [o["order_no"] for o in json.loads(result.stdout)]


def night(home: Path, orders: int = 12, seed: int = 5, *, plain: bool = True) -> set[str]:
    """A night's district files in the inbox; the order numbers they hold."""
    made = generate(home.parent / f"made-{seed}", orders=orders, seed=seed, as_of=AS_OF,
                    variations=not plain)
    for path in made.files:
        target = home / "inbox" / path.name
        target.write_bytes(path.read_bytes())
        age(target)
    return set(made.orders)


def run(home: Path, env: dict[str, str] | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return hotline(home, "run", "--as-of", DAY, env=env, timeout=timeout)


# -- calendar add: a full disk, and a kill at each step --------------------------------------

def _config_is_whole(home: Path, before: str) -> str:
    text = (home / "hotline.toml").read_text(encoding="utf-8")
    tomllib.loads(text)  # parses
    assert text == before or "[calendar.2027]" in text
    return text


def test_calendar_add_on_a_full_disk_leaves_the_config_whole(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "1m") as disk:
        home = make_home(disk / "home")
        before = (home / "hotline.toml").read_text(encoding="utf-8")
        fill(disk, 2048)
        full = hotline(home, "calendar", "add", "2027", "--holidays", HOLIDAYS)
        assert full.returncode == 5, full.stderr
        assert "磁盘空间不足" in full.stderr and "Traceback" not in full.stderr
        assert _config_is_whole(home, before) == before
        check = hotline(home, "doctor")  # it runs: the config parses
        assert "格式有误" not in check.stdout + check.stderr and check.returncode == 5
        (disk / "ballast.bin").unlink()
        assert hotline(home, "calendar", "add", "2027", "--holidays", HOLIDAYS).returncode == 0
        assert "[calendar.2027]" in _config_is_whole(home, before)


def test_calendar_add_past_a_file_size_limit_leaves_the_config_whole(home: Path) -> None:
    before = (home / "hotline.toml").read_text(encoding="utf-8")
    limited = hotline(home, "calendar", "add", "2027", "--holidays", HOLIDAYS,
                      fsize=len(before.encode()) - 100)
    assert limited.returncode == 5, limited.stderr
    assert _config_is_whole(home, before) == before


@pytest.mark.parametrize("point", ["previous_kept", "before_rename:1", "before_rename:2"])
def test_calendar_add_killed_at_each_step(home: Path, point: str) -> None:
    before = (home / "hotline.toml").read_text(encoding="utf-8")
    killed = hotline(home, "calendar", "add", "2027", "--holidays", HOLIDAYS,
                     env={"HOTLINE_KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL
    _config_is_whole(home, before)
    again = hotline(home, "calendar", "add", "2027", "--holidays", HOLIDAYS, "--replace")
    assert again.returncode == 0, again.stderr
    assert "[calendar.2027]" in _config_is_whole(home, before)
    assert tomllib.loads((home / "hotline.toml.bak").read_text(encoding="utf-8"))


# -- restore: a kill at each step, a full disk -----------------------------------------------

@pytest.fixture
def two_nights(tmp_path: Path) -> tuple[Path, Path]:
    """A home after two nights on two days (faketime-free: the backups' days are real), and
    the backup made before the second night (the first night's orders in it)."""
    home = make_home(tmp_path / "home")
    night(home)
    assert run(home).returncode == 0
    backup = home / "backups" / f"hotline-{time.strftime('%Y-%m-%d')}.db"
    backup.unlink()  # the first night's backup (empty) is replaced by one with orders
    manifest = home / "backups" / "manifest.json"
    manifest.unlink()
    night(home, seed=6)
    assert run(home).returncode == 0
    assert counts(backup)[0] == 12
    return home, backup


RESTORE_STEPS = ["restore_copied", "restore_aside", "restore_swapped"]


@pytest.mark.parametrize("point", RESTORE_STEPS)
def test_restore_killed_at_each_step_leaves_a_whole_store(two_nights: tuple[Path, Path],
                                                          point: str) -> None:
    home, backup = two_nights
    live = home / "hotline.db"
    old, new = counts(live), counts(backup)
    killed = hotline(home, "restore", str(backup), "--yes", env={"HOTLINE_KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert live.exists()
    assert counts(live) in (old, new)
    assert len(listed(home)) in (old[0], new[0])
    hotline(home, "doctor", "--repair")
    assert not list(home.glob("hotline.db.restoring"))
    done = hotline(home, "restore", str(backup), "--yes")
    assert done.returncode == 0, done.stderr
    assert counts(live) == new
    replaced = [p for p in home.glob("hotline.db.replaced-*") if not p.name.endswith("-wal")]
    assert replaced and all(not p.samefile(live) for p in replaced)


def test_restore_on_a_full_disk_keeps_the_old_store(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "8m") as disk:
        home = make_home(disk / "home")
        night(home)
        assert run(home).returncode == 0
        live = home / "hotline.db"
        backup = home / "backups" / "older.db"
        backup.write_bytes(live.read_bytes())  # a whole store the size of the live one
        before = counts(live)
        fill(disk, backup.stat().st_size // 2)
        full = hotline(home, "restore", str(backup), "--yes")
        assert full.returncode == 5, full.stderr
        assert "磁盘空间不足" in full.stderr and "未做任何改动" in full.stderr
        assert counts(live) == before
        assert not list(home.glob("hotline.db.*"))


def test_restore_past_a_file_size_limit_keeps_the_old_store(two_nights: tuple[Path, Path]) -> None:
    home, backup = two_nights
    live = home / "hotline.db"
    before = counts(live)
    limited = hotline(home, "restore", str(backup), "--yes", fsize=backup.stat().st_size // 2)
    assert limited.returncode == 5, limited.stderr
    assert counts(live) == before and not list(home.glob("hotline.db.*"))


def test_a_verb_during_a_restore_writes_into_the_restored_store(
        two_nights: tuple[Path, Path]) -> None:
    home, backup = two_nights
    with closing(sqlite3.connect(f"{backup.as_uri()}?immutable=1", uri=True)) as conn:
        number = conn.execute("SELECT min(order_no) FROM orders").fetchone()[0]
    restoring = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--home", str(home), "restore", str(backup), "--yes"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding=CONSOLE_ENCODING,
        env={**os.environ, "HOTLINE_PAUSE_AT": "restore_copied:3"})
    try:
        # the restore holds the store lock once its copy of the backup is beside the live file
        copy = home / "hotline.db.restoring"
        deadline = time.monotonic() + 60
        while not copy.exists() and restoring.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert copy.exists(), "the restore never reached its copy"
        verb = hotline(home, "assign", number, "城管中队")
    finally:
        restoring.communicate(timeout=60)
    assert restoring.returncode == 0
    assert verb.returncode == 0, verb.stderr
    shown = json.loads(hotline(home, "show", number, "--json").stdout)
    assert shown["department"] == "城管中队"  # in the live (restored) store, not the old file


# -- a full disk during the run --------------------------------------------------------------

def test_a_run_on_a_full_disk_ends_and_the_next_one_finishes(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "6m") as disk:
        home = make_home(disk / "home")
        truth = night(home, orders=20)
        fill(disk, 64 * 1024)
        began = time.monotonic()
        full = run(home, timeout=120)
        assert time.monotonic() - began < 120
        assert full.returncode in (1, 5), full.stderr
        assert "Traceback" not in full.stderr, full.stderr
        assert "磁盘空间不足" in full.stdout + full.stderr
        assert (home / "hotline.db").exists()
        grow(disk, "64m")
        (disk / "ballast.bin").unlink()
        again = run(home)
        assert again.returncode == 0, again.stdout + again.stderr
        assert set(listed(home)) == truth
        with closing(sqlite3.connect(home / "hotline.db")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- a read-only store -----------------------------------------------------------------------

def test_a_read_only_store_is_said_with_its_own_exit_status(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    night(home)
    assert run(home).returncode == 0
    truth = set(listed(home))
    waiting = night(home, seed=9)
    with read_only(home / "hotline.db"):
        refused = run(home)
        assert refused.returncode == 5, refused.stdout + refused.stderr
        assert "只读" in refused.stderr and "Traceback" not in refused.stderr
        assert len(list((home / "inbox").iterdir())) > 0  # nothing moved
        verb = hotline(home, "assign", sorted(truth)[0], "城管中队")
        assert verb.returncode == 5 and "只读" in verb.stderr
        check = hotline(home, "doctor")
        assert "完好，可以写入" not in check.stdout
        assert shown("✗ 数据库") in check.stdout
    again = run(home)
    assert again.returncode == 0, again.stderr
    assert set(listed(home)) == truth | waiting


# -- workers that die ------------------------------------------------------------------------

def test_a_read_worker_that_dies_is_replaced_and_its_file_read(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    truth = night(home)
    name = sorted(p.name for p in (home / "inbox").iterdir())[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--home", str(home), "run", "--as-of", DAY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding=CONSOLE_ENCODING,
        env={**os.environ, "HOTLINE_SOFFICE": "", "HOTLINE_PAUSE_AT": f"read_worker:{name}:3"})
    try:
        deadline = time.monotonic() + 30
        while not children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # the worker sits on the paused file
        for pid in children(proc.pid):
            os.kill(pid, signal.SIGKILL)  # the OOM killer, Task Manager
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, out + err
    assert set(listed(home)) == truth


def test_a_file_whose_readers_keep_dying_is_set_aside_and_the_run_ends(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    night(home)
    name = sorted(p.name for p in (home / "inbox").iterdir())[0]
    ended = run(home, env={"HOTLINE_KILL_AT": f"read_worker:{name}"}, timeout=120)
    assert ended.returncode == 1, ended.stderr
    reason = next((home / "failed" / DAY).glob(f"{name}.原因.txt")).read_text(encoding="utf-8-sig")
    assert "读取进程两次意外退出" in reason
    again = run(home)
    assert again.returncode == 0, again.stderr


@pytest.fixture(scope="module")
def big_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough orders for the documents to be rendered on both cores (queue.PARALLEL_FROM)."""
    folder = tmp_path_factory.mktemp("big")
    generate(folder / "made", orders=700, seed=11, as_of=AS_OF, variations=False)
    return folder / "made"


def _home_with(tmp_path: Path, made: Path) -> Path:
    home = make_home(tmp_path / "home")
    for path in made.iterdir():
        target = home / "inbox" / path.name
        target.write_bytes(path.read_bytes())
        age(target)
    return home


def _docs(home: Path) -> list[str]:
    return [p.name for p in (home / "outbox").rglob("*.docx")]


def test_a_render_worker_killed_mid_run_is_replaced_and_nothing_hangs(
        tmp_path: Path, big_night: Path) -> None:
    home = _home_with(tmp_path, big_night)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--home", str(home), "run", "--as-of", DAY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding=CONSOLE_ENCODING,
        env={**os.environ, "HOTLINE_SOFFICE": "", "HOTLINE_PAUSE_AT": "render:0.01"})
    try:
        forms = home / "outbox" / DAY / "转送单"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(forms.glob("*.docx"))) < 20:
            time.sleep(0.05)
        victims = children(proc.pid)
        assert victims, "no render workers seen"
        os.kill(victims[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=180)  # ends by itself, well within its time
    finally:
        proc.kill()
    assert proc.returncode == 0, out + err
    docs = _docs(home)
    assert len(docs) == len(set(docs)) == 700
    with closing(sqlite3.connect(home / "hotline.db")) as conn:
        assert conn.execute("SELECT count(*) FROM documents WHERE written_at IS NULL"
                            ).fetchone()[0] == 0


def test_render_workers_that_keep_dying_end_the_run_and_the_next_finishes(
        tmp_path: Path, big_night: Path) -> None:
    home = _home_with(tmp_path, big_night)
    began = time.monotonic()
    ended = run(home, env={"HOTLINE_KILL_AT": "render:30"})
    assert time.monotonic() - began < 180
    assert ended.returncode == 1, ended.stderr
    assert "生成文书的进程两次意外退出" in ended.stdout
    again = run(home)
    assert again.returncode == 0, again.stderr
    docs = _docs(home)
    assert len(docs) == len(set(docs)) == 700


def _slow_marker(marker: str) -> str:
    time.sleep(5)
    Path(marker).write_text("written after the parent died", encoding="utf-8")
    return "done"


def _parent_with_a_worker(marker: str, report: str) -> None:
    from pipeline.batch.parallel import in_parallel  # noqa: PLC0415
    from pipeline.safety.workers import Workers  # noqa: PLC0415

    pool = Workers(1)
    pool.submit(_slow_marker, marker + ".pool")
    with in_parallel(lambda: _slow_marker(marker + ".fork"), large=True):
        Path(report).write_text(" ".join(map(str, children(os.getpid()))), encoding="utf-8")
        time.sleep(60)


def test_helpers_die_with_their_parent(tmp_path: Path) -> None:
    marker, report = str(tmp_path / "marker"), tmp_path / "children"
    parent = multiprocessing.get_context("fork").Process(
        target=_parent_with_a_worker, args=(marker, str(report)))
    parent.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (report.exists() and report.read_text().strip()):
        time.sleep(0.05)
    helpers = [int(p) for p in report.read_text().split()]
    assert len(helpers) == 2
    os.kill(parent.pid, signal.SIGKILL)
    parent.join()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(p) for p in helpers):
        time.sleep(0.05)
    assert not any(alive(p) for p in helpers)
    time.sleep(6)
    assert not list(tmp_path.glob("marker*"))  # nothing written after the parent's death


# -- nothing outside the home ----------------------------------------------------------------

def test_a_killed_run_leaves_nothing_outside_the_home(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    night(home)
    system_tmp, user_home = tmp_path / "systmp", tmp_path / "userhome"
    system_tmp.mkdir()
    user_home.mkdir()
    env = {"TMPDIR": str(system_tmp), "HOME": str(user_home),
           "HOTLINE_KILL_AT": "workbook_save:1"}
    killed = run(home, env=env)
    assert killed.returncode == -signal.SIGKILL
    assert list(system_tmp.iterdir()) == []  # openpyxl spooled inside the home
    spools = list((home / ".staging").rglob("openpyxl.*"))
    assert spools
    again = run(home, env={"TMPDIR": str(system_tmp), "HOME": str(user_home)})
    assert again.returncode == 0, again.stderr
    assert not [p for p in (home / ".staging").rglob("*") if p.is_file()]
    assert list(system_tmp.iterdir()) == [] and list(user_home.iterdir()) == []


def test_libreoffice_writes_nothing_outside_the_home(tmp_path: Path) -> None:
    soffice = next((p for p in ("/usr/bin/soffice", "/usr/local/bin/soffice") if Path(p).exists()),
                   None)
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    home = make_home(tmp_path / "home")
    night(home, orders=3)
    system_tmp, user_home = tmp_path / "systmp", tmp_path / "userhome"
    system_tmp.mkdir()
    user_home.mkdir()
    done = run(home, env={"TMPDIR": str(system_tmp), "HOME": str(user_home),
                          "HOTLINE_SOFFICE": soffice})
    assert done.returncode == 0, done.stderr
    assert list((home / "outbox" / DAY).glob("今日打印-*.pdf"))
    assert list(system_tmp.iterdir()) == [] and list(user_home.iterdir()) == []


# -- a write-ahead log lost in a crash -------------------------------------------------------

def test_originals_whose_orders_a_lost_log_took_are_read_again(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    truth = night(home, plain=False)
    killed = run(home, env={"HOTLINE_KILL_AT": "filing:4"})
    assert killed.returncode == -signal.SIGKILL
    assert len(list((home / "archive" / DAY).iterdir())) == 3
    for name in ("hotline.db-wal", "hotline.db-shm"):
        (home / name).unlink(missing_ok=True)  # the log is gone with its commits
    check = hotline(home, "doctor")
    assert "archive 中有 3 个原件数据库里没有记录" in check.stdout
    repaired = hotline(home, "doctor", "--repair")
    assert repaired.returncode in (0, 1), repaired.stdout + repaired.stderr
    again = run(home)
    assert again.returncode in (0, 1), again.stderr
    numbers = listed(home)
    assert truth <= set(numbers) and len(numbers) == len(set(numbers))
    assert "archive 中的原件都已在数据库中" in hotline(home, "doctor").stdout
