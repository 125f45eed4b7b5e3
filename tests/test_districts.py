"""Other districts' exports (pipeline/demo/districts.py): seeded, varied, and read back exactly
by the real readers and the real batch, extras kept, flags raised, clocks as Annex 1's table
says; a header the tool cannot map is refused with a recipe that, followed, makes it read."""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import AS_OF, Hotline, drop
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import DEFAULT_CONFIG, Limits
from pipeline.deadlines.rules import load_rules
from pipeline.demo.districts import (
    CLOCKS,
    FLAGS,
    MIN_ORDERS,
    PROFILES,
    STAND_IN,
    DistrictOrder,
    generate_districts,
)
from pipeline.errors import FileRejectedError
from pipeline.home import open_home
from pipeline.intake import read_file
from pipeline.intake.labels import Vocabulary, build_vocabulary
from pipeline.model import FLAGS as FLAGS_SAID
from pipeline.workflow.lookup import order_states

Generated = list[tuple[Path, str, list[DistrictOrder]]]
CONFIGURED = build_vocabulary(intake={"dispatch_from": "来电时间"})
NO_HANDLING = "无办理时限"
# How each flag's sentence begins (model.FLAGS keys).
FLAG_STARTS = {"other_street": "被反映街乡镇为", "supporting_role": "本街道为协办单位",
               "priority_kind_conflict": "工单类型为“一般”", "dispatch_stand_in": "导出没有派单时间"}


def load_rows(path: Path) -> list[list[Any]]:
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path).worksheets[0]
        return [list(row) for row in ws.iter_rows(values_only=True)]
    text = path.read_bytes().decode("gbk")  # strict: the file must be GBK
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]


def read_view(path: Path, vocab: Vocabulary = CONFIGURED) -> list[dict[str, Any]]:
    """What the tool reads from a file: fields, extras, flags, notes, where."""
    result = read_file(path, Limits(), vocab)
    assert result.problems == [], [p.text() for p in result.problems]
    return [{"fields": o.fields(), "extras": o.extras, "flags": list(o.flags), "notes": o.notes,
             "location": o.location} for o in result.orders]


def truth_view(row: DistrictOrder) -> dict[str, Any]:
    return {"fields": row.order.fields(), "extras": row.extras, "flags": row.flags,
            "notes": row.order.notes, "location": row.order.location}


def check_read_back(made: Generated) -> None:
    for path, _, truth in made:
        assert read_view(path) == [truth_view(r) for r in truth], path.name


def check_coverage(made: Generated) -> None:
    rows = [r for _, _, truth in made for r in truth]
    assert {p for _, p, _ in made} == set(PROFILES)
    assert {r.clock for r in rows} == set(CLOCKS)
    assert {f for r in rows for f in r.flags} == set(FLAGS)
    assert {"举报", "意见", "表扬", "感谢"} <= {r.order.category for r in rows}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return generate_districts(tmp_path_factory.mktemp("districts"), as_of=AS_OF)


# -- the generator ----------------------------------------------------------------------------

def test_same_seed_same_content(made: Generated, tmp_path: Path) -> None:
    again = generate_districts(tmp_path, as_of=AS_OF)
    assert [(p.name, n) for p, n, _ in again] == [(p.name, n) for p, n, _ in made]
    for (p1, _, t1), (p2, _, t2) in zip(made, again, strict=True):
        assert load_rows(p1) == load_rows(p2)
        if p1.suffix == ".csv":
            assert p1.read_bytes() == p2.read_bytes()
        assert t1 == t2


def test_another_seed_other_content(made: Generated, tmp_path: Path) -> None:
    other = generate_districts(tmp_path, as_of=AS_OF, seed=7)
    assert [load_rows(p) for p, _, _ in other] != [load_rows(p) for p, _, _ in made]


def test_every_profile_as_xlsx_and_gbk_csv_with_unique_numbers(made: Generated) -> None:
    assert sorted(p.suffix for p, _, _ in made) == [".csv"] * len(PROFILES) + [".xlsx"] * len(PROFILES)
    numbers = [r.order.order_no for _, _, t in made for r in t]
    assert len(numbers) == 40 == len(set(numbers))
    check_coverage(made)


def test_variations_are_there(made: Generated) -> None:
    """Title rows, unknown and shuffled columns, every date form, every path separator, three
    label sets for the same fields and value words our own district never writes."""
    headers = {}
    cells: list[Any] = []
    for path, profile, _ in made:
        rows = load_rows(path)
        top = next(i for i, r in enumerate(rows) if sum(isinstance(c, str) and c != "" for c in r) > 3)
        headers[path.name] = [c for c in rows[top] if c]
        cells += [c for row in rows[top + 1:] for c in row]
        declared = [c.label for c in PROFILES[profile].columns]
        assert set(declared) <= set(headers[path.name])
    assert any(len(h) > len(PROFILES[n].columns)
               for (_, n, _), h in zip(made, headers.values(), strict=True))
    assert {"主要内容", "12345内容描述", "内容", "诉求内容"} <= {c for h in headers.values() for c in h}
    assert any(isinstance(c, datetime) for c in cells)
    assert any(isinstance(c, float) for c in cells) and any(isinstance(c, int) for c in cells)
    for form in (r"\d{5}\.\d+", r"\d{4}/\d\d/\d\d \d\d:\d\d", r"\d{4}年\d\d月\d\d日 \d\d时\d\d分",
                 r"\w+->\w+->\w+", r"\w+/\w+/\w+", r"\w+-\w+-\w+", r"1\d\d××××\d{4}"):
        assert any(isinstance(c, str) and re.fullmatch(form, c) for c in cells), form
    words = {c for c in cells if isinstance(c, str)}
    assert {"投诉举报类", "举报", "表扬类", "感谢", "意见", "协办", "督办单", "次紧急"} <= words


def test_too_few_orders_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_districts(tmp_path, orders=MIN_ORDERS - 1, as_of=AS_OF)


# -- read back through the real readers ----------------------------------------------------------

def test_every_row_reads_back_exactly(made: Generated) -> None:
    check_read_back(made)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), orders=st.integers(MIN_ORDERS, 50),
       as_of=st.dates(date(2024, 1, 1), date(2030, 12, 31)))
def test_any_seed_reads_back_exactly(seed: int, orders: int, as_of: date) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        made = generate_districts(Path(tmp), orders=orders, seed=seed, as_of=as_of)
        assert sum(len(t) for _, _, t in made) == orders
        check_coverage(made)
        check_read_back(made)


def test_a_file_without_dispatch_time_is_refused_with_what_to_write(made: Generated) -> None:
    for path, profile, _ in made:
        if profile not in STAND_IN:
            continue
        with pytest.raises(FileRejectedError) as caught:
            read_file(path, Limits())
        reason = caught.value.reason
        assert "没有“转交日期（派单时间）”栏目" in reason
        assert "需要的栏目：工单编号、转交日期（派单时间）、来电内容" in reason
        assert "来电时间（来电日期）" in reason  # what it found
        assert 'dispatch_from = "来电时间"' in reason
        assert "派单时间" not in {c for c in load_rows(path)[1] if c}


# -- the real batch ------------------------------------------------------------------------------

def home_with(home: Path, *lines: str, section: str = "[intake]") -> None:
    """A home whose hotline.toml has `lines` added under `section`, as a clerk edits it."""
    home.mkdir(parents=True, exist_ok=True)
    text = DEFAULT_CONFIG.replace(f"\n{section}\n", f"\n{section}\n" + "".join(f"{x}\n" for x in lines), 1)
    (home / "hotline.toml").write_text(text, encoding="utf-8")


def expected_rule(row: DistrictOrder) -> str:
    rules = load_rules()
    if row.rule is None:
        return NO_HANDLING
    if row.rule == "petition":
        return rules.petition.label
    return next(r.label for r in rules.handling if r.key == row.rule)


def test_the_night_reads_every_order_exactly_keeps_extras_and_runs_annex1_clocks(
        home: Path, hotline: Hotline, made: Generated) -> None:
    home_with(home, 'dispatch_from = "来电时间"')
    drop(home, *[p for p, _, _ in made])

    result = hotline.run()

    assert result.exit_code == 0, result.output
    listed = {o["order_no"]: o for o in hotline.orders()}
    states = {s.row["order_no"]: s for s in order_states(open_home(home), AS_OF)}
    truth = [r for _, _, t in made for r in t]
    assert set(listed) == {r.order.order_no for r in truth}
    for row in truth:
        order = listed[row.order.order_no]
        state = states[row.order.order_no]
        if row.order.is_reminder:  # a 督办单 for an order not yet seen: it stands in for it
            assert order["reminders"] == 1 and "仅凭催单建立" in " ".join(order["flags"])
            continue
        assert {k: order[k] for k in row.order.fields()} == {**row.order.fields(), "is_reminder": False}
        detail = hotline.json("show", row.order.order_no, "--as-of", AS_OF.isoformat())
        assert detail["extras"] == {k: v for k, v in row.extras.items() if v}
        said = [f for f in order["flags"] if f.startswith(tuple(FLAG_STARTS.values()))]
        assert said == [next(f for f in said if f.startswith(FLAG_STARTS[k])) for k in row.flags]
        assert (state.deadlines.handling.label if state.deadlines.handling else NO_HANDLING) == (
            expected_rule(row)), row.order.order_no
    report = result.output
    for key, text in FLAGS_SAID.items():
        numbers = {r.order.order_no for r in truth if key in r.flags}
        assert (f"{text} {len(numbers)} 张" in report) is bool(numbers), key


def test_the_ledger_appends_the_exports_own_columns_and_says_the_flags(
        home: Path, hotline: Hotline, made: Generated) -> None:
    home_with(home, 'dispatch_from = "来电时间"')
    drop(home, *[p for p, _, _ in made])
    hotline.run()
    day = home / "outbox" / AS_OF.isoformat()
    ws = openpyxl.load_workbook(day / f"工单台账-{AS_OF}.xlsx")["工单台账"]
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    header = rows[0]
    notes = header.index("备注")
    extra = header[notes + 1:]
    kept = {"问题分类", "被反映街乡镇", "工单性质", "是否主办", "是否协办", "标签", "标题", "主办单位"}
    assert kept <= set(extra)
    assert extra.index("标题") < extra.index("问题分类") < extra.index("工单状态")  # grouped by role
    by_no = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    truth = [r for _, _, t in made for r in t if not r.order.is_reminder]
    ours = set(header[:notes + 1])
    for row in truth:
        cells = by_no[row.order.order_no]
        for label, value in row.extras.items():
            shown = f"{label}（区）" if label in ours else label
            assert (cells.get(shown) or "") == value, (row.order.order_no, label)
        if "other_street" in row.flags:
            assert "可能需退单" in cells["备注"]


# -- a header the tool cannot map ----------------------------------------------------------------

def renamed(made: Generated, folder: Path, old: str, new: str) -> Path:
    """A generated two-level export whose 工单编号 column this district calls `new`."""
    path = next(p for p, n, _ in made if n == "two_level" and p.suffix == ".xlsx")
    wb = openpyxl.load_workbook(path)
    for row in wb.active.iter_rows():
        for cell in row:
            if cell.value == old:
                cell.value = new
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / path.name
    wb.save(out)
    return out


def test_an_unknown_synonym_is_refused_with_a_recipe_that_makes_the_same_file_read(
        home: Path, hotline: Hotline, made: Generated, tmp_path: Path) -> None:
    home_with(home)
    export = renamed(made, tmp_path / "district", "工单编号", "诉求编码")
    drop(home, export)

    first = hotline.run()

    assert first.exit_code == 1
    aside = home / "failed" / AS_OF.isoformat() / export.name
    reason = (aside.parent / f"{export.name}.原因.txt").read_text(encoding="utf-8-sig")
    assert "没有“工单编号”栏目" in reason
    assert re.search(r"不认得的栏目：[^\n]*诉求编码", reason)
    assert "需要的栏目：工单编号、转交日期（派单时间）、来电内容" in reason
    assert "“诉求编码”可能是“工单编号”？在 hotline.toml 的 [labels] 中加一行即可" in reason
    line = re.search(r'"诉求编码" = "工单编号"', reason)
    assert line is not None
    assert hotline.orders() == []

    config = home / "hotline.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\n[labels]\n", f"\n[labels]\n{line.group(0)}\n", 1), encoding="utf-8")
    shutil.move(aside, home / "inbox" / export.name)  # the clerk puts it back
    drop(home)
    second = hotline.run()

    assert second.exit_code == 0, second.output
    truth = next(t for p, _, t in made if p.name == export.name)
    listed = {o["order_no"]: o for o in hotline.orders()}
    for row in truth:
        assert {k: listed[row.order.order_no][k] for k in row.order.fields()} == row.order.fields()


def test_a_file_without_dispatch_time_reads_once_the_stand_in_is_named(
        home: Path, hotline: Hotline, made: Generated) -> None:
    files = [p for p, n, _ in made if n in STAND_IN]
    home_with(home)
    drop(home, *files)
    first = hotline.run()
    assert first.exit_code == 1 and "没有“转交日期（派单时间）”栏目" in first.output
    assert hotline.orders() == []
    home_with(home, 'dispatch_from = "来电时间"')
    for path in files:
        shutil.move(home / "failed" / AS_OF.isoformat() / path.name, home / "inbox" / path.name)
    drop(home)

    second = hotline.run()

    assert second.exit_code == 0, second.output
    truth = [r for p, _, t in made if p in files for r in t]
    listed = {o["order_no"]: o for o in hotline.orders()}
    assert set(listed) == {r.order.order_no for r in truth}
    for row in truth:
        order = listed[row.order.order_no]
        assert order["dispatch_time"] == order["call_time"] == row.order.call_time
        assert any("派单时间取自“来电时间”" in f for f in order["flags"])
    assert f"导出没有派单时间，按配置以其他时间代替 {len(truth)} 张" in second.output

