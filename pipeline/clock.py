"""The one clock of the package: every "now" and "today" is read here.

Production reads the wall clock; tests set it with time-machine (in process) or Debian's
faketime (a whole process tree), never by patching scattered calls. Local time, no time
zone: the office, its district and its rules all live in China Standard Time.
"""

from __future__ import annotations

from datetime import date, datetime


def now() -> datetime:
    """The current moment, to the second."""
    return datetime.now().replace(microsecond=0)


def today() -> date:
    return now().date()


def stamp() -> str:
    """Now as stored: ISO 8601 to the second, no zone (2026-11-28T09:30:00)."""
    return now().isoformat()


def timestamp() -> float:
    """Now as seconds since the epoch, for comparing with file modification times."""
    return now().timestamp()
