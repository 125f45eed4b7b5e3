"""Click's own words (Usage, Options, its error messages, its metavars) in Chinese.

Click looks its messages up through gettext at run time; no catalogue ships for Chinese,
so the messages a clerk can meet are given here and handed to Click's modules. A message
not listed stays as Click wrote it. The help formatter writes headings with a full-width
colon and aligns columns by display width (a Chinese character takes two).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable

import click

ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 “{command} {option}” 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有这个命令：{name!r}。",
    "No such option {name!r}.": "没有这个选项：{name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不需要值。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是一个文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是一个文件。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（自动）",
    "deprecated": "已停用",
    "{value!r} is not a valid {number_type}.": "“{value}”不是数字，请用阿拉伯数字，如 3。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not a valid UUID.": "“{value}”格式不对。",
    "Choose from:\n\t{choices}": "可选：{choices}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不能执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "unknown error": "未知错误",
    "Value must be an iterable.": "应给出多个值。",
}
# What Click would print in capitals for an option without a metavar (TEXT, INTEGER …).
METAVARS = {"text": "文字", "integer": "整数", "float": "数字", "boolean": "是/否",
            "uuid": "编号", "filename": "文件"}
ZH_PLURAL = {
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "{value!r} is not {choice}.": "{value!r} 不是可选值，应为 {choice}。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
}
ZH_PLURAL_OTHER = {
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值，应为其中之一：{choices}。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "(Did you mean one of: {possibilities}?)": "（是不是要用其中之一：{possibilities}？）",
}


def gettext(message: str) -> str:
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if n == 1:
        return ZH_PLURAL.get(singular, singular)
    return ZH_PLURAL_OTHER.get(plural, plural)


def install() -> None:
    """Give Click's modules the Chinese messages (idempotent)."""
    for name in ("click.core", "click.exceptions", "click.parser", "click.types",
                 "click.formatting", "click.decorators"):
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def width(text: str) -> int:
    """Columns a terminal gives `text`: two for a Chinese character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_UNITS = re.compile(r"[ -~]+?(?= |$|[^ -~])| |.", re.DOTALL)
_CLOSING = "）》」』】〕，。、；：！？”’)]}.,;:!?"


def _wrap(text: str, limit: int) -> list[str]:
    """Greedy wrapping by display width: a Chinese character may end a line anywhere, an
    ASCII word only whole, a closing mark never starts a line."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for unit in _UNITS.findall(paragraph):
            if width(line + unit) <= limit or not line.strip() or unit[0] in _CLOSING:
                line += unit
            else:
                lines.append(line.rstrip())
                line = unit.lstrip()
        lines.append(line.rstrip())
    return lines


class HelpFormatter(click.HelpFormatter):
    """Headings with a full-width colon; definition lists aligned by display width."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((width(r[0]) for r in rows), default=0), col_max) + col_spacing
        indent = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + indent)
            lines = _wrap(second, max(self.width - first_col - self.current_indent - 2, 20))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(indent + line + "\n")


class Context(click.Context):
    formatter_class = HelpFormatter


def chinese_metavars(params: Iterable[click.Parameter]) -> None:
    """Give every option Click would show as TEXT or INTEGER a Chinese metavar."""
    for param in params:
        if not isinstance(param, click.Option) or param.metavar is not None or param.is_flag:
            continue
        if isinstance(param.type, click.Choice):
            continue
        param.metavar = METAVARS.get(param.type.name, "值")
