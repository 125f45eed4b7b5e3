"""Other districts' 12345 exports, seeded, with the truth for every row.

Our own district's sample generator (samples.py) writes the one export we know. This module
writes what the exports of *other* systems look like, after the column maps of real
importers: Beijing 接诉即办, a Shanghai district/bureau extract, a Guangdong city export and a
city → district → street two-level system. Each profile is written as .xlsx and as GBK .csv,
with title rows, unknown columns, shuffled columns, mixed date forms, category paths (->, /,
- or one column per level) and each system's order numbers. Header labels and value words
differ per system (工单类型 holds the request type in Beijing, our kind in Shanghai; 工单性质 is
主办/协办/转办, not 是否催单; categories come as 举报, 意见, 表扬, 感谢, 投诉举报类 …).

The truth for a row is a `DistrictOrder`: the `IncomingOrder` the tool should make of it
(with the home's default hotline.toml), every other column verbatim in `extras`, the clock
the value table and Annex 1 give, and what the tool should flag.

Profiles whose real export has no dispatch column carry one here (the tool needs it), and
Beijing is ALSO written without one as `beijing_no_dispatch`: such a file is refused until
hotline.toml says which column stands in ([intake] dispatch_from = "来电时间", `STAND_IN`);
its truth is what the tool reads once it does (dispatch time = call time, flagged).
"""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pipeline.model import FLAGS as FLAG_TEXTS
from pipeline.model import IncomingOrder

OUR_STREET = "北站街道"
CLOCKS = ("咨询", "建议", "求助", "投诉", "none")
FLAGS = tuple(FLAG_TEXTS)  # other_street supporting_role priority_kind_conflict dispatch_stand_in
# The column a home names in hotline.toml ([intake] dispatch_from) for a profile without one.
STAND_IN = {"beijing_no_dispatch": "来电时间"}
MASKED_NOTE = "联系电话已脱敏（××××），未读入"
SECOND_URGENT_NOTE = "工单优先级“次紧急”按紧急计（附件1无此档）"
# Annex 1's rows (deadlines/rules/annex1.toml) by kind, then by the category's clock.
RULE_OF_KIND = {"紧急": "urgent", "夜间特殊": "night", "信访": "petition"}
RULE_OF_CLOCK = {"咨询": "general_short", "建议": "general_short", "求助": "general_long",
                 "投诉": "general_long"}


@dataclass
class DistrictOrder:
    """The truth for one row."""

    order: IncomingOrder
    extras: dict[str, str]  # every column our normal form does not hold, by its label as written
    clock: str  # 咨询 建议 求助 投诉, or "none" (表扬/感谢)
    flags: list[str]  # model.FLAGS keys the tool should raise

    @property
    def rule(self) -> str | None:
        """The Annex 1 row of its handling clock; None for none (表扬、感谢 are only recorded)."""
        if self.clock == "none":
            return None
        return RULE_OF_KIND.get(self.order.kind) or RULE_OF_CLOCK[self.clock]


# -- value tables (the same as profiles.toml [values.*]) -----------------------------------

# normalised category value → (category in our normal form, clock)
CATEGORY: dict[str, tuple[str, str]] = {
    "咨询": ("咨询", "咨询"),
    "建议": ("建议", "建议"),
    "意见建议": ("建议", "建议"),
    "意见": ("意见", "建议"),
    "求助": ("求助", "求助"),
    "投诉": ("投诉", "投诉"),
    "投诉举报": ("投诉", "投诉"),
    "举报": ("举报", "投诉"),
    "表扬": ("表扬", "none"),
    "感谢": ("感谢", "none"),
}
KIND = {"一般": "一般", "普通": "一般", "紧急": "紧急", "夜间特殊": "夜间特殊", "夜间": "夜间特殊",
        "信访": "信访"}
PRIORITY = {"普通": "普通", "一般": "普通", "紧急": "紧急", "次紧急": "紧急", "特急": "紧急",
            "加急": "紧急"}
REMINDER = {"转送单": False, "督办单": True, "催单": True}
SUFFIXES = ("工单", "件", "类")


def value_key(text: object) -> str:
    """A value as looked up in the tables: half-width, no spaces, one suffix 工单/件/类 dropped."""
    value = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text or "")))
    for suffix in SUFFIXES:
        if value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)]
    return value


def normal_order_no(written: str) -> str:
    """The tool's normal form of an order number: half-width, upper case, no spaces or dashes."""
    return re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", written)).upper()


# -- texts --------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
ROADS = ["天目西路", "天目中路", "共和新路", "西藏北路", "恒丰路", "长安路", "大统路", "梅园路", "海宁路",
         "宝山路", "中山北路", "芷江西路", "秣陵路", "光复路", "浙江北路", "安庆路"]
OUR_STREET_NAMES = ["北站街道", "静安区北站街道", "北站街道办事处"]
OTHER_STREETS = ["芷江西路街道", "天目西路街道", "宝山路街道", "共和新路街道", "大宁路街道",
                 "静安区彭浦新村街道"]
COMMUNITIES = ["北站新村社区", "安庆路居委", "天目中路居委", "恒丰居委", "宝山居委", "海宁居委"]
LEAD_UNITS = ["区城管执法局", "区市场监管局", "区房管局", "区建设管理委", "区生态环境局"]
TAGS = ["七有五性", "每月一题", "接诉即办", "营商环境"]

# theme → (category path, title, content); {addr} {n} {hour} are filled in
THEMES: dict[str, list[tuple[tuple[str, ...], str, str]]] = {
    "投诉": [
        (("城市管理", "市容环境", "占道经营"), "沿街占道经营",
         "来电人反映：{addr}沿街商户长期把货架摆上人行道经营，行人只能走机动车道，要求整治。"),
        (("城市管理", "噪声污染", "施工噪声"), "夜间施工噪声",
         "来电人反映：{addr}附近工地每天{hour}点后仍在施工，噪声很大，影响休息，要求处理。"),
        (("住房管理", "物业管理", "垃圾清运"), "垃圾箱房满溢",
         "来电人反映：{addr}小区垃圾箱房已{n}天无人清运，气味难闻，要求物业尽快清运。"),
        (("市场管理", "单用途预付卡", "游泳卡"), "预付卡退费",
         "来电人反映：{addr}一家游泳馆停业，其办理的游泳卡余额{n}百元无法退还，要求协调退费。"),
    ],
    "举报": [
        (("城市管理", "违法建设", "违章搭建"), "违章搭建",
         "来电人举报：{addr}底楼住户在绿化带内违章搭建，已持续{n}个月，要求依法拆除。"),
        (("社会治安", "房屋租赁", "群租"), "群租",
         "来电人举报：{addr}一套房屋隔成多间出租，居住约{n}人，存在消防隐患，要求查处。"),
    ],
    "咨询": [
        (("社会保障", "医疗保险", "灵活就业参保"), "灵活就业医保",
         "来电人咨询：灵活就业人员在街道办理医保缴费登记需要哪些材料。"),
        (("公安", "户籍管理", "居住证办理"), "居住证办理",
         "来电人咨询：办理居住证需要准备哪些材料，在{addr}附近哪个窗口办理。"),
        (("民政", "养老服务", "社区食堂"), "社区食堂",
         "来电人咨询：社区食堂的开放时间和就餐办法，老年人是否有优惠。"),
    ],
    "建议": [
        (("交通管理", "道路设施", "非机动车停放"), "增设非机动车停放点",
         "来电人建议：在{addr}附近增设非机动车停放点，缓解人行道乱停放。"),
        (("文化体育", "社区活动", "开放时间"), "活动中心延长开放",
         "来电人建议：社区活动中心周末延长开放时间，方便上班族参加活动。"),
    ],
    "求助": [
        (("住房管理", "房屋修缮", "漏水渗水"), "楼上漏水",
         "来电人求助：{addr}楼上住户卫生间漏水，其家中天花板渗水，协商无果，请求协调。"),
        (("市政设施", "路灯", "路灯损坏"), "路灯损坏",
         "来电人求助：{addr}小区门口路灯已坏{n}天，夜间出行不便，请尽快修复。"),
        (("民政", "养老服务", "居家养老"), "居家养老服务",
         "来电人求助：家中老人独居、行动不便，希望申请居家养老服务，请社区联系。"),
    ],
    "表扬": [
        (("表扬", "工作人员", "服务态度"), "表扬社区工作人员",
         "来电人表扬：{addr}所在居委工作人员上门帮助其办理补贴，态度热情，特来电致谢。"),
        (("表扬", "城市管理", "及时处置"), "感谢及时处置",
         "来电人感谢：此前反映的{addr}路面积水问题已处理，对街道工作表示感谢。"),
    ],
}
THEME_OF = {"咨询": "咨询", "建议": "建议", "意见": "建议", "求助": "求助", "投诉": "投诉",
            "举报": "举报", "表扬": "表扬", "感谢": "表扬"}


# -- profiles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    key: str = "extras"  # an intake field, or "extras"
    forms: tuple[str, ...] = ()  # date forms this system writes (time fields only)
    date_only: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    stem: str  # file name without date and suffix
    title: str  # the title row(s) above the header
    sheet: str
    columns: tuple[Column, ...]
    build: Callable[[_Maker, dict[str, Any]], _Row]


@dataclass
class _Row:
    cells: dict[str, Any]  # label → value; call/dispatch time as datetime, rendered by the writer
    order: IncomingOrder
    clock: str
    flags: list[str] = field(default_factory=list)


_SEQ = object()  # 序号: the row's running number, filled in by the writer

TIME_FORMS = ("cell", "iso", "iso_min", "slash", "chinese", "serial")


class _Maker:
    """Seeded facts: every random choice goes through self.rng, in a fixed order."""

    def __init__(self, seed: int, as_of: date) -> None:
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.used: set[str] = set()

    def pick(self, weighted: list[tuple[str, int]]) -> str:
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def number(self, make: Callable[[], str]) -> tuple[str, str]:
        """(as written, normal form), unique over the whole run."""
        while True:
            written = make()
            normal = normal_order_no(written)
            if normal not in self.used:
                self.used.add(normal)
                return written, normal

    def moments(self, *, night: bool = False) -> tuple[datetime, datetime]:
        """(call, dispatch): dispatched in the 25 days before as_of, called some hours before."""
        rng = self.rng
        day = self.as_of - timedelta(days=rng.randrange(1, 26))
        hour = rng.choice([21, 22, 23]) if night else rng.randrange(8, 18)
        dispatch = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
        call = dispatch - timedelta(minutes=rng.randrange(20, 600), seconds=rng.randrange(60))
        return call, dispatch

    def theme(self, raw_category: str) -> tuple[tuple[str, ...], str, str]:
        path, title, text = self.rng.choice(THEMES[THEME_OF[CATEGORY[value_key(raw_category)][0]]])
        content = text.format(addr=self.address(), n=self.rng.randrange(2, 9),
                              hour=self.rng.randrange(22, 24))
        if self.rng.random() < 0.1:
            content += "\n补充：来电人希望处理后电话告知结果。"
        return path, title, content

    def address(self) -> str:
        rng = self.rng
        addr = f"{rng.choice(ROADS)}{rng.randrange(1, 900)}弄{rng.randrange(1, 40)}号"
        return addr + (f"{rng.randrange(1, 7)}0{rng.randrange(1, 5)}室" if rng.random() < 0.5 else "")

    def person(self) -> tuple[str, str]:
        """(name, 性别)."""
        sex = self.rng.choice(["男", "女"])
        return self.rng.choice(SURNAMES) + ("先生" if sex == "男" else "女士"), sex

    def mobile(self) -> str:
        return self.rng.choice(["139", "138", "137", "136", "186", "189", "150"]) + self.digits(8)

    def street(self, other: bool) -> str:
        return self.rng.choice(OTHER_STREETS if other else OUR_STREET_NAMES)


def _category(mk: _Maker, plan: dict[str, Any], weighted: list[tuple[str, int]]) -> tuple[str, str, str]:
    raw = plan.get("category") or mk.pick(weighted)
    category, clock = CATEGORY[value_key(raw)]
    return raw, category, clock


# Beijing 接诉即办 (findings §1). Real header order; 派单时间 is the one column added.
BEIJING_CATEGORIES = [("咨询", 25), ("求助", 20), ("投诉", 25), ("举报", 10), ("建议", 10), ("意见", 3),
                      ("表扬", 5)]


def _beijing(mk: _Maker, plan: dict[str, Any], *, dispatch: bool) -> _Row:
    rng = mk.rng
    raw, category, clock = _category(mk, plan, BEIJING_CATEGORIES)
    path, title, content = mk.theme(raw)
    call, sent = mk.moments()
    written, number = mk.number(lambda: f"BJ{call:%y%m%d}{mk.digits(6)}")
    other = bool(plan.get("other_street")) or rng.random() < 0.12
    role = "协办" if plan.get("supporting_role") else mk.pick([("主办", 80), ("协办", 10), ("转办", 10)])
    caller = "保密" if rng.random() < 0.1 else mk.person()[0]
    phone = mk.mobile()
    masked = bool(plan.get("masked")) or rng.random() < 0.15
    address = mk.address()
    notes = [MASKED_NOTE] if masked else []
    flags = (["other_street"] if other else []) + (["supporting_role"] if role == "协办" else [])
    if not dispatch:
        flags.append("dispatch_stand_in")
    cells: dict[str, Any] = {
        "工单编号": written,
        "工单类型": raw,
        "问题分类": "->".join(path),
        "标签": ",".join(rng.sample(TAGS, rng.randrange(0, 3))),
        "标题": title,
        "主要内容": content,
        "工单状态": rng.choice(["已转派", "办理中", ""]),
        "来电人": caller,
        "来电人电话/账号": f"{phone[:3]}××××{phone[7:]}" if masked else phone,
        "被反映区": "静安区",
        "被反映街乡镇": mk.street(other),
        "办理结果": "",
        "回复内容": "",
        "处理受理方式": rng.choice(["系统转派", "电话", "联合办理"]),
        "主办单位": rng.choice(LEAD_UNITS) if role == "协办" else OUR_STREET,
        "来电时间": call,
        "派单时间": sent,
        "办结时间": "",
        "企业名称": rng.choice(["", "", "上海某某餐饮有限公司"]),
        "是否解决": "",
        "是否满意": "",
        "工单性质": role,
        "村/社区": rng.choice(COMMUNITIES),
        "小区点位": address,
    }
    if not dispatch:
        del cells["派单时间"]
    order = IncomingOrder(order_no=number, dispatch_time="", content=content, caller=caller,
                          address=address, phone="" if masked else phone, category=category,
                          notes=notes)
    return _Row(cells, order, clock, flags)


# Shanghai district/bureau extract: the 12345-prefixed columns of the Xuhui extract (findings
# §2d) with the bureau's own columns of its 转送单/督办单 page (§2a). 工单类型 (no prefix) is the
# bureau's own order kind, 12345工单类型 the city's request type: see profiles.toml A1/A3.
SHANGHAI_CATEGORIES = [("投诉举报类", 35), ("求助类", 25), ("咨询类", 25), ("意见建议类", 15)]
SHANGHAI_KIND = {"一般": "一般工单", "紧急": "紧急工单", "夜间特殊": "夜间特殊工单", "信访": "信访件"}


def _shanghai_kind(mk: _Maker, plan: dict[str, Any]) -> tuple[str, bool, str]:
    """(kind, whether the priority contradicts it, the priority as written)."""
    rng = mk.rng
    if plan.get("urgent"):
        return "紧急", False, "次紧急"
    kind = "一般" if plan.get("conflict") else mk.pick(
        [("一般", 82), ("紧急", 8), ("夜间特殊", 5), ("信访", 5)])
    conflict = kind == "一般" and (bool(plan.get("conflict")) or rng.random() < 0.06)
    if kind == "紧急":
        return kind, conflict, rng.choice(["紧急", "紧急", "次紧急"])
    return kind, conflict, "紧急" if kind == "夜间特殊" or conflict else "普通"


def _shanghai(mk: _Maker, plan: dict[str, Any]) -> _Row:
    rng = mk.rng
    raw, category, clock = _category(mk, plan, SHANGHAI_CATEGORIES)
    path, _, content = mk.theme(raw)
    kind, conflict, written_priority = _shanghai_kind(mk, plan)
    reminder = bool(plan.get("reminder")) or rng.random() < 0.1
    supporting = bool(plan.get("supporting_role")) or rng.random() < 0.1
    other = rng.random() < 0.1
    call, sent = mk.moments(night=kind == "夜间特殊")
    base = f"{call:%y%m%d}{mk.digits(6)}"
    written, number = mk.number(
        lambda: rng.choice([f"SH{base}", f"12345{base}", f"{base[:6]}-{base[6:]}"]))
    name, _ = mk.person()
    phone = mk.mobile() if rng.random() < 0.8 else "021-5" + mk.digits(7)
    address = mk.address()
    if reminder:
        content = "督办：市民再次来电，" + content
    notes = [SECOND_URGENT_NOTE] if written_priority == "次紧急" else []
    flags = (["other_street"] if other else []) + (["supporting_role"] if supporting else [])
    flags += ["priority_kind_conflict"] if conflict else []
    deadline = (sent + timedelta(days=rng.choice([3, 7, 15]))).date()
    cells: dict[str, Any] = {
        "12345工单编号": written,
        "12345受理时间": call,
        "12345工单来源": rng.choice(["电话", "网站", "微信", "一网通办"]),
        "12345诉求地址": address,
        "12345工单类型": raw,
        "12345内容描述": content,
        "工单类型": SHANGHAI_KIND[kind] if rng.random() < 0.8 else kind,
        "工单优先": written_priority,
        "工单办理类型": "督办单" if reminder else "转送单",
        "工单联系人": name,
        "工单联系电话": phone,
        "是否主办": "否" if supporting else "是",
        "主办单位": rng.choice(LEAD_UNITS) if supporting else "",
        "街道": mk.street(other).removeprefix("静安区"),
        "派件时间": sent,
        "办结时间": f"{deadline:%Y-%m-%d} 23:59:59",
        "转发单位": "静安区北站街道办事处",
        "一级业务分类": path[0],
        "二级业务分类": path[1],
        "三级业务分类": path[2],
    }
    # A 一般 order the priority calls 紧急 runs on the 紧急 clock (hotline.toml's default).
    order = IncomingOrder(order_no=number, dispatch_time="", content=content, caller=name,
                          address=address, phone=re.sub(r"\D", "", phone), is_reminder=reminder,
                          priority=PRIORITY[written_priority], kind="紧急" if conflict else kind,
                          category=category, notes=notes)
    return _Row(cells, order, clock, flags)


# Guangdong city (findings §4a/4b): Shunde's four columns, Guangzhou's 诉求类型 and 留言时间;
# 派单时间, 实际承办单位 and 事项分类 ('/' path) added. 感谢 is from the brief, not a real value.
GUANGDONG_CATEGORIES = [("举报", 10), ("咨询", 30), ("建议", 10), ("投诉", 30), ("求助", 15), ("表扬", 3),
                        ("感谢", 2)]


def _guangdong(mk: _Maker, plan: dict[str, Any]) -> _Row:
    raw, category, clock = _category(mk, plan, GUANGDONG_CATEGORIES)
    path, title, content = mk.theme(raw)
    call, sent = mk.moments()
    written, number = mk.number(lambda: f"{call:%y%m%d}{mk.digits(8)}")
    cells: dict[str, Any] = {
        "序号": _SEQ,
        "工单编号": written,
        "标题": title,
        "内容": content,
        "诉求类型": raw,
        "留言时间": call,
        "派单时间": sent,
        "实际承办单位": OUR_STREET,
        "事项分类": "/".join(path),
    }
    order = IncomingOrder(order_no=number, dispatch_time="", content=content, category=category)
    return _Row(cells, order, clock, [])


# City → district → street (findings §3): the current NormalWorkOrderExcel header, plus the
# entity's 工单分类名称 ('-' path). 区交办时间 is dispatch; 市交办时间 is the city leg (extras).
TWO_LEVEL_CATEGORIES = [("咨询类", 25), ("求助类", 20), ("投诉类", 25), ("举报类", 10), ("建议类", 12),
                        ("表扬类", 5)]


def _two_level(mk: _Maker, plan: dict[str, Any]) -> _Row:
    rng = mk.rng
    raw, category, clock = _category(mk, plan, TWO_LEVEL_CATEGORIES)
    path, title, content = mk.theme(raw)
    urgent = bool(plan.get("urgent")) or rng.random() < 0.1
    supporting = bool(plan.get("supporting_role")) or rng.random() < 0.12
    _, sent = mk.moments()
    written, number = mk.number(lambda: f"JB{sent:%Y%m%d}{mk.digits(4)}")
    city = sent - timedelta(hours=rng.randrange(2, 30), minutes=rng.randrange(60))
    name, sex = mk.person()
    phone = mk.mobile()
    address = mk.address()
    days = 1 if urgent else rng.choice([5, 10, 15])
    cells: dict[str, Any] = {
        "工单编号": written,
        "工单标题": title,
        "诉求内容": content,
        "诉求类型": raw,
        "区交办时间": sent,
        "区交办办结期限": f"{(sent + timedelta(days=days)).date():%Y-%m-%d} 18:00:00",
        "诉求渠道": rng.choice(["12345热线", "12345网站", "12345微信"]),
        "诉求归口": rng.choice(["区政府", "区城运中心"]),
        "紧急程度": "紧急" if urgent else "一般",
        "工单状态": "待签收",
        "求助人员": name,
        "求助号码": phone,
        "性别": sex,
        "事件发生地": "静安区北站街道",
        "诉求详细地址": address,
        "是否疑难": rng.choice(["否", "否", "是"]),
        "是否协办": "是" if supporting else "否",
        "市交办主办单位": "静安区人民政府",
        "市交办协办单位": rng.choice(["", "市住建委", "市绿化市容局"]),
        "市交办时间": f"{city:%Y-%m-%d %H:%M:%S}",
        "市交办办结期限": f"{(city + timedelta(days=days + 2)).date():%Y-%m-%d} 18:00:00",
        "工单分类名称": "-".join(path),
    }
    order = IncomingOrder(order_no=number, dispatch_time="", content=content, caller=name,
                          address=address, phone=phone, priority="紧急" if urgent else "普通",
                          kind="紧急" if urgent else "一般", category=category)
    return _Row(cells, order, clock, ["supporting_role"] if supporting else [])


def _cols(*specs: tuple[Any, ...] | str) -> tuple[Column, ...]:
    return tuple(Column(s) if isinstance(s, str) else Column(*s) for s in specs)


_BEIJING_COLUMNS = _cols(
    ("工单编号", "order_no"), ("工单类型", "category"), "问题分类", "标签", "标题", ("主要内容", "content"),
    "工单状态", ("来电人", "caller"), ("来电人电话/账号", "phone"), "被反映区", "被反映街乡镇", "办理结果",
    "回复内容", "处理受理方式", "主办单位", ("来电时间", "call_time", ("iso", "cell", "slash")),
    ("派单时间", "dispatch_time", ("iso", "cell", "serial", "chinese", "slash")), "办结时间", "企业名称",
    "是否解决", "是否满意", "工单性质", "村/社区", ("小区点位", "address"),
)

PROFILES: dict[str, Profile] = {
    "beijing": Profile(
        "beijing", "接诉即办工单", "说明：本表由接诉即办系统导出，仅限承办单位内部使用", "Sheet1",
        _BEIJING_COLUMNS, lambda mk, plan: _beijing(mk, plan, dispatch=True)),
    "beijing_no_dispatch": Profile(
        "beijing_no_dispatch", "接诉即办工单_无派单时间",
        "说明：本表由接诉即办系统导出，仅限承办单位内部使用", "Sheet1",
        tuple(c for c in _BEIJING_COLUMNS if c.label != "派单时间"),
        lambda mk, plan: _beijing(mk, plan, dispatch=False)),
    "shanghai": Profile(
        "shanghai", "12345工单明细", "12345市民服务热线工单明细（区级转送）", "工单明细",
        _cols(("12345工单编号", "order_no"),
              ("12345受理时间", "call_time", ("serial", "iso", "cell"), True), "12345工单来源",
              ("12345诉求地址", "address"), ("12345工单类型", "category"),
              ("12345内容描述", "content"), ("工单类型", "kind"), ("工单优先", "priority"),
              ("工单办理类型", "is_reminder"), ("工单联系人", "caller"), ("工单联系电话", "phone"),
              "是否主办", "主办单位", "街道",
              ("派件时间", "dispatch_time", ("iso", "chinese", "cell", "iso_min")), "办结时间",
              "转发单位", "一级业务分类", "二级业务分类", "三级业务分类"),
        _shanghai),
    "guangdong": Profile(
        "guangdong", "12345热线工单_市级", "12345政务服务便民热线工单导出", "Sheet1",
        _cols("序号", ("工单编号", "order_no"), "标题", ("内容", "content"), ("诉求类型", "category"),
              ("留言时间", "call_time", ("iso", "iso_min", "slash")),
              ("派单时间", "dispatch_time", ("slash", "chinese", "serial", "cell")), "实际承办单位",
              "事项分类"),
        _guangdong),
    "two_level": Profile(
        "two_level", "区交办工单", "区交办普通工单导出", "普通工单",
        _cols(("工单编号", "order_no"), "工单标题", ("诉求内容", "content"), ("诉求类型", "category"),
              ("区交办时间", "dispatch_time", ("iso", "cell", "serial", "chinese", "slash")),
              "区交办办结期限", "诉求渠道", "诉求归口", ("紧急程度", "priority"), "工单状态",
              ("求助人员", "caller"), ("求助号码", "phone"), "性别", "事件发生地",
              ("诉求详细地址", "address"), "是否疑难", "是否协办", "市交办主办单位", "市交办协办单位",
              "市交办时间", "市交办办结期限", "工单分类名称"),
        _two_level),
}

# The first rows of each profile are planned, so that any run of ≥ MIN_ORDERS orders covers
# every profile, clock and flag; the rest are random.
PLANS: dict[str, list[dict[str, Any]]] = {
    "beijing": [{"other_street": True, "category": "举报", "masked": True},
                {"supporting_role": True, "category": "表扬"}],
    "beijing_no_dispatch": [{"category": "咨询"}, {"category": "意见"}],
    "shanghai": [{"conflict": True, "category": "求助类"},
                 {"reminder": True, "supporting_role": True, "category": "意见建议类", "urgent": True}],
    "guangdong": [{"category": "感谢"}, {"category": "投诉"}],
    "two_level": [{"supporting_role": True, "category": "表扬类"}, {"urgent": True, "category": "建议类"}],
}
MIN_ORDERS = 2 * len(PROFILES)


@dataclass(frozen=True)
class FilePlan:
    titles: int  # title rows above the header
    shuffle: bool  # columns in another order than the system's
    unknown: int  # columns no profile knows
    dispatch_form: str = ""  # the file's usual form of the dispatch column


FILE_PLANS: dict[tuple[str, str], FilePlan] = {
    ("beijing", "xlsx"): FilePlan(1, False, 0, "cell"),
    ("beijing", "csv"): FilePlan(1, False, 1, "serial"),
    ("beijing_no_dispatch", "xlsx"): FilePlan(1, False, 0),
    ("beijing_no_dispatch", "csv"): FilePlan(0, True, 0),
    ("shanghai", "xlsx"): FilePlan(2, False, 2, "chinese"),
    ("shanghai", "csv"): FilePlan(0, True, 1, "iso"),
    ("guangdong", "xlsx"): FilePlan(0, True, 1, "serial"),
    ("guangdong", "csv"): FilePlan(1, False, 0, "slash"),
    ("two_level", "xlsx"): FilePlan(1, True, 1, "cell"),
    ("two_level", "csv"): FilePlan(0, False, 2, "chinese"),
}

UNKNOWN_COLUMNS: list[tuple[str, Callable[[_Maker], str]]] = [
    ("导出批次", lambda mk: f"PC{mk.as_of:%Y%m%d}{mk.rng.randrange(1, 4):02d}"),
    ("处理人工号", lambda mk: f"GH{mk.digits(4)}"),
    ("数据同步标识", lambda mk: mk.rng.choice(["Y", "N"])),
    ("自定义字段1", lambda mk: mk.rng.choice(["", "重点关注", "重复来电"])),
    ("备用字段A", lambda mk: ""),
]


# -- date forms ---------------------------------------------------------------------------

_EPOCH = datetime(1899, 12, 30)


def render_time(moment: datetime, form: str, *, date_only: bool, xlsx: bool) -> tuple[Any, datetime]:
    """(cell value, the moment the cell says). Forms without seconds drop them; a date-only
    column says midnight; an Excel date cell in a CSV becomes its text."""
    if date_only:
        day = datetime.combine(moment.date(), time())
        if form == "serial":
            return (day - _EPOCH).days, day
        if form == "cell":
            return (day if xlsx else f"{day:%Y-%m-%d}"), day
        return f"{day:%Y-%m-%d %H:%M:%S}", day
    if form == "cell":
        return (moment if xlsx else f"{moment:%Y-%m-%d %H:%M:%S}"), moment
    if form == "iso":
        return f"{moment:%Y-%m-%d %H:%M:%S}", moment
    if form == "serial":
        delta = moment - _EPOCH
        serial = round(delta.days + delta.seconds / 86400, 8)
        return (serial if xlsx else repr(serial)), moment
    minute = moment.replace(second=0)
    if form == "iso_min":
        return f"{minute:%Y-%m-%d %H:%M}", minute
    if form == "slash":
        return f"{minute:%Y/%m/%d %H:%M}", minute
    if form == "chinese":
        return f"{minute:%Y年%m月%d日 %H时%M分}", minute
    raise ValueError(form)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# -- files --------------------------------------------------------------------------------


def _write_file(path: Path, profile: Profile, fmt: str, rows: list[_Row], plan: FilePlan,
                mk: _Maker) -> list[DistrictOrder]:
    rng = mk.rng
    xlsx = fmt == "xlsx"
    columns = list(profile.columns)
    if plan.shuffle:
        rng.shuffle(columns)
    unknown = rng.sample(UNKNOWN_COLUMNS, plan.unknown)
    for label, _ in unknown:
        columns.insert(rng.randrange(len(columns) + 1), Column(label))
    makers = dict(unknown)
    forms = {c.label: (plan.dispatch_form if c.key == "dispatch_time" and plan.dispatch_form
                       else rng.choice(c.forms)) for c in columns if c.forms}
    titles = [[profile.title], [f"导出时间：{mk.as_of:%Y-%m-%d} 08:00"]][: plan.titles]
    table: list[list[Any]] = [*titles, [c.label for c in columns]]
    truth: list[DistrictOrder] = []
    for seq, row in enumerate(rows, 1):
        order = row.order
        order.source = path.name
        order.location = f"第{len(table) + 1}行"
        cells: list[Any] = []
        extras: dict[str, str] = {}
        for col in columns:
            value = makers[col.label](mk) if col.label in makers else row.cells[col.label]
            if value is _SEQ:
                value = seq if xlsx else str(seq)
            if col.forms:
                form = forms[col.label] if rng.random() >= 0.15 else rng.choice(col.forms)
                value, said = render_time(value, form, date_only=col.date_only, xlsx=xlsx)
                setattr(order, col.key, said.strftime("%Y-%m-%dT%H:%M:%S"))
            elif xlsx and col.key == "phone" and value.isdigit() and rng.random() < 0.2:
                value = int(value)  # Excel kept the number as a number
            if col.key == "extras":
                extras[col.label] = _text(value)
            cells.append(value)
        if profile.name in STAND_IN:  # read once hotline.toml names the stand-in column
            order.dispatch_time = order.call_time or ""
        table.append(cells)
        truth.append(DistrictOrder(order, extras, row.clock, [f for f in FLAGS if f in row.flags]))
    if xlsx:
        _write_xlsx(path, profile.sheet, table, len(titles))
    else:
        _write_csv(path, table)
    return truth


def _write_xlsx(path: Path, sheet: str, table: list[list[Any]], titles: int) -> None:
    from openpyxl import Workbook  # noqa: PLC0415

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    width = len(table[titles])
    for r, row in enumerate(table, 1):
        ws.append(row)
        if r <= titles:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    for row in ws.iter_rows(min_row=titles + 2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = ("yyyy-mm-dd" if cell.value.time() == time()
                                      else "yyyy-mm-dd hh:mm:ss")
    wb.properties.creator = "district export"
    wb.save(path)


def _write_csv(path: Path, table: list[list[Any]]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    for row in table:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buf.getvalue().encode("gbk"))


def generate_districts(into: Path, *, orders: int = 40, seed: int = 2026,
                       as_of: date) -> list[tuple[Path, str, list[DistrictOrder]]]:
    """Files in five profiles (four systems, Beijing also without its dispatch column), each
    as .xlsx and as .csv (GBK), some with title rows above the header, extra unknown columns,
    columns in shuffled order, mixed date forms (Excel date cells, 'YYYY/MM/DD HH:MM',
    'YYYY年MM月DD日 HH时MM分', Excel serial numbers), category paths with '->', '/' and '-'
    (or one column per level), and order numbers in each profile's format. Returns (file,
    profile name, truth rows), one entry per file. Needs orders ≥ MIN_ORDERS (two per profile),
    which also makes every profile, clock and flag occur."""
    if orders < MIN_ORDERS:
        raise ValueError(f"orders must be at least {MIN_ORDERS} (two per profile), not {orders}")
    into.mkdir(parents=True, exist_ok=True)
    mk = _Maker(seed, as_of)
    stamp = f"{as_of:%Y%m%d}"
    share, spare = divmod(orders, len(PROFILES))
    out: list[tuple[Path, str, list[DistrictOrder]]] = []
    for i, profile in enumerate(PROFILES.values()):
        count = share + (1 if i < spare else 0)
        plans = PLANS[profile.name]
        rows = [profile.build(mk, plans[j] if j < len(plans) else {}) for j in range(count)]
        for k, fmt in enumerate(("xlsx", "csv")):
            path = into / f"{profile.stem}_{stamp}.{fmt}"
            truth = _write_file(path, profile, fmt, rows[k::2], FILE_PLANS[(profile.name, fmt)], mk)
            out.append((path, profile.name, truth))
    return out
