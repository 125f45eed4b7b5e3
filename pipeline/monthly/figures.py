"""绩效考核 (seed §三(一)5): the month's figures per department and in total.

The district's scoring rules are not in the seed (spec §5), so these are the figures 12345
assessments are built from, each defined on the workbook's notes sheet (DEFINITIONS below).
Orders whose Annex 3 / 4 request was approved are shown apart and left out of every rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.deadlines.clocks import Light
from pipeline.deadlines.state import OrderState
from pipeline.errors import HotlineError
from pipeline.model import REQUEST_APPROVED, RESULTS, Status
from pipeline.monthly.scoring import Scoring, ranks
from pipeline.normalise import InvalidValueError, parse_month

TOTAL = "合计"
UNASSIGNED = "（未分派）"

DEFINITIONS = [
    ("受理数", "考核月内区热线办派单（转交日期在该月）的工单数，含不纳入考核的工单。"),
    ("不纳入考核", "经区里批准不纳入测评范围（附件3）或认定为客观件（附件4）的工单数，"
                   "不计入下列各项比率；申请中、未批准的照常计入。"),
    ("退单", "考核月内派单、本街道申请过退单（hotline return）的工单数；区里确认退单的"
             "（已退单）另计入“退单确认”，不计入考核件数和下列各项比率，未确认或不同意的照常计入。"),
    ("延期申请", "本街道向区热线办申请过延期（hotline ask-extension）的工单数。"),
    ("考核件数", "受理数减去不纳入考核和退单确认的工单数。以下各项都在考核件数中统计。"),
    ("先行联系应办", "考核件数中，先行联系期限（派单后第1个工作日）已到（不晚于统计日）或已联系的工单数。"),
    ("先行联系按时", "先行联系时间不晚于先行联系期限的工单数。"),
    ("先行联系按时率", "先行联系按时 ÷ 先行联系应办。"),
    ("办结应办", "考核件数中，办理时限（红灯日，含批准的延期）已到或已办结的工单数。"),
    ("按时办结", "办结时间不晚于红灯日的工单数。"),
    ("按时办结率", "按时办结 ÷ 办结应办。"),
    ("超时", "截至统计日办理灯为“超时”的工单数（未办结且已过红灯日，或办结时已超时）。"),
    ("已办结", "已记录办理结果的工单数。"),
    ("实际解决 … 未解决", "已办结工单按“是否解决”分列的件数。"),
    ("解决率", "实际解决 ÷ 已办结。"),  # replaced by the home's formula (Scoring.formulas)
    ("已回访", "已回访的工单数（回访不满意、重新办理的，以最近一次回访为准）。"),
    ("满意率", "（满意 + 基本满意）÷ 已回访。"),
    ("催单件数", "被催单的工单数（同一工单多次催单只算一件）；催单次数另列。"),
    ("街道排名", "区里的考核表（[office] scope = \"district\"）按街道统计以上各项，依次按按时办结率、"
                 "先行联系按时率、满意率、解决率从高到低排名（无应办件的比率排在最后），"
                 "各街道之和等于全区合计。"),
    ("统计日", "按哪一天计算期限是否已到、灯的颜色；默认为运行 hotline assess 的当天。"),
]


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """One department's (or the total's) figures for the month."""

    name: str
    received: int = 0
    excluded: int = 0
    counted: int = 0
    contact_due: int = 0
    contact_on_time: int = 0
    handling_due: int = 0
    handled_on_time: int = 0
    overdue: int = 0
    handled: int = 0
    results: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESULTS, 0))
    visited: int = 0
    satisfied: int = 0
    reminded: int = 0
    reminders: int = 0
    basic_satisfied: int = 0  # of `satisfied`, those 基本满意
    solved: int = 0  # results the scoring counts as solved
    returned: int = 0  # 退单 asked
    returned_confirmed: int = 0  # 退单 the district confirmed: left out like `excluded`
    extension_requested: int = 0
    rank: int | None = None
    scoring: Scoring = field(default_factory=Scoring, repr=False)

    @property
    def contact_rate(self) -> float | None:
        return ratio(self.contact_on_time, self.contact_due)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.handled_on_time, self.handling_due)

    @property
    def solved_rate(self) -> float | None:
        return ratio(self.solved, self.handled)

    @property
    def satisfaction_rate(self) -> float | None:
        basic = self.basic_satisfied
        return self.scoring.satisfaction(self.satisfied - basic, basic, self.visited)

    @property
    def score(self) -> float | None:
        return self.scoring.score(self) if self.scoring.scored else None

    def add(self, state: OrderState, asked: dict[str, set[str]] | None = None) -> None:
        """Count one order; `asked`: event kind → the orders with one (退单, 延期申请)."""
        row = state.row
        self.received += 1
        asked = asked or {}
        self.returned += row["order_no"] in asked.get("returned", ())
        self.extension_requested += row["order_no"] in asked.get("extension_requested", ())
        if row["request_status"] == REQUEST_APPROVED:
            self.excluded += 1
            return
        if row["status"] == Status.RETURNED:
            self.returned_confirmed += 1
            return
        self.counted += 1
        fc, h = state.deadlines.first_contact, state.deadlines.handling
        contacted, done = state.first_contact_on, state.handling_closed_on
        if contacted is not None or fc.red <= state.as_of:
            self.contact_due += 1
            self.contact_on_time += contacted is not None and fc.on_time(contacted)
        if h is not None and (done is not None or h.red <= state.as_of):
            self.handling_due += 1
            self.handled_on_time += done is not None and h.on_time(done)
        self.overdue += state.light is Light.OVERDUE
        if row["result"]:
            self.handled += 1
            self.results[row["result"]] += 1
            self.solved += row["result"] in self.scoring.solved
        if row["satisfaction"]:
            self.visited += 1
            self.satisfied += row["satisfaction"] in ("满意", "基本满意")
            self.basic_satisfied += row["satisfaction"] == "基本满意"
        reminders = int(row["reminders"] or 0)
        self.reminded += reminders > 0
        self.reminders += reminders

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "received": self.received, "excluded": self.excluded,
            "counted": self.counted, "contact_due": self.contact_due,
            "contact_on_time": self.contact_on_time, "contact_rate": self.contact_rate,
            "handling_due": self.handling_due, "handled_on_time": self.handled_on_time,
            "on_time_rate": self.on_time_rate, "overdue": self.overdue, "handled": self.handled,
            "results": dict(self.results), "solved_rate": self.solved_rate,
            "visited": self.visited, "satisfied": self.satisfied,
            "satisfaction_rate": self.satisfaction_rate, "reminded": self.reminded,
            "reminders": self.reminders, "basic_satisfied": self.basic_satisfied,
            "solved": self.solved, "returned": self.returned,
            "returned_confirmed": self.returned_confirmed,
            "extension_requested": self.extension_requested, "score": self.score, "rank": self.rank,
        }


@dataclass
class Assessment:
    month: str  # YYYY-MM
    as_of: date
    departments: list[Figures]
    total: Figures
    by_kind: list[Figures]
    excluded: list[OrderState]
    scoring: Scoring = field(default_factory=Scoring)
    streets: list[Figures] = field(default_factory=list)  # the district's ranking, best first

    @property
    def definitions(self) -> list[tuple[str, str]]:
        """Every figure's definition, with the formulas this home's [assessment] sets."""
        used = dict(self.scoring.formulas())
        out = [(name, used.pop(name, text)) for name, text in DEFINITIONS]
        if self.streets:
            used["街道排名"] = street_order(self.scoring)
        return out + list(used.items())

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month, "as_of": self.as_of.isoformat(),
            "formulas": dict(self.scoring.formulas()),
            "total": self.total.as_json(),
            "departments": [f.as_json() for f in self.departments],
            "kinds": [f.as_json() for f in self.by_kind],
            "excluded": [s.row["order_no"] for s in self.excluded],
            "streets": [f.as_json() for f in self.streets],
        }


def month_bounds(month: str) -> tuple[date, date]:
    """First day of the month and first day of the next; a month written in any form the
    clerk may type (2026-9, 2026/09, 2026年9月) is taken, anything else refused."""
    try:
        year, mon = (int(x) for x in parse_month(month).split("-"))
    except InvalidValueError as exc:
        raise HotlineError(f"{exc}。") from exc
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def ranking_key(figures: Figures) -> tuple[float, ...]:
    """The streets' order without a composite score: the same rates as every department's,
    best first; a rate with nothing due yet ranks last."""
    rates = (figures.on_time_rate, figures.contact_rate, figures.satisfaction_rate,
             figures.solved_rate)
    return tuple(-1.0 if rate is None else -rate for rate in rates)


def street_order(scoring: Scoring) -> str:
    """How the district's 街道排名 is ordered, for 指标说明."""
    if scoring.scored:
        return ("各街道按与承办部门相同的综合得分从高到低排名，得分相同（保留两位小数）名次相同；"
                "没有得分的排在最后，不给名次。")
    return ("未设置综合得分（[assessment.score]）时，各街道依次按按时办结率、先行联系按时率、满意率、"
            "解决率从高到低排名；某项比率本月没有应办的工单时，该项排在最后。")


def rank_streets(streets: dict[str, Figures], scoring: Scoring) -> list[Figures]:
    """Each street office's figures (orders stored before offices: 未记录街道), ranked best
    first by the home's scoring: by the composite score when one is set, else by the rates."""
    if scoring.scored:
        ordered = sorted(streets.values(), key=lambda f: (
            f.score is None, -round(f.score or 0, 2), *ranking_key(f), f.name))
        for figures, place in zip(ordered, ranks([f.score for f in ordered]), strict=True):
            figures.rank = place
        return ordered
    ordered = sorted(streets.values(), key=lambda f: (*ranking_key(f), f.name))
    for place, figures in enumerate(ordered, 1):
        figures.rank = place
    return ordered


def assess(states: Iterable[OrderState], month: str, as_of: date, scoring: Scoring | None = None,
           asked: dict[str, set[str]] | None = None, *, by_street: bool = False) -> Assessment:
    """Figures for the orders dispatched in `month`, evaluated as of `as_of`, by the home's
    scoring (and, for the district, per street, ranked); `asked`: event kind → orders with one
    (退单, 延期申请)."""
    start, end = month_bounds(month)
    scoring = scoring or Scoring()
    total = Figures(TOTAL, scoring=scoring)
    departments: dict[str, Figures] = {}
    kinds: dict[str, Figures] = {}
    excluded = []
    streets: dict[str, Figures] = {}
    for state in states:  # read a page at a time: each order counted, then let go
        dispatched = state.row["dispatch_time"][:10]
        if not start.isoformat() <= dispatched < end.isoformat():
            continue
        name = state.row["department"] or UNASSIGNED
        departments.setdefault(name, Figures(name, scoring=scoring)).add(state, asked)
        kinds.setdefault(state.row["kind"], Figures(state.row["kind"], scoring=scoring)).add(state, asked)
        total.add(state, asked)
        if by_street:
            street = state.row.get("office") or "（未记录街道）"
            streets.setdefault(street, Figures(street, scoring=scoring)).add(state, asked)
        if state.row["request_status"] == REQUEST_APPROVED:
            excluded.append(state)
    ordered = sorted(departments.values(), key=lambda f: (f.name == UNASSIGNED, f.name))
    ranked = [f for f in ordered if f.name != UNASSIGNED]
    for figures, place in zip(ranked, ranks([f.score for f in ranked]), strict=True):
        figures.rank = place
    kind_order = ["一般", "紧急", "夜间特殊", "信访"]
    by_kind = sorted(kinds.values(), key=lambda f: kind_order.index(f.name)
                     if f.name in kind_order else 99)
    return Assessment(month, as_of, ordered, total, by_kind, excluded, scoring,
                      rank_streets(streets, scoring))
