"""Scoring as data: `[assessment]` in hotline.toml says how the district scores a month —
the weight of 基本满意 in 满意率, which results count as 解决, and an optional composite score
with a weight (points) for each rate. The shipped settings are an example to be set to the
district's own rules, never presented as official; 指标说明 prints the formulas used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.errors import ConfigError
from pipeline.model import RESULTS

# The rates a score may weigh: the clerk's name → the Figures property.
RATES = {"先行联系按时率": "contact_rate", "按时办结率": "on_time_rate", "解决率": "solved_rate",
         "满意率": "satisfaction_rate"}
EXAMPLE = "（本街道 hotline.toml [assessment] 的设置；软件自带的设置只是示例，应按本区考核办法修改）"


def _number(text: float) -> str:
    return f"{text:g}"


@dataclass(frozen=True)
class Scoring:
    basic_weight: float = 1.0  # 基本满意 counts this much of a 满意
    solved: tuple[str, ...] = ("实际解决",)
    weights: tuple[tuple[str, float], ...] = ()  # rate name → points; empty: no score

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> Scoring:
        """Read `[assessment]`; what makes no sense is refused with the line to fix."""
        try:
            weight = float(section.get("basic_satisfied_weight", 1.0))
        except (TypeError, ValueError):
            raise ConfigError("[assessment] basic_satisfied_weight 应为 0 到 1 之间的数，如 0.9。") from None
        if not 0 <= weight <= 1:
            raise ConfigError("[assessment] basic_satisfied_weight 应在 0 到 1 之间，如 0.9。")
        solved = section.get("solved", ["实际解决"])
        if isinstance(solved, str):
            solved = [solved]
        unknown = [s for s in solved if s not in RESULTS]
        if not solved or unknown:
            raise ConfigError(f"[assessment] solved 应从 {'、'.join(RESULTS)} 中选，"
                              f"“{'、'.join(map(str, unknown)) or '（空）'}”不认得。")
        return cls(weight, tuple(str(s) for s in solved), _weights(section.get("score", {})))

    @property
    def scored(self) -> bool:
        return bool(self.weights)

    @property
    def full_marks(self) -> float:
        return sum(w for _, w in self.weights)

    def satisfaction(self, satisfied: int, basic: int, visited: int) -> float | None:
        return (satisfied + self.basic_weight * basic) / visited if visited else None

    def score(self, figures: Any) -> float | None:
        """Σ points × rate; a rate with nothing due is left out and the rest scaled up to the
        full marks. None when no rate has anything due (or no score is set)."""
        present = [(w, getattr(figures, RATES[name])) for name, w in self.weights]
        present = [(w, r) for w, r in present if r is not None]
        got = sum(w for w, _ in present)
        if not present or not got:
            return None
        return sum(w * r for w, r in present) * self.full_marks / got

    def formulas(self) -> list[tuple[str, str]]:
        """The definitions as used, for 指标说明 and `assess --json`."""
        basic = (f"{_number(self.basic_weight)} × 基本满意" if self.basic_weight != 1 else "基本满意")
        out = [
            ("解决率", f"（{' + '.join(self.solved)}）÷ 已办结。{EXAMPLE}"),
            ("满意率", f"（满意 + {basic}）÷ 已回访。{EXAMPLE}"),
        ]
        if self.scored:
            terms = " + ".join(f"{_number(w)} × {name}" for name, w in self.weights)
            out += [
                ("综合得分", f"{terms}，满分 {_number(self.full_marks)} 分；某项比率本月没有应办的工单时，"
                             f"不计该项，其余各项得分按满分折算。{EXAMPLE}"),
                ("排名", "按综合得分从高到低，得分相同（保留两位小数）名次相同；没有得分的不排名。"),
            ]
        return out


def _weights(section: Any) -> tuple[tuple[str, float], ...]:
    if not isinstance(section, dict):
        raise ConfigError("[assessment.score] 应为一个小节，每行写“比率名称 = 分值”。")
    out = []
    for name, value in section.items():
        if name not in RATES:
            raise ConfigError(f"[assessment.score] 中“{name}”不认得，可用：{'、'.join(RATES)}。")
        try:
            points = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"[assessment.score] 中“{name}”的分值应为数字。") from None
        if points < 0:
            raise ConfigError(f"[assessment.score] 中“{name}”的分值不能为负数。")
        out.append((str(name), points))
    return tuple(out)


def ranks(scores: Sequence[float | None]) -> list[int | None]:
    """Competition ranks (1, 2, 2, 4) by score, highest first; None unranked."""
    rounded = [None if s is None else round(s, 2) for s in scores]
    return [None if s is None else 1 + sum(1 for t in rounded if t is not None and t > s)
            for s in rounded]
