"""Labels and values as data: the shipped set, what a home adds in hotline.toml, labels that
mean different things in different systems settled by their values."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import Hotline, drop

from pipeline.config import DEFAULT_CONFIG, Limits
from pipeline.demo.samples import LAYOUTS
from pipeline.errors import ConfigError
from pipeline.intake import read_file
from pipeline.intake.labels import Vocabulary, build_vocabulary, normalise_label
from pipeline.model import IncomingOrder

STANDARD = LAYOUTS["seed"]
ROW = {
    "order_no": "20261120000001", "caller": "李先生", "call_time": "2026-11-20 08:00:00",
    "address": "天目西路1号", "phone": "13800001111", "dispatch_time": "2026-11-20 09:05:00",
    "from_unit": "闸北区人民政府", "doc_no": "", "is_reminder": "转送单", "priority": "普通",
    "kind": "一般", "category": "投诉", "content": "来电人反映：噪声扰民。",
}


def table(tmp_path: Path, rows: list[dict[str, Any]], *, rename: dict[str, str] | None = None,
          extra: dict[str, list[Any]] | None = None, drop_keys: tuple[str, ...] = ()) -> Path:
    """Our standard export with some labels renamed and columns added or left out."""
    keys = [k for k in STANDARD if k not in drop_keys]
    header = [(rename or {}).get(k, STANDARD[k]) for k in keys] + list(extra or {})
    body = [[r.get(k, ROW[k]) for k in keys] + [v[i] for v in (extra or {}).values()]
            for i, r in enumerate(rows)]
    wb = openpyxl.Workbook()
    for line in [header, *body]:
        wb.active.append(line)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return path


def orders(path: Path, vocab: Vocabulary | None = None) -> list[IncomingOrder]:
    result = read_file(path, Limits(), vocab)
    assert result.problems == [], [p.text() for p in result.problems]
    return result.orders


# -- the shipped set ----------------------------------------------------------------------------

def test_no_label_stands_for_two_fields() -> None:
    data = tomllib.loads(resources.files("pipeline.intake").joinpath("labels.toml").read_text("utf-8"))
    lists = {k: v for k, v in data.items() if isinstance(v, list)} | data["kept"]
    seen: dict[str, str] = {}
    for key, labels in [*lists.items(), *((k, [k]) for k in data["ambiguous"])]:
        for label in labels:
            norm = normalise_label(label)
            assert norm not in seen, f"“{label}” is under {seen.get(norm)} and {key}"
            seen[norm] = key


@pytest.mark.parametrize(("label", "field"), [
    ("主要内容", "content"), ("内容描述", "content"), ("诉求类型", "category"), ("派件时间", "dispatch_time"),
    ("区交办时间", "dispatch_time"), ("工单优先", "priority"), ("求助号码", "phone"), ("小区点位", "address"),
    ("受理编号", "order_no"), ("反映人", "caller"), ("留言时间", "call_time"), ("转交来单位", "from_unit"),
])
def test_names_seen_in_other_systems_are_read(tmp_path: Path, label: str, field: str) -> None:
    path = table(tmp_path, [{}], rename={field: label})
    assert orders(path)[0].fields() == orders(table(tmp_path, [{}]))[0].fields()


# -- one label, several meanings ----------------------------------------------------------------

@pytest.mark.parametrize(("values", "reminder", "role_extra"), [
    (["转送单", "催单"], [False, True], False),  # our own system: 是否催单
    (["主办", "协办"], [False, False], True),  # Beijing: 主办/协办/转办, never a 催单
])
def test_gongdan_xingzhi_is_decided_by_its_values(tmp_path: Path, values: list[str],
                                                 reminder: list[bool], role_extra: bool) -> None:
    rows = [{"is_reminder": v, "order_no": f"2026112000000{i}"} for i, v in enumerate(values)]
    read = orders(table(tmp_path, rows, rename={"is_reminder": "工单性质"}))
    assert [o.is_reminder for o in read] == reminder
    assert ("工单性质" in read[0].extras) is role_extra
    assert ("supporting_role" in read[1].flags) is role_extra


def test_gongdan_leixing_is_the_category_in_beijing_and_the_kind_beside_a_category(
        tmp_path: Path) -> None:
    beijing = table(tmp_path, [{"kind": "举报"}, {"kind": "表扬", "order_no": "20261120000002"}],
                    drop_keys=("category",))
    assert [(o.kind, o.category) for o in orders(beijing)] == [("一般", "举报"), ("一般", "表扬")]
    both = table(tmp_path, [{"kind": "紧急工单", "priority": "紧急"}],
                 rename={"category": "诉求类型"})
    assert [(o.kind, o.category) for o in orders(both)] == [("紧急", "投诉")]


def test_the_12345_prefix_is_dropped_only_when_the_short_label_is_not_there(tmp_path: Path) -> None:
    prefixed = table(tmp_path, [{}], rename={"call_time": "12345来电时间"})
    assert orders(prefixed)[0].call_time == "2026-11-20T08:00:00"
    beside = table(tmp_path, [{}], extra={"12345来电日期": ["2026-11-19 07:00:00"]})
    order = orders(beside)[0]
    assert order.call_time == "2026-11-20T08:00:00"
    assert order.extras == {"12345来电日期": "2026-11-19 07:00:00"}


def test_a_second_column_for_a_field_is_a_fall_back_and_kept(tmp_path: Path) -> None:
    path = table(tmp_path, [{"phone": None}], extra={"市民移动电话": ["13911112222"]})
    order = orders(path)[0]
    assert order.phone == "13911112222"
    assert order.extras == {"市民移动电话": "13911112222"}


def test_a_masked_phone_reads_as_empty_and_says_so(tmp_path: Path) -> None:
    order = orders(table(tmp_path, [{"phone": "138××××1234"}]))[0]
    assert order.phone == "" and order.notes == ["联系电话已脱敏（××××），未读入"]


def test_another_street_and_a_supporting_role_are_flagged(tmp_path: Path) -> None:
    extra = {"被反映街乡镇": ["静安区北站街道", "芷江西路街道"], "是否主办": ["是", "否"],
             "主办单位": ["", "区房管局"]}
    rows = [{}, {"order_no": "20261120000002"}]
    ours, theirs = orders(table(tmp_path, rows, extra=extra))
    assert ours.flags == {}
    assert list(theirs.flags) == ["other_street", "supporting_role"]
    assert "芷江西路街道" in theirs.flags["other_street"] and "可能需退单" in theirs.flags["other_street"]
    assert "主办单位：区房管局" in theirs.flags["supporting_role"]
    aliased = build_vocabulary(streets=("芷江西路街道",))
    assert "other_street" not in orders(table(tmp_path, rows, extra=extra), aliased)[1].flags


@pytest.mark.parametrize(("stricter", "kind", "how"), [(True, "紧急", "已按紧急工单的时限计算"),
                                                       (False, "一般", "仍按一般工单计算")])
def test_urgent_priority_on_a_general_order(tmp_path: Path, stricter: bool, kind: str, how: str) -> None:
    vocab = build_vocabulary(intake={"stricter_priority": stricter})
    order = orders(table(tmp_path, [{"priority": "紧急"}]), vocab)[0]
    assert order.kind == kind and how in order.flags["priority_kind_conflict"]


# -- what a home adds -------------------------------------------------------------------------

def test_an_unknown_category_word_says_where_to_map_it(tmp_path: Path) -> None:
    path = table(tmp_path, [{"category": "其他类"}])
    result = read_file(path, Limits())
    assert result.orders == []
    message = result.problems[0].text()
    assert "“其他类”无法识别" in message and "[values.category]" in message
    mapped = build_vocabulary(values={"category": {"其他": "求助"}})
    assert orders(path, mapped)[0].category == "求助"


@pytest.mark.parametrize(("labels", "values", "intake", "words"), [
    ({"诉求编码": "不存在的栏目"}, {}, {}, "软件不认得“不存在的栏目”"),
    ({}, {"kind": {"加急件": "特急"}}, {}, "[values.kind]"),
    ({}, {"colour": {"红": "红"}}, {}, "[values.colour]"),
    ({}, {}, {"dispatch_from": 3}, "dispatch_from"),
    ({}, {}, {"dispatch_from": "派单时间"}, "本来就是派单时间"),
    ({}, {}, {"stricter_priority": "是"}, "stricter_priority"),
])
def test_what_a_home_cannot_add_is_refused_with_what_to_write(
        labels: dict[str, Any], values: dict[str, Any], intake: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace("]", r"\]")):
        build_vocabulary(labels, values, intake)


def test_a_home_label_may_name_a_field_a_kept_column_or_a_known_label(tmp_path: Path) -> None:
    vocab = build_vocabulary({"诉求编码": "工单编号", "案件分类": "问题分类", "承办街道": "target_street"})
    assert [vocab.field_for(x) for x in ("诉求编码", "案件分类", "承办街道")] == [
        "order_no", "category_path", "target_street"]


def test_a_bad_config_stops_the_run_with_its_reason(home: Path, hotline: Hotline) -> None:
    home.mkdir(exist_ok=True)
    (home / "hotline.toml").write_text(DEFAULT_CONFIG.replace(
        "\n[labels]\n", '\n[labels]\n"诉求编码" = "编号码"\n', 1), encoding="utf-8")
    result = hotline("run")
    assert result.exit_code == 2
    assert "软件不认得“编号码”" in result.output


def test_routing_by_category_path_before_keywords(home: Path, hotline: Hotline, tmp_path: Path) -> None:
    home.mkdir(exist_ok=True)
    (home / "hotline.toml").write_text(DEFAULT_CONFIG, encoding="utf-8")
    # the content says 噪声 (→ 北站派出所), the district's 问题分类 says 住房管理 (→ 房管办)
    path = table(tmp_path, [{}, {"order_no": "20261120000002"}],
                 extra={"问题分类": ["住房管理->物业管理->噪声", ""]})
    drop(home, path)
    assert hotline.run().exit_code == 0
    suggested = {o["order_no"]: o["suggested_department"] for o in hotline.orders()}
    assert suggested == {"20261120000001": "房管办", "20261120000002": "北站派出所"}
