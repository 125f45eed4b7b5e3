"""归档: a month's closed orders filed under archive/<month>/ with an index workbook and
copies of their documents; the orders become 已归档. Open orders stay where they are."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline import clock
from pipeline.deadlines.state import state_of
from pipeline.errors import HotlineError
from pipeline.home import Home, current_user
from pipeline.model import Status
from pipeline.monthly.figures import month_bounds
from pipeline.safety.locking import home_lock
from pipeline.text import mask_phone, show_time, summary
from pipeline.workbooks.common import (
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    WRAP,
    fixed_times,
    new_workbook,
    publish,
    save,
    setup_sheet,
    text_cell,
)


@dataclass
class ArchiveResult:
    folder: Path
    newly: list[str]
    total: int
    left_open: int


HEADERS = ("工单编号", "派单时间", "工单类型", "诉求类别", "承办部门", "来电人", "联系电话", "内容摘要",
           "先行联系", "先行联系按时", "办结时间", "按时办结", "办理结果", "满意度", "催单次数", "结案时间",
           "文书")
WIDTHS = (17, 17, 9, 8, 12, 9, 13, 36, 17, 8, 17, 8, 9, 8, 7, 17, 40)


def archive_month(home: Home, month: str, actor: str | None = None) -> ArchiveResult:
    start, end = month_bounds(month)
    config = home.config
    calc = home.calculator()
    folder = config.archive / month
    with home_lock(config.lock_path, "hotline archive", wait_seconds=30), \
            home.writing("hotline archive") as store:
        with store.read() as conn:
            rows = store.orders_closed(conn, start, end)
            documents = {r["order_no"]: store.documents_for(conn, r["order_no"]) for r in rows}
            left_open = store.count_open_dispatched(conn, start, end)
        if not rows:
            raise HotlineError(f"{month} 没有已结案的工单可归档（归档按结案时间计月）。")
        filed: dict[str, list[str]] = {}
        for row in rows:
            filed[row["order_no"]] = _copy_documents(config.outbox, folder / "文书",
                                                     documents[row["order_no"]])
        as_of = end
        states = [state_of(r, calc, as_of) for r in rows]
        publish(folder / f"归档索引-{month}.xlsx", config.staging,
                lambda tmp: _index(tmp, month, states, filed, as_of))
        newly = [r["order_no"] for r in rows if r["status"] == Status.CLOSED]
        stamp = clock.stamp()
        with store.write() as conn:
            for number in newly:
                store.update_order(conn, number, {"status": Status.ARCHIVED, "archived_at": stamp,
                                                  "updated_at": stamp})
                store.add_event(conn, number, "archived", f"归档（archive/{month}/）",
                                source="hotline archive", actor=actor or current_user(), at=stamp)
    return ArchiveResult(folder, newly, len(rows), left_open)


def _copy_documents(outbox: Path, target: Path, documents: list[dict[str, object]]) -> list[str]:
    names = []
    for doc in documents:
        source = outbox / str(doc["path"])
        if doc["written_at"] is None or not source.is_file():
            continue
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / source.name)
        names.append(source.name)
    return names


def _index(path: Path, month: str, states: list, filed: dict[str, list[str]], as_of: object) -> None:
    wb = new_workbook("归档索引")
    fixed_times(wb, as_of)  # type: ignore[arg-type]
    ws = wb.create_sheet("归档索引")
    setup_sheet(ws, WIDTHS, header_row=2, rows=len(states))
    ws.append([text_cell(ws, f"“12345”工单归档索引（{month}结案，共 {len(states)} 件）",
                         font=TITLE_FONT, border=False)])
    ws.append([text_cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL, align=CENTER) for h in HEADERS])
    for state in states:
        r = state.row
        fc, h = state.deadlines.first_contact, state.deadlines.handling
        contacted, handled = state.first_contact_on, state.handling_closed_on
        values = (
            r["order_no"], show_time(r["dispatch_time"]), r["kind"], r["category"], r["department"],
            r["caller"], mask_phone(r["phone"]), summary(r["content"], 60),
            show_time(r["first_contact_at"]),
            ("是" if fc.on_time(contacted) else "否") if contacted else "未联系",
            show_time(r["handled_at"]),
            ("是" if h.on_time(handled) else "否") if handled and h is not None else "",
            r["result"], r["satisfaction"], int(r["reminders"] or 0), show_time(r["closed_at"]),
            "、".join(filed.get(r["order_no"], [])),
        )
        ws.append([text_cell(ws, v, align=WRAP if i in (7, 16) else None)
                   for i, v in enumerate(values)])
    save(wb, path)
