"""A header the tool cannot use, explained as a recipe: which columns it found, which it
needed, and for each column it does not know the closest one it does, with the line to add
to hotline.toml ("“诉求编码”可能是“工单编号”？在 hotline.toml 的 [labels] 中加一行即可")."""

from __future__ import annotations

from pipeline.intake.labels import KEPT_ROLES, Vocabulary
from pipeline.intake.table import Header
from pipeline.model import FIELD_LABELS, REQUIRED_FIELDS

# The clerk's word for each field when it is the one missing (with its everyday synonym).
NEEDED = {"order_no": "工单编号", "dispatch_time": "转交日期（派单时间）", "content": "来电内容"}
NO_DISPATCH = (
    "办理时限从区热线办派单（转交）的时间起算，这个文件没有派单时间，为免算错时限没有读入。"
    "如果该区导出确实没有派单时间，可在 hotline.toml 的 [intake] 中写明用哪一栏代替，"
    "例如 dispatch_from = \"来电时间\"（每张这样读入的工单都会注明），再把文件放回收件箱。"
)


def field_name(key: str) -> str:
    return FIELD_LABELS.get(key) or KEPT_ROLES.get(key, key)


def header_recipe(header: Header, vocab: Vocabulary, *, sheet: str = "") -> str:
    """Why this header cannot be read, and what to write so that it can."""
    where = f"工作表“{sheet}”" if sheet else ""
    missing = [k for k in REQUIRED_FIELDS if k not in header.columns]
    wanted = "、".join(f"“{NEEDED[k]}”" for k in missing)
    lines = [f"{where}第{header.row_number}行是表头，但其中没有{wanted}栏目（也没有认得的同义名称）。"]
    found = [f"{c.label}（{field_name(c.key)}）"
             if c.key and c.key != "other" and field_name(c.key) != c.label else c.label
             for c in header.labelled if c.candidates]
    unknown = [c.label for c in header.labelled if not c.candidates]
    lines.append("认得的栏目：" + ("、".join(found) or "无") + "。")
    if unknown:
        lines.append("不认得的栏目：" + "、".join(unknown) + "。")
    lines.append("需要的栏目：" + "、".join(NEEDED[k] for k in REQUIRED_FIELDS) + "。")
    lines += suggestions(unknown, missing, vocab)
    if "dispatch_time" in missing:
        lines.append(NO_DISPATCH)
    return "\n".join(lines)


def no_header_recipe(rows: list[list[str]], vocab: Vocabulary) -> list[str]:
    """Suggestions for the first row that looks like labels, when no header was found."""
    for cells in rows:
        labels = [c for c in cells if c]
        if len(labels) >= 2:
            unknown = [c for c in labels if not vocab.candidates(c)]
            return suggestions(unknown, list(REQUIRED_FIELDS), vocab)
    return []


def suggestions(unknown: list[str], missing: list[str], vocab: Vocabulary) -> list[str]:
    """One line per unknown column that resembles a known one: the missing fields first."""
    found: list[tuple[bool, str]] = []
    for label in unknown:
        close = vocab.suggest(label)
        if close is None:
            continue
        key = vocab.field_for(close)
        if key is None or key == "other":
            continue
        name = field_name(key)
        similar = "" if close == name else f"（与已知的“{close}”相近）"
        found.append((key not in missing, f"“{label}”可能是“{name}”？在 hotline.toml 的 [labels] 中"
                      f"加一行即可：\"{label}\" = \"{name}\"{similar}"))
    return [line for _, line in sorted(found, key=lambda x: x[0])]
