"""Exceptions whose message is for the clerk (Chinese), and the exit statuses of spec §6.

Exit statuses (README, `hotline run --help`): a scheduled task counts only 0 and 1 as a
night that did its work; every other status needs a person.

    0  everything read
    1  some input set aside (reason files in failed/); everything else done
    2  usage or configuration error, or a folder that is not a home (`hotline init`)
    3  another task holds the home (a run, an archive, a restore)
    4  the database is damaged or missing: `hotline doctor`, then `hotline restore`
    5  the database cannot be written: a read-only file, folder or disk, or a full disk
    6  the database is locked by another program (an open database viewer, a copy tool)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PARTIAL = 1  # some input was set aside; everything else done
EXIT_USAGE = 2  # usage or configuration error; not a home
EXIT_BUSY = 3  # another hotline task holds the home
EXIT_STORE = 4  # the database is damaged or missing
EXIT_STORE_READONLY = 5  # the database cannot be written (read-only, disk full)
EXIT_STORE_LOCKED = 6  # another program holds the database locked


class HotlineError(Exception):
    """An expected failure with a message a clerk can act on."""

    exit_code = EXIT_USAGE


class ConfigError(HotlineError):
    """hotline.toml or a rule file is wrong."""


class NotAHomeError(ConfigError):
    """The folder has no hotline.toml: `hotline init` makes a home, nothing else does."""


class HomeBusyError(HotlineError):
    """Another run holds the home's lock."""

    exit_code = EXIT_BUSY


class StoreError(HotlineError):
    """The database is damaged, missing or cannot be opened."""

    exit_code = EXIT_STORE


class StoreReadOnlyError(StoreError):
    """The database, its folder or its disk cannot be written (or the disk is full)."""

    exit_code = EXIT_STORE_READONLY


class StoreLockedError(StoreError):
    """Another program keeps the database locked longer than we wait."""

    exit_code = EXIT_STORE_LOCKED


class OrderNotFoundError(HotlineError):
    """No order has the given number."""


class StageError(HotlineError):
    """A stage command that makes no sense for the order's state."""


class FileRejectedError(Exception):
    """A whole input file cannot be read; `reason` is the clerk's text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
