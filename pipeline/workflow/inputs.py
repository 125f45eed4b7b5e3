"""Inputs applied exactly once: each row of a --from-file, each returned 转送单, each edited
台账 row is keyed (the file's sha256 and the row, or the form's content) and recorded in the
store in the same transaction as its changes. A rerun after a kill, a re-dropped file or a
re-read form applies only what was not applied, and says "已登记过" for the rest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import EXIT_USAGE, HotlineError, StageError
from pipeline.intake.base import OrderUpdate
from pipeline.intake.ledger import EDITABLE
from pipeline.model import OrderRow
from pipeline.normalise import clean_text
from pipeline.safety.files import sha256_file
from pipeline.text import mask_phone, show_time
from pipeline.workflow.actions import Actions, Outcome, apply_changes

ALREADY = "已登记过"
Step = Callable[[Actions, str, dict[str, Any]], Outcome]


@dataclass
class ItemResult:
    """What became of one order or row: done, already done before, or refused (why)."""

    label: str  # the order as typed, or 第N行
    order_no: str
    done: bool
    text: str
    already: bool = False
    document: str = ""


def content_key(kind: str, *parts: Any) -> str:
    """A key for an input known by what it says (a form, a 台账 row), not by its bytes."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return f"{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def file_key(path: Path, verb: str) -> str:
    """The key prefix of one --from-file's rows for one verb (its bytes' sha256)."""
    return f"file:{verb}:{sha256_file(path)}"


def apply_items(actions: Actions, items: list[tuple[str, str, dict[str, Any]]], step: Step,
                prefix: str = "") -> Iterator[ItemResult]:
    """Each item in its own write transaction; a row of a file (`prefix` given) is recorded
    as applied in that same transaction, so that a kill between rows loses nothing and a
    rerun repeats nothing."""
    for label, order, row in items:
        key = f"{prefix}:{label}" if prefix and row else ""
        try:
            with actions.transaction() as conn, actions.bound(conn):
                seen = actions.store.applied_input(conn, key) if key else None
                if seen is not None:
                    result = ItemResult(label, seen["order_no"], True,
                                        f"{ALREADY}（{seen['applied_at'].replace('T', ' ')}）",
                                        already=True)
                else:
                    outcome = step(actions, order, row)
                    if key:
                        actions.store.record_input(conn, key, outcome.order_no, actions.source,
                                                   None)
                    result = ItemResult(label, outcome.order_no, True, outcome.summary,
                                        document=outcome.document)
        except HotlineError as exc:
            if exc.exit_code != EXIT_USAGE:  # the store or the home, not this row: stop
                raise
            result = ItemResult(label, order, False, str(exc))
        yield result


def apply_update(actions: Actions, conn: Any, update: OrderUpdate) -> bool:
    """A returned 转送单's or an edited 台账 row's changes, once ever: True when applied now,
    False when it was applied before (已登记过). Refused (StageError, nothing changed) when
    the form is not the order's (caller or phone differ), or when a 台账 cell's order changed
    in the store since the sheet was written (both values shown)."""
    if update.key and actions.store.applied_input(conn, update.key) is not None:
        return False
    row = actions.store.get_order(conn, update.order_no, lock=True)
    if row is not None:
        _same_caller(row, update.identity)
        _not_stale(row, update.originals, update.changes)
    event_before = actions.store.last_event_id(conn)
    apply_changes(actions, conn, update)
    if update.key:
        last = actions.store.last_event_id(conn)
        actions.store.record_input(conn, update.key, update.order_no, actions.source,
                                   last if last != event_before else None)
    return True


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch == "*")


def _same_caller(row: OrderRow, identity: dict[str, str]) -> None:
    caller, phone = identity.get("caller", ""), _digits(identity.get("phone", ""))
    stored = clean_text(row["caller"], multiline=False)
    wrong = []
    if caller and caller != stored:
        wrong.append(f"来电人“{caller}”（工单上是“{stored}”）")
    if phone and phone not in (_digits(row["phone"]), _digits(mask_phone(row["phone"]))):
        wrong.append(f"联系电话 {mask_phone(phone)}（工单上是 {mask_phone(row['phone'])}）")
    if wrong:
        raise StageError(
            f"转送单上的{'、'.join(wrong)}与工单 {row['order_no']} 不符，可能是工单编号填错了"
            "或用了别的工单的转送单，未登记。请核对后在正确的转送单上填写，重新放入收件箱。")


# How the 台账 shows a stored value (workbooks/ledger.py writes the originals this way).
_SHOWN_AS_TIME = ("first_contact_at", "handled_at")


def _not_stale(row: OrderRow, originals: dict[str, str], changes: dict[str, Any]) -> None:
    for field, was in originals.items():
        value = row.get(field) or ""
        now = show_time(value) if field in _SHOWN_AS_TIME and value else str(value)
        if now != was:
            label = EDITABLE.get(field, field)
            raise StageError(
                f"“{label}”在这份台账生成后已改为“{now or '（空）'}”（台账上原为“{was or '（空）'}”，"
                f"填写为“{_shown(changes.get(field))}”），为免覆盖较新的登记，未处理。"
                "请在最新的台账上核对后填写。")


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return show_time(value.isoformat())
    return str(value) if value not in (None, "") else "（空）"
