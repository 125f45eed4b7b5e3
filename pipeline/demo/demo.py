"""`hotline demo`: a demo home filled with sample orders, a night's run over it, and a day's
work recorded on some of them (routed, contacted, handled, followed up), so that the
ledger, the supervision list and the forms show what they look like in use."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from pipeline.batch.run import run_batch
from pipeline.batch.summary import summary_text
from pipeline.deadlines.state import state_of
from pipeline.demo.samples import generate
from pipeline.errors import HotlineError
from pipeline.home import Home, open_home
from pipeline.workflow.actions import Actions

RESULTS = ("实际解决", "解释说明", "实际解决", "参考备案")


def _a_day_of_work(home: Home, as_of: date) -> int:
    """Record plausible steps on the demo's orders; returns how many steps were taken."""
    evening = datetime.combine(as_of, time(18, 0))
    actions = Actions(home, actor="演示", source="hotline demo", now=evening)
    calc = home.calculator()
    with home.store().read() as conn:
        rows = [r for r in home.store().orders(conn) if not r["placeholder"]]
    steps = 0
    for i, row in enumerate(rows):
        state = state_of(row, calc, as_of)
        dispatched = datetime.fromisoformat(row["dispatch_time"])
        try:
            department = row["suggested_department"] or home.config.departments[0]
            if i % 5 != 4:
                actions.assign(row["order_no"], department, "请按时办理并回复")
                steps += 1
            if i % 3 != 2:
                on_day_one = datetime.combine(state.deadlines.first_contact.red, time(10, 0))
                actions.contact(row["order_no"], max(dispatched, min(on_day_one, evening)),
                               "已电话联系来电人，告知办理程序")
                steps += 1
            if i % 4 == 0 and dispatched < evening - timedelta(days=3):
                done = min(dispatched + timedelta(days=3), evening)
                actions.handle(row["order_no"], RESULTS[i % len(RESULTS)],
                              "已到现场核实并处理，已答复来电人。", "张三", "021-56001234", done)
                steps += 1
                if i % 8 == 0:
                    actions.visit(row["order_no"], "满意", "回访来电人，表示满意", evening)
                    steps += 1
        except HotlineError:
            continue  # a step that the rules refuse for this order is simply not taken
    return steps


def run_demo(folder: Path, *, orders: int, as_of: date) -> tuple[str, int]:
    home = open_home(folder.resolve())
    try:
        made = generate(home.config.inbox, orders=orders, as_of=as_of)
        summary, code = run_batch(home, as_of)
        steps = _a_day_of_work(home, as_of)
        run_batch(home, as_of)  # refresh the 台账 and 督办日报 with the day's work
    finally:
        home.close()
    out = home.config.outbox / as_of.isoformat()
    text = "\n".join([
        f"演示工作目录：{home.path}",
        f"已在 inbox/ 中放入 {len(made.files)} 个仿真文件（Excel、旧版 .xls、CSV、PDF、催单，"
        "其中一个文件有一行故意缺少转交日期），并运行了一次夜间批处理：",
        "",
        summary_text(summary.to_json()),
        "",
        f"随后模拟了一天的工作（分派、先行联系、办结、回访，共 {steps} 步），并刷新了台账和督办日报。",
        f"请打开 {out} 查看转送单（转送单/）、工单台账和督办日报；",
        f"放在一边的文件及原因在 {home.config.failed / as_of.isoformat()}。",
        f"接着可以试试：hotline --home {folder} list　或　hotline --home {folder} show <工单编号>",
    ])
    return text, code
