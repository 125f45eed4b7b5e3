"""Looking after the home and the month: `init`, `calendar`, `templates`, `assess`,
`archive`, `doctor`, `restore`, `migrate`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click

from pipeline import clock
from pipeline.admin.doctor import examine
from pipeline.admin.repair import repair as repair_home
from pipeline.admin.restore import restore as restore_store
from pipeline.admin.transfer import migrate_home
from pipeline.cli.app import (
    CONTEXT,
    HotlineCommand,
    HotlineGroup,
    actor_option,
    dump_json,
    fail,
    home_of,
    parse_day,
    parse_month,
)
from pipeline.cli.console import echo
from pipeline.deadlines.explain import SOURCES
from pipeline.deadlines.holidays import (
    Schedule,
    parse_notice,
    parse_spans,
    save_schedule,
    schedule_lines,
)
from pipeline.documents.templates import check_templates, export_templates
from pipeline.errors import EXIT_STORE, EXIT_USAGE
from pipeline.home import init_home, resolve_home
from pipeline.monthly.archiving import archive_month
from pipeline.monthly.assess import monthly_assessment

# -- calendar ------------------------------------------------------------------------------

@click.group(cls=HotlineGroup, context_settings=CONTEXT)
def calendar() -> None:
    """节假日安排：查看某年的工作日，录入国务院新公布的一年安排。

    \b
    示例：
      hotline calendar show 2027
      hotline calendar add 2027 --notice 国务院通知.txt
    """


@calendar.command("add")
@click.argument("year", type=int, metavar="年份")
@click.option("--holidays", multiple=True, metavar="日期",
              help="放假日，日期写法与 --at 相同（2027-01-01、2027/1/1、2027年1月1日），"
                   "区间写成 2027-02-05..2027-02-11 或 2027年2月5日至2027年2月11日"
                   "（可多次给出，或用逗号分隔）。")
@click.option("--workdays", multiple=True, metavar="日期", help="调休上班的周六、周日，写法同上。")
@click.option("--notice", metavar="文件", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="国务院办公厅节假日安排通知的文本文件（UTF-8），从中读取日期。")
@click.option("--replace", is_flag=True, help="替换 hotline.toml 中已有的该年安排。")
@click.option("--dry-run", is_flag=True, help="只显示读到的日期，不保存。")
@click.option("--yes", is_flag=True, help="通知中有未录入的内容时，不再询问，直接保存。")
@click.pass_context
def calendar_add(ctx: click.Context, year: int, holidays: tuple[str, ...],
                 workdays: tuple[str, ...], notice: Path | None, replace: bool,
                 dry_run: bool, yes: bool) -> None:
    """录入某一年的节假日安排（写入 hotline.toml 的 [calendar.年份]）。

    读通知时逐节列出读到的放假和上班日期；有读不准的句子（日期不存在、起止颠倒、星期或年份
    对不上）就不录入并指出是哪一句；有没用上的日期时先询问（或加 --yes），不确认则不保存
    （退出状态 1）。

    \b
    示例：
      hotline calendar add 2027 --notice 国务院通知.txt --dry-run
      hotline calendar add 2027 --holidays 2027年1月1日 --holidays 2027-02-05..2027-02-11 --workdays 2027/2/14
    """

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
    for line in schedule_lines(schedule):
        echo(line)
    if dry_run:
        echo("（试运行，未保存）")
        return
    if schedule.skipped and not yes and not _confirmed("以上有未录入的内容，仍按读到的日期保存吗？"):
        echo(f"未保存。核对后可加 --yes 保存，或用 --holidays/--workdays 逐项录入 {year} 年的安排。")
        ctx.exit(1)
    with home.locked_for_writing("hotline calendar add"):
        path = save_schedule(home.path, schedule, source, replace=replace)
    echo(f"已写入 {path}（原来的一份另存为 {path.name}.bak）。请与国务院通知逐日核对；"
         f"此后涉及 {year} 年的期限不再是暂定。")


def _confirmed(question: str) -> bool:
    try:
        return click.confirm(question, default=False)
    except click.Abort:  # no answer (end of input): nothing is saved
        echo("")
        return False


@calendar.command("show")
@click.argument("year", type=int, metavar="年份")
@click.pass_context
def calendar_show(ctx: click.Context, year: int) -> None:
    """显示某年的放假日和调休上班日，以及数据来源。

    \b
    示例：
      hotline calendar show 2026
    """


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



# -- templates -----------------------------------------------------------------------------

@click.group(cls=HotlineGroup, context_settings=CONTEXT)
def templates() -> None:
    """Word 模板：检查本街道修改过的模板，或导出自带模板供修改。

    \b
    示例：
      hotline templates export
      hotline templates check
    """


@templates.command("check")
@click.pass_context
def templates_check(ctx: click.Context) -> None:
    """检查模板中的填写标记：未知的、缺少的，并试填写一次。

    \b
    示例：
      hotline templates check
    """

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
    """把软件自带的模板复制到工作目录的 templates/ 中，供用 Word 或 WPS 修改。

    \b
    示例：
      hotline templates export
      hotline templates export --overwrite
    """

    home = home_of(ctx)
    written = export_templates(home.config.templates, overwrite=overwrite)
    for path in written:
        echo(f"  {path}")
    if written:
        echo(f"已复制 {len(written)} 个模板。修改后请运行 hotline templates check。")
    else:
        echo("工作目录中已有这些模板，未覆盖（如需覆盖请加 --overwrite）。")



# -- assessment ----------------------------------------------------------------------------

@click.command(cls=HotlineCommand)
@click.option("--month", required=True, metavar="月份",
              help="考核哪个月（按派单日期），如 2026-11、2026/11、2026年11月。")
@click.option("--as-of", "as_of", metavar="日期", help="统计日（默认今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出各项数字。")
@click.pass_context
def assess(ctx: click.Context, month: str, as_of: str | None, as_json: bool) -> None:
    """绩效考核：按承办部门统计一个月的受理、按时、解决、满意等情况，生成考核表。

    \b
    示例：
      hotline assess --month 2026-11
      hotline assess --month 2026年11月 --as-of 2026-12-01 --json
    """

    home = home_of(ctx)
    month = parse_month(month)
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
               f"催单 {t.reminded} 件，退单 {t.returned} 件（确认 {t.returned_confirmed} 件），"
               f"延期申请 {t.extension_requested} 件。")
    if result.scoring.scored:
        ranked = sorted((f for f in result.departments if f.rank is not None), key=lambda f: f.rank or 0)
        for f in ranked:
            echo(f"  第{f.rank}名 {f.name}：综合得分 {f.score:.2f}")
    if result.streets:
        echo("各街道排名：")
    for street in result.streets:
        score = f"综合得分 {street.score:.2f}，" if street.score is not None else ""
        place = f"第{street.rank}名" if street.rank is not None else "不排名"
        echo(f"  {place} {street.name}：{score}受理 {street.received} 件，按时办结率 "
             f"{pct(street.on_time_rate)}，先行联系按时率 {pct(street.contact_rate)}，"
             f"满意率 {pct(street.satisfaction_rate)}")
    echo(f"考核表：{path}")


@click.command("archive", cls=HotlineCommand)
@click.option("--month", required=True, metavar="月份",
              help="归档哪个月结案的工单，如 2026-11、2026/11、2026年11月。")
@actor_option
@click.pass_context
def archive_cmd(ctx: click.Context, month: str, actor: str | None) -> None:
    """归档：把某月已结案的工单连同文书归入 archive/<月份>/，并生成归档索引。

    \b
    示例：
      hotline archive --month 2026-11
      hotline archive --month 2026-9 --by 王敏
    """

    month = parse_month(month)
    result = archive_month(home_of(ctx), month, actor)
    echo(f"{month}：归档 {len(result.newly)} 件（该月已结案共 {result.total} 件），"
               f"归档目录 {result.folder}。")
    if result.left_open:
        echo(f"该月派单、尚未结案的工单 {result.left_open} 件未归档，仍在台账中跟踪。")



# -- init / doctor / restore ---------------------------------------------------------------

@click.command(cls=HotlineCommand)
@click.argument("folder", required=False, metavar="[文件夹]",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--new-store", is_flag=True,
              help="数据库文件不见了而 backups 中有备份时，仍新建一个空数据库"
                   "（一般应先用 hotline restore 恢复）。")
@click.pass_context
def init(ctx: click.Context, folder: Path | None, new_store: bool) -> None:
    """新建工作目录：写入配置文件 hotline.toml，建立 inbox、outbox 等文件夹和数据库。

    \b
    不给文件夹时用 --home、环境变量 HOTLINE_HOME 或当前文件夹。已是工作目录时只补上缺少的部分，
    不改动已有的配置和数据。其他命令只在有 hotline.toml 的工作目录中运行。

    \b
    示例：
      hotline init /srv/hotline
      hotline init C:\\hotline
      hotline init            （把当前文件夹建成工作目录）
    """
    target = folder if folder is not None else resolve_home(ctx.find_root().obj.get("home_dir"))
    result = init_home(target, new_store=new_store)
    if result.made:
        echo(f"工作目录 {result.home}：已新建 {'、'.join(result.made)}，以及 inbox、outbox、archive、"
             "failed、templates 文件夹。")
    else:
        echo(f"{result.home} 已是工作目录，没有需要新建的。")
    for note in result.notes:
        echo(f"！{note}")
    echo(f"配置（承办部门、关键词分派建议、节假日安排等）在 {result.home / 'hotline.toml'}。"
         f"把区热线办的文件放进 inbox 后运行：hotline --home \"{result.home}\" run")
    if result.notes:
        ctx.exit(EXIT_STORE)


@click.command(cls=HotlineCommand)
@click.option("--repair", is_flag=True,
              help="补救：把 archive 中数据库没有记录的原件重新读入（原件留在原处），"
                   "并清理恢复中断留下的文件；然后再体检一次。")
@click.pass_context
def doctor(ctx: click.Context, repair: bool) -> None:
    """体检：检查数据库、文件夹、备份、归档原件、模板、节假日安排等，并说明怎么处理。

    \b
    示例：
      hotline doctor
      hotline doctor --repair
      hotline --home /srv/hotline doctor
    """

    home = home_of(ctx)
    if repair:
        done = repair_home(home, clock.today())
        for line in done.lines:
            echo(line)
        echo("")
    report = examine(home)
    echo(report.text())
    if report.failed:
        ctx.exit(report.store_exit or EXIT_USAGE)


@click.command(cls=HotlineCommand)
@click.argument("backup", metavar="备份文件",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="确认恢复。不加时只列出恢复后会失去的记录，不做任何改动。")
@click.pass_context
def restore(ctx: click.Context, backup: Path, yes: bool) -> None:
    """用 backups/ 中的备份恢复数据库：先列出恢复后会失去的记录，加 --yes 才恢复。

    \b
    恢复是一次性替换：中途断电或被强行结束，数据库要么是原来的，要么是备份的，不会丢失。
    原数据库另存为 hotline.db.replaced-时间，备查。恢复后运行 hotline doctor --repair。

    \b
    示例：
      hotline restore backups/hotline-2026-11-27.db
      hotline restore backups/hotline-2026-11-27.db --yes
    """

    home = home_of(ctx)
    result = restore_store(home, backup, confirmed=yes, show=echo)
    if result is None:
        echo(f"未做任何改动。核对上面的内容后，加 --yes 再运行即可恢复：hotline restore \"{backup}\" --yes")
        ctx.exit(EXIT_USAGE)
    if result.aside is not None:
        state = "完好" if result.old_was_healthy else "已损坏"
        echo(f"已用 {backup.name} 恢复数据库。原数据库（{state}）另存为 {result.aside.name}，备查。")
    else:
        echo(f"已用 {backup.name} 恢复数据库。")
    echo("接着请运行 hotline doctor --repair：它把备份之后已归档的原件重新读入（不会重复）。"
         "上面列出的分派、联系、办理等登记需要重新登记。")


# -- moving up to a shared server ------------------------------------------------------------

TABLES = {"orders": "工单", "events": "经过", "reminders": "催单", "documents": "文书"}


@click.command(cls=HotlineCommand)
@click.option("--to", "url", required=True, metavar="数据库地址",
              help="区里数据库服务器的地址，如 postgresql+psycopg://用户@服务器/hotline。")
@click.pass_context
def migrate(ctx: click.Context, url: str) -> None:
    """把本街道的数据库（工单及其全部经过、催单、文书记录）复制到区里共用的数据库服务器。

    \b
    可以重复运行：已复制的工单不会重复；复制后逐张核对（件数和每张工单的内容、经过），
    并列出核对结果。核对一致后，把 hotline.toml 中 [database] url 改为该地址即可。

    \b
    示例：
      hotline migrate --to postgresql+psycopg://hotline@192.168.1.10/hotline
    """

    home = home_of(ctx)
    result = migrate_home(home, url)
    echo(f"{home.config.office_name}：本次复制 {result.copied} 张工单，此前已复制 {result.present} 张。")
    for name, (ours, theirs) in result.counts.items():
        mark = "一致" if ours == theirs else "不一致"
        echo(f"  {TABLES[name]}：本地 {ours}，服务器 {theirs}，{mark}")
    echo(f"  逐张核对（工单内容和全部经过）：一致 {result.same} 张，不一致 {len(result.different)} 张")
    if result.elsewhere:
        echo(f"  服务器上已属其他街道、未复制的工单：{'、'.join(result.elsewhere[:20])}")
    if not result.ok:
        echo("核对未通过：请勿改用服务器，把以上内容告诉技术人员。")
        ctx.exit(EXIT_STORE)
    echo("核对通过。可把 hotline.toml 中 [database] url 改为服务器地址。")
