"""Write the golden input files of tests/golden/ with the project's sample generator.

Run once when the set of variations changes; the expected outputs beside them are then
regenerated on purpose with `UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import write_seed_samples  # noqa: E402

from pipeline.demo.samples import generate  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "inputs"


def main() -> int:
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    GOLDEN.mkdir(parents=True)
    write_seed_samples(GOLDEN)
    generate(GOLDEN, orders=14, seed=11, as_of=date(2026, 11, 27))
    for path in sorted(GOLDEN.iterdir()):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
