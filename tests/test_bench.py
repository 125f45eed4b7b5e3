"""The benchmark runs and prints its figures (timings are measured there, never asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import CONSOLE_ENCODING

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"


def test_bench_smoke() -> None:
    result = subprocess.run([sys.executable, str(BENCH), "--orders", "40", "--pdf-share", "0.2",
                             "--naive-sample", "5"], capture_output=True, text=True,
                            encoding=CONSOLE_ENCODING, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"orders/s: \d+  vs naive: [\d.]+×  peak MB: \d+", last), last
    for stage in ("read", "store", "deadlines", "documents", "workbooks"):
        assert re.search(rf"^\s+{stage}\s+[\d.]+$", result.stdout, re.MULTILINE), stage


def test_bench_one_csv_reads_the_whole_night_from_one_file() -> None:
    result = subprocess.run([sys.executable, str(BENCH), "--orders", "30", "--one-csv",
                             "--skip-naive"], capture_output=True, text=True,
                            encoding=CONSOLE_ENCODING, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "made 30 orders in 1 files" in result.stdout, result.stdout
    assert "documents: 30  new orders: 30  files: 1" in result.stdout, result.stdout
    assert re.search(r"peak MB: \d+$", result.stdout.strip()), result.stdout


def test_bench_offices_checks_each_street_and_the_district() -> None:
    result = subprocess.run([sys.executable, str(BENCH), "--offices", "2", "--orders", "15"],
                            capture_output=True, text=True, encoding=CONSOLE_ENCODING,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "total: 30 orders made, 30 stored (each office exactly its own)" in result.stdout
    assert ("views: 2/2 streets list exactly their own orders, each once; the district lists "
            "30 (30 distinct) of 30 sent, ranks 2 streets; district figures equal the sum"
            in result.stdout), result.stdout
