"""Exceptions whose message is for the clerk (Chinese), and the exit statuses of spec §6."""

from __future__ import annotations

EXIT_OK = 0
EXIT_PARTIAL = 1  # some input was set aside; everything else done
EXIT_USAGE = 2  # usage or configuration error
EXIT_BUSY = 3  # another run holds the home
EXIT_STORE = 4  # the database is damaged or unreachable


class HotlineError(Exception):
    """An expected failure with a message a clerk can act on."""

    exit_code = EXIT_USAGE


class ConfigError(HotlineError):
    """hotline.toml or a rule file is wrong."""


class HomeBusyError(HotlineError):
    """Another run holds the home's lock."""

    exit_code = EXIT_BUSY


class StoreError(HotlineError):
    """The database is damaged or cannot be opened."""

    exit_code = EXIT_STORE


class OrderNotFoundError(HotlineError):
    """No order has the given number."""


class StageError(HotlineError):
    """A stage command that makes no sense for the order's state."""


class FileRejectedError(Exception):
    """A whole input file cannot be read; `reason` is the clerk's text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
