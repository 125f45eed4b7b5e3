"""领导负责制 (seed §三(三)5–6): who answers for an order, and whose signature its result needs.

一般事情由科室领导负责；重要事件、难处理件和处理不满意工单由分管领导负责，并回访满意度情况。
对处置后工单，需分管领导签字上报。An order is the 分管领导's when the office flagged it
(重要 / 难办, `hotline flag`) or when the rules do: 紧急, 信访, 催单 at least
`[leaders] flag_reminders` times, reopened after 不满意. Pure functions over a stored row and
the home's configuration, shared by the verbs, the forms, the workbooks and the feedback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.config import Config

IMPORTANCE = ("重要", "难办")
SECTION_LEADER = "科室领导"
DEPUTY = "分管领导"


def flag_reasons(row: Mapping[str, Any], config: Config) -> list[str]:
    """Why the order is the 分管领导's (empty: an ordinary order, the 科室领导's)."""
    reasons = []
    if row.get("importance"):
        reasons.append(f"标记为{row['importance']}")
    if row.get("kind") == "紧急" or row.get("priority") == "紧急":
        reasons.append("紧急件")
    if row.get("kind") == "信访":
        reasons.append("信访件")
    reminders = int(row.get("reminders") or 0)
    if reminders >= config.flag_reminders:
        reasons.append(f"催单{reminders}次")
    if int(row.get("reopen_count") or 0) > 0:
        reasons.append("回访不满意重新办理")
    return reasons


@dataclass(frozen=True)
class Responsible:
    """Who answers for an order: the role (科室领导 / 分管领导) and, when configured, the name."""

    role: str
    name: str
    reasons: tuple[str, ...]
    department: str = ""

    @property
    def text(self) -> str:
        """As a form or a sheet shows it: 分管领导 李强（紧急件）."""
        if self.name:
            who = f"{self.role} {self.name}"
        elif not self.department:
            who = f"{self.role}（分派后确定）"
        else:
            who = f"{self.role}（未在 hotline.toml 中登记）"
        return who + (f"（{'、'.join(self.reasons)}）" if self.reasons else "")


def responsible(row: Mapping[str, Any], config: Config) -> Responsible:
    reasons = tuple(flag_reasons(row, config))
    department = str(row.get("department") or "")
    section, deputy = config.leaders.get(department, ("", ""))
    if reasons:
        return Responsible(DEPUTY, deputy, reasons, department)
    return Responsible(SECTION_LEADER, section, (), department)


def needs_signature(row: Mapping[str, Any], config: Config) -> bool:
    """Whether the order's result waits for the 分管领导's signature before it is reported."""
    return config.sign_all or bool(flag_reasons(row, config))


def deputy_of(department: str, config: Config) -> str:
    """The 分管领导 named for a department ("" when none is configured)."""
    return config.leaders.get(department, ("", ""))[1]


def sign_instruction(order_no: str, deputy: str, then: str = "") -> str:
    """What a clerk types once the 分管领导 (`deputy`, "" when hotline.toml names none) has
    signed; an unnamed one is named first (`--by 分管领导` would record the word, not a
    person)."""
    todo = f"签字后登记：hotline sign {order_no} --by {deputy or '姓名'}{then}"
    return todo if deputy else "先在 hotline.toml 的 [leaders] 中写明本部门的分管领导；" + todo
