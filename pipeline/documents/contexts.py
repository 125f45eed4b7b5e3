"""What the forms say: the 转送单 (Annex 2) and the Annex 3 / 4 applications, as the
contexts their templates are filled with. Keys are the forms' own Chinese labels."""

from __future__ import annotations

from typing import Any

from pipeline.config import Config
from pipeline.deadlines.clocks import NO_HANDLING, Deadlines
from pipeline.documents.engine import word_text
from pipeline.leadership.rules import responsible
from pipeline.model import RESULTS, OrderRow
from pipeline.text import show_time

TICKED, UNTICKED = "☑", "□"

# The fields every 转送单 template may use (templates check reports others as unknown).
TRANSFER_FIELDS = (
    "承办单位", "转送单标记", "来电人", "来电日期", "述求地址", "联系电话", "工单编号", "转交日期",
    "转交办公单位", "转交办文号", "是否催单", "工单优先级", "工单类型", "诉求类别", "来电内容",
    "承办单位处理情况", "办理情况反馈", "办理回复期限", "依据", "期限说明", "答复市民", "是否解决",
    "备注", "承办部门", "建议承办部门", "先行联系期限", "红灯日", "办结时间",
)
# 办结时间 left for the department to fill in: read back as the time the order was handled.
HANDLED_BLANK = "＿＿＿＿年＿＿月＿＿日＿＿时＿＿分（承办单位填写）"
APPLICATION_FIELDS = (
    "承办单位", "申请表编号", "诉求人姓名", "诉求人联系电话", "诉求编号", "诉求主要内容", "申请理由",
    "申请类别", "申请日期",
)


def _provisional(flag: bool) -> str:
    return "（暂定）" if flag else ""


def transfer_context(
    order: OrderRow, deadlines: Deadlines, config: Config, *, marker: str = "",
    reminder_note: str = "", update_note: str = "", basis: str = "",
) -> dict[str, Any]:
    """The 转送单 of one order. `marker` is "" for the first issue, "催单" or "重新签发";
    `basis` where the limit comes from when not Annex 1 (信访: 《信访工作条例》)."""
    fc, h = deadlines.first_contact, deadlines.handling
    remarks = _remarks(order, deadlines, reminder_note, update_note)
    leader = responsible(order, config)
    remarks.append(f"负责领导：{leader.text}")
    explain = _deadline_lines(deadlines)
    result = order.get("result") or ""
    replied = order.get("replied_within_day")
    return _for_word({
        "承办单位": config.office_name,
        "转送单标记": f"（{marker}）" if marker else "",
        "来电人": order["caller"],
        "来电日期": show_time(order["call_time"]),
        "述求地址": order["address"],
        "联系电话": order["phone"],
        "工单编号": order["order_no"],
        "转交日期": show_time(order["dispatch_time"]),
        "转交办公单位": order["from_unit"],
        "转交办文号": order["doc_no"],
        "是否催单": "催单" if marker == "催单" else "转送单",
        "工单优先级": order["priority"],
        "工单类型": order["kind"],
        "诉求类别": order["category"],
        "来电内容": order["content"],
        "承办单位处理情况": order.get("handling_notes") or "",
        "办理情况反馈": "",
        "办理回复期限": h.limit_text if h else NO_HANDLING,
        "依据": basis or config.basis,
        "期限说明": "\n".join(explain),
        "答复市民": {
            "是": TICKED if replied is True else UNTICKED,
            "否": TICKED if replied is False else UNTICKED,
        },
        "是否解决": {r: TICKED if r == result else UNTICKED for r in RESULTS},
        "备注": "\n".join(remarks),
        "办结时间": show_time(order["handled_at"]) if order.get("handled_at") else HANDLED_BLANK,
        "负责领导": leader.text,
        "承办部门": order.get("department") or "",
        "建议承办部门": order.get("suggested_department") or "",
        "先行联系期限": fc.red.isoformat() + _provisional(fc.provisional),
        "红灯日": h.red.isoformat() + _provisional(h.provisional) if h else "",
    })


def _remarks(order: OrderRow, deadlines: Deadlines, reminder_note: str,
             update_note: str) -> list[str]:
    """备注: the order's kind, who handles it, why the form is re-issued, what is provisional."""
    h = deadlines.handling
    kind_text = order["kind"] + "工单" + (f"（{order['category']}）" if order["category"] else "")
    remarks = [f"工单类型：{kind_text}"]
    if order.get("department"):
        remarks.append(f"承办部门：{order['department']}")
    elif order.get("suggested_department"):
        remarks.append(f"建议承办部门：{order['suggested_department']}（由行政办公室分派确定）")
    remarks += [note for note in (reminder_note, update_note) if note]
    if order.get("placeholder"):
        remarks.append("仅凭催单建立，尚未收到原工单，时限按催单日期暂计，请向区热线办索取原工单。")
    if h is None:
        remarks.append(f"{order['category']}：只登记，不设办理时限；请先行联系来电人。")
    elif h.category_assumed:
        remarks.append("诉求类别缺失，按较短时限（咨询、建议）计算，请核实。")
    if deadlines.petition_notify is not None:
        remarks.append(
            f"信访件：{deadlines.petition_notify.isoformat()}前告知信访人是否受理"
            f"{_provisional(deadlines.provisional)}。"
        )
    if deadlines.provisional:
        remarks.append("期限涉及尚未公布节假日安排的年份，按法定节假日和周末推算（调休未计），为暂定，公布后以实际为准。")
    return remarks


def _deadline_lines(deadlines: Deadlines) -> list[str]:
    """期限说明: the first-contact day and the red day, each marked if provisional."""
    fc, h = deadlines.first_contact, deadlines.handling
    lines = [f"先行联系：{fc.red.isoformat()}前（第{fc.limit}个工作日）{_provisional(fc.provisional)}"]
    if h is None:
        return [*lines, f"办理：{NO_HANDLING}"]
    red_label = "办结期限" if h.calendar_days else "红灯日（办结期限）"
    return [*lines, f"{red_label}：{h.red.isoformat()}{_provisional(h.provisional)}"]


def application_context(order: OrderRow, config: Config, *, request_no: str,
                        reason: str, kind_label: str, on: str) -> dict[str, Any]:
    """Annex 3 不纳入测评范围 / Annex 4 客观件: who, what, and the stated reason."""
    return _for_word({
        "承办单位": config.office_name,
        "申请表编号": request_no,
        "诉求人姓名": order["caller"],
        "诉求人联系电话": order["phone"],
        "诉求编号": order["order_no"],
        "诉求主要内容": order["content"],
        "申请理由": reason,
        "申请类别": kind_label,
        "申请日期": on,
    })


def _for_word(context: dict[str, Any]) -> dict[str, Any]:
    """Every text value escaped for Word XML, line breaks included (see word_text)."""
    return {k: _for_word(v) if isinstance(v, dict) else word_text(v) for k, v in context.items()}
