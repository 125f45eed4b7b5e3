"""Realistic district exports for the demo, the tests and the benchmark.

`generate()` writes work orders in every format and variation of spec §2 (title rows,
label synonyms, date forms, full-width digits, GBK and UTF-8 CSV, legacy .xls, multi-page
PDFs, 催单 reminders, duplicates, one bad row) and returns the truth: every order in
normal form, so that tests can compare what the readers make of the files with what was
meant. Seeded: the same arguments give the same orders.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pipeline import clock
from pipeline.model import IncomingOrder

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
STREETS = ["天目西路", "天目中路", "共和新路", "西藏北路", "恒丰路", "长安路", "大统路", "梅园路",
           "海宁路", "宝山路", "中山北路", "芷江西路", "秣陵路", "光复路", "浙江北路", "安庆路",
           "华兴路", "止园路", "民德路", "会文路"]
UNITS = ["闸北区人民政府", "静安区人民政府", "区城市网格化综合管理中心"]

CONTENT = {
    "投诉": [
        "来电人反映：{addr}楼下商铺每天夜间{hour}点后卸货，噪声扰民，严重影响休息，要求相关部门处理。",
        "来电人反映：{addr}附近有居民在绿化带违章搭建棚屋，已持续{n}个月，存在安全隐患，要求拆除。",
        "来电人反映：{addr}小区内垃圾箱房长期满溢无人清运，气味难闻，要求尽快清运并加强管理。",
        "来电人反映：{addr}一楼住户将房屋群租，居住人员多达{n}人，进出嘈杂，要求整治。",
        "来电人反映：{addr}周边道路施工深夜作业，噪音很大，多次反映未果，要求立即停止夜间施工。",
        "来电人反映：{addr}沿街饭店油烟直排，居民家中无法开窗，要求相关部门查处。",
    ],
    "求助": [
        "来电人求助：{addr}楼上住户卫生间漏水，导致其家中天花板渗水发霉，协商无果，请求协调处理。",
        "来电人求助：其家中老人独居，行动不便，希望了解并申请居家养老服务，请社区联系。",
        "来电人求助：{addr}小区门口路灯已损坏{n}天，夜间出行不便，请尽快修复。",
        "来电人求助：{addr}楼道内堆放大量杂物，堵塞消防通道，请协助清理。",
    ],
    "咨询": [
        "来电人咨询：社区食堂的开放时间和就餐办法，以及老年人是否有优惠。",
        "来电人咨询：办理居住证需要准备哪些材料，在哪个窗口办理。",
        "来电人咨询：灵活就业人员如何在街道办理医保缴费登记。",
        "来电人咨询：{addr}所在小区加装电梯的申请流程和补贴政策。",
    ],
    "建议": [
        "来电人建议：在{addr}附近增设非机动车停放点，缓解人行道乱停放问题。",
        "来电人建议：社区活动中心周末延长开放时间，方便上班族参加活动。",
        "来电人建议：{addr}路口增设红绿灯或斑马线，保障学生上下学安全。",
    ],
}
PETITION = [
    "信访人反映：{addr}旧区改造征收补偿标准不合理，多次到街道反映未得到答复，要求依法处理。",
    "信访人反映：其所在单位拖欠工资{n}个月，要求街道协调解决。",
]
HOSTILE = [
    "来电人反映：店招写着“A&B <便利店>”，占道经营，=SUM(A1:A9) 之类的字样贴在门口，要求处理。",
    "来电人反映：门口告示写着 {{ 管理处 }} 和 {% 通知 %} 字样，看不懂，要求说明。😀",
]


@dataclass
class SampleSet:
    """What `generate` wrote: the files, and the orders in normal form it meant."""

    files: list[Path] = field(default_factory=list)
    orders: dict[str, IncomingOrder] = field(default_factory=dict)  # the latest of each
    reminders: list[IncomingOrder] = field(default_factory=list)
    bad_rows: list[tuple[str, str]] = field(default_factory=list)  # (file name, location)


def _workdays_before(as_of: date, count: int) -> list[date]:
    """Candidate dispatch days: the `count` days before `as_of`, weekends included."""
    return [as_of - timedelta(days=i) for i in range(1, count + 1)]


class OrderMaker:
    """Orders as district systems write them, seeded."""

    def __init__(self, seed: int, as_of: date) -> None:
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.serial = 100

    def order(self, *, hostile: bool = False) -> IncomingOrder:
        rng = self.rng
        day = rng.choice(_workdays_before(self.as_of, 25))
        kind = rng.choices(["一般", "紧急", "夜间特殊", "信访"], weights=[80, 8, 7, 5])[0]
        category = rng.choice(["咨询", "建议", "求助", "投诉"])
        if kind == "夜间特殊":
            dispatch = datetime.combine(day, time(rng.choice([21, 22, 23]), rng.randrange(60)))
        else:
            dispatch = datetime.combine(day, time(rng.randrange(8, 18), rng.randrange(60)))
        return self.made(dispatch, kind, category, hostile=hostile)

    def made(self, dispatch: datetime, kind: str, category: str, *,
             hostile: bool = False) -> IncomingOrder:
        """An order of the given kind and category, dispatched at `dispatch`."""
        rng = self.rng
        call = dispatch - timedelta(minutes=rng.randrange(20, 600))
        self.serial += 1
        number = f"{dispatch:%Y%m%d}{self.serial:06d}"
        addr = f"{rng.choice(STREETS)}{rng.randrange(1, 900)}弄{rng.randrange(1, 40)}号"
        if rng.random() < 0.5:
            addr += f"{rng.randrange(1, 7)}0{rng.randrange(1, 5)}室"
        texts = PETITION if kind == "信访" else CONTENT[category]
        content = rng.choice(texts).format(addr=addr, hour=rng.randrange(22, 24), n=rng.randrange(2, 9))
        if hostile:
            content = rng.choice(HOSTILE)
        phone = rng.choice(["139", "138", "137", "136", "186", "189", "150"]) + "".join(
            str(rng.randrange(10)) for _ in range(8)
        )
        if rng.random() < 0.15:
            phone = "021" + "".join(str(rng.randrange(10)) for _ in range(8))
        priority = "紧急" if kind in ("紧急", "夜间特殊") else "普通"
        return IncomingOrder(
            order_no=number, dispatch_time=dispatch.isoformat(), content=content,
            caller=rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
            call_time=call.replace(second=0).isoformat(), address=addr, phone=phone,
            from_unit=rng.choice(UNITS),
            doc_no="" if rng.random() < 0.7 else f"闸热〔2026〕{rng.randrange(1, 999)}号",
            is_reminder=False, priority=priority, kind=kind,
            category="" if kind == "信访" else category,
        )


# -- value forms ------------------------------------------------------------------------

def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


def _date_forms(moment: datetime, style: str) -> Any:
    if style == "cell":
        return moment
    if style == "serial":
        delta = moment - datetime(1899, 12, 30)
        return round(delta.days + delta.seconds / 86400, 8)
    if style == "slash":
        return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"
    if style == "chinese":
        return (f"{moment.year}年{moment.month:02d}月{moment.day:02d}日 "
                f"{moment.hour:02d}时{moment.minute:02d}分")
    if style == "dots":
        return f"{moment:%Y.%m.%d}"
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _phone_form(phone: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return _fullwidth(phone)
    if roll < 0.3 and len(phone) == 11 and phone.startswith("1"):
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if roll < 0.4 and phone.startswith("021"):
        return f"(021){phone[3:7]}-{phone[7:]}"
    return phone


# -- layouts ----------------------------------------------------------------------------

LAYOUTS: dict[str, dict[str, str]] = {
    # field → label, one dict per district system
    "seed": {"order_no": "工单编号", "caller": "来电人", "call_time": "来电日期", "address": "述求地址",
             "phone": "联系电话", "dispatch_time": "转交日期", "from_unit": "转交办公单位",
             "doc_no": "转交办文号", "is_reminder": "是否催单", "priority": "工单优先级",
             "kind": "工单类型", "category": "诉求类别", "content": "来电内容"},
    "a": {"order_no": "工单号", "caller": "诉求人", "call_time": "来电时间", "address": "诉求地址",
          "phone": "来电号码", "dispatch_time": "派单时间", "from_unit": "派单单位", "doc_no": "文号",
          "is_reminder": "催单", "priority": "优先级", "kind": "工单类型", "category": "来电类别",
          "content": "诉求内容"},
    "b": {"order_no": "工单流水号", "caller": "诉求人姓名", "call_time": "来电日期", "address": "事发地址",
          "phone": "联系方式", "dispatch_time": "转办时间", "from_unit": "转办单位",
          "is_reminder": "是否催单", "priority": "工单优先级", "category": "诉求类别",
          "content": "反映内容"},
    "c": {"order_no": "编号", "caller": "来电人姓名", "call_time": "来电时间", "address": "地址",
          "phone": "电话", "dispatch_time": "派单日期", "from_unit": "转交办公单位",
          "is_reminder": "催单", "kind": "工单类型", "category": "诉求类别", "content": "来电摘要"},
}


def _cell(order: IncomingOrder, key: str, layout: str, dates: str, rng: random.Random) -> Any:
    value = getattr(order, key)
    if key in ("dispatch_time", "call_time"):
        return _date_forms(datetime.fromisoformat(value), dates) if value else None
    if key == "phone":
        return _phone_form(value, rng)
    if key == "is_reminder":
        if layout in ("a", "c"):
            return "是" if value else "否"
        return "催单" if value else "转送单"
    if key == "kind":
        return value + ("工单" if rng.random() < 0.3 else "")
    if key == "order_no" and rng.random() < 0.1:
        return _fullwidth(value)
    return value


def _table(orders: list[IncomingOrder], layout: str, dates: str, rng: random.Random,
           extra: bool) -> list[list[Any]]:
    labels = LAYOUTS[layout]
    keys = list(labels)
    if layout == "a":
        keys = keys[::-1]  # columns in another order
    header = [labels[k] for k in keys]
    rows: list[list[Any]] = []
    if extra:
        header = ["序号", *header, "办理状态"]
    rows.append(header)
    for i, order in enumerate(orders, 1):
        row = [_cell(order, k, layout, dates, rng) for k in keys]
        if extra:
            row = [i, *row, "待处理"]
        rows.append(row)
    return rows


def write_xlsx(path: Path, rows: list[list[Any]], *, titles: int = 0, blank_every: int = 0) -> None:
    from openpyxl import Workbook  # noqa: PLC0415

    wb = Workbook()
    ws = wb.active
    ws.title = "工单"
    width = len(rows[0])
    if titles:
        ws.append(["“12345”市民服务热线工单导出"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        if titles > 1:
            ws.append([f"导出时间：{datetime(2026, 11, 26, 18, 0):%Y-%m-%d %H:%M}"])
    for i, row in enumerate(rows):
        ws.append(row)
        if blank_every and i and i % blank_every == 0:
            ws.append([])
    for column in ws.columns:
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    wb.save(path)


def write_xls(path: Path, rows: list[list[Any]]) -> None:
    import xlwt  # noqa: PLC0415

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    sheet.write_merge(0, 0, 0, len(rows[0]) - 1, "区热线办转办工单清单")
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write(r, c, value, date_style)
            elif value is not None:
                sheet.write(r, c, value)
    book.save(str(path))


def write_csv(path: Path, rows: list[list[Any]], encoding: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))


def write_pdf(path: Path, orders: list[IncomingOrder]) -> None:
    """The district system's printout: one order per page, label–value lines, content
    wrapped and running onto the next page when long."""
    from reportlab.lib.pagesizes import A4  # noqa: PLC0415
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: PLC0415
    from reportlab.pdfgen import canvas  # noqa: PLC0415

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    _, height = A4
    labels = LAYOUTS["seed"]
    for order in orders:
        y = _pdf_header(c, height)
        for key in ("order_no", "caller", "call_time", "address", "phone", "dispatch_time",
                    "from_unit", "doc_no", "is_reminder", "priority", "kind", "category"):
            value = getattr(order, key)
            if key == "is_reminder":
                value = "催单" if value else "转送单"
            elif key in ("call_time", "dispatch_time"):
                value = (value or "").replace("T", " ")
            c.drawString(60, y, f"{labels[key]}：{value or ''}")
            y -= 22
        c.drawString(60, y, "来电内容：")
        y -= 22
        for line in _wrap(order.content, 36):
            if y < 80:
                c.showPage()
                y = _pdf_header(c, height)
            c.drawString(60, y, line)
            y -= 20
        c.showPage()
    c.save()


def write_pdf_table(path: Path, orders: list[IncomingOrder]) -> None:
    """The 转送单 layout of Annex 2 printed to PDF: a ruled label–value table per order."""
    from reportlab.lib import colors  # noqa: PLC0415
    from reportlab.lib.pagesizes import A4  # noqa: PLC0415
    from reportlab.lib.styles import ParagraphStyle  # noqa: PLC0415
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: PLC0415
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle  # noqa: PLC0415

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=14,
                          wordWrap="CJK")
    title = ParagraphStyle("title", fontName="STSong-Light", fontSize=16, leading=22,
                           alignment=1)
    story: list[Any] = []
    for order in orders:
        def p(text: str) -> Any:
            return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), body)

        data = [
            [p("来电人"), p(order.caller), p("来电日期"), p((order.call_time or "").replace("T", " "))],
            [p("述求地址"), p(order.address), p("联系电话"), p(order.phone)],
            [p("工单编号"), p(order.order_no), p("转交日期"), p(order.dispatch_time.replace("T", " "))],
            [p("转交办公单位"), p(order.from_unit), p("转交办文号"), p(order.doc_no)],
            [p("是否催单"), p("催单" if order.is_reminder else "转送单"), p("工单优先级"),
             p(order.priority)],
            [p("工单类型"), p(order.kind), p("诉求类别"), p(order.category)],
            [p("来电内容：" + order.content), "", "", ""],
            [p("承办单位处理情况："), "", "", ""],
        ]
        table = Table(data, colWidths=[70, 170, 70, 170])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("SPAN", (0, 6), (-1, 6)),
            ("SPAN", (0, 7), (-1, 7)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story += [Paragraph("“12345”市民服务热线转送单", title), table, PageBreak()]
    doc = SimpleDocTemplate(str(path), pagesize=A4, invariant=1)
    doc.build(story)
    del A4


def _pdf_header(c: Any, height: float) -> float:
    c.setFont("STSong-Light", 16)
    c.drawCentredString(297, height - 60, "“12345”市民服务热线 电子工单")
    c.setFont("STSong-Light", 11)
    return height - 100


def _wrap(text: str, width: int) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        rest = paragraph
        while len(rest) > width:
            lines.append(rest[:width])
            rest = rest[width:]
        lines.append(rest)
    return lines


# -- the set ----------------------------------------------------------------------------

def generate(into: Path, *, orders: int = 30, seed: int = 2026, as_of: date | None = None,
             pdf_share: float = 0.15, variations: bool = True, serial_from: int = 100) -> SampleSet:
    """Write a night's worth of district exports into `into` and return the truth.

    `serial_from`: where the order numbers' serials start, so that several streets' nights
    (one district, one numbering) never share a number by chance."""
    as_of = as_of or clock.today()
    into.mkdir(parents=True, exist_ok=True)
    maker = OrderMaker(seed, as_of)
    maker.serial = serial_from
    rng = maker.rng
    made = [maker.order(hostile=variations and i == orders - 1) for i in range(orders)]
    if variations and orders >= 8:
        long_one = made[1]
        long_one.content = long_one.content + "。".join(
            f"补充说明第{i}点：该问题已持续多日，周边居民意见很大，希望尽快解决" for i in range(1, 40)
        ) + "。"
    result = SampleSet()
    result.orders = {o.order_no: o for o in made}
    stamp = f"{as_of:%Y%m%d}"
    n_pdf = max(1, round(len(made) * pdf_share)) if pdf_share > 0 else 0
    pdf_orders, excel_orders = made[:n_pdf], made[n_pdf:]
    result.files += _pdfs(into, stamp, pdf_orders, variations)
    if not variations:
        if excel_orders:
            path = into / f"区热线办导出_{stamp}.xlsx"
            write_xlsx(path, _table(excel_orders, "seed", "iso", rng, extra=False))
            result.files.append(path)
        return result
    result.files += _spreadsheets(into, stamp, excel_orders, pdf_orders, rng)
    _reminders(into, stamp, made, maker, result)
    _bad_row(into, stamp, maker, result)
    return result


def _pdfs(into: Path, stamp: str, orders: list[IncomingOrder], variations: bool) -> list[Path]:
    """The printouts: label–value text, and (with variations) the last two as ruled tables."""
    if not orders:
        return []
    text_layout = orders if not variations else orders[: max(1, len(orders) - 2)]
    path = into / f"电子工单打印件_{stamp}.pdf"
    write_pdf(path, text_layout)
    files = [path]
    table_layout = orders[len(text_layout):]
    if table_layout:
        path = into / f"转送单打印件_{stamp}.pdf"
        write_pdf_table(path, table_layout)
        files.append(path)
    return files


# (file name, label layout, date form, format) of the spreadsheet exports, in turn.
SPREADSHEETS = (
    ("区热线办导出_{}.xlsx", "a", "cell", "xlsx"),
    ("转办工单_{}.xls", "b", "serial", "xls"),
    ("工单清单_GBK_{}.csv", "c", "slash", "gb18030"),
    ("工单清单_UTF8_{}.csv", "seed", "dots", "utf-8-sig"),
    ("夜间工单_{}.xlsx", "seed", "chinese", "xlsx"),
)


def _spreadsheets(into: Path, stamp: str, orders: list[IncomingOrder],
                  pdf_orders: list[IncomingOrder], rng: random.Random) -> list[Path]:
    files = []
    for chunk, (name, layout, dates, fmt) in zip(_split(orders, 5), SPREADSHEETS, strict=False):
        if not chunk:
            continue
        path = into / name.format(stamp)
        for order in chunk:
            _fit_layout(order, layout, dates)
        table = _table(chunk, layout, dates, rng, extra=fmt == "xlsx")
        if fmt == "xlsx" and pdf_orders:
            table.append(table[-1])  # the same order twice in one file
            table.append(_row_like(table, pdf_orders[0], layout, dates, rng))  # also in the PDF
        if fmt == "xlsx":
            write_xlsx(path, table, titles=2 if layout == "a" else 0, blank_every=4)
        elif fmt == "xls":
            write_xls(path, table)
        else:
            write_csv(path, table, fmt)
        files.append(path)
    return files


def _fit_layout(order: IncomingOrder, layout: str, dates: str) -> None:
    """Make the truth what a layout can say: missing columns read as their defaults."""
    labels = LAYOUTS[layout]
    if "kind" not in labels:
        order.kind = "紧急" if order.priority == "紧急" else "一般"
        order.category = order.category or "求助"
    if "priority" not in labels:
        order.priority = "普通"
    if "doc_no" not in labels:
        order.doc_no = ""
    if dates == "dots":  # a date without a time of day reads as midnight
        for key in ("dispatch_time", "call_time"):
            value = getattr(order, key)
            if value:
                setattr(order, key, value[:10] + "T00:00:00")


def _row_like(table: list[list[Any]], order: IncomingOrder, layout: str, dates: str,
              rng: random.Random) -> list[Any]:
    labels = LAYOUTS[layout]
    keys = list(labels)[::-1] if layout == "a" else list(labels)
    row = [_cell(order, k, layout, dates, rng) for k in keys]
    return [len(table), *row, "待处理"] if table[0][0] == "序号" else row


def _split(items: list[IncomingOrder], parts: int) -> list[list[IncomingOrder]]:
    size = -(-len(items) // parts) if items else 0
    return [items[i * size:(i + 1) * size] for i in range(parts)]


def _reminders(into: Path, stamp: str, made: list[IncomingOrder], maker: OrderMaker,
               result: SampleSet) -> None:
    """A 催单 file: reminders for two known orders and one the office never received."""
    rng = maker.rng
    targets = [o for o in made if o.kind == "一般"][:2]
    unknown = maker.order()
    rows = []
    for base in [*targets, unknown]:
        when = datetime.combine(maker.as_of - timedelta(days=1), time(rng.randrange(8, 18), 0))
        reminder = replace(base, notes=[], is_reminder=True,
                           dispatch_time=when.isoformat(),
                           content=f"市民再次来电催促：{base.content[:40]}")
        rows.append(reminder)
    result.reminders = rows
    path = into / f"催单_{stamp}.xlsx"
    write_xlsx(path, _table(rows, "seed", "iso", rng, extra=False), titles=1)
    result.files.append(path)


def _bad_row(into: Path, stamp: str, maker: OrderMaker, result: SampleSet) -> None:
    """A file with one order whose 转交日期 is missing, among good ones."""
    good = [maker.order(), maker.order()]
    bad = maker.order()
    for o in good:
        result.orders[o.order_no] = o
    table = _table([good[0], bad, good[1]], "seed", "iso", maker.rng, extra=False)
    table[2][list(LAYOUTS["seed"]).index("dispatch_time")] = None
    path = into / f"补充工单_{stamp}.xlsx"
    write_xlsx(path, table)
    result.files.append(path)
    result.bad_rows.append((path.name, "第3行"))
