"""Reading orders and deadlines: `list`, `show`, `deadline`."""

from __future__ import annotations

import click

from pipeline.cli.app import (
    HotlineCommand,
    columns,
    dump_json,
    fail,
    home_of,
    parse_day,
)
from pipeline.cli.console import echo, echo_json_list
from pipeline.deadlines.explain import explain_deadlines, render_explanation
from pipeline.deadlines.rules import CATEGORIES
from pipeline.deadlines.tally import Tally
from pipeline.normalise import InvalidValueError, parse_datetime
from pipeline.workflow.lookup import order_detail, order_states, render_detail

# -- list / show ---------------------------------------------------------------------------

@click.command("list", cls=HotlineCommand)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@click.option("--as-of", "as_of", metavar="日期", help="按哪一天计算红黄灯（默认今天）。")
@click.option("--open", "only_open", is_flag=True, help="只列在办工单。")
@click.pass_context
def list_orders(ctx: click.Context, as_json: bool, as_of: str | None, only_open: bool) -> None:
    """列出全部工单：在办的时限显示灯，已完成的显示结果（按时、逾期N个工作日），并标出需督办的。

    \b
    示例：
      hotline list --open
      hotline list --as-of 2026/11/30
      hotline list --json > 工单.json
    """

    home = home_of(ctx)
    day = parse_day(as_of)
    states = order_states(home, day, only_open=only_open)  # read and printed a page at a time
    if as_json:
        echo_json_list(s.as_json() for s in states)
        return
    tally = Tally(day.isoformat())
    widths = (16, 18, 10, 8, 14, 16, 12, 6)
    count = 0
    for count, s in enumerate(states, 1):
        if count == 1:
            echo(columns(("工单编号", "派单时间", "类型", "状态", "先行联系", "办理", "红灯日",
                          "督办", "承办部门"), widths))
        r = s.row
        echo(columns((r["order_no"], r["dispatch_time"].replace("T", " ")[:16], r["kind"],
                      r["status"], s.first_contact.word, s.handling.word,
                      s.deadlines.due()["red"] or "—", "督办" if s.needs_supervision else "",
                      r["department"] or "（未分派）"), widths))
        tally.add(s)
    if not count:
        echo("没有工单。")
        return
    echo(f"共 {count} 张；在办 {tally.in_hand} 张，{tally.chase_text()}。"
         "先行联系、办理两栏：在办的显示灯，已完成的显示结果。")


@click.command(cls=HotlineCommand)
@click.argument("order_no", metavar="工单编号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--as-of", "as_of", metavar="日期", help="按哪一天计算红黄灯（默认今天）。")
@click.pass_context
def show(ctx: click.Context, order_no: str, as_json: bool, as_of: str | None) -> None:
    """显示一张工单：内容、两个时限（灯或结果）、回访、全部经过和文书。

    \b
    示例：
      hotline show 20261103000101
      hotline show 20261103000101 --json
    """

    detail = order_detail(home_of(ctx), order_no, parse_day(as_of))
    if as_json:
        dump_json(detail)
    else:
        echo(render_detail(detail))



# -- deadline ------------------------------------------------------------------------------

@click.command(cls=HotlineCommand)
@click.option("--dispatched", required=True, metavar="时间",
              help="派单时间，如 2026-12-18、2026/12/18 9:30、2026年12月18日 9时30分。")
@click.option("--kind", required=True, type=click.Choice(["一般", "紧急", "夜间特殊", "信访"]),
              help="工单类型。")
@click.option("--category", default=None, type=click.Choice(list(CATEGORIES)),
              help="诉求类别（一般工单需要；信访件可不写）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def deadline(ctx: click.Context, dispatched: str, kind: str, category: str | None,
             as_json: bool) -> None:
    """说明一张假设工单的各个期限及其依据。

    \b
    示例：
      hotline deadline --dispatched 2026-12-18 --kind 一般 --category 投诉
      hotline deadline --dispatched "2026年12月18日 9时30分" --kind 紧急
    """

    try:
        moment = parse_datetime(dispatched)
    except InvalidValueError as exc:
        fail(f"派单时间{exc}。")
    if moment is None:
        fail("请给出派单时间。")
    data = explain_deadlines(home_of(ctx).calculator(), moment, kind, category or "")
    if as_json:
        dump_json(data)
    else:
        echo(render_explanation(data))
