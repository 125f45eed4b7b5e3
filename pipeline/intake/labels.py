"""Header labels of district exports → our field keys, from `labels.toml` (synonyms as data)."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from pipeline.normalise import clean_text, halfwidth


@lru_cache(maxsize=1)
def label_data() -> dict[str, Any]:
    raw = resources.files("pipeline.intake").joinpath("labels.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def normalise_label(text: object) -> str:
    """A header label reduced for comparison: no spaces, colons, stars or full-width."""
    label = halfwidth(clean_text(text, multiline=False))
    return re.sub(r"[\s:：*＊]", "", label)


@lru_cache(maxsize=1)
def label_index() -> dict[str, str]:
    """Every known label (normalised) → field key."""
    index: dict[str, str] = {}
    for key, labels in label_data().items():
        if key in ("values", "other"):
            continue
        for label in labels:
            index[normalise_label(label)] = key
    return index


@lru_cache(maxsize=1)
def other_labels() -> frozenset[str]:
    """Labels of the 转送单 that are not intake fields (承办单位处理情况 …)."""
    return frozenset(normalise_label(x) for x in label_data()["other"]["labels"])


@lru_cache(maxsize=1)
def page_lines() -> frozenset[str]:
    """Fixed header and footer lines of district printouts."""
    return frozenset(normalise_label(x) for x in label_data()["other"]["page_lines"])


def field_for_label(text: object) -> str | None:
    """The field a header cell names, or None. A bracketed note is ignored: 联系电话(手机)."""
    label = normalise_label(text)
    if not label:
        return None
    index = label_index()
    if label in index:
        return index[label]
    bare = re.sub(r"[(（\[【].*?[)）\]】]$", "", label)
    return index.get(bare)
