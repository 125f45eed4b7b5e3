"""The one clock of the package: every "now" and "today" is read here.

Production reads the wall clock; tests set it with time-machine (in process) or Debian's
faketime (a whole process tree), never by patching scattered calls. Local time, no time
zone: the office, its district and its rules all live in China Standard Time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

_shift = timedelta(0)  # set only by `living_at` (the demo's week), zero otherwise


def now() -> datetime:
    """The current moment, to the second."""
    return (datetime.now() + _shift).replace(microsecond=0)


@contextmanager
def living_at(moment: datetime) -> Iterator[None]:
    """Inside the block the clock reads `moment` and runs on from there: the demo lives a
    past week evening by evening, so that what it records is dated as it would have been.
    Nothing else moves the clock (tests use time-machine or faketime)."""
    global _shift  # noqa: PLW0603 - the one seam, deliberately module state
    before = _shift
    _shift = moment - datetime.now()
    try:
        yield
    finally:
        _shift = before


def today() -> date:
    return now().date()


def stamp() -> str:
    """Now as stored: ISO 8601 to the second, no zone (2026-11-28T09:30:00)."""
    return now().isoformat()


def timestamp() -> float:
    """Now as seconds since the epoch, for comparing with file modification times."""
    return now().timestamp()
