"""`hotline`: the command line. Parses options, calls the library, prints Chinese.

No business logic here: every command is a few lines over a library function, and the
library's own exceptions (HotlineError) become a clear message and an exit status.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from pipeline import __version__, clock
from pipeline.cli import zh as clizh
from pipeline.cli.console import echo, echo_json, harden_std_streams
from pipeline.errors import EXIT_USAGE, HotlineError
from pipeline.home import Home, open_home, resolve_home

clizh.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class HotlineCommand(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class HotlineGroup(click.Group):
    """Turns the library's expected errors into one clear line and an exit status; lists
    its commands in the order of the day's work, not the alphabet's."""

    command_class = HotlineCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HotlineError as exc:
            echo(f"错误：{exc}", err=True)
            ctx.exit(exc.exit_code)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    echo(f"错误：{message}", err=True)
    sys.exit(code)


def parse_day(value: str | None, what: str = "日期") -> date:
    if not value:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what}“{value}”无法识别，请写成 2026-11-27 的形式。")


@click.group(cls=HotlineGroup, context_settings=CONTEXT)
@click.option("--home", "home_dir", metavar="文件夹", envvar="HOTLINE_HOME",
              help="工作目录（含 inbox、outbox、数据库和 hotline.toml）。默认为当前文件夹，"
                   "也可用环境变量 HOTLINE_HOME 指定。")
@click.version_option(__version__, "--version", message="hotline %(version)s")
@click.pass_context
def main(ctx: click.Context, home_dir: str | None) -> None:
    """北站街道“12345”市民服务热线工单处理。

    \b
    每晚：把区热线办的电子工单（PDF、Excel、CSV）放进 inbox/，运行 hotline run，
    第二天早上在 outbox/<日期>/ 里取转送单、工单台账和督办日报打印。
    第一次使用可运行 hotline demo 看看效果。
    """
    harden_std_streams()
    ctx.ensure_object(dict)
    ctx.obj["home_dir"] = home_dir


def home_of(ctx: click.Context) -> Home:
    root = ctx.find_root()
    cached = root.obj.get("home")
    if cached is None:
        cached = open_home(resolve_home(root.obj.get("home_dir")))
        root.obj["home"] = cached
        root.call_on_close(cached.close)
    return cached


def columns(values: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """One line of a table for a terminal, where a Chinese character takes two columns."""
    import unicodedata  # noqa: PLC0415

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [v + " " * max(1, w - width(v)) for v, w in zip(values, widths, strict=False)]
    return "".join(cells) + "".join(values[len(widths):])


def dump_json(data: Any) -> None:
    echo_json(data)


# -- run ---------------------------------------------------------------------------------

@main.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="按哪一天计算红黄灯（默认今天）。")
@click.option("--quiet", "-q", is_flag=True, help="只在有文件被放在一边时输出。")
@click.pass_context
def run(ctx: click.Context, as_of: str | None, quiet: bool) -> None:
    """夜间批处理：读收件箱、入库、算期限、出转送单和台账、归档原件。

    \b
    退出状态：0 全部读入；1 有文件被放在一边（其余照常完成）；2 用法或配置错误；
    3 另一个任务正在运行；4 数据库损坏。
    """
    from pipeline.batch.run import run_batch  # noqa: PLC0415
    from pipeline.batch.summary import summary_text  # noqa: PLC0415
    from pipeline.cli.progress import TerminalProgress  # noqa: PLC0415

    home = home_of(ctx)
    day = parse_day(as_of)
    with TerminalProgress() as progress:
        summary, code = run_batch(home, day, progress.update)
    if not quiet or code:
        echo(summary_text(summary.to_json()))
        if summary.report:
            echo(f"\n运行报告：outbox/{summary.report}")
    ctx.exit(code)


# -- list / show ---------------------------------------------------------------------------

@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供脚本使用）。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天计算红黄灯（默认今天）。")
@click.option("--open", "only_open", is_flag=True, help="只列在办工单。")
@click.pass_context
def list_orders(ctx: click.Context, as_json: bool, as_of: str | None, only_open: bool) -> None:
    """列出全部工单及其红黄灯。"""
    from pipeline.workflow.lookup import order_states  # noqa: PLC0415

    home = home_of(ctx)
    states = order_states(home, parse_day(as_of), only_open=only_open)
    if as_json:
        dump_json([s.as_json() for s in states])
        return
    if not states:
        echo("没有工单。")
        return
    widths = (16, 18, 10, 8, 10, 8, 12)
    echo(columns(("工单编号", "派单时间", "类型", "状态", "先行联系", "办理灯", "红灯日",
                        "承办部门"), widths))
    for s in states:
        r = s.row
        echo(columns((r["order_no"], r["dispatch_time"].replace("T", " ")[:16], r["kind"],
                            r["status"], s.first_contact_light.value, s.light.value,
                            s.deadlines.handling.red.isoformat(),
                            r["department"] or "（未分派）"), widths))
    echo(f"共 {len(states)} 张。")


@main.command()
@click.argument("order_no", metavar="工单编号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天计算红黄灯（默认今天）。")
@click.pass_context
def show(ctx: click.Context, order_no: str, as_json: bool, as_of: str | None) -> None:
    """显示一张工单：内容、两个时限及其灯、全部经过。"""
    from pipeline.workflow.lookup import order_detail, render_detail  # noqa: PLC0415

    detail = order_detail(home_of(ctx), order_no, parse_day(as_of))
    if as_json:
        dump_json(detail)
    else:
        echo(render_detail(detail))


# -- deadline ------------------------------------------------------------------------------

@main.command()
@click.option("--dispatched", required=True, metavar="时间",
              help="派单时间，如 2026-12-18 或 2026-12-18T09:30。")
@click.option("--kind", required=True, type=click.Choice(["一般", "紧急", "夜间特殊", "信访"]),
              help="工单类型。")
@click.option("--category", default="", type=click.Choice(["", "咨询", "建议", "求助", "投诉"]),
              help="诉求类别（一般工单需要）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def deadline(ctx: click.Context, dispatched: str, kind: str, category: str, as_json: bool) -> None:
    """说明一张假设工单的各个期限及其依据。"""
    from pipeline.deadlines.explain import explain_deadlines, render_explanation  # noqa: PLC0415
    from pipeline.normalise import InvalidValueError, parse_datetime  # noqa: PLC0415

    try:
        moment = parse_datetime(dispatched)
    except InvalidValueError as exc:
        fail(f"派单时间{exc}。")
    if moment is None:
        fail("请给出派单时间。")
    data = explain_deadlines(home_of(ctx), moment, kind, category)
    if as_json:
        dump_json(data)
    else:
        echo(render_explanation(data))


# -- sample / demo -------------------------------------------------------------------------

@main.command()
@click.option("--orders", default=30, show_default=True, help="生成多少张工单。")
@click.option("--into", "into", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="放到哪个文件夹。")
@click.option("--seed", default=2026, show_default=True, help="随机种子（相同种子生成相同文件）。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="以哪一天为“今天”（默认今天）。")
@click.option("--pdf-share", default=0.15, show_default=True, help="PDF 工单所占比例。")
@click.option("--plain", is_flag=True, help="只生成规整的 Excel 和 PDF，不含各种变体。")
def sample(orders: int, into: Path, seed: int, as_of: str | None, pdf_share: float,
           plain: bool) -> None:
    """生成仿真的区热线办导出文件（各种格式和写法），用于演示和测试。"""
    from pipeline.demo.samples import generate  # noqa: PLC0415

    made = generate(into, orders=orders, seed=seed, as_of=parse_day(as_of),
                    pdf_share=pdf_share, variations=not plain)
    for path in made.files:
        echo(f"  {path}")
    echo(f"已生成 {len(made.files)} 个文件，共 {len(made.orders)} 张工单。")


@main.command()
@click.argument("folder", default="hotline-demo", metavar="[文件夹]",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--orders", default=24, show_default=True, help="演示工单数量。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="演示哪一天的夜间运行（默认今天）。")
def demo(folder: Path, orders: int, as_of: str | None) -> None:
    """演示：新建一个工作目录，放入仿真工单，运行一次夜间批处理。"""
    from pipeline.demo.demo import run_demo  # noqa: PLC0415

    text, code = run_demo(folder, orders=orders, as_of=parse_day(as_of))
    echo(text)
    sys.exit(0 if code in (0, 1) else code)


def parse_moment(value: str | None) -> datetime | None:
    from pipeline.normalise import InvalidValueError, parse_datetime  # noqa: PLC0415

    if value is None:
        return None
    try:
        return parse_datetime(value)
    except InvalidValueError as exc:
        fail(f"时间{exc}。")


# -- calendar ------------------------------------------------------------------------------

@main.group(cls=HotlineGroup, context_settings=CONTEXT)
def calendar() -> None:
    """节假日安排：查看某年的工作日，录入国务院新公布的一年安排。"""


@calendar.command("add")
@click.argument("year", type=int, metavar="年份")
@click.option("--holidays", multiple=True, metavar="日期",
              help="放假日，可写区间：2027-02-05..2027-02-11（可多次给出，或用逗号分隔）。")
@click.option("--workdays", multiple=True, metavar="日期", help="调休上班的周六、周日。")
@click.option("--notice", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="国务院办公厅节假日安排通知的文本文件（UTF-8），从中读取日期。")
@click.option("--replace", is_flag=True, help="替换 hotline.toml 中已有的该年安排。")
@click.option("--dry-run", is_flag=True, help="只显示读到的日期，不保存。")
@click.pass_context
def calendar_add(ctx: click.Context, year: int, holidays: tuple[str, ...],
                 workdays: tuple[str, ...], notice: Path | None, replace: bool,
                 dry_run: bool) -> None:
    """录入某一年的节假日安排（写入 hotline.toml 的 [calendar.年份]）。"""
    from pipeline.deadlines.holidays import Schedule, parse_notice, parse_spans, save_schedule  # noqa: PLC0415

    home = home_of(ctx)
    if notice is not None:
        schedule = parse_notice(notice.read_text(encoding="utf-8-sig"), year)
        source = f"读自 {notice.name}"
    elif holidays:
        schedule = Schedule(year, parse_spans(list(holidays), year, "放假日"),
                            parse_spans(list(workdays), year, "调休上班日"))
        schedule.check()
        source = "手工录入"
    else:
        fail("请用 --holidays/--workdays 给出日期，或用 --notice 给出通知文本。")
    echo(f"{year} 年：放假 {len(schedule.holidays)} 天（含与周末连休的周末），"
               f"调休上班 {len(schedule.workdays)} 天。")
    echo("  放假：" + "、".join(d.strftime("%m-%d") for d in sorted(schedule.holidays)))
    echo("  上班：" + ("、".join(d.strftime("%m-%d") for d in sorted(schedule.workdays))
                            or "（无）"))
    for warning in schedule.warnings:
        echo(f"  ！{warning}")
    if dry_run:
        echo("（试运行，未保存）")
        return
    path = save_schedule(home.path, schedule, source, replace=replace)
    echo(f"已写入 {path}。请与国务院通知逐日核对；此后涉及 {year} 年的期限不再是暂定。")


@calendar.command("show")
@click.argument("year", type=int, metavar="年份")
@click.pass_context
def calendar_show(ctx: click.Context, year: int) -> None:
    """显示某年的放假日和调休上班日，以及数据来源。"""
    from datetime import timedelta  # noqa: PLC0415

    from pipeline.deadlines.explain import SOURCES  # noqa: PLC0415

    cal = home_of(ctx).calendar
    day = date(year, 1, 1)
    off, on = [], []
    while day.year == year:
        work = cal.is_workday(day)
        if day.weekday() < 5 and not work:
            off.append(day)
        elif day.weekday() >= 5 and work:
            on.append(day)
        day += timedelta(days=1)
    echo(f"{year} 年节假日安排：{SOURCES[cal.source(year)]}")
    echo("  工作日放假：" + ("、".join(d.strftime("%m-%d") for d in off) or "（无）"))
    echo("  周末上班：" + ("、".join(d.strftime("%m-%d") for d in on) or "（无）"))


# -- stage verbs ---------------------------------------------------------------------------

def actor_option(f: Any) -> Any:
    return click.option("--by", "actor", metavar="姓名",
                        help="经办人姓名，记入工单经过（默认为电脑登录名）。")(f)


def by_option(f: Any) -> Any:
    """--by and --from-file, shared by every stage verb."""
    f = click.option("--from-file", "from_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="从 CSV 或 .xlsx 文件成批登记：表头含“工单编号”和本命令的各项"
                          "（如 承办部门、联系时间、办理结果、满意度、理由），每行一张工单。")(f)
    return actor_option(f)


def run_each(ctx: click.Context, orders: tuple[str, ...], actor: str | None, step: Any,
             from_file: Path | None = None) -> None:
    """Apply one stage step to each order (or each row of --from-file); report each;
    exit 2 if any was refused. A row's values take precedence over the options."""
    from pipeline.intake.verb_file import read_batch_file  # noqa: PLC0415
    from pipeline.workflow.actions import Stages  # noqa: PLC0415

    items: list[tuple[str, str, dict[str, Any]]] = [(o, o, {}) for o in orders]
    if from_file is not None:
        items += [(f"第{n}行", str(v["order"]), v) for n, v in read_batch_file(from_file)]
    if not items:
        fail("请给出至少一个工单编号，或用 --from-file 给出文件。")
    stages = Stages(home_of(ctx), actor=actor, source=f"hotline {ctx.info_name}"
                    + (f"（{from_file.name}）" if from_file else ""))
    refused = 0
    for label, order, row in items:
        try:
            outcome = step(stages, order, row)
        except HotlineError as exc:
            refused += 1
            echo(f"✗ {label if label != order else order}：{exc}", err=True)
            continue
        echo(f"✓ {outcome.order_no}：{outcome.summary}")
        if outcome.document:
            echo(f"  申请表：outbox/{outcome.document}")
    echo(f"共 {len(items)} 项：完成 {len(items) - refused}，未完成 {refused}。"
               if len(items) > 1 else "", nl=len(items) > 1)
    if refused:
        ctx.exit(EXIT_USAGE)


def row_moment(row: dict[str, Any], default: datetime | None) -> datetime | None:
    return parse_moment(str(row["at"])) if row.get("at") not in (None, "") else default


@main.command()
@click.argument("args", nargs=-1, metavar="[工单编号]... 承办部门")
@click.option("--instruction", default="", metavar="批示", help="领导批示。")
@by_option
@click.pass_context
def assign(ctx: click.Context, args: tuple[str, ...], instruction: str, actor: str | None,
           from_file: Path | None) -> None:
    """处置：把工单分派给承办部门。用法：hotline assign 工单编号… 承办部门"""
    if from_file is None and len(args) < 2:
        fail("用法：hotline assign 工单编号… 承办部门")
    # The last argument is the department (with --from-file, the default for rows without one).
    orders, department = (list(args[:-1]), args[-1]) if args else ([], "")
    run_each(ctx, tuple(orders), actor,
             lambda s, o, r: s.assign(o, str(r.get("department", department)),
                                      str(r.get("instruction", instruction))), from_file)


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--at", "at", metavar="时间", help="联系时间（默认现在），如 2026-11-27 09:30。")
@click.option("--note", default="", help="联系情况。")
@by_option
@click.pass_context
def contact(ctx: click.Context, orders: tuple[str, ...], at: str | None, note: str,
            actor: str | None, from_file: Path | None) -> None:
    """受理：记录已先行联系来电人（1个工作日内）。"""
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.contact(
        o, row_moment(r, moment), str(r.get("note", note))), from_file)


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--result", default=None,
              type=click.Choice(["实际解决", "解释说明", "参考备案", "述求过高", "未解决"]),
              help="是否解决。")
@click.option("--notes", default="", help="承办单位处理情况。")
@click.option("--handler", default="", help="经办人。")
@click.option("--phone", "handler_phone", default="", help="经办人电话。")
@click.option("--at", "at", metavar="时间", help="办结时间（默认现在）。")
@click.option("--replied/--not-replied", "replied", default=None,
              help="一个工作日内是否已答复市民。")
@by_option
@click.pass_context
def handle(ctx: click.Context, orders: tuple[str, ...], result: str | None, notes: str,
           handler: str, handler_phone: str, at: str | None, replied: bool | None,
           actor: str | None, from_file: Path | None) -> None:
    """办理：记录承办部门的处理情况和结果（办结）。"""
    if result is None and from_file is None:
        fail("请用 --result 给出办理结果（实际解决、解释说明、参考备案、述求过高、未解决）。")
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.handle(
        o, str(r.get("result", result or "")), str(r.get("notes", notes)),
        str(r.get("handler", handler)), str(r.get("phone", handler_phone)),
        row_moment(r, moment), replied), from_file)


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--satisfaction", default=None, type=click.Choice(["满意", "基本满意", "不满意"]),
              help="来电人满意度。不满意的工单退回重新办理。")
@click.option("--note", default="", help="回访情况。")
@click.option("--at", "at", metavar="时间", help="回访时间（默认现在）。")
@by_option
@click.pass_context
def visit(ctx: click.Context, orders: tuple[str, ...], satisfaction: str | None, note: str,
          at: str | None, actor: str | None, from_file: Path | None) -> None:
    """回访：记录来电人满意度。"""
    if satisfaction is None and from_file is None:
        fail("请用 --satisfaction 给出满意度（满意、基本满意、不满意）。")
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.visit(
        o, str(r.get("satisfaction", satisfaction or "")), str(r.get("note", note)),
        row_moment(r, moment)), from_file)


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--days", type=int, help="延长天数（信访件为自然日，其余为工作日）。")
@click.option("--reason", default="", help="延期理由及批准情况。")
@by_option
@click.pass_context
def extend(ctx: click.Context, orders: tuple[str, ...], days: int | None, reason: str,
           actor: str | None, from_file: Path | None) -> None:
    """延期：记录经批准的延期，推后红灯日。"""
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
    from pipeline.documents.queue import render_pending  # noqa: PLC0415

    try:
        run_each(ctx, orders, actor,
                 lambda s, o, r: s.request(o, kind, str(r.get("reason", reason))), from_file)
    finally:
        outcome = render_pending(home_of(ctx))
        if outcome.error:
            echo(f"！{outcome.error}", err=True)


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--reason", default="", help="申请不纳入测评范围的理由。")
@by_option
@click.pass_context
def exclude(ctx: click.Context, orders: tuple[str, ...], reason: str, actor: str | None,
            from_file: Path | None) -> None:
    """申请不纳入测评范围（附件3），生成申请表。"""
    _request(ctx, orders, "exclude", reason, actor, from_file)


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--reason", default="", help="申请认定为客观件的理由。")
@by_option
@click.pass_context
def objective(ctx: click.Context, orders: tuple[str, ...], reason: str, actor: str | None,
              from_file: Path | None) -> None:
    """申请认定为客观件（附件4），生成申请表。"""
    _request(ctx, orders, "objective", reason, actor, from_file)


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--approved/--rejected", "approved", default=None, help="区里批准还是未批准。")
@click.option("--note", default="", help="审批意见。")
@by_option
@click.pass_context
def decide(ctx: click.Context, orders: tuple[str, ...], approved: bool | None, note: str,
           actor: str | None, from_file: Path | None) -> None:
    """记录区里对不纳入测评 / 客观件申请的审批结果。"""
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


@main.command()
@click.argument("orders", nargs=-1, metavar="[工单编号]...")
@click.option("--at", "at", metavar="时间", help="结案时间（默认现在）。")
@by_option
@click.pass_context
def close(ctx: click.Context, orders: tuple[str, ...], at: str | None, actor: str | None,
          from_file: Path | None) -> None:
    """结案：已办结（并回访）的工单结案。"""
    moment = parse_moment(at)
    run_each(ctx, orders, actor, lambda s, o, r: s.close(o, row_moment(r, moment)), from_file)


# -- templates -----------------------------------------------------------------------------

@main.group(cls=HotlineGroup, context_settings=CONTEXT)
def templates() -> None:
    """Word 模板：检查本街道修改过的模板，或导出自带模板供修改。"""


@templates.command("check")
@click.pass_context
def templates_check(ctx: click.Context) -> None:
    """检查模板中的填写标记：未知的、缺少的，并试填写一次。"""
    from pipeline.documents.templates import check_templates  # noqa: PLC0415

    home = home_of(ctx)
    failed = False
    for report in check_templates(home.config.templates):
        where = "本街道的模板" if report.own else "软件自带模板"
        status = "有错误" if report.errors else ("可用，有提醒" if report.warnings else "正常")
        echo(f"{report.name}（{where}）：{status}")
        for line in report.errors:
            echo(f"  ✗ {line}")
        for line in report.warnings:
            echo(f"  ！{line}")
        failed = failed or bool(report.errors)
    if failed:
        ctx.exit(EXIT_USAGE)


@templates.command("export")
@click.option("--overwrite", is_flag=True, help="覆盖工作目录中已有的同名模板。")
@click.pass_context
def templates_export(ctx: click.Context, overwrite: bool) -> None:
    """把软件自带的模板复制到工作目录的 templates/ 中，供用 Word 或 WPS 修改。"""
    from pipeline.documents.templates import export_templates  # noqa: PLC0415

    home = home_of(ctx)
    written = export_templates(home.config.templates, overwrite=overwrite)
    for path in written:
        echo(f"  {path}")
    if written:
        echo(f"已复制 {len(written)} 个模板。修改后请运行 hotline templates check。")
    else:
        echo("工作目录中已有这些模板，未覆盖（如需覆盖请加 --overwrite）。")


# -- assessment ----------------------------------------------------------------------------

@main.command()
@click.option("--month", required=True, metavar="YYYY-MM", help="考核哪个月（按派单日期）。")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="统计日（默认今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出各项数字。")
@click.pass_context
def assess(ctx: click.Context, month: str, as_of: str | None, as_json: bool) -> None:
    """绩效考核：按承办部门统计一个月的受理、按时、解决、满意等情况，生成考核表。"""
    from pipeline.monthly.assess import monthly_assessment  # noqa: PLC0415

    home = home_of(ctx)
    result, path = monthly_assessment(home, month, parse_day(as_of))
    if as_json:
        dump_json(result.as_json())
        return
    t = result.total

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.1%}"

    echo(f"{month} 绩效考核（统计日 {result.as_of.isoformat()}）：受理 {t.received} 件，"
               f"不纳入考核 {t.excluded} 件，考核 {t.counted} 件。")
    echo(f"  先行联系按时率 {pct(t.contact_rate)}，按时办结率 {pct(t.on_time_rate)}，"
               f"解决率 {pct(t.solved_rate)}，满意率 {pct(t.satisfaction_rate)}，超时 {t.overdue} 件，"
               f"催单 {t.reminded} 件。")
    echo(f"考核表：{path}")


@main.command("archive")
@click.option("--month", required=True, metavar="YYYY-MM", help="归档哪个月结案的工单。")
@actor_option
@click.pass_context
def archive_cmd(ctx: click.Context, month: str, actor: str | None) -> None:
    """归档：把某月已结案的工单连同文书归入 archive/<月份>/，并生成归档索引。"""
    from pipeline.monthly.archiving import archive_month  # noqa: PLC0415

    result = archive_month(home_of(ctx), month, actor)
    echo(f"{month}：归档 {len(result.newly)} 件（该月已结案共 {result.total} 件），"
               f"归档目录 {result.folder}。")
    if result.left_open:
        echo(f"该月派单、尚未结案的工单 {result.left_open} 件未归档，仍在台账中跟踪。")


# -- doctor / restore ----------------------------------------------------------------------

@main.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """体检：检查数据库、文件夹、备份、模板、节假日安排等，并说明怎么处理。"""
    from pipeline.admin.doctor import examine  # noqa: PLC0415
    from pipeline.errors import EXIT_STORE  # noqa: PLC0415

    report = examine(home_of(ctx))
    echo(report.text())
    if report.failed:
        database = any(f.topic == "数据库" and f.mark == "✗" for f in report.findings)
        ctx.exit(EXIT_STORE if database else EXIT_USAGE)


@main.command()
@click.argument("backup", metavar="备份文件",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, backup: Path) -> None:
    """用备份恢复数据库（损坏的数据库另存备查）。"""
    from pipeline.safety.backup import restore as restore_backup  # noqa: PLC0415
    from pipeline.safety.locking import home_lock  # noqa: PLC0415
    from pipeline.store import open_store  # noqa: PLC0415

    home = home_of(ctx)
    with home_lock(home.config.lock_path, "hotline restore"):
        home.close()
        try:
            check = open_store(f"sqlite:///{backup.resolve().as_posix()}", check=True)
            check.close()
        except HotlineError as exc:
            fail(f"备份文件 {backup} 本身无法使用：{exc}")
        aside = restore_backup(home, backup)
    echo(f"已用 {backup.name} 恢复数据库；原数据库另存为 {aside.name}。")
    echo("备份之后收到的工单：请把 archive 中相应日期文件夹里的原文件重新放入收件箱，"
               "再运行 hotline run（已有的工单不会重复）。")
