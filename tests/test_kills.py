"""Fifty random kills of the nightly batch, each at a random moment: nothing lost, nothing
twice, the store consistent, no half-written file where a clerk looks."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from kill_harness import harness

pytestmark = pytest.mark.slow  # CI's extra runs (other days, GBK console) skip these


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="the harness forks so that each kill costs no start-up time")
def test_fifty_random_kills(tmp_path: Path) -> None:
    # The time limit only guards against a hang; the kills, not the seconds, are the test.
    tally = harness(tmp_path, kills=50, seconds=900, orders=10, seed=2026)
    assert tally.failures == []
    assert tally.kills == 50, f"only {tally.kills} kills before the hang guard"
    assert tally.episodes >= 2 and tally.completed_runs >= 2
