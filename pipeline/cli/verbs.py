"""The clerk's stage actions on orders: `assign` `contact` `handle` `visit` `extend` `exclude`
`objective` `decide` `close`, one order, many, or a file of them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.app import (
    HotlineCommand,
    actor_option,
    fail,
    home_of,
    parse_moment,
)
from pipeline.cli.console import echo
from pipeline.documents.queue import render_pending
from pipeline.errors import EXIT_USAGE, HotlineError
from pipeline.intake.verb_file import read_batch_file
from pipeline.normalise import InvalidValueError, parse_datetime
from pipeline.workflow.actions import Actions
from pipeline.workflow.inputs import ALREADY, apply_items, file_key

# -- stage verbs ---------------------------------------------------------------------------

def by_option(f: Any) -> Any:
    """--by and --from-file, shared by every stage verb."""
    f = click.option("--from-file", "from_file", metavar="表格文件",
                     type=click.Path(dir_okay=False, path_type=Path),
                     help="从 CSV 或 .xlsx 文件成批登记：表头含“工单编号”和本命令的各项"
                          "（如 承办部门、联系时间、办理结果、满意度、理由），每行一张工单。")(f)
    return actor_option(f)


def run_each(ctx: click.Context, orders: tuple[str, ...], actor: str | None, step: Any,
             from_file: Path | None = None) -> None:
    """Apply one stage step to each order (or each row of --from-file); report each;
    exit 2 if any was refused. A row's values take precedence over the options; a row
    applied before (a rerun) is reported 已登记过 and not applied again."""

    home = home_of(ctx)
    items: list[tuple[str, str, dict[str, Any]]] = [(o, o, {}) for o in orders]
    prefix = ""
    if from_file is not None:
        try:
            items += [(f"第{n}行", str(v.get("order", "")), v)
                      for n, v in read_batch_file(from_file, home.config.limits)]
        except HotlineError as exc:
            fail(str(exc))
        prefix = file_key(from_file, str(ctx.info_name))
    if not items:
        fail("请给出至少一个工单编号，或用 --from-file 给出文件。")
    # The store lock, shared, until the command ends (its forms rendered too): a restore
    # never swaps the file under a verb.
    ctx.with_resource(home.writing(f"hotline {ctx.info_name}"))
    actions = Actions(home, actor=actor, source=f"hotline {ctx.info_name}"
                      + (f"（{from_file.name}）" if from_file else ""))
    refused = already = 0
    for item in apply_items(actions, items, step, prefix):
        label = item.label if item.label != item.order_no else item.order_no
        if not item.done:
            refused += 1
            echo(f"✗ {label}：{item.text}", err=True)
            continue
        already += item.already
        echo(f"✓ {label if item.already else item.order_no}：{item.text}")
        if item.document:
            echo(f"  申请表：outbox/{item.document}")
    if len(items) > 1:
        echo(f"共 {len(items)} 项：完成 {len(items) - refused - already}，"
             + (f"{ALREADY} {already}，" if already else "") + f"未完成 {refused}。")
    if refused:
        ctx.exit(EXIT_USAGE)


def row_moment(row: dict[str, Any], default: datetime | None) -> datetime | None:
    """A row's own time, else the option's; a time that is not one refuses only its row."""
    if row.get("at") in (None, ""):
        return default
    try:
        moment = parse_datetime(row["at"])
    except InvalidValueError as exc:
        raise HotlineError(f"时间“{row['at']}”{exc}。") from None
    if moment is None:
        raise HotlineError(f"时间“{row['at']}”无法识别。")
    return moment


@click.command(cls=HotlineCommand)
@click.argument("args", nargs=-1, metavar="[工单编号]... 承办部门")
@click.option("--instruction", default="", metavar="批示", help="领导批示。")
@by_option
@click.pass_context
def assign(ctx: click.Context, args: tuple[str, ...], instruction: str, actor: str | None,
           from_file: Path | None) -> None:
    """处置：把工单分派给承办部门（最后一个参数是部门）。

    \b
    示例：
      hotline assign 20261103000101 城管中队
      hotline assign 20261103000101 20261104000102 房管办 --instruction 请三日内处理
      hotline assign --from-file 分派.xlsx
    """
    if from_file is None and len(args) < 2:
        fail("用法：hotline assign 工单编号… 承办部门")
    # The last argument is the department (with --from-file, the default for rows without one).
    orders, department = (list(args[:-1]), args[-1]) if args else ([], "")
    run_each(ctx, tuple(orders), actor,
             lambda s, o, r: s.assign(o, str(r.get("department", department)),
                                      str(r.get("instruction", instruction))), from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--at", "at", metavar="时间", help="联系时间（默认现在），如 2026-11-27 09:30。")
@click.option("--note", default="", metavar="说明", help="联系情况。")
@by_option
@click.pass_context
def contact(ctx: click.Context, orders: tuple[str, ...], at: str | None, note: str,
            actor: str | None, from_file: Path | None) -> None:
    """受理：记录已先行联系来电人（1个工作日内）。

    \b
    示例：
      hotline contact 20261103000101
      hotline contact 20261103000101 --at "2026年11月4日 9时30分" --note 已电话告知办理程序
    """
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.contact(
        o, row_moment(r, moment), str(r.get("note", note))), from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--result", default=None,
              type=click.Choice(["实际解决", "解释说明", "参考备案", "述求过高", "未解决"]),
              help="是否解决。")
@click.option("--notes", default="", metavar="情况", help="承办单位处理情况。")
@click.option("--handler", default="", metavar="姓名", help="经办人。")
@click.option("--phone", "handler_phone", default="", metavar="电话", help="经办人电话。")
@click.option("--at", "at", metavar="时间", help="办结时间（默认现在）。")
@click.option("--replied/--not-replied", "replied", default=None,
              help="一个工作日内是否已答复市民。")
@click.option("--direct", "direct_by", default="", metavar="答复人",
              help="街道直接答复（未分派承办部门）：写明答复人。")
@by_option
@click.pass_context
def handle(ctx: click.Context, orders: tuple[str, ...], result: str | None, notes: str,
           handler: str, handler_phone: str, at: str | None, replied: bool | None,
           direct_by: str, actor: str | None, from_file: Path | None) -> None:
    """办理：记录承办部门的处理情况和结果（办结）。工单须先分派（或用 --direct 写明由街道
    直接答复的答复人）；已办结的工单再给出不同结果，记为更正，办结时间不变。

    \b
    示例：
      hotline handle 20261103000101 --result 实际解决 --notes 已现场处理 --handler 张三
      hotline handle 20261103000101 --result 解释说明 --at 2026/11/20 --replied
      hotline handle 20261120000001 --result 实际解决 --direct 李科长
    """
    if result is None and from_file is None:
        fail("请用 --result 给出办理结果（实际解决、解释说明、参考备案、述求过高、未解决）。")
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.handle(
        o, str(r.get("result", result or "")), str(r.get("notes", notes)),
        str(r.get("handler", handler)), str(r.get("phone", handler_phone)),
        row_moment(r, moment), replied, direct_by=str(r.get("direct", direct_by))), from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--satisfaction", default=None, type=click.Choice(["满意", "基本满意", "不满意"]),
              help="来电人满意度。不满意的工单退回重新办理。")
@click.option("--note", default="", metavar="说明", help="回访情况。")
@click.option("--at", "at", metavar="时间", help="回访时间（默认现在）。")
@by_option
@click.pass_context
def visit(ctx: click.Context, orders: tuple[str, ...], satisfaction: str | None, note: str,
          at: str | None, actor: str | None, from_file: Path | None) -> None:
    """回访：记录来电人满意度（只对已办结、尚未回访的工单）；不满意的退回重新办理。

    \b
    示例：
      hotline visit 20261103000101 --satisfaction 满意
      hotline visit 20261103000101 --satisfaction 不满意 --note 噪声仍未解决
    """
    if satisfaction is None and from_file is None:
        fail("请用 --satisfaction 给出满意度（满意、基本满意、不满意）。")
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.visit(
        o, str(r.get("satisfaction", satisfaction or "")), str(r.get("note", note)),
        row_moment(r, moment)), from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--days", type=int, metavar="天数", help="延长天数（信访件为自然日，其余为工作日）。")
@click.option("--reason", default="", metavar="理由", help="延期理由及批准情况。")
@by_option
@click.pass_context
def extend(ctx: click.Context, orders: tuple[str, ...], days: int | None, reason: str,
           actor: str | None, from_file: Path | None) -> None:
    """延期：记录经批准的延期，推后红灯日。

    \b
    示例：
      hotline extend 20261103000101 --days 5 --reason 经分管领导批准，需协调多部门
    """
    if days is None and from_file is None:
        fail("请用 --days 给出延长的天数。")

    def step(s: Any, o: str, r: dict[str, Any]) -> Any:
        try:
            n = int(r.get("days", days or 0))
        except ValueError:
            raise HotlineError(f"延期天数“{r.get('days')}”不是整数。") from None
        return s.extend(o, n, str(r.get("reason", reason)))

    run_each(ctx, orders, actor, step, from_file)


def _request(ctx: click.Context, orders: tuple[str, ...], kind: str, reason: str,
             actor: str | None, from_file: Path | None) -> None:

    try:
        run_each(ctx, orders, actor,
                 lambda s, o, r: s.request(o, kind, str(r.get("reason", reason))), from_file)
    finally:
        outcome = render_pending(home_of(ctx))
        if outcome.error:
            echo(f"！{outcome.error}", err=True)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--reason", default="", metavar="理由", help="申请不纳入测评范围的理由。")
@by_option
@click.pass_context
def exclude(ctx: click.Context, orders: tuple[str, ...], reason: str, actor: str | None,
            from_file: Path | None) -> None:
    """申请不纳入测评范围（附件3），生成申请表。

    \b
    示例：
      hotline exclude 20261103000101 --reason 诉求涉及已进入诉讼程序的纠纷
    """
    _request(ctx, orders, "exclude", reason, actor, from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--reason", default="", metavar="理由", help="申请认定为客观件的理由。")
@by_option
@click.pass_context
def objective(ctx: click.Context, orders: tuple[str, ...], reason: str, actor: str | None,
              from_file: Path | None) -> None:
    """申请认定为客观件（附件4），生成申请表。

    \b
    示例：
      hotline objective 20261103000101 --reason 诉求明显超出合理范围
    """
    _request(ctx, orders, "objective", reason, actor, from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--approved/--rejected", "approved", default=None, help="区里批准还是未批准。")
@click.option("--note", default="", metavar="意见", help="审批意见。")
@by_option
@click.pass_context
def decide(ctx: click.Context, orders: tuple[str, ...], approved: bool | None, note: str,
           actor: str | None, from_file: Path | None) -> None:
    """记录区里对不纳入测评 / 客观件申请的审批结果。

    \b
    示例：
      hotline decide 20261103000101 --approved --note 区热线办 11月30日 批复
      hotline decide 20261103000101 --rejected
    """
    if approved is None and from_file is None:
        fail("请用 --approved（批准）或 --rejected（未批准）给出审批结果。")

    def step(s: Any, o: str, r: dict[str, Any]) -> Any:
        verdict = approved
        if "approved" in r:
            verdict = str(r["approved"]).strip() in ("批准", "已批准", "同意", "是")
        if verdict is None:
            raise HotlineError("没有给出审批结果（审批结果一栏填“批准”或“未批准”）。")
        return s.decide(o, verdict, str(r.get("note", note)))

    run_each(ctx, orders, actor, step, from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--at", "at", metavar="时间", help="结案时间（默认现在）。")
@by_option
@click.pass_context
def close(ctx: click.Context, orders: tuple[str, ...], at: str | None, actor: str | None,
          from_file: Path | None) -> None:
    """结案：已办结（并回访）的工单结案。

    \b
    示例：
      hotline close 20261103000101
      hotline close 20261103000101 20261104000102 --at 2026-11-30
    """
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.close(o, row_moment(r, moment)), from_file)
