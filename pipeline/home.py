"""The home folder (spec §6): inbox/ outbox/ archive/ failed/, the database, hotline.toml."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config, load_config
from pipeline.deadlines.clocks import DeadlineCalculator
from pipeline.deadlines.rules import Rules, load_rules
from pipeline.deadlines.workdays import WorkCalendar
from pipeline.intake.labels import Vocabulary, build_vocabulary
from pipeline.store import Store, open_store

HOME_ENV = "HOTLINE_HOME"

TEMPLATES_README = """\
本文件夹放本街道自己修改过的 Word 模板。
- 运行 hotline templates export 可把软件自带的模板复制到这里，然后用 Word 或 WPS 修改。
- 文件名须与自带模板相同：转送单.docx、不纳入测评范围诉求申请表.docx、客观件诉求认定申请表.docx。
- {{ 来电人 }} 这样的标记会被替换成工单内容，请勿改动花括号内的文字。
- 修改后运行 hotline templates check 检查；删除本文件夹中的模板即恢复使用自带模板。
"""


def resolve_home(option: str | None) -> Path:
    """--home, else $HOTLINE_HOME, else the current folder."""
    chosen = option or os.environ.get(HOME_ENV) or "."
    return Path(chosen).expanduser().resolve()


def ensure_layout(config: Config) -> None:
    """Create the folders a home needs (idempotent)."""
    for folder in (config.inbox, config.outbox, config.archive, config.failed, config.templates):
        folder.mkdir(parents=True, exist_ok=True)
    readme = config.templates / "说明.txt"
    if not readme.exists():
        readme.write_text(TEMPLATES_README, encoding="utf-8-sig")


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


@dataclass
class Home:
    """A home opened for work: its configuration, calendar, rules, and (lazily) its store."""

    config: Config
    calendar: WorkCalendar
    rules: Rules
    vocabulary: Vocabulary = field(default_factory=build_vocabulary, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        return self.config.home

    def calculator(self) -> DeadlineCalculator:
        return DeadlineCalculator(self.calendar, self.rules)

    def store(self, *, check: bool = False) -> Store:
        if self._store is None:
            self._store = open_store(self.config.database_url, check=check)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def open_home(path: Path) -> Home:
    """Open (and on first use set up) the home at `path`."""
    if os.name == "posix":
        # Callers' names and phones live here: files readable by the owner only.
        os.umask(0o077)
    config = load_config(path)
    ensure_layout(config)
    calendar = WorkCalendar(config.calendar_years)
    rules = load_rules(config.rule_overrides)
    vocabulary = home_vocabulary(config)
    return Home(config=config, calendar=calendar, rules=rules, vocabulary=vocabulary)


def home_vocabulary(config: Config) -> Vocabulary:
    """The labels and values this home's readers know: the shipped ones and its own."""
    return build_vocabulary(config.labels, config.values, config.intake, config.office_name,
                            config.street_names)
