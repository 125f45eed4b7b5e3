"""The nightly batch and the sample and demo homes: `run`, `sample`, `demo`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from click.core import ParameterSource

from pipeline.batch.run import run_batch
from pipeline.batch.summary import summary_text
from pipeline.cli.app import (
    HotlineCommand,
    home_of,
    parse_day,
)
from pipeline.cli.console import echo
from pipeline.cli.progress import TerminalProgress
from pipeline.demo.demo import run_demo
from pipeline.demo.districts import MIN_ORDERS, STAND_IN, generate_districts
from pipeline.demo.samples import generate

# -- run ---------------------------------------------------------------------------------

@click.command(cls=HotlineCommand)
@click.option("--as-of", "as_of", metavar="日期",
              help="按哪一天计算红黄灯（默认今天），如 2026-11-27、2026/11/27、2026年11月27日。")
@click.option("--quiet", "-q", is_flag=True, help="只在有文件被放在一边时输出。")
@click.pass_context
def run(ctx: click.Context, as_of: str | None, quiet: bool) -> None:
    """夜间批处理：读收件箱、入库、算期限、出转送单和台账、归档原件。

    \b
    退出状态（定时任务只把 0 和 1 当作正常）：
      0 全部读入；1 有文件被放在一边（其余照常完成，原因见 failed/）；
      2 用法或配置错误，或不是工作目录（用 hotline init 建立）；3 另一个任务正在使用工作目录；
      4 数据库损坏或不见了（运行 hotline doctor）；5 数据库无法写入（只读、无权限或磁盘已满）；
      6 数据库被另一个程序锁住。

    \b
    示例：
      hotline run
      hotline run --as-of 2026年11月27日
      hotline --home /srv/hotline run --quiet
    """

    home = home_of(ctx)
    day = parse_day(as_of)
    with TerminalProgress() as progress:
        summary, code = run_batch(home, day, progress.update)
    if not quiet or code:
        echo(summary_text(summary.to_json()))
        if summary.report:
            echo(f"\n运行报告：outbox/{summary.report}")
    ctx.exit(code)



# -- sample / demo -------------------------------------------------------------------------

@click.command(cls=HotlineCommand)
@click.option("--orders", default=30, show_default=True, metavar="张数", help="生成多少张工单。")
@click.option("--into", "into", required=True, metavar="文件夹",
              type=click.Path(file_okay=False, path_type=Path), help="放到哪个文件夹。")
@click.option("--seed", default=2026, show_default=True, metavar="整数",
              help="随机种子（相同种子生成相同文件）。")
@click.option("--as-of", "as_of", metavar="日期", help="以哪一天为“今天”（默认今天）。")
@click.option("--pdf-share", default=0.15, show_default=True, metavar="比例",
              help="PDF 工单所占比例（0 到 1）。")
@click.option("--plain", is_flag=True, help="只生成规整的 Excel 和 PDF，不含各种变体。")
@click.option("--districts", is_flag=True,
              help="改为生成其他地方 12345 系统格式的导出（北京接诉即办、上海、广东、两级交办）。")
def sample(orders: int, into: Path, seed: int, as_of: str | None, pdf_share: float,
           plain: bool, districts: bool) -> None:
    """生成仿真的区热线办导出文件（各种格式和写法），用于演示和测试。

    \b
    示例：
      hotline sample --into 仿真工单 --orders 50
      hotline sample --into 仿真工单 --plain --as-of 2026-11-27
      hotline sample --into 外区工单 --districts
    """

    if districts:
        _district_samples(into, orders, seed, parse_day(as_of))
        return
    made = generate(into, orders=orders, seed=seed, as_of=parse_day(as_of),
                    pdf_share=pdf_share, variations=not plain)
    for path in made.files:
        echo(f"  {path}")
    echo(f"已生成 {len(made.files)} 个文件，共 {len(made.orders)} 张工单。")


def _district_samples(into: Path, orders: int, seed: int, as_of: date) -> None:
    if orders < MIN_ORDERS:
        raise click.UsageError(f"--orders 至少为 {MIN_ORDERS}（每种格式两张）。")
    made = generate_districts(into, orders=orders, seed=seed, as_of=as_of)
    for path, profile, _ in made:
        note = (f"（没有派单时间：须在 hotline.toml 的 [intake] 写 dispatch_from = \"{STAND_IN[profile]}\""
                " 后才读入）") if profile in STAND_IN else ""
        echo(f"  {path}{note}")
    echo(f"已生成 {len(made)} 个文件，共 {sum(len(t) for _, _, t in made)} 张工单。")


@click.command(cls=HotlineCommand)
@click.argument("folder", required=False, metavar="[文件夹]",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--orders", default=24, show_default=True, metavar="张数", help="演示工单数量。")
@click.option("--as-of", "as_of", metavar="日期", help="演示一周的最后一天（默认今天）。")
@click.pass_context
def demo(ctx: click.Context, folder: Path | None, orders: int, as_of: str | None) -> None:
    """演示：新建一个工作目录，模拟一周的收件和办理（多数按时，几张预警、黄灯、超时，
    一张催单、一张回访不满意退回重办），生成台账、督办日报和绩效考核。

    \b
    只在新文件夹（不存在或空的）中建立，决不动已有的工作目录。文件夹写在命令后，
    或用 --home 指定（两者都写时以命令后的为准）；都不写时为当前文件夹下的 hotline-demo。

    \b
    示例：
      hotline demo
      hotline demo 演示目录 --as-of 2026-11-27
      hotline --home 演示目录 demo
    """

    target = demo_folder(ctx, folder)
    text, code = run_demo(target, orders=orders, as_of=parse_day(as_of))
    echo(text)
    sys.exit(0 if code in (0, 1) else code)


def demo_folder(ctx: click.Context, folder: Path | None) -> Path:
    """The folder named after `demo`; else the one --home names on the command line (never
    HOTLINE_HOME: the variable names the office's real home); else ./hotline-demo."""
    if folder is not None:
        return folder
    root = ctx.find_root()
    home = root.params.get("home_dir")
    if home and root.get_parameter_source("home_dir") is ParameterSource.COMMANDLINE:
        return Path(home)
    return Path("hotline-demo")
