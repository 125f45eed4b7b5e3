"""Header labels and cell values of district exports → our fields, as data.

The shipped `labels.toml` holds the names and value words seen in real 12345 exports; a home
adds its own district's in `hotline.toml` ([labels], [values.…], [intake]) without code. A
`Vocabulary` is the two merged, built once when a home opens and handed to every reader
(it travels to the reading processes with them).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

from pipeline.errors import ConfigError
from pipeline.model import FIELD_LABELS, INTAKE_FIELDS
from pipeline.normalise import clean_text, halfwidth

# Roles of columns kept verbatim in an order's extras, in the clerk's words.
KEPT_ROLES = {
    "title": "标题", "category_path": "问题分类", "tags": "标签", "status_text": "工单状态",
    "order_role": "工单性质", "order_role_lead": "是否主办", "order_role_assist": "是否协办",
    "target_street": "被反映街乡镇", "target_community": "村/社区", "lead_unit": "主办单位",
    "deadline": "办理时限", "handled_time": "办结时间", "reply": "回复内容",
    "result_text": "办理结果", "satisfaction_text": "是否满意", "other": "其他",
}
# What each value table's values must be (hotline.toml [values.…] is checked against it).
KINDS = ("一般", "紧急", "夜间特殊", "信访")
PRIORITIES = ("普通", "紧急")
ROLES = ("主办", "协办", "转办")
CONFIG_VALUE_TABLES = ("kind", "category", "priority", "is_reminder", "order_role")


@lru_cache(maxsize=1)
def label_data() -> dict[str, Any]:
    raw = resources.files("pipeline.intake").joinpath("labels.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def normalise_label(text: object) -> str:
    """A header label reduced for comparison: no spaces, colons, stars or full-width."""
    label = halfwidth(clean_text(text, multiline=False))
    return re.sub(r"[\s:：*＊]", "", label)


def bare_label(label: str) -> str:
    """A normalised label without a trailing bracketed note: 联系电话(手机) → 联系电话."""
    return re.sub(r"[(（\[【].*?[)）\]】]$", "", label)


def value_key(value: object) -> str:
    """A cell value as the value tables are keyed: half-width, no spaces."""
    return re.sub(r"\s", "", halfwidth(clean_text(value, multiline=False)))


@dataclass(frozen=True)
class Mapped:
    """One value looked up in a table: the normal value and what had to be assumed."""

    value: Any
    note: str = ""


@dataclass
class Vocabulary:
    """Labels and values the readers know: the shipped set plus the home's own."""

    fields: dict[str, str]  # normalised label → field key (intake field or kept role)
    ranks: dict[str, int]  # normalised label → its place in its field's list (0 first)
    ambiguous: dict[str, tuple[str, ...]]  # normalised label → candidate fields, in order
    values: dict[str, dict[str, Any]]  # table → value key → normal value
    notes: dict[str, dict[str, str]]  # table → value key → note when it is used
    strip_prefixes: tuple[str, ...] = ("12345",)
    masked_marks: tuple[str, ...] = ("×", "*")
    value_suffixes: tuple[str, ...] = ("工单", "件", "类")
    dispatch_from: tuple[str, ...] = ()  # normalised labels standing in for dispatch time
    stricter_priority: bool = True  # 一般 + 紧急 → the 紧急 clock
    our_streets: tuple[str, ...] = ("北站",)  # cores of our own street's names
    added: dict[str, str] = field(default_factory=dict)  # the home's own [labels]

    # -- labels ---------------------------------------------------------------------------

    def field_for(self, text: object) -> str | None:
        """The field (or kept role) a header cell names, or None."""
        label = normalise_label(text)
        if not label:
            return None
        for candidate in (label, bare_label(label)):
            if candidate in self.fields:
                return self.fields[candidate]
            if candidate in self.ambiguous:
                return self.ambiguous[candidate][0]
        return None

    def core_field(self, text: object) -> str | None:
        """Like `field_for`, but only the intake fields (what a printout's labels can be)."""
        key = self.field_for(text)
        return key if key in INTAKE_FIELDS else None

    def candidates(self, text: object) -> tuple[str, ...]:
        """Every field a label may stand for (more than one for an ambiguous label)."""
        label = normalise_label(text)
        for candidate in (label, bare_label(label)):
            if candidate in self.ambiguous:
                return self.ambiguous[candidate]
            if candidate in self.fields:
                return (self.fields[candidate],)
        return ()

    def rank(self, text: object) -> int:
        label = normalise_label(text)
        return self.ranks.get(label, self.ranks.get(bare_label(label), 0))

    @cached_property
    def core_labels(self) -> tuple[str, ...]:
        """Every label of an intake field (for the printout's label pattern)."""
        return tuple(lab for lab, key in self.fields.items() if key in INTAKE_FIELDS) + tuple(
            lab for lab, keys in self.ambiguous.items() if keys[0] in INTAKE_FIELDS)

    def suggest(self, text: object) -> str | None:
        """The known label closest to an unknown one (for a reason file's recipe)."""
        label = normalise_label(text)
        known = [lab for lab, key in self.fields.items() if key != "other"]
        known += list(self.ambiguous)
        best = difflib.get_close_matches(label, known, n=1, cutoff=0.5)
        return best[0] if best else None

    # -- values ---------------------------------------------------------------------------

    def lookup(self, table: str, value: object) -> Mapped | None:
        """A value in normal form, or None when the table does not know it."""
        key = value_key(value)
        entries = self.values.get(table, {})
        for candidate in self._forms(key, table):
            if candidate in entries:
                return Mapped(entries[candidate], self.notes.get(table, {}).get(candidate, ""))
        return None

    def _forms(self, key: str, table: str) -> list[str]:
        forms = [key.lower() if table == "is_reminder" else key]
        for suffix in self.value_suffixes:
            if key.endswith(suffix) and len(key) > len(suffix):
                forms.append(key[: -len(suffix)])
        return forms

    def fits(self, table: str, values: list[object]) -> bool:
        """Whether every value is one the table knows (a column's values deciding its field)."""
        if table == "category_path":
            return True
        if table not in self.values:
            return False
        return all(self.lookup(table, v) is not None for v in values)

    def is_masked(self, phone: object) -> bool:
        text = halfwidth(clean_text(phone, multiline=False))
        return any(mark in text for mark in self.masked_marks)

    def is_ours(self, street: str) -> bool:
        """Whether a 被反映街乡镇 value names our own street (district and suffix aside)."""
        return street_core(street) in self.our_streets


_SUFFIX = re.compile(r"(街道办事处|地区办事处|办事处|街道|乡|镇)$")
_DISTRICT = re.compile(r"^.{1,6}?[省市区县]")


def street_core(name: str) -> str:
    """静安区北站街道办事处 → 北站: a street's name without its city, district and suffix
    (a prefix is dropped only while a name of two characters or more remains)."""
    text = _SUFFIX.sub("", re.sub(r"\s", "", halfwidth(name)))
    while (m := _DISTRICT.match(text)) and len(text) - m.end() >= 2:
        text = text[m.end():]
    return text


# -- building ---------------------------------------------------------------------------------

def _index(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, int]]:
    fields: dict[str, str] = {}
    ranks: dict[str, int] = {}
    lists = [(k, v) for k, v in data.items() if k in INTAKE_FIELDS]
    lists += list(data.get("kept", {}).items())
    for key, labels in lists:
        for rank, label in enumerate(labels):
            norm = normalise_label(label)
            fields.setdefault(norm, key)
            ranks.setdefault(norm, rank)
    return fields, ranks


def _values(data: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    values: dict[str, dict[str, Any]] = {}
    notes: dict[str, dict[str, str]] = {}
    for table, entries in data.get("values", {}).items():
        for written, meant in entries.items():
            key = value_key(written)
            if isinstance(meant, dict):
                values.setdefault(table, {})[key] = meant["value"]
                notes.setdefault(table, {})[key] = str(meant.get("note", ""))
            else:
                values.setdefault(table, {})[key] = meant
    return values, notes


@lru_cache(maxsize=1)
def shipped_vocabulary() -> Vocabulary:
    """The shipped labels and values alone (what a home without additions reads with)."""
    return build_vocabulary()


def build_vocabulary(labels: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
                     intake: dict[str, Any] | None = None, office: str = "北站街道办事处",
                     streets: tuple[str, ...] = ()) -> Vocabulary:
    """The shipped vocabulary with a home's [labels], [values.…] and [intake] added;
    ConfigError (with what to write instead) for anything it cannot use."""
    data = label_data()
    fields, ranks = _index(data)
    shipped_values, notes = _values(data)
    reading = data.get("reading", {})
    vocab = Vocabulary(
        fields=fields, ranks=ranks,
        ambiguous={normalise_label(k): tuple(v) for k, v in data.get("ambiguous", {}).items()},
        values=shipped_values, notes=notes,
        strip_prefixes=tuple(reading.get("strip_prefixes", ())),
        masked_marks=tuple(reading.get("masked_phone_marks", ())),
        value_suffixes=tuple(reading.get("value_suffixes", ())),
        our_streets=tuple(dict.fromkeys(street_core(s) for s in (office, *streets) if s)),
    )
    _add_labels(vocab, labels or {})
    _add_values(vocab, values or {})
    _add_intake(vocab, intake or {})
    return vocab


def _target(vocab: Vocabulary, label: str, meant: object) -> str:
    """What a [labels] line's right side names: a field key, a role, or a known label."""
    text = clean_text(meant, multiline=False)
    if text in INTAKE_FIELDS or text in KEPT_ROLES:
        return text
    if text in KEPT_ROLES.values():
        return next(k for k, v in KEPT_ROLES.items() if v == text)
    key = vocab.field_for(text)
    if key is None:
        known = "、".join(FIELD_LABELS[k] for k in INTAKE_FIELDS)
        raise ConfigError(
            f"hotline.toml 的 [labels] 中“{label}”= “{text}”：软件不认得“{text}”。"
            f"右边请写软件认得的栏目名称，如 {known}。")
    return key


def _add_labels(vocab: Vocabulary, labels: dict[str, Any]) -> None:
    for label, meant in labels.items():
        if isinstance(meant, dict):
            raise ConfigError(
                f"hotline.toml 的 [labels] 中“{label}”应写成 \"{label}\" = \"工单编号\" 这样一行。")
        norm = normalise_label(label)
        key = _target(vocab, label, meant)
        vocab.fields[norm] = key
        vocab.ranks[norm] = -1  # the home's own name comes first
        vocab.ambiguous.pop(norm, None)
        vocab.added[norm] = key


def _check_value(table: str, written: str, meant: Any) -> Any:
    allowed: tuple[Any, ...] = {"kind": KINDS, "priority": PRIORITIES, "order_role": ROLES,
                                "is_reminder": (True, False, "是", "否")}.get(table, ())
    if table == "category":
        text = clean_text(meant, multiline=False)
        if not text or len(text) > 8:
            raise ConfigError(f"hotline.toml 的 [values.category] 中“{written}”的类别应为 1 到 8 个字。")
        return text
    if meant not in allowed:
        shown = "、".join(str(a).lower() for a in allowed)
        raise ConfigError(f"hotline.toml 的 [values.{table}] 中“{written}”= “{meant}”：应为 {shown} 之一。")
    return {"是": True, "否": False}.get(meant, meant) if table == "is_reminder" else meant


def _add_values(vocab: Vocabulary, values: dict[str, Any]) -> None:
    for table, entries in values.items():
        if table not in CONFIG_VALUE_TABLES or not isinstance(entries, dict):
            names = "、".join(f"[values.{t}]" for t in CONFIG_VALUE_TABLES)
            raise ConfigError(f"hotline.toml 中的 [values.{table}] 无法使用：可写的是 {names}。")
        for written, meant in entries.items():
            key = value_key(written).lower() if table == "is_reminder" else value_key(written)
            vocab.values.setdefault(table, {})[key] = _check_value(table, written, meant)
            vocab.notes.get(table, {}).pop(key, None)


def _add_intake(vocab: Vocabulary, intake: dict[str, Any]) -> None:
    stand_in = intake.get("dispatch_from", ())
    if isinstance(stand_in, str):
        stand_in = (stand_in,)
    if not isinstance(stand_in, list | tuple) or not all(isinstance(s, str) for s in stand_in):
        raise ConfigError(
            'hotline.toml 的 [intake] dispatch_from 应写成 dispatch_from = "来电时间" 这样的栏目名称。')
    for label in stand_in:
        if vocab.field_for(label) == "dispatch_time":
            raise ConfigError(
                f"hotline.toml 的 [intake] dispatch_from 中的“{label}”本来就是派单时间，不必写。")
    vocab.dispatch_from = tuple(normalise_label(s) for s in stand_in)
    stricter = intake.get("stricter_priority", True)
    if not isinstance(stricter, bool):
        raise ConfigError("hotline.toml 的 [intake] stricter_priority 应为 true 或 false。")
    vocab.stricter_priority = stricter


# -- the printout's fixed words -----------------------------------------------------------------

@lru_cache(maxsize=1)
def other_labels() -> frozenset[str]:
    """Labels of the 转送单 that are not intake fields (承办单位处理情况 …)."""
    return frozenset(normalise_label(x) for x in label_data()["other"]["labels"])


@lru_cache(maxsize=1)
def page_lines() -> frozenset[str]:
    """Fixed header and footer lines of district printouts."""
    return frozenset(normalise_label(x) for x in label_data()["other"]["page_lines"])


def field_for_label(text: object) -> str | None:
    """The intake field a header cell names in the shipped vocabulary, or None."""
    return shipped_vocabulary().core_field(text)
