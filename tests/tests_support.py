"""Small builders shared by several test modules."""

from __future__ import annotations

import random
from pathlib import Path

from pipeline.demo.samples import _table, write_xlsx


def valid_xlsx(path: Path) -> Path:
    from conftest import SEED_ORDERS  # noqa: PLC0415

    write_xlsx(path, _table(SEED_ORDERS, "seed", "iso", random.Random(0), extra=False))
    return path
