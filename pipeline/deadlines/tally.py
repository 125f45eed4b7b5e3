"""The morning's numbers, counted once: the run report, the 督办日报's header and `list` all
print this tally, so that what they say agrees and adds up in front of the reader.

- 在办 (handling clock running) by the handling light: 正常 + 预警 + 黄灯 + 红灯 + 超时 = 在办;
- 待先行联系 (first-contact clock running) by its light, adding up the same way;
- 需督办: orders with a running clock at 黄灯, 红灯 or 超时, each counted once by its worst
  light; = 办理时限 + 先行联系 − 两者都有;
- 本月办结 by outcome: 按时 + 逾期 = 本月办结;
- 未登记先行联系: handled orders with no first contact on record, a data-quality item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from pipeline.deadlines.clocks import Light
from pipeline.deadlines.state import CHASE, OrderState

LIGHTS = tuple(light.value for light in Light)
CONTACT_LIGHTS = (Light.NORMAL.value, Light.RED.value, Light.OVERDUE.value)  # no 预警/黄灯
CHASE_LIGHTS = tuple(light.value for light in CHASE)


def _zeros(keys: Iterable[str]) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


@dataclass
class Tally:
    as_of: str
    in_hand: int = 0
    handling: dict[str, int] = field(default_factory=lambda: _zeros(LIGHTS))
    awaiting_contact: int = 0
    contact: dict[str, int] = field(default_factory=lambda: _zeros(CONTACT_LIGHTS))
    chased: int = 0
    chased_by_light: dict[str, int] = field(default_factory=lambda: _zeros(CHASE_LIGHTS))
    chased_handling: int = 0
    chased_contact: int = 0
    chased_both: int = 0
    handled_this_month: int = 0
    handled_on_time: int = 0
    handled_late: int = 0
    unrecorded_contact: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, states: Iterable[OrderState], as_of: date) -> Tally:
        tally = cls(as_of.isoformat())
        for state in states:
            tally.add(state)
        return tally

    def add(self, state: OrderState) -> None:
        """Count one more order (a list printed as it is read counts as it goes)."""
        month = date.fromisoformat(self.as_of).replace(day=1)
        handling, contact = state.handling, state.first_contact
        if handling.running:
            self.in_hand += 1
            self.handling[handling.light.value] += 1
        if contact.running:
            self.awaiting_contact += 1
            key = contact.light.value if contact.light.value in self.contact else Light.NORMAL.value
            self.contact[key] += 1
        if state.needs_supervision:
            self.chased += 1
            worst = max((v.light for v in state.chase_reasons), key=lambda x: x.rank)
            self.chased_by_light[worst.value] += 1
            self.chased_handling += handling.chased
            self.chased_contact += contact.chased
            self.chased_both += handling.chased and contact.chased
        done = handling.closed_on
        if done is not None and month <= done <= state.as_of:
            self.handled_this_month += 1
            self.handled_on_time += bool(handling.on_time)
            self.handled_late += not handling.on_time
        if contact.unrecorded:
            self.unrecorded_contact.append(state.row["order_no"])

    def chase_text(self) -> str:
        """需督办 N 件（黄灯 a，红灯 b，超时 c）, as every reader prints it."""
        parts = "，".join(f"{k} {v}" for k, v in self.chased_by_light.items())
        return f"需督办 {self.chased} 件（{parts}）"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
