"""The home's `hotline.toml`: paths, database, departments, routing words, calendar years,
rule overrides and limits. `hotline init` writes it with commented defaults; a folder
without it is not a home."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, NotAHomeError

CONFIG_NAME = "hotline.toml"

DEFAULT_CONFIG = """\
# 北站街道“12345”市民服务热线工单处理 —— 配置文件
# 以 # 开头的行是说明，不起作用。修改后，下次运行 hotline 时生效。
# 文件须以 UTF-8 编码保存（记事本“另存为”时选择 UTF-8）。

[paths]
# 各文件夹的位置，相对于本文件所在的文件夹（也可写完整路径）。
inbox = "inbox"          # 收件箱：把区热线办的电子工单（PDF、Excel）放在这里
outbox = "outbox"        # 发件箱：每晚生成的转送单、台账、督办日报，按日期分文件夹
archive = "archive"      # 已处理的原始文件，按日期归档，内容与放入时完全相同
failed = "failed"        # 无法读取的文件，连同“原因”说明放在这里
templates = "templates"  # 本街道自己修改过的 Word 模板（可空，空则用软件自带模板）
backups = "backups"      # 数据库每日备份

[database]
# 默认使用本文件夹内的 SQLite 数据库文件。将来区里若统一使用数据库服务器，可改为例如
# url = "postgresql+psycopg://用户名:密码@服务器/hotline"
url = "sqlite:///hotline.db"

[office]
name = "北站街道办事处"                            # 转送单上的承办单位
# 本街道的其他叫法：工单的“被反映街乡镇”写的不是本街道时，提示“可能需退单”。
# 区名和“街道”“办事处”等字样不计，“静安区北站街道”“北站街道”都算本街道。
street_names = []
hotline_office = "“12345”市民服务热线管理办公室"   # 转送单抬头
# 几个街道共用一个数据库服务器时，各街道以上面的 name 区分，只看得到本街道的工单。
# 区里的工作目录写 scope = "district"：看全区各街道的工单，台账、督办日报按街道分列，
# hotline assess 按街道排名。
scope = "street"
basis = "北站街道工作细则 附件1"                    # 转送单“办理回复期限”的依据

[departments]
# 承办部门名单：分派（hotline assign）时只接受名单里的部门。
names = [
  "北站派出所", "城管中队", "房管办", "市容所", "市场监管所",
  "社区事务受理服务中心", "平安办", "自治办", "服务办", "管理办", "行政办公室",
]

[routing]
# 关键词 → 建议承办部门：来电内容含关键词时，转送单和台账上给出“建议承办部门”。
# 只是建议，由行政办公室分派时决定。
"噪声" = "北站派出所"
"噪音" = "北站派出所"
"扰民" = "北站派出所"
"违章搭建" = "城管中队"
"违法建筑" = "城管中队"
"占道" = "城管中队"
"群租" = "房管办"
"漏水" = "房管办"
"物业" = "房管办"
"垃圾" = "市容所"
"绿化" = "市容所"
"食品" = "市场监管所"
"养老" = "社区事务受理服务中心"
"医保" = "社区事务受理服务中心"

[routing.categories]
# 按区里导出的“问题分类”给出建议承办部门（有问题分类时先按分类，找不到再按关键词）。
# 左边是分类的开头几级，层级之间用 -> 或 / 分隔；写得越细的越优先。
"城市管理->市容环境" = "市容所"
"城市管理" = "城管中队"
"住房管理" = "房管办"
"市场管理" = "市场监管所"
"社会治安" = "北站派出所"
"社会保障" = "社区事务受理服务中心"
"民政" = "社区事务受理服务中心"

[labels]
# 本区导出中软件不认得的栏目名称 → 软件认得的栏目名称。读不了的文件旁的“原因”说明会写出
# 每个不认得的栏目最像哪个栏目，照着加一行即可，例如：
# "诉求编码" = "工单编号"

[values.category]
# 诉求类别的其他写法 → 存入的类别（举报、意见、表扬等软件已认得）。例如：
# "其他" = "求助"
# 新的类别按哪个时限办理，在下面的 [rules] 中写明（见 categories）。

[intake]
# 区里导出的表格没有派单（转交）时间栏目时，用哪一栏代替。办理时限从派单时间起算，
# 不写则这样的文件不读入，放在 failed 中说明原因。每张这样读入的工单都会注明。例如：
# dispatch_from = "来电时间"
# 工单类型写“一般”、工单优先级却是“紧急”时，按紧急工单的时限办理（true）还是按工单类型（false）。
# 两种情况都会在运行报告和台账中提示。
stricter_priority = true

[leaders]
# 领导负责制（细则 三(三)5、6）：一般工单由科室领导负责；重要件、难办件由分管领导负责，并由分管领导
# 回访。重要、难办由 hotline flag 标记，紧急件、信访件、催单达到下面次数的、回访不满意重新办理的
# 也算。这些工单的办理结果须分管领导签字（hotline sign 工单编号 --by 姓名）后，才列入给区热线办的
# 反馈清单。每个承办部门写一节，例如：
# [leaders."城管中队"]
# 科室领导 = "王伟"
# 分管领导 = "李强"
sign_all = false       # true：所有工单的办理结果都须分管领导签字后才反馈
flag_reminders = 2     # 催单达到几次算难办件

[district]
# 退单（hotline return）：不属于本街道的工单退回区热线办，须在派单后几个工作日内提出。
return_days = 1

[assessment]
# 绩效考核的算法（hotline assess）。以下只是示例，请按本区考核办法修改，不是区里的正式规定。
# 满意率 =（满意 + 基本满意权重 × 基本满意）÷ 已回访
basic_satisfied_weight = 1.0
# 哪些办理结果算“解决”：解决率 = 这些结果的件数 ÷ 已办结
solved = ["实际解决"]
# 综合得分（可不设）：各项比率乘以分值相加，满分为分值之和；某项本月没有应办的工单时，
# 按其余各项的得分率折算。可用的比率：先行联系按时率、按时办结率、解决率、满意率。例如
# [assessment.score]
# "先行联系按时率" = 10
# "满意率" = 40
# "解决率" = 50

[inbox]
# 文件在最近多少秒内仍有变化，就视为“正在写入”，留到下次再处理。
settle_seconds = 1.0

[limits]
max_file_mb = 50           # 单个文件大小上限（兆字节），超过的放入 failed
max_unzipped_mb = 200      # Excel/Word 文件解压后的大小上限，防止“压缩炸弹”
max_zip_ratio = 200        # 解压后与压缩前大小之比的上限
pdf_seconds = 120          # 单个文件（PDF、Excel）最多读取多少秒（超时的放入 failed）
pdf_max_pages = 5000       # 单个 PDF 最多读取多少页

[backup]
keep = 14                  # 保留最近多少份数据库备份

# ---------------------------------------------------------------------------
# 节假日安排：软件自带 2004–2026 年的国务院节假日安排。国务院办公厅每年 11 月前后公布
# 下一年的安排，公布后请在此加入（或运行 hotline calendar add），例如：
#
# [calendar.2027]
# holidays = ["2027-01-01", "2027-02-05", ...]   # 放假日（含与周末连休的工作日）
# workdays = ["2027-02-14", ...]                 # 调休上班的周六、周日
#
# 在录入之前，涉及该年的期限按法定节假日（《全国年节及纪念日放假办法》）和周末推算
# （调休、补假未计），并在各处标为“暂定”。
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# 时限规则：默认按《北站街道“12345”市民服务热线工作细则》附件1。如需调整，写在这里，例如
# [rules.handling.general_long]
# red = 15
# 诉求类别按哪个时限办理也在这里：默认 咨询、建议、意见 按 general_short（5个工作日），
# 求助、投诉、举报 按 general_long（15个工作日），表扬、感谢 只登记、不设办理时限。例如
# [rules.handling.general_long]
# categories = ["求助", "投诉", "举报", "其他"]
# ---------------------------------------------------------------------------
"""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: float = 200.0
    pdf_seconds: float = 120.0
    pdf_max_pages: int = 5000


@dataclass(frozen=True)
class CalendarYear:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]


@dataclass(frozen=True)
class Config:
    home: Path
    inbox: Path
    outbox: Path
    archive: Path
    failed: Path
    templates: Path
    backups: Path
    database_url: str
    office_name: str = "北站街道办事处"
    district: bool = False  # [office] scope = "district": this home sees every office
    hotline_office: str = "“12345”市民服务热线管理办公室"
    basis: str = "北站街道工作细则 附件1"
    departments: tuple[str, ...] = ()
    routing: tuple[tuple[str, str], ...] = ()
    routing_paths: tuple[tuple[str, str], ...] = ()  # 问题分类 prefix → department
    street_names: tuple[str, ...] = ()  # other names of our own street
    labels: dict[str, Any] = field(default_factory=dict)  # [labels]: the district's own names
    values: dict[str, Any] = field(default_factory=dict)  # [values.…]: its own value words
    intake: dict[str, Any] = field(default_factory=dict)  # [intake]: dispatch stand-in, priority
    settle_seconds: float = 1.0
    limits: Limits = field(default_factory=Limits)
    backup_keep: int = 14
    calendar_years: dict[int, CalendarYear] = field(default_factory=dict)
    rule_overrides: dict[str, Any] = field(default_factory=dict)
    # [leaders]: department → (科室领导, 分管领导); who must sign; when 催单 make an order 难办
    leaders: dict[str, tuple[str, str]] = field(default_factory=dict)
    sign_all: bool = False
    flag_reminders: int = 2
    return_days: int = 1  # [district]: 退单 within this many working days of dispatch
    assessment: dict[str, Any] = field(default_factory=dict)  # [assessment], read by monthly/

    @property
    def staging(self) -> Path:
        """Where outputs are written before they are renamed into place."""
        return self.home / ".staging"

    @property
    def lock_path(self) -> Path:
        """The run's lock (exclusive): one nightly run or archive at a time."""
        return self.home / ".hotline.lock"

    @property
    def store_lock_path(self) -> Path:
        """The store's lock: shared by every command that writes, exclusive for restore."""
        return self.home / ".hotline.store.lock"


def not_a_home(home: Path) -> str:
    """What the clerk is told in a folder that is not a home (exit status 2)."""
    where = (f"文件夹 {home} 不存在" if not home.exists()
             else f"{home} 不是 hotline 工作目录（其中没有 {CONFIG_NAME}）")
    return (f"{where}，本次未做任何处理。如要在这里新建工作目录，请运行 hotline init \"{home}\"；"
            "如果工作目录在别处，请检查 --home 参数、环境变量 HOTLINE_HOME 或定时任务的“起始于”文件夹。")


def load_config(home: Path) -> Config:
    """Read the home's configuration; a folder without `hotline.toml` is not a home."""
    path = home / CONFIG_NAME
    if not path.is_file():
        raise NotAHomeError(not_a_home(home))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        backup = path.with_name(path.name + ".bak")
        hint = (f"上一版保存在 {backup.name}，可用它替换后再运行。" if backup.is_file() else "")
        raise ConfigError(f"配置文件 {path} 格式有误：{exc}。请改正后再运行。{hint}") from exc
    return _build(home.resolve(), path, data)


def _section(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"配置文件 {path} 中 [{name}] 应为一个小节。")
    return value


def _build(home: Path, path: Path, data: dict[str, Any]) -> Config:
    paths = _section(data, "paths", path)

    def folder(key: str, default: str) -> Path:
        return (home / str(paths.get(key, default))).resolve()

    db, office, depts, routing, inbox, limits, backup = (_section(data, name, path) for name in (
        "database", "office", "departments", "routing", "inbox", "limits", "backup"))
    try:
        lim = Limits(
            max_file_bytes=int(float(limits.get("max_file_mb", 50)) * 1024 * 1024),
            max_unzipped_bytes=int(float(limits.get("max_unzipped_mb", 200)) * 1024 * 1024),
            max_zip_ratio=float(limits.get("max_zip_ratio", 200)),
            pdf_seconds=float(limits.get("pdf_seconds", 120)),
            pdf_max_pages=int(limits.get("pdf_max_pages", 5000)),
        )
        settle = float(inbox.get("settle_seconds", 1.0))
        keep = int(backup.get("keep", 14))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置文件 {path} 中的数值有误：{exc}") from exc
    return Config(
        home=home,
        inbox=folder("inbox", "inbox"),
        outbox=folder("outbox", "outbox"),
        archive=folder("archive", "archive"),
        failed=folder("failed", "failed"),
        templates=folder("templates", "templates"),
        backups=folder("backups", "backups"),
        database_url=_database_url(home, str(db.get("url", "sqlite:///hotline.db"))),
        office_name=str(office.get("name", "北站街道办事处")),
        district=_scope(office.get("scope", "street"), path),
        hotline_office=str(office.get("hotline_office", "“12345”市民服务热线管理办公室")),
        basis=str(office.get("basis", "北站街道工作细则 附件1")),
        departments=tuple(str(d) for d in depts.get("names", [])),
        routing=tuple((str(k), str(v)) for k, v in routing.items() if not isinstance(v, dict)),
        routing_paths=_routing_paths(routing, path),
        street_names=_names(office.get("street_names", []), "[office] street_names", path),
        labels=_section(data, "labels", path),
        values=_section(data, "values", path),
        intake=_section(data, "intake", path),
        settle_seconds=settle,
        limits=lim,
        backup_keep=keep,
        calendar_years=_calendar_years(_section(data, "calendar", path), path),
        rule_overrides=_section(data, "rules", path),
        **_leadership(data, path),
    )


def _scope(value: Any, path: Path) -> bool:
    """[office] scope: "street" (a street office, the default) or "district"."""
    if value in ("street", "街道"):
        return False
    if value in ("district", "区"):
        return True
    raise ConfigError(f"配置文件 {path} 中 [office] scope 应为 \"street\"（街道）或 "
                      f"\"district\"（区），现为 {value!r}。")


def _leadership(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """[leaders], [district] and [assessment]."""
    leaders = _section(data, "leaders", path)
    district = _section(data, "district", path)
    by_department: dict[str, tuple[str, str]] = {}
    for name, value in leaders.items():
        if isinstance(value, dict):
            by_department[str(name)] = (str(value.get("科室领导", "")).strip(),
                                        str(value.get("分管领导", "")).strip())
    try:
        flag_reminders = int(leaders.get("flag_reminders", 2))
        return_days = int(district.get("return_days", 1))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置文件 {path} 中 [leaders] 或 [district] 的数值有误：{exc}") from exc
    if return_days < 0 or flag_reminders < 1:
        raise ConfigError(f"配置文件 {path} 中 return_days 不能为负数，flag_reminders 至少为 1。")
    return {"leaders": by_department, "sign_all": bool(leaders.get("sign_all", False)),
            "flag_reminders": flag_reminders, "return_days": return_days,
            "assessment": _section(data, "assessment", path)}


def _routing_paths(routing: dict[str, Any], path: Path) -> tuple[tuple[str, str], ...]:
    table = routing.get("categories", {})
    if not isinstance(table, dict):
        raise ConfigError(f"配置文件 {path} 中 [routing.categories] 应为一个小节。")
    return tuple((str(k), str(v)) for k, v in table.items())


def _names(value: Any, what: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f"配置文件 {path} 中 {what} 应为名称列表，如 [\"北站街道\"]。")
    return tuple(str(v) for v in value if str(v).strip())


def _database_url(home: Path, url: str) -> str:
    """Anchor a relative SQLite path at the home, not at the current folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        rest = url[len(prefix) :]
        if not Path(rest).is_absolute():
            return prefix + (home / rest).as_posix()
    return url


def _parse_dates(values: Any, what: str, year: int, path: Path) -> frozenset[date]:
    if not isinstance(values, list):
        raise ConfigError(f"配置文件 {path} 中 [calendar.{year}] 的 {what} 应为日期列表。")
    out: set[date] = set()
    for value in values:
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError as exc:
            raise ConfigError(
                f"配置文件 {path} 中 [calendar.{year}] 的 {what} 有无法识别的日期“{value}”，"
                "请写成 2027-01-01 的形式。"
            ) from exc
        if day.year != year:
            raise ConfigError(
                f"配置文件 {path} 中 [calendar.{year}] 的 {what} 含有别的年份的日期 {day}。"
            )
        out.add(day)
    return frozenset(out)


def _calendar_years(section: dict[str, Any], path: Path) -> dict[int, CalendarYear]:
    years: dict[int, CalendarYear] = {}
    for key, value in section.items():
        try:
            year = int(key)
        except ValueError as exc:
            raise ConfigError(f"配置文件 {path} 中 [calendar.{key}] 的年份无法识别。") from exc
        if not isinstance(value, dict):
            raise ConfigError(f"配置文件 {path} 中 [calendar.{year}] 应为一个小节。")
        holidays = _parse_dates(value.get("holidays", []), "holidays（放假日）", year, path)
        workdays = _parse_dates(value.get("workdays", []), "workdays（调休上班日）", year, path)
        clash = holidays & workdays
        if clash:
            day = min(clash)
            raise ConfigError(
                f"配置文件 {path} 中 {day} 既写在放假日又写在调休上班日，请核对国务院通知。"
            )
        years[year] = CalendarYear(year, holidays, workdays)
    return years
