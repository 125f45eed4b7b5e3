"""The home folder (spec §6): inbox/ outbox/ archive/ failed/, the database, hotline.toml.

Homes are explicit: `hotline init` makes one (writes hotline.toml, the folders and an empty
database); every other command refuses a folder without hotline.toml, and a home whose
database file has gone is refused too (never silently started again empty).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import CONFIG_NAME, DEFAULT_CONFIG, Config, load_config
from pipeline.deadlines.clocks import DeadlineCalculator
from pipeline.deadlines.rules import Rules, load_rules
from pipeline.deadlines.workdays import WorkCalendar
from pipeline.errors import StoreError
from pipeline.intake.labels import Vocabulary, build_vocabulary
from pipeline.safety.backup import backups, sqlite_path
from pipeline.safety.files import write_bytes_atomic
from pipeline.safety.locking import store_lock
from pipeline.store import Store, open_store
from pipeline.store.upkeep import probe_write

HOME_ENV = "HOTLINE_HOME"
WRITER_WAIT_SECONDS = 30.0  # how long a writing command waits for a restore to finish

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
            self._refuse_missing_store()
            self._store = open_store(self.config.database_url, check=check,
                                     office=self.config.office_name,
                                     district=self.config.district)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @contextmanager
    def locked_for_writing(self, what: str) -> Iterator[None]:
        """Hold the store lock (shared) while a command changes the home: a restore waits
        for it, and it waits for a restore. Any store opened before is closed: what follows
        opens the file in place now, never one a restore has just replaced."""
        with store_lock(self.config.store_lock_path, what, wait_seconds=WRITER_WAIT_SECONDS):
            self.close()
            yield

    @contextmanager
    def writing(self, what: str, *, check: bool = False) -> Iterator[Store]:
        """The store, under the store lock, found writable before any work starts."""
        with self.locked_for_writing(what):
            store = self.store(check=check)
            probe_write(store)
            yield store

    def _refuse_missing_store(self) -> None:
        live = sqlite_path(self.config.database_url)
        if live is None or live.exists():
            return
        raise StoreError(missing_store_text(self.config, live))


def missing_store_text(config: Config, live: Path) -> str:
    """What the clerk is told when the database file has gone (exit status 4)."""
    found = backups(config.backups)
    text = f"数据库文件 {live} 不见了，本次未做任何处理（不会自动新建空数据库）。"
    if found:
        newest = found[0]
        text += (f"最近的备份是 {newest}：运行 hotline restore \"{newest}\" 恢复，"
                 "再运行 hotline doctor --repair 补读备份之后已归档的原件。")
    else:
        text += "如果这是新的工作目录，请运行 hotline init 新建数据库。"
    aside = sorted(live.parent.glob(f"{live.name}.*"))
    if aside:
        text += f"旁边另存的数据库文件：{'、'.join(p.name for p in aside[:3])}，请勿删除，可请技术人员查看。"
    return text


def open_home(path: Path) -> Home:
    """Open the home at `path` (NotAHomeError, exit 2, if it has no hotline.toml)."""
    _private_files()
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


def _private_files() -> None:
    if os.name == "posix":
        # Callers' names and phones live here: files readable by the owner only.
        os.umask(0o077)


@dataclass
class InitResult:
    home: Path
    made: list[str]  # what init created, for the clerk
    notes: list[str]


def init_home(path: Path, *, new_store: bool = False) -> InitResult:
    """Make `path` a home: hotline.toml with commented defaults, the folders, the database.

    Idempotent: in an existing home it only makes what is missing. A home whose database
    has gone while backups remain gets no new empty database unless `new_store` says so:
    restoring the newest backup is nearly always what the clerk wants."""
    _private_files()
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    made: list[str] = []
    notes: list[str] = []
    config_file = path / CONFIG_NAME
    if not config_file.exists():
        write_bytes_atomic(config_file, DEFAULT_CONFIG.encode("utf-8"), path / ".staging")
        made.append(CONFIG_NAME)
    home = open_home(path)
    try:
        live = sqlite_path(home.config.database_url)
        if live is not None and not live.exists():
            if backups(home.config.backups) and not new_store:
                notes.append(missing_store_text(home.config, live)
                             + "如确要从空数据库重新开始，请运行 hotline init --new-store。")
            else:
                live.parent.mkdir(parents=True, exist_ok=True)
                home._store = open_store(home.config.database_url,
                                         office=home.config.office_name)
                made.append(live.name)
    finally:
        home.close()
    return InitResult(path, made, notes)
