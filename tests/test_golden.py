"""Golden files beside their inputs: each input's normalised orders, and a whole night's
`list --json`. Compared with a readable diff; regenerated only on purpose with
UPDATE_GOLDEN=1 (after `python tools/make_golden.py` if the inputs themselves change)."""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, Hotline, age

from pipeline.config import Limits
from pipeline.errors import FileRejectedError
from pipeline.intake import read_file

GOLDEN = Path(__file__).parent / "golden"
INPUTS = sorted((GOLDEN / "inputs").glob("*.*"))
INPUTS = [p for p in INPUTS if not p.name.endswith(".expected.json")]
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def compare(actual: Any, expected_path: Path) -> None:
    text = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if UPDATE:
        expected_path.write_text(text, encoding="utf-8")
        return
    assert expected_path.exists(), f"{expected_path.name} missing: run with UPDATE_GOLDEN=1"
    expected = expected_path.read_text(encoding="utf-8")
    if text != expected:
        diff = "\n".join(difflib.unified_diff(
            expected.splitlines(), text.splitlines(), "expected", "actual", lineterm=""))
        pytest.fail(f"{expected_path.name} differs:\n{diff}")


def read_as_json(path: Path) -> dict[str, Any]:
    try:
        result = read_file(path, Limits())
    except FileRejectedError as exc:
        return {"rejected": exc.reason}
    return {
        "orders": [{**o.fields(), "location": o.location, "notes": o.notes} for o in result.orders],
        "problems": [p.text() for p in result.problems],
    }


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_intake_golden(path: Path) -> None:
    compare(read_as_json(path), path.with_name(path.name + ".expected.json"))


def test_night_golden(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    for path in INPUTS:
        age(Path(shutil.copy(path, home / "inbox" / path.name)))
    hotline = Hotline(home)

    result = hotline.run()

    assert result.exit_code == 1  # the file with a bad row is set aside
    listed = hotline.orders(AS_OF)
    for order in listed:
        order.pop("first_contact_at")  # none yet; keeps the golden file about intake
    compare(listed, GOLDEN / "night.list.expected.json")
