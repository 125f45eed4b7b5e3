"""Annex 1 as data: the shipped rules files (annex1.toml, labels.toml), overridable from
`hotline.toml` [rules]."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from pipeline.errors import ConfigError

KINDS = ("一般", "紧急", "夜间特殊", "信访")
CATEGORIES = ("咨询", "建议", "求助", "投诉", "举报", "意见", "表扬", "感谢")


@dataclass(frozen=True)
class HandlingRule:
    """Working-day thresholds of one row of Annex 1 (day N after dispatch)."""

    key: str
    label: str
    kinds: tuple[str, ...]
    categories: tuple[str, ...]
    warning: int | None
    yellow: int | None
    red: int


@dataclass(frozen=True)
class PetitionRule:
    """信访: calendar days from acceptance, per 《信访工作条例》."""

    label: str
    kinds: tuple[str, ...]
    notify: int
    red: int
    max_extension: int
    warning: int | None = None
    yellow: int | None = None
    basis: str = "《信访工作条例》（2022年）"


@dataclass(frozen=True)
class Rules:
    basis: str
    first_contact_label: str
    first_contact_red: int
    handling: tuple[HandlingRule, ...]
    petition: PetitionRule
    second_handling_label: str
    second_handling_red: int
    no_handling: tuple[str, ...] = ()  # categories recorded without a handling clock
    no_handling_label: str = "只登记，不设办理时限"
    max_extension: int = 15  # working days an ordinary order may be extended in all

    def has_handling(self, category: str) -> bool:
        """Whether an order of this category gets a handling clock (表扬、感谢 do not)."""
        return category not in self.no_handling

    def is_petition(self, kind: str) -> bool:
        return kind in self.petition.kinds

    def handling_for(self, kind: str, category: str) -> tuple[HandlingRule, bool]:
        """The rule for a kind and category, and whether the category had to be assumed.

        A kind whose rows depend on the category but whose category is missing gets the
        strictest row (the earliest red day): a light too early can be corrected, a missed
        deadline cannot.
        """
        rows = [r for r in self.handling if kind in r.kinds]
        if not rows:
            raise ConfigError(f"时限规则中没有“{kind}”工单的办理时限，请检查 [rules]。")
        for row in rows:
            if not row.categories or category in row.categories:
                return row, False
        return min(rows, key=lambda r: r.red), True


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _days(section: dict[str, Any], key: str, where: str, *, required: bool) -> int | None:
    value = section.get(key)
    if value is None:
        if required:
            raise ConfigError(f"时限规则 {where} 缺少 {key}。")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"时限规则 {where}.{key} 应为正整数，现为“{value}”。")
    return value


def _check_order(warning: int | None, yellow: int | None, red: int, where: str) -> None:
    steps = [v for v in (warning, yellow, red) if v is not None]
    if steps != sorted(steps):
        raise ConfigError(f"时限规则 {where}：应满足 预警 ≤ 黄灯 ≤ 红灯。")


@lru_cache(maxsize=1)
def shipped_rules_data() -> dict[str, Any]:
    text = resources.files("pipeline.deadlines.rules").joinpath("annex1.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_rules(overrides: dict[str, Any] | None = None) -> Rules:
    """Annex 1 from the shipped file with the home's overrides applied, validated."""
    data = _deep_merge(shipped_rules_data(), overrides or {})
    try:
        handling = []
        for key, row in data["handling"].items():
            where = f"handling.{key}"
            warning = _days(row, "warning", where, required=False)
            yellow = _days(row, "yellow", where, required=False)
            red = _days(row, "red", where, required=True)
            assert red is not None
            _check_order(warning, yellow, red, where)
            handling.append(
                HandlingRule(
                    key=key,
                    label=str(row.get("label", key)),
                    kinds=tuple(row.get("kinds", ())),
                    categories=tuple(row.get("categories", ())),
                    warning=warning,
                    yellow=yellow,
                    red=red,
                )
            )
        p = data["petition"]
        petition = PetitionRule(
            label=str(p.get("label", "信访件")),
            kinds=tuple(p.get("kinds", ("信访",))),
            notify=_days(p, "notify", "petition", required=True) or 15,
            red=_days(p, "red", "petition", required=True) or 60,
            max_extension=int(p.get("max_extension", 30)),
            warning=_days(p, "warning", "petition", required=False),
            yellow=_days(p, "yellow", "petition", required=False),
            basis=str(p.get("basis", "《信访工作条例》（2022年）")),
        )
        fc = data["first_contact"]
        second = data["second_handling"]
        return Rules(
            basis=str(data.get("basis", "北站街道工作细则 附件1")),
            first_contact_label=str(fc.get("label", "先行联系")),
            first_contact_red=_days(fc, "red", "first_contact", required=True) or 1,
            handling=tuple(handling),
            petition=petition,
            second_handling_label=str(second.get("label", "重新办理")),
            second_handling_red=_days(second, "red", "second_handling", required=True) or 3,
            no_handling=tuple(str(c) for c in data.get("no_handling", {}).get("categories", ())),
            no_handling_label=str(data.get("no_handling", {}).get("label", "只登记，不设办理时限")),
            max_extension=_days(data.get("extension", {}), "max_workdays", "extension", required=False) or 15,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"时限规则不完整或格式有误（{exc}），请检查 hotline.toml 的 [rules]。") from exc
