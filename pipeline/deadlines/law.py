"""The statutory holidays of 《全国年节及纪念日放假办法》, for a year whose State Council
notice is not known yet.

The law fixes which days are holidays; only the yearly notice fixes the 调休 swaps and the
补假 for a holiday falling on a weekend (Article 6). A provisional year is therefore the
law's holidays plus weekends: never later than the notice, and never 补假 that may not come.
The lunar dates (除夕, 初一.., 端午, 中秋) and the solar term 清明 come from lunar-python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache


@dataclass(frozen=True)
class LawVersion:
    """One version of the law: from which year it governs and what its 春节 and 劳动节 are."""

    name: str  # as cited to a clerk
    first_year: int
    spring_from_eve: bool  # 春节 starts on 除夕 (2007, 2024) or on 初一 (2013)
    spring_days: int
    labour_days: int


# Oldest first. The 2007 version governed 2008–2013, the 2013 one 2014–2024, the 2024 one 2025 on.
VERSIONS = (
    LawVersion("《全国年节及纪念日放假办法》（2007年修订）", 2008, True, 3, 1),
    LawVersion("《全国年节及纪念日放假办法》（2013年修订）", 2014, False, 3, 1),
    LawVersion("《全国年节及纪念日放假办法》（2024年修订）", 2025, True, 4, 2),
)
FIRST_YEAR = VERSIONS[0].first_year
LAST_YEAR = 9998  # lunar-python's range, with a year's margin for 除夕


def version_for(year: int) -> LawVersion | None:
    """The version in force in `year`, or None before 2008 (older versions are not modelled)."""
    found = None
    for version in VERSIONS:
        if version.first_year <= year:
            found = version
    return found if year <= LAST_YEAR else None


@dataclass(frozen=True)
class Festival:
    name: str  # 元旦, 春节, …
    days: tuple[date, ...]


# lunar-python is imported where used: ~25 ms that only a year without a notice needs.
def _lunar(year: int, month: int, day: int) -> date:
    from lunar_python import Lunar  # noqa: PLC0415

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def qingming(year: int) -> date:
    """清明: the day of the solar term (4-4 or 4-5, sometimes 4-6)."""
    from lunar_python import Solar  # noqa: PLC0415

    solar = Solar.fromYmd(year, 4, 20).getLunar().getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@cache
def statutory_festivals(year: int) -> tuple[Festival, ...]:
    """The law's holidays of `year`, festival by festival (empty before 2008)."""
    version = version_for(year)
    if version is None:
        return ()
    new_year = _lunar(year, 1, 1)
    first = new_year - timedelta(days=1) if version.spring_from_eve else new_year

    def run(start: date, n: int) -> tuple[date, ...]:
        return tuple(start + timedelta(days=i) for i in range(n))

    return (
        Festival("元旦", (date(year, 1, 1),)),
        Festival("春节", run(first, version.spring_days)),
        Festival("清明节", (qingming(year),)),
        Festival("劳动节", run(date(year, 5, 1), version.labour_days)),
        Festival("端午节", (_lunar(year, 5, 5),)),
        Festival("中秋节", (_lunar(year, 8, 15),)),
        Festival("国庆节", run(date(year, 10, 1), 3)),
    )


def statutory_holidays(year: int) -> frozenset[date]:
    """Every day the law makes a holiday in `year` (whatever the weekday)."""
    return frozenset(d for f in statutory_festivals(year) for d in f.days)


def law_name(year: int) -> str:
    """The version cited for `year` in messages ('' when none is modelled)."""
    version = version_for(year)
    return version.name if version else ""
