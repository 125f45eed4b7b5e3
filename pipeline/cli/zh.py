"""Click's own words (Usage, Options, its error messages) in Chinese.

Click looks its messages up through gettext at run time; no catalogue ships for Chinese,
so the few messages a clerk can meet are given here and handed to Click's modules. A
message not listed stays as Click wrote it.
"""

from __future__ import annotations

import importlib

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
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
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
}
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
