"""A district on one store: street offices see their own orders, the district sees all of
them and ranks the streets, an order moved between streets keeps its history, and one
office's nightly runs never overlap, even from two machines (homes) sharing the store.

Run on SQLite (one shared file) and, with HOTLINE_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from itertools import groupby
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF, Hotline, age, make_home
from sqlalchemy import func, select

from pipeline.demo.samples import _table, generate, write_xlsx
from pipeline.store import open_store, schema

STREETS = ["北站街道办事处", "芷江西路街道办事处", "天目西路街道办事处", "宝山路街道办事处"]
DISTRICT = "静安区12345热线办"


# Verbs refuse times after now: the clerk works on the scenario's evening, whatever the day.
pytestmark = pytest.mark.usefixtures("scenario_clock")


def shared_url(tmp_path: Path, test_database: str | None) -> str:
    """One store for every home of the test: its PG schema, or one SQLite file (made here:
    a home refuses a SQLite file that has gone)."""
    url = test_database or f"sqlite:///{(tmp_path / 'district.db').as_posix()}"
    open_store(url).close()
    return url


def office_home(path: Path, office: str, url: str, *, scope: str = "street") -> Hotline:
    """A home made by `hotline init`, then pointed at the shared store as `office`."""
    make_home(path)
    config = path / "hotline.toml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^url = ".*"$', f'url = "{url}"', text)
    text = re.sub(r'(?m)^name = ".*?"', f'name = "{office}"', text, count=1)
    text = re.sub(r'(?m)^scope = ".*"$', f'scope = "{scope}"', text)
    config.write_text(text, encoding="utf-8")
    return Hotline(path)


def night(folder: Path, home: Path, *, orders: int, street: int) -> set[str]:
    """A street's night of district exports in its inbox; the order numbers made."""
    made = generate(folder, orders=orders, seed=100 + street, as_of=AS_OF, pdf_share=0,
                    variations=False, serial_from=100 + street * 50_000)
    (home / "inbox").mkdir(exist_ok=True)
    for path in made.files:
        target = home / "inbox" / path.name
        shutil.copyfile(path, target)
        age(target)
    return set(made.orders)


def run_at_once(homes: list[Path],
                env: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """`hotline run` in every home at the same moment, each its own process (machine)."""
    procs = [subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--home", str(h), "run", "--as-of", AS_OF.isoformat(),
         "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8", env={**os.environ, **(env or {})}) for h in homes]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


def numbers(hotline: Hotline) -> list[str]:
    return [o["order_no"] for o in hotline.orders()]


def test_streets_at_once_each_see_their_own_and_the_district_sees_the_sum(
        tmp_path: Path, test_database: str | None) -> None:
    url = shared_url(tmp_path, test_database)
    homes = [office_home(tmp_path / f"street{i}", office, url) for i, office in enumerate(STREETS)]
    made = [night(tmp_path / f"made{i}", h.home, orders=40, street=i) for i, h in enumerate(homes)]

    results = run_at_once([h.home for h in homes])

    assert [r.returncode for r in results] == [0] * len(homes), [r.stderr for r in results]
    for hotline, mine in zip(homes, made, strict=True):
        listed = numbers(hotline)
        assert len(listed) == len(set(listed))  # nothing twice
        assert set(listed) == mine  # nothing lost, nobody else's
    district = office_home(tmp_path / "district", DISTRICT, url, scope="district")
    everything = numbers(district)
    assert len(everything) == len(set(everything)) == sum(len(m) for m in made)
    by_office = district.orders()
    assert {o["office"] for o in by_office} == set(STREETS)
    assert set(everything) == set().union(*made)

    figures = district.json("assess", "--month", "2026-11", "--as-of", AS_OF.isoformat())
    streets = {s["name"]: s for s in figures["streets"]}
    assert set(streets) == set(STREETS)
    assert [s["rank"] for s in figures["streets"]] == list(range(1, len(STREETS) + 1))
    for key in ("received", "counted", "contact_due", "handling_due", "overdue", "reminded"):
        assert figures["total"][key] == sum(s[key] for s in streets.values()), key
    for hotline, office in zip(homes, STREETS, strict=True):
        own = hotline.json("assess", "--month", "2026-11", "--as-of", AS_OF.isoformat())
        assert own["streets"] == []  # a street ranks nobody
        assert {k: v for k, v in own["total"].items() if k not in ("name", "rank")} == \
            {k: v for k, v in streets[office].items() if k not in ("name", "rank")}


def test_the_district_ranks_streets_by_the_same_rates(tmp_path: Path,
                                                      test_database: str | None) -> None:
    url = shared_url(tmp_path, test_database)
    late, prompt = (office_home(tmp_path / n, o, url) for n, o in
                    (("late", STREETS[0]), ("prompt", STREETS[1])))
    night(tmp_path / "m0", late.home, orders=12, street=0)
    mine = sorted(night(tmp_path / "m1", prompt.home, orders=12, street=1))
    assert late.run().exit_code == 0 and prompt.run().exit_code == 0
    # the prompt street contacts every caller on the day of dispatch; the late one none
    for order in prompt.orders():
        at = (datetime.fromisoformat(order["dispatch_time"]) + timedelta(minutes=30)).isoformat()
        assert prompt("contact", order["order_no"], "--at", at).exit_code == 0
    district = office_home(tmp_path / "district", DISTRICT, url, scope="district")
    result = district("assess", "--month", "2026-11", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    first = re.search(r"第1名 (\S+)：", result.output)
    assert first is not None and first.group(1) == STREETS[1], result.output
    figures = district.json("assess", "--month", "2026-11", "--as-of", AS_OF.isoformat())
    ranked = {s["name"]: s for s in figures["streets"]}
    assert ranked[STREETS[1]]["contact_on_time"] == len(mine)
    assert ranked[STREETS[0]]["contact_on_time"] == 0
    assert [s["rank"] for s in figures["streets"]] == [1, 2]
    assert figures["streets"][0]["score"] is None  # no composite score set: ranked by the rates

    # the same scoring rules as the departments': a composite score ranks the streets too
    config = district.home / "hotline.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("\n[inbox]\n", '\n[assessment.score]\n"先行联系按时率" = 100\n\n'
                                   "[inbox]\n", 1), encoding="utf-8")
    scored = district.json("assess", "--month", "2026-11", "--as-of", AS_OF.isoformat())
    first, second = scored["streets"]
    assert (first["name"], first["rank"]) == (STREETS[1], 1)
    assert first["score"] == 100.0
    assert second["score"] in (0.0, None) and second["rank"] in (2, None)
    assert "先行联系按时率" in scored["formulas"]["综合得分"]
    book = openpyxl.load_workbook(district.home / "outbox" / AS_OF.isoformat() /
                                  "绩效考核-2026-11.xlsx", read_only=True)
    sheet = [[c for c in row] for row in book["街道排名"].iter_rows(min_row=3, values_only=True)]
    header = sheet[0]
    assert sheet[1][0] == STREETS[1] and sheet[1][header.index("综合得分")] == 100
    notes = {row[0]: row[1] for row in book["指标说明"].iter_rows(values_only=True) if row[0]}
    assert "综合得分" in notes["街道排名"]


def test_an_order_the_district_moves_keeps_its_history(tmp_path: Path,
                                                       test_database: str | None) -> None:
    url = shared_url(tmp_path, test_database)
    first = office_home(tmp_path / "first", STREETS[0], url)
    second = office_home(tmp_path / "second", STREETS[1], url)
    made = generate(tmp_path / "made", orders=3, seed=7, as_of=AS_OF, pdf_share=0,
                    variations=False)
    (export,) = made.files
    moved = sorted(made.orders)[0]
    for hotline in (first, second):
        (hotline.home / "inbox").mkdir(exist_ok=True)
    shutil.copyfile(export, first.home / "inbox" / export.name)
    age(first.home / "inbox" / export.name)
    assert first.run().exit_code == 0
    assert first("assign", moved, "北站派出所").exit_code == 0

    # the district sends the same order (same number) to the second street
    resent = second.home / "inbox" / "改派.xlsx"
    write_xlsx(resent, _table([made.orders[moved]], "seed", "iso", random.Random(1), extra=False))
    age(resent)
    assert second.run().exit_code == 0

    assert moved not in numbers(first)
    assert numbers(second) == [moved]
    assert len(numbers(first)) == 2
    shown = second.json("show", moved)
    kinds = [e["kind"] for e in shown["history"]]
    assert kinds[:2] == ["received", "assigned"]  # the first street's history, kept
    assert "moved" in kinds
    assert shown["department"] == "" and shown["status"] == "待分派"
    assert shown["office"] == STREETS[1]
    moved_event = next(e for e in shown["history"] if e["kind"] == "moved")
    assert STREETS[0] in moved_event["summary"]
    assert first("show", moved).exit_code != 0  # not the first street's any more


def test_two_homes_of_one_office_never_run_at_once(tmp_path: Path,
                                                   test_database: str | None) -> None:
    """Two machines (homes) of the same street on one store, started together: one runs,
    the other refuses (exit 3) naming it; run again, it stores its file; nothing is lost."""
    url = shared_url(tmp_path, test_database)
    one = office_home(tmp_path / "pc1", STREETS[0], url)
    two = office_home(tmp_path / "pc2", STREETS[0], url)
    first = night(tmp_path / "m1", one.home, orders=10, street=0)
    second = night(tmp_path / "m2", two.home, orders=10, street=1)
    slow = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--home", str(one.home), "run", "--as-of",
         AS_OF.isoformat(), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", env={**os.environ, "HOTLINE_PAUSE_AT": "read:4"})
    try:
        _wait_until_running(url)
        refused = two.run()
    finally:
        _, err = slow.communicate(timeout=600)
    assert slow.returncode == 0, err
    assert refused.exit_code == 3, refused.output
    assert "夜间运行正在进行" in refused.output
    assert str(slow.pid) in refused.output  # names the other holder: its process
    assert any((two.home / "inbox").iterdir())  # its file waits in its inbox

    assert two.run().exit_code == 0
    listed = numbers(one)
    assert sorted(listed) == sorted(numbers(two)) == sorted(first | second)
    assert len(listed) == len(set(listed))


def _wait_until_running(url: str) -> None:
    """Until a run has started in the store (it holds its office's lock by then)."""
    store = open_store(url)
    try:
        for _ in range(600):
            with store.read() as conn:
                if conn.execute(select(func.count()).select_from(schema.runs)
                                .where(schema.runs.c.status == "running")).scalar_one():
                    return
            time.sleep(0.05)
    finally:
        store.close()
    pytest.fail("the first run never started")


def test_scope_must_be_street_or_district(tmp_path: Path) -> None:
    hotline = office_home(tmp_path / "h", STREETS[0], f"sqlite:///{(tmp_path / 'x.db').as_posix()}",
                          scope="全市")
    result = hotline("list")
    assert result.exit_code == 2
    assert "scope" in result.output


def test_migrate_copies_a_street_into_the_server_once_and_verifies(
        tmp_path: Path, test_database: str | None) -> None:
    street = Hotline(tmp_path / "street")  # its own SQLite store, as every home starts
    config = street.home / "hotline.toml"
    config.write_text(re.sub(r'(?m)^url = ".*"$', 'url = "sqlite:///hotline.db"',
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    make_home(street.home)  # its hotline.db, if the first init made a PG store
    made = night(tmp_path / "made", street.home, orders=15, street=0)
    assert street.run().exit_code == 0
    first = sorted(made)[0]
    assert street("assign", first, "城管中队").exit_code == 0
    target = shared_url(tmp_path, test_database)

    copied = street("migrate", "--to", target)
    assert copied.exit_code == 0, copied.output
    assert "本次复制 15 张工单，此前已复制 0 张" in copied.output
    assert "逐张核对（工单内容和全部经过）：一致 15 张，不一致 0 张" in copied.output
    again = street("migrate", "--to", target)
    assert again.exit_code == 0, again.output
    assert "本次复制 0 张工单，此前已复制 15 张" in again.output

    server = office_home(tmp_path / "server", STREETS[0], target)
    assert sorted(numbers(server)) == sorted(made)
    here, there = street.json("show", first), server.json("show", first)
    assert [e["summary"] for e in there["history"]] == [e["summary"] for e in here["history"]]
    assert there["department"] == "城管中队"
    other = office_home(tmp_path / "other", STREETS[1], target)
    assert numbers(other) == []


def feedback_orders(home: Path, day: str) -> list[str]:
    """The order numbers on a home's 反馈区热线办 list of `day`."""
    book = openpyxl.load_workbook(home / "outbox" / day / f"反馈区热线办-{day}.xlsx", read_only=True)
    rows = list(book["反馈清单"].iter_rows(min_row=3, values_only=True))
    column = rows[0].index("工单编号")
    return sorted(row[column] for row in rows[1:] if row[column])


def test_each_street_tells_the_district_only_its_own(tmp_path: Path,
                                                      test_database: str | None) -> None:
    """Two streets on one store: each feedback list holds its own street's contacts only (no
    other street's callers, nothing of theirs marked told), and the district home lists none."""
    url = shared_url(tmp_path, test_database)
    homes = [office_home(tmp_path / f"s{i}", STREETS[i], url) for i in range(2)]
    made = [sorted(night(tmp_path / f"m{i}", h.home, orders=4, street=i))
            for i, h in enumerate(homes)]
    for hotline in homes:
        assert hotline.run().exit_code == 0
    for hotline, mine in zip(homes, made, strict=True):
        assert hotline("contact", mine[0], "--at", f"{AS_OF.isoformat()}T17:00").exit_code == 0
    # a street's verbs do not reach another street's orders
    other = homes[1]("assign", made[0][1], "城管中队")
    assert other.exit_code != 0 and made[0][1] in other.output
    assert homes[0].json("show", made[0][1])["department"] == ""
    district = office_home(tmp_path / "district", DISTRICT, url, scope="district")
    assert district.run().exit_code == 0
    for hotline in homes:
        result = hotline.run()
        assert result.exit_code == 0, result.output
    for hotline, mine in zip(homes, made, strict=True):
        assert feedback_orders(hotline.home, AS_OF.isoformat()) == [mine[0]]
    assert not (district.home / "outbox" / AS_OF.isoformat()
                / f"反馈区热线办-{AS_OF.isoformat()}.xlsx").exists()


def test_the_district_ledger_carries_the_street_and_lists_street_by_street(
        tmp_path: Path, test_database: str | None) -> None:
    url = shared_url(tmp_path, test_database)
    homes = [office_home(tmp_path / f"street{i}", STREETS[i], url) for i in (0, 1)]
    made = [night(tmp_path / f"made{i}", h.home, orders=12, street=i) for i, h in enumerate(homes)]
    assert [h.run().exit_code for h in homes] == [0, 0]
    district = office_home(tmp_path / "district", DISTRICT, url, scope="district")
    assert district.run().exit_code == 0

    def ledger(hotline: Hotline) -> tuple[list[str], list[tuple[object, ...]]]:
        book = openpyxl.load_workbook(hotline.home / "outbox" / AS_OF.isoformat() /
                                      f"工单台账-{AS_OF.isoformat()}.xlsx", read_only=True)
        rows = list(book["工单台账"].iter_rows(min_row=3, values_only=True))
        return [str(c) for c in rows[0] if c], rows[1:]

    header, rows = ledger(district)
    assert header[:2] == ["街道", "工单编号"]
    streets = [row[0] for row in rows]
    assert [street for street, _ in groupby(streets)] in ([STREETS[0], STREETS[1]],
                                                         [STREETS[1], STREETS[0]])
    dispatched = header.index("派单时间")
    for street, mine in zip(STREETS, made, strict=False):
        own = [row for row in rows if row[0] == street]
        assert {row[1] for row in own} == mine  # every order of the street, nobody else's
        times = [str(row[dispatched]) for row in own]
        assert times == sorted(times)  # within a street, as dispatched
    street_header, street_rows = ledger(homes[0])
    assert "街道" not in street_header and street_header[0] == "工单编号"
    assert {row[0] for row in street_rows} == made[0]


def test_the_same_file_in_another_street_is_set_aside_naming_the_street(
        tmp_path: Path, test_database: str | None) -> None:
    """A file one street has read, dropped (byte for byte) into another street's inbox: the
    second street does not take it, its clerk is told whose file it is and what to do, and
    the first street's orders and record of the file stay as they were."""
    url = shared_url(tmp_path, test_database)
    one, two = (office_home(tmp_path / f"s{i}", STREETS[i], url) for i in range(2))
    made = night(tmp_path / "m", one.home, orders=6, street=0)
    copies = {p.name: p.read_bytes() for p in (one.home / "inbox").iterdir()}
    assert one.run().exit_code == 0
    for name, data in copies.items():
        (two.home / "inbox" / name).parent.mkdir(exist_ok=True)
        (two.home / "inbox" / name).write_bytes(data)
        age(two.home / "inbox" / name)

    result = two.run()
    assert result.exit_code == 1, result.output
    assert numbers(two) == []
    assert set(numbers(one)) == made
    reasons = list((two.home / "failed").rglob("*.原因.txt"))
    assert len(reasons) == len(copies)
    text = reasons[0].read_text(encoding="utf-8")
    assert f"{STREETS[0]}已读入过这个文件（内容完全相同）" in text and "区热线办" in text
    assert "没有读入本街道" in text and "无法读取" not in text
    assert "别的街道已读入过" in result.output
    assert not any((two.home / "inbox").iterdir())
    store = open_store(url)
    with store.read() as conn:
        offices = set(conn.execute(select(schema.files.c.office)).scalars())
    store.close()
    assert offices == {STREETS[0]}
