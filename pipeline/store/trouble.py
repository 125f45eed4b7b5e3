"""What a database error means for the clerk: damaged, read-only (or full), or locked by
another program, each with its own words and exit status."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from pipeline.errors import StoreError, StoreLockedError, StoreReadOnlyError
from pipeline.text import error_text

READ_ONLY = {"SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_FULL", "SQLITE_IOERR"}
LOCKED = {"SQLITE_BUSY", "SQLITE_LOCKED"}
CORRUPT = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


def _code(exc: BaseException) -> tuple[str, str]:
    """SQLite's error name (a prefix such as SQLITE_READONLY) and message of an error."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    return name, str(orig)


def _family(name: str, text: str) -> str:
    lowered = text.lower()
    for family, names, words in (
        ("full", {"SQLITE_FULL"}, ("disk is full", "no space")),
        ("readonly", READ_ONLY, ("readonly", "read-only", "unable to open", "disk i/o")),
        ("locked", LOCKED, ("database is locked", "table is locked")),
        ("corrupt", CORRUPT, ("malformed", "not a database")),
    ):
        if any(name.startswith(n) for n in names) or any(w in lowered for w in words):
            return family
    return "other"


def is_store_fault(exc: BaseException) -> bool:
    """True for a database that is full, read-only, locked or damaged; False for anything
    else (a constraint, a bug): those are not the store's state and keep their own status."""
    return _family(*_code(exc)) != "other"


def store_trouble(exc: BaseException, where: str = "") -> StoreError:
    """The clerk's words and exit status for a database error (SQLAlchemy's or sqlite3's)."""
    name, raw = _code(exc)
    family = _family(name, raw)
    text = error_text(exc)  # the driver's first line: never a statement's parameters
    place = f"（{where}）" if where else ""
    if family == "full":
        return StoreReadOnlyError(
            f"磁盘空间不足，数据库{place}无法写入（{text}）。没能写入的内容都没有保存；"
            "请清理磁盘后再运行。")
    if family == "readonly":
        return StoreReadOnlyError(
            f"数据库{place}无法写入：文件、所在文件夹或磁盘是只读的，或没有写入权限（{text}）。"
            "没能写入的内容都没有保存。请检查文件属性（去掉“只读”）和文件夹权限后再运行；"
            "hotline doctor 可帮助检查。")
    if family == "locked":
        return StoreLockedError(
            f"数据库{place}被另一个程序锁住，等待后仍未释放（{text}）。没能写入的内容都没有保存。"
            "请关闭正在打开数据库的程序（数据库查看工具、备份或同步软件）后再运行。")
    if family == "corrupt":
        return StoreError(
            f"数据库文件{place}已损坏（{text}）。请运行 hotline doctor 查看最近的备份，并按提示恢复。")
    return StoreError(f"无法使用数据库{place}（{text}）。请运行 hotline doctor 查看原因和最近的备份。")


def is_store_failure(exc: BaseException) -> bool:
    return isinstance(exc, SQLAlchemyError | sqlite3.Error)
