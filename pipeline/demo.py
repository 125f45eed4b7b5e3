"""`hotline demo`: a demo home filled with sample orders, and one nightly run over it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.batch import run_batch
from pipeline.home import open_home
from pipeline.report import summary_text
from pipeline.samples import generate


def run_demo(folder: Path, *, orders: int, as_of: date) -> tuple[str, int]:
    home = open_home(folder.resolve())
    try:
        made = generate(home.config.inbox, orders=orders, as_of=as_of)
        summary, code = run_batch(home, as_of)
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
        f"请打开 {out} 查看转送单（转送单/）、工单台账和督办日报；",
        f"放在一边的文件及原因在 {home.config.failed / as_of.isoformat()}。",
        f"接着可以试试：hotline --home {folder} list　或　hotline --home {folder} show <工单编号>",
    ])
    return text, code
