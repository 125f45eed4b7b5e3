"""The demo's week: which orders the district sends on which day, and what a well-run office
does with each of them, day by day.

Most orders are contacted on their first working day, routed the same morning and handled
well before their yellow day, then followed up and closed. A few are in trouble, each on
purpose: one 咨询 left unhandled past its red day (and chased by a 催单), an urgent order
left unhandled past its day, a 建议 at its yellow day, one order handled a day late (marked
逾期, not alarmed), one handled with its first contact never recorded (未登记先行联系), one
followed up 不满意 and back in handling. Dates are counted in the home's working days, so
the week looks the same whatever day the demo is run on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import cycle

from pipeline.deadlines.workdays import WorkCalendar
from pipeline.demo.samples import OrderMaker
from pipeline.model import IncomingOrder

# What a department would write back, by category.
NOTES = {
    "咨询": ("解释说明", "已电话答复来电人，告知办理地点、所需材料和办理时间，来电人表示清楚。"),
    "建议": ("参考备案", "建议已转相关部门研究，作为后续工作参考，已告知来电人。"),
    "求助": ("实际解决", "已派人到现场处理，问题已解决，已回复来电人。"),
    "投诉": ("实际解决", "已到现场核实，责令相关方整改，整改已完成，已回复来电人。"),
    "": ("实际解决", "已约谈信访人，依法依规答复处理意见。"),
}
BY_CATEGORY = {"咨询": "社区事务受理服务中心", "建议": "自治办", "求助": "服务办", "投诉": "城管中队",
               "": "平安办"}
HANDLERS = ("张伟", "李娜", "王强", "刘洋", "陈静")
# The working day a well-run office handles an order on: well before its yellow day
# (咨询、建议: yellow on day 3; 求助、投诉: warning on day 5, yellow on day 10).
HANDLING_DAYS = {"咨询": 2, "建议": 2, "求助": 3, "投诉": 3}


@dataclass
class Step:
    """One thing the office does, at a moment of the week."""

    at: datetime
    verb: str  # assign contact handle visit close
    order_no: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Week:
    """The district's orders by the night they arrive, and the office's steps by day."""

    first_day: date
    last_day: date
    arrivals: dict[date, list[IncomingOrder]] = field(default_factory=dict)
    reminders: dict[date, list[IncomingOrder]] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    bad_row_day: date | None = None
    fates: dict[str, str] = field(default_factory=dict)  # order number → what befalls it

    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(count)]

    def steps_on(self, day: date) -> list[Step]:
        return sorted((s for s in self.steps if s.at.date() == day), key=lambda s: s.at)


class _Planner:
    def __init__(self, calendar: WorkCalendar, last_day: date, seed: int) -> None:
        self.calendar = calendar
        self.maker = OrderMaker(seed, last_day)
        self.last = last_day
        self.week = Week(first_day=last_day, last_day=last_day)
        self.workdays = self._workdays_back(12)

    def _workdays_back(self, count: int) -> list[date]:
        """The last working day on or before the demo's day, and those before it."""
        days, day = [], self.last
        while len(days) <= count:
            if self.calendar.is_workday(day):
                days.append(day)
            day -= timedelta(days=1)
        return days

    def back(self, n: int) -> date:
        return self.workdays[n]

    def after(self, day: date, n: int) -> date:
        return self.calendar.nth_workday_after(day, n)[0]

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute))

    # -- orders ---------------------------------------------------------------------------

    def order(self, n: int, kind: str, category: str, fate: str, *, hour: int = 10) -> IncomingOrder:
        day = self.back(n)
        minute = self.maker.rng.randrange(60)
        order = self.maker.made(self.at(day, hour, minute), kind, category)
        self.week.arrivals.setdefault(day, []).append(order)
        self.week.first_day = min(self.week.first_day, day)
        self.week.fates[order.order_no] = fate
        return order

    def step(self, at: datetime, verb: str, order: IncomingOrder, **values: str) -> None:
        if at.date() <= self.last:
            self.week.steps.append(Step(at, verb, order.order_no, values))

    def received(self, order: IncomingOrder) -> date:
        """Day 1: routed at nine, the caller rung before eleven (先行联系)."""
        dispatched = datetime.fromisoformat(order.dispatch_time).date()
        day1 = self.after(dispatched, 1)
        department = BY_CATEGORY[order.category]
        self.step(self.at(day1, 9, 0), "assign", order, department=department)
        self.step(self.at(day1, 10, self.maker.rng.randrange(50)), "contact", order)
        return day1

    def handled(self, order: IncomingOrder, on: date, *, satisfaction: str = "满意",
                close: bool = True, visit_on: date | None = None) -> None:
        result, notes = NOTES[order.category]
        handler = self.maker.rng.choice(HANDLERS)
        self.step(self.at(on, 15, 30), "handle", order, result=result, notes=notes,
                  handler=handler)
        visit = visit_on or self.after(on, 1)
        self.step(self.at(visit, 14, 0), "visit", order, satisfaction=satisfaction)
        if close and satisfaction != "不满意":
            self.step(self.at(self.after(visit, 1), 11, 0), "close", order)


def plan_week(calendar: WorkCalendar, last_day: date, *, orders: int = 24,
              seed: int = 2026) -> Week:
    """The demo's week ending on `last_day`, with `orders` orders (at least 8)."""
    p = _Planner(calendar, last_day, seed)
    _troubles(p, orders)
    ordinary = max(orders - len(p.week.fates), 0)
    offsets = cycle((0, 6, 5, 5, 4, 3, 3, 2, 2, 1, 1, 0, 6, 4, 2))
    categories = cycle(("投诉", "咨询", "求助", "建议", "投诉", "求助"))
    for _ in range(ordinary):
        _ordinary(p, next(offsets), next(categories))
    p.week.bad_row_day = p.back(0)
    return p.week


def _troubles(p: _Planner, orders: int) -> None:
    """The few orders a leader should see this morning, and the ones that show outcomes."""
    late = p.order(7, "一般", "咨询", "逾期1个工作日办结（已办结，只标注不报警）")
    p.received(late)
    p.handled(late, p.back(1), close=False)
    overdue = p.order(7, "一般", "咨询", "超时未办结，有催单")
    p.received(overdue)
    p.week.reminders.setdefault(p.back(1), []).append(overdue)
    reopened = p.order(7, "一般", "投诉", "回访不满意，退回重新办理")
    p.received(reopened)
    p.handled(reopened, p.back(4), satisfaction="不满意", visit_on=p.back(1))
    unrecorded = p.order(6, "一般", "求助", "已办结，未登记先行联系")
    day1 = p.received(unrecorded)
    p.week.steps = [s for s in p.week.steps
                    if not (s.order_no == unrecorded.order_no and s.verb == "contact")]
    p.handled(unrecorded, p.after(day1, 2), close=False)
    yellow = p.order(4, "一般", "建议", "黄灯，在办")
    p.received(yellow)
    warning = p.order(6, "一般", "投诉", "预警，在办（需多部门现场核实）")
    p.received(warning)
    night = p.order(5, "夜间特殊", "投诉", "夜间工单，次日办结", hour=22)
    p.handled(night, p.received(night))
    petition = p.order(4, "信访", "", "信访件，在办（60日）")
    p.received(petition)
    if orders >= 16:
        urgent = p.order(3, "紧急", "求助", "紧急工单，超时未办结")
        p.received(urgent)


def _ordinary(p: _Planner, n: int, category: str) -> None:
    """A well-run order: contacted on day 1, handled before its yellow day, followed up."""
    order = p.order(n, "一般", category, "")
    if n == 0:
        p.week.fates[order.order_no] = "今日收到，待分派"
        return
    day1 = p.received(order)
    done = p.after(day1, HANDLING_DAYS[category] - 1)
    if done <= p.last:
        p.handled(order, done, satisfaction="满意" if n % 2 else "基本满意")
        p.week.fates[order.order_no] = "按时办结"
    else:
        p.week.fates[order.order_no] = "在办，按时"
