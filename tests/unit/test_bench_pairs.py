"""The benchmark's pair statistics (bench/pairs.py): ratios within pairs, medians of them, runs in the right order.

The bench is not a test, but the arithmetic that turns its runs into the README's figures is: a ratio of medians
instead of a median of per-pair ratios, or A and B run out of order, would flatter one side without anyone seeing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, List

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


pairs = _load("pairs")
HEAVY = "b = bytearray(256 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\nsum(range(3_000_000))"


def test_spread_is_min_median_max() -> None:
    assert pairs.spread([3.0, 1.0, 2.0, 10.0, 4.0]) == pairs.Spread(1.0, 3.0, 10.0)
    assert pairs.spread([1.0, 2.0, 3.0, 4.0]).median == 2.5
    with pytest.raises(ValueError):
        pairs.spread([])


def test_ratio_is_median_of_per_pair_ratios_not_ratio_of_medians() -> None:
    # Pair ratios: 2.0, 4.0, 3.0, 1.0, 5.0 -> median 3.0. The ratio of the medians would be 5.0 / 2.0 = 2.5.
    walls_a = [2.0, 8.0, 6.0, 4.0, 5.0]
    walls_b = [1.0, 2.0, 2.0, 4.0, 1.0]
    comparison = pairs.Comparison(
        tuple(pairs.Run(w, w * 2, 1024) for w in walls_a), tuple(pairs.Run(w, w, 512) for w in walls_b)
    )
    assert comparison.ratios("wall") == [2.0, 4.0, 3.0, 1.0, 5.0]
    assert comparison.ratio("wall") == pairs.Spread(1.0, 3.0, 5.0)
    assert comparison.ratio("cpu") == pairs.Spread(2.0, 6.0, 10.0)
    assert comparison.ratio("rss_kib").median == 2.0
    assert comparison.side("a", "wall") == pairs.Spread(2.0, 5.0, 8.0)
    assert comparison.side("b", "wall") == pairs.Spread(1.0, 2.0, 4.0)


def test_comparison_needs_matching_pairs() -> None:
    run = pairs.Run(1.0, 1.0, 1)
    with pytest.raises(ValueError):
        pairs.Comparison((run, run), (run,))
    with pytest.raises(ValueError):
        pairs.Comparison((), ())


def test_failures_count_crashes_not_findings() -> None:
    ok, findings, crash = pairs.Run(1, 1, 1, 0), pairs.Run(1, 1, 1, 1), pairs.Run(1, 1, 1, -9)
    assert pairs.Comparison((ok, findings), (crash, ok)).failures() == 1


def test_interleave_warms_up_then_alternates() -> None:
    order: List[str] = []

    def side(name: str, wall: float) -> Any:
        order.append(name)
        return pairs.Run(wall, wall, 1)

    comparison = pairs.interleave(lambda: side("A", 2.0), lambda: side("B", 1.0), 5)
    assert order == ["A", "B"] + ["A", "B"] * 5  # one warm-up each, not counted
    assert len(comparison.a) == len(comparison.b) == 5
    assert comparison.ratio("wall").median == 2.0
    with pytest.raises(ValueError):
        pairs.interleave(lambda: side("A", 1.0), lambda: side("B", 1.0), 0)


def test_run_child_measures_the_child_alone(tmp_path: Path) -> None:
    """CPU and peak RSS come from wait4 of this child: a run that burns CPU and memory shows it, a light one not."""
    heavy = pairs.run_child([sys.executable, "-c", HEAVY])
    light = pairs.run_child([sys.executable, "-c", "pass"])
    assert heavy.status == 0 and light.status == 0
    assert heavy.rss_known and heavy.rss_kib > 256 * 1024 > heavy.rss_floor_kib
    assert light.rss_kib < heavy.rss_kib
    assert light.rss_floor_kib > 0  # a child's peak starts from the memory it inherits: recorded, not hidden
    assert heavy.cpu > light.cpu
    assert heavy.wall >= heavy.cpu / 4  # one process: its CPU time cannot exceed the wall time by much
    out = tmp_path / "out"
    assert pairs.run_child([sys.executable, "-c", "print('x'); raise SystemExit(3)"], stdout=str(out)).status == 3
    assert out.read_text() == "x\n"


def test_rss_at_the_floor_is_not_claimed() -> None:
    assert not pairs.Run(1.0, 1.0, 17_000, 0, 17_000).rss_known
    assert pairs.Run(1.0, 1.0, 90_000, 0, 17_000).rss_known
