"""Every command has Chinese help and is in the README; the README's commands are the ones
CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # commands load when asked for
        command = group.get_command(ctx, name)
        assert command is not None, name
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            out += commands(command, f"{full} ")
        else:
            out.append((full, command))
    return out


ALL = commands(main)


def test_every_command_has_chinese_help_and_is_in_the_readme() -> None:
    assert len(ALL) >= 20
    runner = CliRunner()
    for name, command in ALL:
        result = runner.invoke(main, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert re.search(r"[\u4e00-\u9fff]", command.help or ""), f"{name} has no Chinese help"
        assert f"hotline {name}" in README, f"`hotline {name}` is not in README.md"


def test_help_speaks_chinese() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"], prog_name="hotline").output
    assert top.startswith("用法： hotline [选项] 命令 [参数]...")
    assert "选项" in top and "命令" in top and "显示本帮助并退出" in top
    for english in ("Usage", "Options", "Commands", "Show this message"):
        assert english not in top
    handle = runner.invoke(main, ["handle", "--help"]).output
    assert "[工单编号]..." in handle and "Usage" not in handle
    wrong = runner.invoke(main, ["deadline", "--kind", "错", "--dispatched", "2026-11-20"])
    assert wrong.exit_code == 2 and "不是可选值" in wrong.output


def test_readme_first_lines_give_the_two_commands() -> None:
    head = README.splitlines()[:6]
    demo = next(line for line in head if line.startswith("演示"))
    tests = next(line for line in head if line.startswith("测试"))
    assert "pip install ." in demo and "hotline demo" in demo
    assert "pip install '.[test]'" in tests and "pytest" in tests


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -m1 '^测试' README.md" in ci
    assert "ruff check" in ci


CLICK_LEFTOVERS = ("TEXT", "INTEGER", "FLOAT", "BOOLEAN", "FILE", "DIRECTORY", "PATH",
                   "[required]", "选项:", "命令:", "[|", "Usage", "Options")


def test_every_command_has_an_example_and_no_click_leftovers() -> None:
    runner = CliRunner()
    for name, _command in [("", main), *ALL]:
        text = runner.invoke(main, [*name.split(), "--help"]).output
        assert "示例：" in text, f"`hotline {name}` has no example"
        for word in CLICK_LEFTOVERS:
            assert word not in text, f"`hotline {name} --help` shows {word!r}"
        assert "选项：" in text


def test_click_messages_are_chinese() -> None:
    runner = CliRunner()
    bad_number = runner.invoke(main, ["extend", "X1", "--days", "三"])
    assert bad_number.exit_code == 2
    assert "“三”不是数字" in bad_number.output and "integer" not in bad_number.output
    missing = runner.invoke(main, ["deadline", "--kind", "一般"])
    assert missing.exit_code == 2 and "缺少选项" in missing.output
