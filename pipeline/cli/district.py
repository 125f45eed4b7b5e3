"""The office and the district, and the leaders: `feedback` `flag` `sign` `return`
`return-decide` `ask-extension`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pipeline.cli.app import HotlineCommand, fail, home_of, parse_day
from pipeline.cli.console import echo
from pipeline.cli.verbs import by_option, run_each
from pipeline.errors import HotlineError
from pipeline.feedback.publish import preview, remake_since
from pipeline.workflow.district import DistrictActions
from pipeline.workflow.leaders import LeaderActions


def _as(cls: Any, s: Any) -> Any:
    """The verb's own actions (same clerk, source, moment and transaction), with more verbs."""
    more = cls.__new__(cls)
    more.__dict__.update(s.__dict__)
    return more


@click.command(cls=HotlineCommand)
@click.option("--since", metavar="日期", help="重新生成从这一天起每天的反馈清单（按当时所列）。")
@click.pass_context
def feedback(ctx: click.Context, since: str | None) -> None:
    """反馈区热线办：列出尚未反馈的先行联系、办理结果、延期申请、退单。

    每晚运行时写入 outbox/<日期>/反馈区热线办-<日期>.xlsx，并记为已反馈（每项只列一次，
    之后有改动的作为“更正”再列）。不加参数时只列出下次将反馈的事项，不做记录。

    \b
    示例：
      hotline feedback
      hotline feedback --since 2026-11-20
    """
    home = home_of(ctx)
    if since is not None:
        with home.locked_for_writing("hotline feedback"):
            made = remake_since(home, parse_day(since, "起始日期"))
        for day, path, count in made:
            echo(f"{day.isoformat()}：{count} 项 → {path}")
        echo(f"共重新生成 {len(made)} 份。" if made else "这段时间没有反馈过任何事项。")
        return
    found = preview(home)
    for line in found.lines:
        row = line.row
        facts = (row["先行联系时间"], row["办理结果"], row["延期天数"], row["理由"])
        echo(f"{line.order_no}　{row['反馈事项']}　{row['性质']}　" + "　".join(v for v in facts if v))
    for line in found.held:
        echo(f"{line.order_no}　办理结果待{line.waiting_for}签字，暂不反馈")
    echo(f"下次运行将反馈 {len(found.lines)} 项；待签字 {len(found.held)} 项。")


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--level", type=click.Choice(["重要", "难办"]), default=None, help="重要件或难办件。")
@click.option("--clear", is_flag=True, help="取消标记。")
@click.option("--reason", default="", metavar="理由", help="为什么由分管领导负责。")
@by_option
@click.pass_context
def flag(ctx: click.Context, orders: tuple[str, ...], level: str | None, clear: bool, reason: str,
         actor: str | None, from_file: Path | None) -> None:
    """标记重要件、难办件：由分管领导负责、回访，办理结果须分管领导签字后才反馈。

    \b
    示例：
      hotline flag 20261103000101 --level 重要 --reason 涉及多户居民
      hotline flag 20261103000101 --clear
    """
    if level is None and not clear:
        fail("请用 --level 重要 或 --level 难办 标记，或用 --clear 取消标记。")
    run_each(ctx, orders, actor, lambda s, o, r: _as(LeaderActions, s).flag(
        o, "" if clear else str(r.get("level", level)), str(r.get("reason", reason))), from_file)


@click.command(cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--by", "signer", required=True, metavar="姓名", help="签字的分管领导。")
@click.pass_context
def sign(ctx: click.Context, orders: tuple[str, ...], signer: str) -> None:
    """分管领导签字：登记分管领导已在办理结果上签字，签字后才反馈区热线办。

    \b
    示例：
      hotline sign 20261103000101 --by 李强
    """
    run_each(ctx, orders, signer, lambda s, o, _r: _as(LeaderActions, s).sign(o, signer))


@click.command("return", cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--reason", default="", metavar="理由", help="退单理由。")
@by_option
@click.pass_context
def return_order(ctx: click.Context, orders: tuple[str, ...], reason: str, actor: str | None,
                 from_file: Path | None) -> None:
    """退单：把不属于本街道的工单退回区热线办（派单后1个工作日内，可在 [district] 中设置）。

    谨慎退单：确属非本街道职责的才退。区里确认前工单照常在办；确认后用 hotline return-decide 登记。

    \b
    示例：
      hotline return 20261103000101 --reason 诉求地址属芷江西路街道辖区
    """
    run_each(ctx, orders, actor, lambda s, o, r: _as(DistrictActions, s).return_order(
        o, str(r.get("reason", reason))), from_file)


@click.command("return-decide", cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--confirmed/--refused", "confirmed", default=None, help="区里确认退单还是不同意。")
@click.option("--note", default="", metavar="意见", help="区里的意见。")
@by_option
@click.pass_context
def return_decide(ctx: click.Context, orders: tuple[str, ...], confirmed: bool | None, note: str,
                  actor: str | None, from_file: Path | None) -> None:
    """登记区里对退单的答复：确认后工单不再列入在办清单；不同意的照常办理。

    \b
    示例：
      hotline return-decide 20261103000101 --confirmed
      hotline return-decide 20261103000101 --refused --note 属本街道职责
    """
    if confirmed is None:
        fail("请用 --confirmed（区里确认退单）或 --refused（区里不同意）给出答复。")
    run_each(ctx, orders, actor, lambda s, o, r: _as(DistrictActions, s).decide_return(
        o, bool(confirmed), str(r.get("note", note))), from_file)


@click.command("ask-extension", cls=HotlineCommand)
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--days", type=int, metavar="天数", help="申请延长的天数（信访件为自然日，其余为工作日）。")
@click.option("--reason", default="", metavar="理由", help="申请延期的理由。")
@by_option
@click.pass_context
def ask_extension(ctx: click.Context, orders: tuple[str, ...], days: int | None, reason: str,
                  actor: str | None, from_file: Path | None) -> None:
    """延期申请：向区热线办申请延期（列入反馈清单）；区里批准后用 hotline extend 登记。

    \b
    示例：
      hotline ask-extension 20261103000101 --days 5 --reason 需协调产权单位维修
    """
    if days is None and from_file is None:
        fail("请用 --days 给出申请延长的天数。")

    def step(s: Any, o: str, r: dict[str, Any]) -> Any:
        try:
            n = int(r.get("days", days or 0))
        except ValueError:
            raise HotlineError(f"延期天数“{r.get('days')}”不是整数。") from None
        return _as(DistrictActions, s).ask_extension(o, n, str(r.get("reason", reason)))

    run_each(ctx, orders, actor, step, from_file)
