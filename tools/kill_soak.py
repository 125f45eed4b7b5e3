"""The long run of the kill harness: `python tools/kill_soak.py --kills 500 --minutes 10`.

Prints what it did and every invariant that failed; exits 1 if any did.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from kill_harness import harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        tally = harness(Path(work), kills=args.kills, seconds=args.minutes * 60,
                        orders=args.orders, seed=args.seed)
    print(f"kills: {tally.kills}  episodes: {tally.episodes}  completed runs: "
          f"{tally.completed_runs}  seconds: {time.monotonic() - began:.0f}")
    for failure in tally.failures:
        print("FAILED", failure)
    print("invariants held" if not tally.failures else f"{len(tally.failures)} failures")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
