"""Random sequences of stage actions against a plain model of the regulation (issue 14).

Verbs with random times, --from-file batches (killed half-way and rerun), returned 转送单
and 台账 round trips (dropped again): whatever the sequence, no action is recorded out of
the regulation's order, no time is later than now or earlier than what must precede it,
each input is applied once, and the store's orders and events agree with the model.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from click.testing import CliRunner
from conftest import CONSOLE_ENCODING, drop, make_home
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from test_documents import NOTES, fill_in
from test_stage_record import order, orders_file

from pipeline.cli import main
from pipeline.errors import HotlineError
from pipeline.home import open_home
from pipeline.workflow.actions import Actions

START = datetime(2026, 11, 9, 9, 0)  # a Monday; the orders came the Monday before
NUMBERS = ("SM0001", "SM0002", "SM0003")
DEPARTMENTS = ("北站派出所", "城管中队", "房管办")
RESULTS = ("实际解决", "解释说明")
MAX_EXTENSION = 15  # working days in all for an ordinary order (annex1.toml [extension])
_TEMPLATE: dict[str, Path] = {}


def template_home() -> Path:
    """One home with the three orders read, made once and copied for every example."""
    if "home" not in _TEMPLATE:
        base = Path(tempfile.mkdtemp(prefix="stage-model-"))
        with time_machine.travel(START - timedelta(days=6, hours=-9), tick=False):
            home = make_home(base / "home")
            drop(home, orders_file(base / "in", [order(n, dispatched="2026-11-02T09:00:00")
                                                 for n in NUMBERS]))
            result = CliRunner(charset=CONSOLE_ENCODING).invoke(
                main, ["--home", str(home), "run", "--as-of", "2026-11-02"])
            assert result.exit_code == 0, result.output
        with time_machine.travel(START - timedelta(days=1), tick=False):
            for args in (("assign", "SM0001", "SM0002", "北站派出所"),
                         ("handle", "SM0002", "--result", "实际解决", "--at", "2026-11-05 10:00")):
                done = CliRunner(charset=CONSOLE_ENCODING).invoke(main, ["--home", str(home), *args])
                assert done.exit_code == 0, done.output
        _TEMPLATE["home"] = home
    return _TEMPLATE["home"]


@dataclass
class Model:
    """What the regulation says the store holds: per order its stage and times."""

    status: str = "待分派"
    department: str = ""
    result: str = ""
    handled_at: datetime | None = None
    contacted_at: datetime | None = None
    visited_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    extension: int = 0
    events: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.events[kind] = self.events.get(kind, 0) + 1

    def visited(self, satisfied: bool, moment: datetime) -> None:
        """A visit recorded at `moment`: 已回访, or reopened (不满意) with its clock restarted."""
        if satisfied:
            self.status, self.visited_at = "已回访", moment
            self.add("visited")
        else:
            self.status, self.visited_at, self.reopened_at = "办理中", moment, moment
            self.result, self.handled_at, self.extension = "", None, 0
            self.add("reopened")

    def earliest(self, action: str) -> datetime:
        bounds = [datetime(2026, 11, 2, 9, 0)]
        if action == "handle" and self.reopened_at:
            bounds.append(self.reopened_at)
        if action in ("visit", "close") and self.handled_at:
            bounds.append(self.handled_at)
        if action == "close" and self.visited_at:
            bounds.append(self.visited_at)
        return max(bounds)


class StageMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="stage-example-"))
        self.home = self.dir / "home"
        shutil.copytree(template_home(), self.home)
        self.now = START
        self.traveller = time_machine.travel(self.now, tick=False)
        self.traveller.start()
        # as the template left them: SM0001 assigned, SM0002 handled, SM0003 waiting
        self.model = {n: Model() for n in NUMBERS}
        self.model["SM0001"] = Model("办理中", "北站派出所", events={"assigned": 1})
        self.model["SM0002"] = Model("已办结", "北站派出所", "实际解决", datetime(2026, 11, 5, 10, 0),
                                     events={"assigned": 1, "handled": 1})
        self.files: list[Path] = []  # the extend files made so far
        # rows applied, by the file's content and row: a file of the same bytes is the same input
        self.rows_applied: set[tuple[str, str]] = set()
        self.inputs = 0  # rows, forms and ledger rows applied (applied_inputs)
        self.runner = CliRunner(charset=CONSOLE_ENCODING)
        self.drops = 0

    def teardown(self) -> None:
        self.traveller.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- plumbing -----------------------------------------------------------------------------

    def actions(self) -> Actions:
        return Actions(open_home(self.home), actor="测试", source="model")

    def attempt(self, call: Any) -> bool:
        home = open_home(self.home)
        try:
            call(Actions(home, actor="测试", source="model"))
        except HotlineError:
            return False
        finally:
            home.close()
        return True

    def when(self, minutes_back: int | None) -> datetime | None:
        return None if minutes_back is None else self.now - timedelta(minutes=minutes_back)

    def run(self) -> None:
        result = self.runner.invoke(main, ["--home", str(self.home), "run",
                                           "--as-of", self.now.date().isoformat()])
        assert result.exit_code in (0, 1), result.output

    def put(self, path: Path, saved: datetime) -> None:
        os.utime(path, (saved.timestamp(), saved.timestamp()))
        shutil.copy2(path, self.home / "inbox" / path.name)

    # -- the clock ----------------------------------------------------------------------------

    @rule(minutes=st.integers(1, 60 * 30))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.traveller.stop()
        self.traveller = time_machine.travel(self.now, tick=False)
        self.traveller.start()

    # -- verbs (the library, as every path uses it) -------------------------------------------

    @rule(number=st.sampled_from(NUMBERS), department=st.sampled_from(DEPARTMENTS))
    def assign(self, number: str, department: str) -> None:
        m = self.model[number]
        done = self.attempt(lambda a: a.assign(number, department))
        if m.department == department:
            assert done
            return
        expected = m.status in ("待分派", "办理中")
        assert done == expected, (number, m)
        if done:
            m.department, m.status = department, "办理中"
            m.add("assigned")

    @rule(number=st.sampled_from(NUMBERS), back=st.none() | st.integers(0, 60 * 24 * 10))
    def contact(self, number: str, back: int | None) -> None:
        m = self.model[number]
        at = self.when(back)
        done = self.attempt(lambda a: a.contact(number, at))
        moment = at or self.now
        if m.status == "已关闭":
            assert not done
            return
        if m.contacted_at is not None:
            assert done == (at is None or at == m.contacted_at)
            return
        expected = moment >= m.earliest("contact")
        assert done == expected, (number, m, at)
        if done:
            m.contacted_at = moment
            m.add("contacted")

    @rule(number=st.sampled_from(NUMBERS), result=st.sampled_from(RESULTS),
          back=st.none() | st.integers(0, 60 * 24 * 10))
    def handle(self, number: str, result: str, back: int | None) -> None:
        m = self.model[number]
        at = self.when(back)
        done = self.attempt(lambda a: a.handle(number, result, at=at))
        self._handled(m, result, at, at or self.now, done)

    def _handled(self, m: Model, result: str, at: datetime | None, moment: datetime,
                 done: bool) -> None:
        if m.status in ("已办结", "已回访", "已关闭") and m.result == result and (
                at is None or at == m.handled_at):
            assert done
            return
        if m.status == "已办结":  # a different result: a correction, 办结 keeps its time
            expected = at is None or m.earliest("handle") <= at <= self.now
            assert done == expected
            if done:
                m.result = result
                m.handled_at = at or m.handled_at
                m.add("corrected")
            return
        expected = (m.status == "办理中" and bool(m.department)
                    and m.earliest("handle") <= moment <= self.now)
        assert done == expected, (m, at)
        if done:
            m.status, m.result, m.handled_at = "已办结", result, moment
            m.add("handled")

    @rule(number=st.sampled_from(NUMBERS), satisfied=st.booleans(),
          back=st.none() | st.integers(0, 60 * 24 * 3))
    def visit(self, number: str, satisfied: bool, back: int | None) -> None:
        m = self.model[number]
        at = self.when(back)
        verdict = "满意" if satisfied else "不满意"
        done = self.attempt(lambda a: a.visit(number, verdict, at=at))
        moment = at or self.now
        expected = m.status == "已办结" and m.earliest("visit") <= moment <= self.now
        assert done == expected, (m, at)
        if not done:
            return
        m.visited(satisfied, moment)

    @rule(number=st.sampled_from(NUMBERS), back=st.none() | st.integers(0, 60 * 24 * 3))
    def close(self, number: str, back: int | None) -> None:
        m = self.model[number]
        at = self.when(back)
        done = self.attempt(lambda a: a.close(number, at=at))
        moment = at or self.now
        expected = (m.status in ("已办结", "已回访") and bool(m.result)
                    and m.earliest("close") <= moment <= self.now)
        assert done == expected, (m, at)
        if done:
            m.status, m.closed_at = "已关闭", moment
            m.add("closed")

    # -- --from-file, killed and rerun --------------------------------------------------------

    @rule(rows=st.lists(st.tuples(st.sampled_from(NUMBERS), st.integers(1, 3)), min_size=1,
                        max_size=4),
          kill_at=st.none() | st.integers(1, 4))
    def extend_from_file(self, rows: list[tuple[str, int]], kill_at: int | None) -> None:
        path = self.dir / f"延期-{len(self.files)}.csv"
        path.write_text("工单编号,延期天数,理由\n" + "".join(
            f"{n},{d},经分管领导批准（第{i}行）\n" for i, (n, d) in enumerate(rows)),
            encoding="utf-8")
        self.files.append(path)
        self._extend(len(self.files) - 1, kill_at)

    @precondition(lambda self: bool(self.files))
    @rule(which=st.integers(0, 20))
    def extend_file_again(self, which: int) -> None:
        self._extend(which % len(self.files), None)

    def _extend(self, index: int, kill_at: int | None) -> None:
        path = self.files[index]
        content = path.read_text(encoding="utf-8")
        lines = content.splitlines()[1:]
        real = Actions.extend
        calls: list[str] = []

        def dying(actions: Actions, *args: Any, **kwargs: Any) -> Any:
            calls.append(args[0])
            if kill_at is not None and len(calls) == kill_at:
                raise KeyboardInterrupt
            return real(actions, *args, **kwargs)

        Actions.extend = dying  # type: ignore[method-assign]
        try:
            self.runner.invoke(main, ["--home", str(self.home), "extend", "--from-file",
                                      str(path)])
        finally:
            Actions.extend = real  # type: ignore[method-assign]
        for i, line in enumerate(lines):
            row = f"第{i + 2}行"
            number, days, _ = line.split(",")
            if (content, row) in self.rows_applied:
                continue
            if kill_at is not None and i + 1 >= kill_at:
                event("--from-file killed part-way")
                break  # the kill: this row and the rest not applied
            m = self.model[number]
            if m.status in ("待分派", "办理中") and m.extension + int(days) <= MAX_EXTENSION:
                m.extension += int(days)
                m.add("extended")
                self.rows_applied.add((content, row))
                self.inputs += 1

    # -- returned 转送单 and the 台账 ----------------------------------------------------------

    @rule(number=st.sampled_from(NUMBERS), result=st.sampled_from(RESULTS),
          saved_back=st.integers(1, 60 * 24 * 4), again=st.booleans())
    def returned_form(self, number: str, result: str, saved_back: int, again: bool) -> None:
        m = self.model[number]
        issued = self.home / "outbox" / "2026-11-02" / "转送单" / f"{number}.docx"
        self.drops += 1
        form = fill_in(issued, self.dir / f"f{self.drops}" / f"回复{self.drops}.docx",
                       notes=NOTES + f"（第{self.drops}份）", result=result)
        saved = self.now - timedelta(minutes=saved_back)
        self.put(form, saved)
        before = m.status
        event(f"returned form on a {before} order")
        self.run()
        moment = min(max(saved, m.earliest("handle")), self.now)
        if before == "办理中" and m.department:
            m.status, m.result, m.handled_at = "已办结", result, moment
            m.add("handled")
            self.inputs += 1
        elif before == "已办结":  # the notes differ at least: a correction, 办结 keeps its time
            m.result = result
            m.add("corrected")
            self.inputs += 1
        if again:  # the same report dropped again (re-saved: other bytes)
            copy = self.dir / f"f{self.drops}" / f"回复{self.drops}-再次.docx"
            shutil.copyfile(form, copy)
            with open(copy, "ab") as fh:
                fh.write(b"\0")  # same content read back, other bytes
            self.put(copy, saved)
            self.run()

    @rule(number=st.sampled_from(NUMBERS), satisfied=st.booleans(),
          saved_back=st.integers(1, 60 * 24), again=st.booleans())
    def ledger_visit(self, number: str, satisfied: bool, saved_back: int, again: bool) -> None:
        """A 满意度 written in the night's 台账 and dropped back (maybe twice)."""
        m = self.model[number]
        self.run()
        day = self.now.date().isoformat()
        book = openpyxl.load_workbook(self.home / "outbox" / day / f"工单台账-{day}.xlsx")
        ws = book["工单台账"]
        cols = {c.value: c.column for c in ws[3] if c.value}
        row = next((r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == number), None)
        if row is None:
            return  # closed last month: not on the sheet
        verdict = "满意" if satisfied else "不满意"
        original = ws.cell(row, cols["满意度"]).value or ""
        ws.cell(row, cols["满意度"]).value = verdict
        self.drops += 1
        path = self.dir / f"l{self.drops}" / f"台账{self.drops}.xlsx"
        path.parent.mkdir()
        book.save(path)
        saved = self.now - timedelta(minutes=saved_back)
        self.put(path, saved)
        self.run()
        event(f"台账 {verdict} on a {m.status} order" + (" (unchanged)" if original == verdict else ""))
        if original != verdict and m.status == "已办结":
            moment = min(max(saved, m.earliest("visit")), self.now)
            self.inputs += 1
            m.visited(satisfied, moment)
        if again:
            ws.cell(2, 1).value = f"（第{self.drops}次放回）"  # other bytes, same edits
            copy = path.with_name(f"台账{self.drops}-再次.xlsx")
            book.save(copy)
            self.put(copy, saved)
            self.run()

    # -- what must always hold ----------------------------------------------------------------

    def _store_row(self, number: str) -> dict[str, Any]:
        db = sqlite3.connect(self.home / "hotline.db")
        db.row_factory = sqlite3.Row
        try:
            return dict(db.execute("SELECT * FROM orders WHERE order_no=?", (number,)).fetchone())
        finally:
            db.close()

    @invariant()
    def store_agrees_with_the_model(self) -> None:
        db = sqlite3.connect(self.home / "hotline.db")
        try:
            for number, m in self.model.items():
                row = self._store_row(number)
                assert row["status"] == m.status, (number, row["status"], m)
                assert row["department"] == m.department
                assert (row["result"] or "") == m.result
                assert row["extension_days"] == m.extension
                for name, value in (("handled_at", m.handled_at), ("visited_at", m.visited_at),
                                    ("closed_at", m.closed_at),
                                    ("first_contact_at", m.contacted_at)):
                    assert row[name] == (value.isoformat() if value else None), (name, row, m)
                kinds = dict(db.execute(
                    "SELECT kind, count(*) FROM events WHERE order_no=? AND kind NOT IN "
                    "('received', 'progress') GROUP BY kind", (number,)).fetchall())
                assert kinds == m.events, (number, kinds, m.events)
            latest = db.execute("SELECT max(at) FROM events").fetchone()[0]
            assert latest <= self.now.isoformat()
            applied = db.execute("SELECT count(*) FROM applied_inputs").fetchone()[0]
            assert applied == self.inputs
        finally:
            db.close()

    @invariant()
    def order_of_the_regulation(self) -> None:
        for number in NUMBERS:
            row = self._store_row(number)
            if row["handled_at"]:
                assert row["department"], row
                assert row["handled_at"] >= row["dispatch_time"]
            # (after a 不满意 visit, visited_at is that visit's until the next one)
            if row["status"] == "已回访":
                assert row["visited_at"] >= row["handled_at"], row
            if row["closed_at"]:
                assert row["closed_at"] >= max(row["handled_at"], row["visited_at"] or ""), row


TestStageModel = StageMachine.TestCase
TestStageModel.settings = settings(max_examples=25, stateful_step_count=12, deadline=None,
                                   suppress_health_check=list(HealthCheck))
TestStageModel = pytest.mark.slow(TestStageModel)
