"""Stage verbs run by several processes at once on the same orders: every write is
serialised by the store's write transaction, numbers come from a sequence."""

from __future__ import annotations

import multiprocessing
import random
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Hotline, drop
from sqlalchemy import text

from pipeline import clock
from pipeline.cli import main
from pipeline.demo.samples import _table, write_xlsx
from pipeline.home import open_home
from pipeline.model import IncomingOrder

EXTEND_PROCESSES = 6
EXTENDS_EACH = 4  # half on each of two orders: 12 days each, under the 15-day cap
REQUEST_ORDERS = 12


def _orders(folder: Path, numbers: list[str]) -> Path:
    """Orders dispatched two days ago (the real clock: the children read it too)."""
    dispatched = (clock.now() - timedelta(days=2)).replace(hour=9, minute=0, second=0)
    orders = [IncomingOrder(order_no=n, kind="一般", category="投诉",
                            dispatch_time=dispatched.isoformat(),
                            content="来电人反映：楼道堆物，存在消防隐患。", caller="孙女士",
                            phone="13900003333") for n in numbers]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "工单.xlsx"
    write_xlsx(path, _table(orders, "seed", "iso", random.Random(1), extra=False))
    return path


def _child(home: str, commands: list[list[str]], out: multiprocessing.Queue) -> None:
    runner = CliRunner()
    codes = []
    for args in commands:
        result = runner.invoke(main, ["--home", home, *args])
        codes.append((args[0], result.exit_code, result.output))
    out.put(codes)


@pytest.fixture
def shared(tmp_path: Path) -> Hotline:
    numbers = ["GX0001", "GX0002", *[f"GX{n:04d}" for n in range(100, 100 + REQUEST_ORDERS)]]
    home = tmp_path / "home"
    drop(home, _orders(tmp_path / "in", numbers))
    hotline = Hotline(home)
    assert hotline.run(clock.today()).exit_code == 0
    return hotline


def _run_children(home: Path, plans: list[list[list[str]]]) -> list[tuple[str, int, str]]:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_child, args=(str(home), plan, queue)) for plan in plans]
    for child in children:
        child.start()
    results = [item for _ in children for item in queue.get(timeout=300)]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    return results


@pytest.mark.slow
def test_processes_at_once_lose_nothing_and_share_no_number(shared: Hotline) -> None:
    home = shared.home
    extends = [["extend", number, "--days", "1", "--reason", "经分管领导批准"]
               for number in ("GX0001", "GX0002")]
    requests = [[verb, f"GX{100 + i:04d}", "--reason", "诉求涉及已进入诉讼程序的纠纷"]
                for i, verb in enumerate(["exclude", "objective"] * (REQUEST_ORDERS // 2))]
    contacts = [["contact", "GX0001", "--note", f"第{i}位经办人联系"] for i in range(4)]
    plans = [extends * (EXTENDS_EACH // 2) for _ in range(EXTEND_PROCESSES)]
    for i, command in enumerate(requests + contacts):
        plans[i % EXTEND_PROCESSES].append(command)
    for plan in plans:
        random.Random(len(plan)).shuffle(plan)

    results = _run_children(home, plans)

    failed = [(verb, code, out) for verb, code, out in results if verb != "contact" and code != 0]
    assert failed == []
    contacted = [code for verb, code, _ in results if verb == "contact"]
    # one records it; the others are told it is done (refused, or "无需重复" in the same second)
    assert 0 in contacted and set(contacted) <= {0, 2}
    opened = open_home(home)  # the home's own store: SQLite, or the PostgreSQL of the run
    try:
        with opened.store().read() as db:
            days = db.execute(text(
                "SELECT extension_days FROM orders WHERE order_no IN ('GX0001', 'GX0002') "
                "ORDER BY order_no")).fetchall()
            kinds = dict(db.execute(text(
                "SELECT kind, count(*) FROM events GROUP BY kind")).fetchall())
            numbers = [r[0] for r in db.execute(text(
                "SELECT request_no FROM orders WHERE request_no <> ''"))]
    finally:
        opened.close()
    days = [tuple(r) for r in days]
    assert days == [(EXTEND_PROCESSES * EXTENDS_EACH // 2,)] * 2
    assert kinds["extended"] == EXTEND_PROCESSES * EXTENDS_EACH
    assert kinds["requested"] == REQUEST_ORDERS and kinds["contacted"] == 1
    assert len(numbers) == REQUEST_ORDERS and len(set(numbers)) == REQUEST_ORDERS
    year = clock.today().year
    half = REQUEST_ORDERS // 2
    assert sorted(n for n in numbers if n.startswith("不纳入")) == [
        f"不纳入-{year}-{i:03d}" for i in range(1, half + 1)]
    forms = list((home / "outbox").glob("*/申请表/*.docx"))
    assert len(forms) == REQUEST_ORDERS
