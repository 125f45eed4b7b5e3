"""`hotline`: the command line. Parses options, calls the library, prints Chinese.

No business logic here: every command is a few lines over a library function, and the
library's own exceptions (HotlineError) become a clear message and an exit status.
"""

from __future__ import annotations

import errno
import importlib
import sqlite3
import sys
import unicodedata
from datetime import date, datetime
from typing import Any, NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from pipeline import __version__, clock, normalise
from pipeline.cli import zh as clizh
from pipeline.cli.console import echo, echo_json, harden_std_streams
from pipeline.errors import EXIT_STORE_READONLY, EXIT_USAGE, HotlineError
from pipeline.home import Home, open_home, resolve_home
from pipeline.normalise import InvalidValueError, parse_datetime
from pipeline.safety.files import describe_os_error
from pipeline.store.trouble import store_trouble
from pipeline.text import mask_phones

clizh.install()

# A disk that is full, read-only or refuses us: exit status 5, with the clerk's words.
CANNOT_WRITE = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG,
                getattr(errno, "EDQUOT", errno.ENOSPC)}

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class HotlineCommand(click.Command):
    """A command whose help is Chinese throughout: [选项], 文字 / 整数 for Click's TEXT /
    INTEGER, headings with a full-width colon."""

    context_class = clizh.Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        clizh.chinese_metavars(self.params)


class HotlineGroup(click.Group):
    """Turns the library's expected errors into one clear line and an exit status; lists
    its commands in the order of the day's work, not the alphabet's."""

    command_class = HotlineCommand
    context_class = clizh.Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)
        clizh.chinese_metavars(self.params)
        # name → "module:attribute", imported when the command is used (Click's lazy group):
        # `hotline list` need not load the workbook and document libraries.
        self.lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in self.commands if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HotlineError as exc:
            echo(f"错误：{mask_phones(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            # The database refused mid-command (read-only, locked, damaged): the clerk's
            # words and the status that says which, never a traceback with status 1.
            trouble = store_trouble(exc)
            echo(f"错误：{trouble}", err=True)
            ctx.exit(trouble.exit_code)
        except OSError as exc:
            if exc.errno not in CANNOT_WRITE:
                raise
            echo(f"错误：{describe_os_error(exc)}。没能写入的内容都没有保存，原有文件未受影响。", err=True)
            ctx.exit(EXIT_STORE_READONLY)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    echo(f"错误：{mask_phones(message)}", err=True)
    sys.exit(code)


def parse_day(value: str | None, what: str = "日期") -> date:
    """A day typed by the clerk, in any form `--at` takes; today if none."""
    try:
        day = normalise.parse_day(value)
    except InvalidValueError:
        day = None
        if value:
            fail(f"{what}“{value}”无法识别，请写成 2026-11-27、2026/11/27 或 2026年11月27日。")
    return day or clock.today()


def parse_month(value: str) -> str:
    """A month typed by the clerk (2026-9, 2026/09, 2026年9月) as YYYY-MM."""
    try:
        return normalise.parse_month(value)
    except InvalidValueError as exc:
        fail(f"{exc}。")


@click.group(cls=HotlineGroup, context_settings=CONTEXT)
@click.option("--home", "home_dir", metavar="文件夹", envvar="HOTLINE_HOME",
              help="工作目录（含 inbox、outbox、数据库和 hotline.toml，由 hotline init 建立）。"
                   "默认为当前文件夹，也可用环境变量 HOTLINE_HOME 指定。")
@click.version_option(__version__, "--version", message="hotline %(version)s")
@click.pass_context
def main(ctx: click.Context, home_dir: str | None) -> None:
    """北站街道“12345”市民服务热线工单处理。

    \b
    每晚：把区热线办的电子工单（PDF、Excel、CSV）放进 inbox/，运行 hotline run，
    第二天早上在 outbox/<日期>/ 里取转送单、工单台账和督办日报打印。
    第一次使用可运行 hotline demo 看看效果；正式使用前用 hotline init 文件夹 建立工作目录。

    \b
    示例：
      hotline demo
      hotline init /srv/hotline
      hotline run
      hotline --home /srv/hotline list --open
      hotline 命令 --help      （看某个命令的说明和示例）
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
    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [v + " " * max(1, w - width(v)) for v, w in zip(values, widths, strict=False)]
    return "".join(cells) + "".join(values[len(widths):])


def dump_json(data: Any) -> None:
    echo_json(data)


def parse_moment(value: str | None) -> datetime | None:

    if value is None:
        return None
    try:
        return parse_datetime(value)
    except InvalidValueError as exc:
        fail(f"时间{exc}。")


def actor_option(f: Any) -> Any:
    return click.option("--by", "actor", metavar="姓名",
                        help="经办人姓名，记入工单经过（默认为电脑登录名）。")(f)
